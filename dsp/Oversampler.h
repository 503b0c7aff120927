#pragma once
// The up/down chain around a model's nonlinearity. [prepare: non-real-time;
// everything else: audio thread unless noted]
//
// The factor depends on the host rate so that the nonlinearity always runs
// near 176.4/192 kHz: 4x (two halfband stages) below 88.2 kHz, 2x at
// 88.2/96 kHz, 1x at 176.4/192 kHz and above.
//
// Stage 1 (host rate <-> 2x) is the steep one: flat to 20 kHz at 48 kHz, with
// its stopband from 28 kHz, so nothing folds into 20 Hz..20 kHz. Stage 2
// (2x <-> 4x) only has to keep the 4x-rate images and harmonics above 76 kHz out
// of the audio band, which a wide transition allows with few coefficients.
//
// The chain's delay is not an integer; lowFrequencyDelay() gives it exactly (in
// host-rate samples, for low frequencies) so the models can add a fractional
// allpass and report an exact integer latency.

#include <vector>

#include "dsp/Halfband.h"

namespace gainstage {

class Oversampler {
public:
    // [any thread] 1, 2 or 4.
    static int factorFor(double sampleRate) noexcept;
    // [any thread] Low-frequency delay of one up + down pass at `sampleRate`, host-rate samples.
    static double lowFrequencyDelayFor(double sampleRate) noexcept;
    // [any thread] The two designs (computed once, then shared).
    static const std::vector<double>& steepCoefficients() noexcept;
    static const std::vector<double>& lightCoefficients() noexcept;

    // [non-real-time]
    void prepare(double sampleRate, int maxBlockSize, int channels);
    void reset() noexcept;

    int factor() const noexcept { return factor_; }
    double lowFrequencyDelay() const noexcept { return delay_; }

    // `count` (<= maxBlockSize) host-rate samples of `channel` in; returns the
    // factor*count oversampled samples in a buffer owned by the Oversampler,
    // valid until the next upsample(). At 1x it copies.
    float* upsample(int channel, const float* in, int count) noexcept;
    // factor*count oversampled samples in (may be the buffer upsample returned), `count` out.
    void downsample(int channel, const float* in, float* out, int count) noexcept;

private:
    struct ChannelFilters {
        HalfbandFilter up1, up2, down1, down2;
    };
    std::vector<ChannelFilters> filters_;
    std::vector<float> high_, middle_;
    int factor_ = 1;
    double delay_ = 0.0;
};

} // namespace gainstage
