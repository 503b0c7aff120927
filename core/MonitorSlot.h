#pragma once
// The monitor section's slot between the master bus and the outputs. Today it
// passes audio through; the monitor-simulation issue replaces the processing.
// It already owns the switch-on rule (shared/REFERENCE.md, "Switch-on order"):
//
//   Settling : output exactly silent until the stream has run stably for
//              kSettleSeconds (250 ms). An xrun while settling restarts the count.
//   FadingIn : gain rises linearly from 0 to 1 over kFadeInSeconds (200 ms):
//              sample k of the fade (k = 0..N-1) has gain (k + 1) / N.
//   Open     : unity, bit-transparent.
//   FadingOut: asked for before a stop or a device change; gain falls linearly
//              to 0 over kFadeOutSeconds (50 ms) from wherever it is.
//   Closed   : exactly silent; fadeOutDone() turns true (the control thread
//              polls it, or waits on Engine::fadeOutAndWait()).
//
// Processor shape. Threads: prepare() on the control thread; reset(),
// process(), noteInstability() on the audio thread; requestFadeOut(),
// fadeOutDone() and state() from any thread.

#include <atomic>
#include <cstdint>

#include "dsp/Processor.h"

namespace gainstage {

class MonitorSlot final : public Processor {
public:
    static constexpr double kSettleSeconds = 0.25;
    static constexpr double kFadeInSeconds = 0.2;
    static constexpr double kFadeOutSeconds = 0.05;

    enum class State : uint8_t { Settling, FadingIn, Open, FadingOut, Closed };

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
    // [audio thread] True once, in the block where the fade-out completed.
    bool takeFadeOutCompleted() noexcept {
        const bool done = fadeOutJustDone_;
        fadeOutJustDone_ = false;
        return done;
    }

private:
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
