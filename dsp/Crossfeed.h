#pragma once
// Headphone crossfeed, equivalent to bs2b's. [prepare: non-real-time;
// reset/process: audio thread; setters: any thread]
//
// On speakers each ear hears both speakers; the far one arrives later and with
// its highs shadowed by the head. Headphones give each ear one channel only,
// which is what makes hard-panned mixes tiring. Crossfeed puts a little of the
// far channel back, the way the head would:
//
//   out L = k (direct(L) + cross(R)),  out R = k (direct(R) + cross(L))
//
//   cross  = first-order low-pass at the cutoff (the head shadow), at
//            -3 - 5/6 feed dB;
//   direct = first-order high shelf: 0 dB at the top, -3 + feed/6 dB at the
//            bottom, so that at low frequencies (which the head does not
//            shadow) direct and cross differ by exactly `feed` dB; its corner
//            is bs2b's, the cutoff times 2^((cross level - shelf depth) / 12 dB),
//            which puts the shelf's rise where the cross path falls away;
//   k      = 1 / (direct + cross at DC), so a centred (mono) bass keeps its level.
//
// The one-pole filters are realised by impulse invariance (pole e^(-2 pi f / fs)),
// as bs2b does, so the two agree within hundredths of a dB at every frequency
// (test_monitor_dsp checks against bs2bconvert, within 0.1 dB).
//
// Cutoff and feed glide (50 ms): while they move the coefficients are recomputed
// every sample, so a preset change never clicks and the output does not depend
// on block boundaries. Mono blocks pass untouched.

#include <atomic>

#include "dsp/PreampRamp.h"
#include "dsp/Processor.h"

namespace gainstage {

inline constexpr float kCrossfeedMinHz = 300.0f, kCrossfeedMaxHz = 2000.0f;
inline constexpr float kCrossfeedMinDb = 1.0f, kCrossfeedMaxDb = 15.0f;

enum class CrossfeedPreset { None, Default, ChuMoy, Meier, Custom };

struct CrossfeedSetting {
    float cutoffHz = 700.0f;
    float feedDb = 4.5f;
};
// bs2b's presets: default 700 Hz / 4.5 dB, Chu Moy 700 Hz / 6 dB, Jan Meier 650 Hz / 9.5 dB.
CrossfeedSetting crossfeedPresetSetting(CrossfeedPreset preset) noexcept;

class Crossfeed final : public Processor {
public:
    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    void reset() noexcept override;
    void process(AudioBlock& block) noexcept override;

    // [any thread] Clamped to 300..2000 Hz and 1..15 dB.
    void setCutoffHz(float hz) noexcept;
    void setFeedDb(float db) noexcept;
    void setSetting(CrossfeedSetting s) noexcept {
        setCutoffHz(s.cutoffHz);
        setFeedDb(s.feedDb);
    }
    float cutoffHz() const noexcept { return cutoffHz_.load(std::memory_order_relaxed); }
    float feedDb() const noexcept { return feedDb_.load(std::memory_order_relaxed); }

    struct Coefficients {
        double crossGain = 0, crossPole = 0;             // cross: y = crossGain x + crossPole y1
        double directB0 = 1, directB1 = 0, directPole = 0; // direct: y = b0 x + b1 x1 + pole y1
        double output = 1;
    };
    // [any thread] The filters for a cutoff and feed at `sampleRate`.
    static Coefficients design(double cutoffHz, double feedDb, double sampleRate) noexcept;

private:
    std::atomic<float> cutoffHz_{700.0f}, feedDb_{4.5f};
    PreampRamp cutoff_, feed_;
    Coefficients coefficients_;
    double sampleRate_ = 48000.0;
    // Per channel: cross low-pass output, direct shelf's last input and output.
    double crossL_ = 0, crossR_ = 0, directXL_ = 0, directXR_ = 0, directYL_ = 0, directYR_ = 0;
};

} // namespace gainstage
