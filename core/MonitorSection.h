#pragma once
// The monitor section the engine runs on its master bus: the controls a
// recordist touches (Speakers/Headphones, speaker model, amp, crossfeed,
// monitor volume, Dim, Mono, Mute) in front of dsp::MonitorChain.
//
// Why a layer over MonitorChain: MonitorChain::setSettings() takes a whole
// settings struct, so two threads each changing one control through
// settings()/setSettings() could lose one of the changes. Here every control
// is its own atomic; the audio thread gathers them once per block and hands
// the result to the chain, which smooths or crossfades every change (no
// clicks), so a control set from any thread is applied at the next block.
//
// What is heard, never what is recorded: the engine runs this after the
// capture rings are written and before the outputs only, and offline export
// (OfflineRender) never includes it.
//
// Mono or stereo: prepared with the monitor's channel count (1 for a one-output
// device, else 2: the first pair of outputs).
//
// Threads: prepare() [control thread, stream stopped]; process() [audio thread];
// setters, settings(), programme level and listening level [any thread].

#include <atomic>

#include "dsp/MonitorChain.h"
#include "dsp/Processor.h"

namespace gainstage {

class MonitorSection final : public Processor {
public:
    // The window of the programme level behind listeningLevelDbSpl() (a slow RMS).
    static constexpr double kProgrammeSeconds = 0.3;

    MonitorSection();

    // [control thread] Allocates the chain's buffers; the current controls take effect at once.
    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    // [audio thread] Jump to the current controls, with no glide or crossfade.
    void reset() noexcept override;
    // [audio thread] In place; only the first `channels` (as prepared) are touched.
    void process(AudioBlock& block) noexcept override;
    // [any thread] The current setting's latency (the amp's oversampling for a speaker model).
    int latencySamples() const noexcept override;

    // ---- Controls [any thread]; clamped to what the chain accepts ----
    void setOutput(MonitorOutput output) noexcept;
    void setSpeaker(SpeakerId speaker) noexcept;
    // 0 (or < 0 for the output impedance) means the speaker's usual amp.
    void setAmpPowerW(float watts) noexcept;
    void setAmpLoadOhms(float ohms) noexcept;
    void setAmpOutputOhms(float ohms) noexcept;
    void setAmpGainDb(float db) noexcept;
    void setAmpSag(bool on) noexcept;
    void setCrossfeed(CrossfeedPreset preset) noexcept;
    // A custom cutoff and feed; also selects CrossfeedPreset::Custom.
    void setCustomCrossfeed(float cutoffHz, float feedDb) noexcept;
    void setVolumeDb(float db) noexcept;
    void setDim(bool on) noexcept;
    void setMono(bool on) noexcept;
    void setMute(bool on) noexcept;
    // Every control at once (each still its own atomic: a block may see part of it).
    void setSettings(const MonitorSettings& settings) noexcept;
    MonitorSettings settings() const noexcept;

    // ---- For the UI [any thread] ----
    // The amp this setting resolves to (the speaker's usual one where a control says 0).
    ResolvedAmp resolvedAmp() const noexcept { return resolveAmp(settings()); }
    // Damping factor: nominal load / output impedance (infinite at 0 ohm).
    double dampingFactor() const noexcept;
    // RMS of the master bus going into the section, dBFS, over about kProgrammeSeconds.
    double programmeRmsDbfs() const noexcept { return programmeRmsDbfs_.load(std::memory_order_relaxed); }
    // "≈ N dB SPL at 1 m": what the chosen speaker, driven by its amp at this gain,
    // would play at 1 m for a programme of `signalRmsDbfs` (capped where the amp
    // clips). NaN for Headphones and Flat, where there is no speaker to ask.
    double listeningLevelDbSpl(double signalRmsDbfs) const noexcept;
    // The same for the programme being monitored now.
    double listeningLevelDbSpl() const noexcept { return listeningLevelDbSpl(programmeRmsDbfs()); }

private:
    MonitorChain chain_;
    // Controls, one atomic each.
    std::atomic<int> output_{0}, speaker_{0}, crossfeed_{0};
    std::atomic<float> ampPowerW_{0.0f}, ampLoadOhms_{0.0f}, ampOutputOhms_{-1.0f}, ampGainDb_{0.0f};
    std::atomic<float> crossfeedHz_{700.0f}, crossfeedDb_{4.5f}, volumeDb_{0.0f};
    std::atomic<bool> ampSag_{false}, dim_{false}, mono_{false}, mute_{false};
    // [audio thread] programme level
    double meanSquare_ = 0.0;
    double programmeCoefficientPerSample_ = 0.0;
    int channels_ = 2;
    std::atomic<double> programmeRmsDbfs_{-200.0};
};

} // namespace gainstage
