#pragma once
// The up/down chain around a model's nonlinearity. [prepare: non-real-time;
// everything else: audio thread unless noted]
//
// The factor depends on the host rate so that the nonlinearity always runs
// near 176.4/192 kHz: 4x (two halfband stages) below 88.2 kHz, 2x at
// 88.2/96 kHz, 1x at 176.4/192 kHz and above.
//
// Stage 1 (host rate <-> 2x) is the steep one: 8 coefficients, flat to 20 kHz
// at 48 kHz and ~128 dB down from 28 kHz, so nothing folds into 20 Hz..20 kHz.
// Stage 2 (2x <-> 4x) only has to keep images and harmonics above ~77 kHz out of
// the audio band, which its wide transition allows with 2 coefficients (~73 dB,
// applied on the way up and again on the way down).
//
// Speed: the two allpass branches of a halfband run side by side in the lanes
// of one 4-float vector (lane 0 branch A, lane 1 branch B), so a stage costs
// one vector section per coefficient pair. The models call the per-sample
// inline functions (upsample<F>/downsample<F>) inside their own loops, so the
// recursions of the different stages overlap instead of running one after the
// other; the block functions are for callers without a loop of their own.
//
// The chain's delay is not an integer; lowFrequencyDelay() gives it exactly (in
// host-rate samples, for low frequencies) so the models can add a fractional
// allpass and report an exact integer latency.

#include <vector>

#include "dsp/Halfband.h"

namespace gainstage {

// GCC/Clang vector extension: SSE on x86, NEON on ARM, plain code elsewhere.
using Float4 = float __attribute__((vector_size(16)));

// Both branches of one halfband, `Sections` first-order allpass sections each.
template <int Sections>
struct AllpassPair {
    Float4 coefficient[Sections]{};
    Float4 state[Sections + 1]{}; // x[n-1] of the first section, then y[n-1] of every section

    // One low-rate sample per lane: y = a x + x[n-1] - a y[n-1], ordered so that
    // the recursion through y[n-1] is one multiply and one subtract.
    inline Float4 process(Float4 x) noexcept {
        for (int i = 0; i < Sections; ++i) {
            const Float4 y = (coefficient[i] * x + state[i]) - coefficient[i] * state[i + 1];
            state[i] = x;
            x = y;
        }
        state[Sections] = x;
        return x;
    }
    void reset() noexcept {
        for (auto& s : state) s = Float4{};
    }
};

class Oversampler {
public:
    static constexpr int kSteepSections = 4; // 8 coefficients
    static constexpr int kLightSections = 1; // 2 coefficients
    // Transition bands, as fractions of each stage's high rate (see HalfbandSpec).
    static constexpr double kSteepTransition = 0.0833;
    static constexpr double kLightTransition = 0.3;

    struct Channel {
        AllpassPair<kSteepSections> up1, down1;
        AllpassPair<kLightSections> up2, down2;
    };

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

    // The state of one channel, for the per-sample functions. Copy it into a local
    // for the length of a block (so it lives in registers) and back afterwards.
    Channel& channel(int index) noexcept { return channels_[static_cast<size_t>(index)]; }

    // One host-rate sample in, F oversampled samples out in lanes 0..F-1.
    template <int F>
    static inline Float4 upsample(Channel& c, float x) noexcept {
        if constexpr (F == 1) {
            return Float4{x, 0.0f, 0.0f, 0.0f};
        } else if constexpr (F == 2) {
            return c.up1.process(Float4{x, x, 0.0f, 0.0f});
        } else {
            const Float4 middle = c.up1.process(Float4{x, x, 0.0f, 0.0f});
            const Float4 first = c.up2.process(Float4{middle[0], middle[0], 0.0f, 0.0f});
            const Float4 second = c.up2.process(Float4{middle[1], middle[1], 0.0f, 0.0f});
            return Float4{first[0], first[1], second[0], second[1]};
        }
    }

    // F oversampled samples (lanes 0..F-1) in, one host-rate sample out. The
    // decimator keeps output phase 2n + 1: branch A (lane 0) takes the odd input.
    template <int F>
    static inline float downsample(Channel& c, Float4 high) noexcept {
        if constexpr (F == 1) {
            return high[0];
        } else if constexpr (F == 2) {
            const Float4 y = c.down1.process(Float4{high[1], high[0], 0.0f, 0.0f});
            return 0.5f * (y[0] + y[1]);
        } else {
            const Float4 first = c.down2.process(Float4{high[1], high[0], 0.0f, 0.0f});
            const Float4 second = c.down2.process(Float4{high[3], high[2], 0.0f, 0.0f});
            const float m0 = 0.5f * (first[0] + first[1]);
            const float m1 = 0.5f * (second[0] + second[1]);
            const Float4 y = c.down1.process(Float4{m1, m0, 0.0f, 0.0f});
            return 0.5f * (y[0] + y[1]);
        }
    }

    // Block forms. upsample: `count` (<= maxBlockSize) host-rate samples of
    // `channel` in; returns factor*count oversampled samples in a buffer owned by
    // the Oversampler, valid until the next upsample().
    float* upsample(int channel, const float* in, int count) noexcept;
    // factor*count oversampled samples in (may be the buffer upsample returned), `count` out.
    void downsample(int channel, const float* in, float* out, int count) noexcept;

private:
    std::vector<Channel> channels_;
    std::vector<float> high_;
    int factor_ = 1;
    double delay_ = 0.0;
};

} // namespace gainstage
