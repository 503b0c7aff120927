#pragma once
// The monitor section's slot between the master bus and the outputs: it runs
// the MonitorSection (power amp and speaker, or headphones and crossfeed, then
// Mono, volume, Dim, Mute) and, after it, the switch-on rule (shared/REFERENCE.md,
// "Switch-on order": the power amp comes on last, so its gate is the last stage):
//
//   Settling : output exactly silent until the stream has run stably for
//              kSettleSeconds (250 ms). An xrun while settling restarts the count.
//   FadingIn : gain rises linearly from 0 to 1 over kFadeInSeconds (200 ms):
//              sample k of the fade (k = 0..N-1) has gain (k + 1) / N.
//   Open     : unity, bit-transparent (so Flat with neutral controls passes
//              the master bus through bit for bit).
//   FadingOut: asked for before a stop or a device change; gain falls linearly
//              to 0 over kFadeOutSeconds (50 ms) from wherever it is.
//   Closed   : exactly silent; fadeOutDone() turns true (the control thread
//              polls it, or waits on Engine::fadeOutAndWait()).
//
// The section runs in every state, so its filters are settled by the time the
// fade-in starts, and a control changed while muted is already in place.
//
// Processor shape. Threads: prepare() on the control thread; reset(),
// process(), noteInstability() on the audio thread; requestFadeOut(),
// fadeOutDone(), state() and the section's controls from any thread.

#include <atomic>
#include <cstdint>

#include "core/MonitorSection.h"
#include "dsp/Processor.h"

namespace gainstage {

class MonitorSlot final : public Processor {
public:
    static constexpr double kSettleSeconds = 0.25;
    static constexpr double kFadeInSeconds = 0.2;
    static constexpr double kFadeOutSeconds = 0.05;

    enum class State : uint8_t { Settling, FadingIn, Open, FadingOut, Closed };

    // `channels`: 1 for a one-output device, else 2 (the section's width).
    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    // Back to Settling: a (re)started stream earns its fade-in again.
    void reset() noexcept override;
    void process(AudioBlock& block) noexcept override;

    // [audio thread] The stream glitched: while settling, the stable time starts again.
    void noteInstability() noexcept;
    // [any thread]
    void requestFadeOut() noexcept { fadeOutRequested_.store(true, std::memory_order_release); }
    bool fadeOutDone() const noexcept { return state_.load(std::memory_order_acquire) == State::Closed; }
    State state() const noexcept { return state_.load(std::memory_order_acquire); }
    // [any thread] The controls (atomic setters) and the listening level.
    MonitorSection& section() noexcept { return section_; }
    const MonitorSection& section() const noexcept { return section_; }
    // [audio thread] True once, in the block where the fade-out completed.
    bool takeFadeOutCompleted() noexcept {
        const bool done = fadeOutJustDone_;
        fadeOutJustDone_ = false;
        return done;
    }

private:
    void gate(AudioBlock& block) noexcept;

    MonitorSection section_;
    int64_t settleFrames_ = 12000;
    int64_t fadeInFrames_ = 9600;
    int64_t fadeOutFrames_ = 2400;
    // [audio thread]
    int64_t counter_ = 0; // frames settled, or frames into the fade-in
    double gain_ = 0.0;
    double fadeOutStep_ = 0.0;
    bool fadeOutJustDone_ = false;
    std::atomic<State> state_{State::Settling};
    std::atomic<bool> fadeOutRequested_{false};
};

} // namespace gainstage
