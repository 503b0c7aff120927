#pragma once
// Level meter for one channel, run on the audio thread without allocation.
// It measures sample peak, true peak (ITU-R BS.1770-4 Annex 2), 300 ms RMS,
// K-weighted momentary / short-term / integrated loudness (EBU R128) of the
// channel as a mono programme, clip events and the window status, and
// publishes a MeterSnapshot that one other thread reads wait-free.
//
// Ballistics (shared/REFERENCE.md): the peak bar falls at 13.3 dB/s by default;
// the peak-hold line holds 2 s, then falls at the same rate. A clip is 3 or
// more consecutive samples at full scale, or any sample above full scale.
// The Clipped status and the clip counts hold until resetClip()/reset().

#include <atomic>
#include <cstdint>
#include <memory>

#include "dsp/Processor.h"

namespace gainstage {

enum class WindowStatus : uint8_t { Low, InWindow, Clipped };

struct LevelWindow {
    float lowDb = -6.0f;
    float highDb = 0.0f;
};

// Every level in dB is -infinity for silence.
struct MeterSnapshot {
    float samplePeakDb;      // largest |x| in the most recent block
    float truePeakDb;        // largest interpolated peak in the most recent block (dBTP)
    float peakBarDb;         // sample peak with the falloff ballistic
    float peakHoldDb;        // held peak line (hold, then falloff)
    float truePeakHoldDb;    // held true peak (hold, then falloff)
    float rmsDb;             // 300 ms rectangular window
    float momentaryLufs;     // 400 ms
    float shortTermLufs;     // 3 s
    float integratedLufs;    // gated, since reset(); updated every 100 ms
    float maxSamplePeakDb;   // since reset()
    float maxTruePeakDb;     // since reset()
    float maxMomentaryLufs;  // since reset(), at 100 ms steps
    float maxShortTermLufs;  // since reset(), at 100 ms steps
    uint64_t clipEvents;     // runs of clipped samples since the clip was last reset
    uint64_t clippedSamples; // samples in those runs
    uint64_t framesMeasured; // since reset()
    WindowStatus status;     // of the held true peak against the window; Clipped latches
};

class Meter final : public Processor {
public:
    Meter();
    ~Meter() override;

    // [non-real-time, before prepare()] Whether to measure loudness (momentary,
    // short-term, integrated and their maxima; on by default). Off, those read as
    // silence and the meter needs about 1 MB less (the 3 s short-term window and
    // the gate's bins): the engine's live meters show peaks and RMS only.
    void setMeasuresLoudness(bool on) noexcept;
    // [non-real-time] `channels` must be 1: one Meter per channel.
    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    // [non-real-time or audio thread]
    void reset() noexcept override;
    // [audio thread] Measures block.channel(0); the audio is not changed.
    void process(AudioBlock& block) noexcept override;
    // [audio thread] Same, on a raw pointer.
    void measure(const float* samples, int numFrames) noexcept;

    // [any thread] The target window, and the falloff in dB/s (default 13.3).
    void setWindow(LevelWindow window) noexcept;
    void setFalloffDbPerSecond(float dbPerSecond) noexcept;
    // [any thread] Clear the clip latch and counts (the user clicked the clip light).
    void resetClip() noexcept;

    // [the one reader thread] Latest published snapshot; wait-free.
    MeterSnapshot snapshot() noexcept;
    // [the audio thread, or any thread when the meter is not running]
    // The current state, computed directly; for offline analysis.
    MeterSnapshot currentSnapshot() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Programme loudness across several channels (BS.1770 channel weights), for
// whole-file analysis. [one thread: the one that calls prepare/process]
class LoudnessMeter final : public Processor {
public:
    LoudnessMeter();
    ~LoudnessMeter() override;

    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    void reset() noexcept override;
    void process(AudioBlock& block) noexcept override; // measures, does not change the audio

    float momentaryLufs() const noexcept;
    float shortTermLufs() const noexcept;
    float integratedLufs() const noexcept;
    float maxMomentaryLufs() const noexcept;  // at every 100 ms step
    float maxShortTermLufs() const noexcept;  // at every 100 ms step

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace gainstage
