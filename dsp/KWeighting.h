#pragma once
// K-weighting filter of ITU-R BS.1770-4 for one channel: the "pre-filter"
// (a high shelf of about +4 dB above 2 kHz, modelling the head) followed by the
// RLB high-pass (about 38 Hz). [prepare: non-real-time; process: audio thread]
//
// The Recommendation tabulates coefficients for 48 kHz only. Here both stages
// are analogue prototypes (the corner frequency, Q and gain that reproduce the
// 48 kHz table), discretised with the bilinear transform pre-warped at each
// stage's corner, so any sample rate gets the same response where it matters.
// At 48 kHz the result equals the published table to about 1e-8.
//
// The poles of the high-pass sit very close to z = 1 (more so at 192 kHz), so
// the state is double precision. Input must be finite; the caller sanitises.

#include <cmath>

#include "dsp/DspMath.h"

namespace gainstage {

struct KWeightingBiquad {
    // y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2]
    double b0 = 1.0, b1 = 0.0, b2 = 0.0, a1 = 0.0, a2 = 0.0;
};

class KWeighting {
public:
    // Analogue prototype of the pre-filter: a second-order high shelf.
    static constexpr double kShelfHz = 1681.974450955533;
    static constexpr double kShelfGainDb = 3.999843853973347;
    static constexpr double kShelfQ = 0.7071752369554196;
    // The shelf's mid-band numerator term scales as gain^kShelfMidExponent (slightly
    // under the square root of the gain), which is what makes the prototype meet the table.
    static constexpr double kShelfMidExponent = 0.4996667741545416;
    // Analogue prototype of the RLB weighting: a second-order high-pass.
    static constexpr double kHighPassHz = 38.13547087602444;
    static constexpr double kHighPassQ = 0.5003270373238773;

    static KWeightingBiquad designShelf(double sampleRate) noexcept {
        // Bilinear transform with s -> (1/K)(z-1)/(z+1), K = tan(pi f0 / fs), so the
        // digital corner lands exactly on f0.
        const double k = std::tan(kPi * kShelfHz / sampleRate);
        const double high = std::pow(10.0, kShelfGainDb / 20.0);
        const double mid = std::pow(high, kShelfMidExponent);
        const double norm = 1.0 / (1.0 + k / kShelfQ + k * k);
        KWeightingBiquad q;
        q.b0 = (high + mid * k / kShelfQ + k * k) * norm;
        q.b1 = 2.0 * (k * k - high) * norm;
        q.b2 = (high - mid * k / kShelfQ + k * k) * norm;
        q.a1 = 2.0 * (k * k - 1.0) * norm;
        q.a2 = (1.0 - k / kShelfQ + k * k) * norm;
        return q;
    }

    static KWeightingBiquad designHighPass(double sampleRate) noexcept {
        const double k = std::tan(kPi * kHighPassHz / sampleRate);
        const double norm = 1.0 / (1.0 + k / kHighPassQ + k * k);
        KWeightingBiquad q;
        // The Recommendation leaves the numerator at 1, -2, 1 instead of scaling it
        // for unity passband gain (the gain there is 1 + K/Q + K^2, +0.04 dB at
        // 48 kHz). Its -0.691 dB loudness offset is calibrated with that
        // convention, so it is kept, as every reference implementation does.
        q.b0 = 1.0;
        q.b1 = -2.0;
        q.b2 = 1.0;
        q.a1 = 2.0 * (k * k - 1.0) * norm;
        q.a2 = (1.0 - k / kHighPassQ + k * k) * norm;
        return q;
    }

    // [non-real-time]
    void prepare(double sampleRate) noexcept {
        shelf_ = designShelf(sampleRate);
        highPass_ = designHighPass(sampleRate);
        reset();
    }

    // [non-real-time or audio thread]
    void reset() noexcept { sx1_ = sx2_ = sy1_ = sy2_ = hx1_ = hx2_ = hy1_ = hy2_ = 0.0; }

    // [audio thread] out[i] = K-weighted in[i]. `in` must be finite.
    void process(const float* in, double* out, int n) noexcept {
        const KWeightingBiquad s = shelf_, h = highPass_;
        double sx1 = sx1_, sx2 = sx2_, sy1 = sy1_, sy2 = sy2_;
        double hx1 = hx1_, hx2 = hx2_, hy1 = hy1_, hy2 = hy2_;
        for (int i = 0; i < n; ++i) {
            const double x = in[i];
            // Direct form I, with the feedback term of the previous output added
            // last: the loop-carried chain is then one multiply and one add.
            const double y = (s.b0 * x + s.b1 * sx1 + s.b2 * sx2 - s.a2 * sy2) - s.a1 * sy1;
            sx2 = sx1;
            sx1 = x;
            sy2 = sy1;
            sy1 = y;
            const double z = ((y - 2.0 * hx1 + hx2) - h.a2 * hy2) - h.a1 * hy1;
            hx2 = hx1;
            hx1 = y;
            hy2 = hy1;
            hy1 = z;
            out[i] = z;
        }
        sx1_ = sx1;
        sx2_ = sx2;
        sy1_ = sy1;
        sy2_ = sy2;
        hx1_ = hx1;
        hx2_ = hx2;
        hy1_ = hy1;
        hy2_ = hy2;
    }

    const KWeightingBiquad& shelf() const noexcept { return shelf_; }
    const KWeightingBiquad& highPass() const noexcept { return highPass_; }

private:
    KWeightingBiquad shelf_, highPass_;
    double sx1_ = 0.0, sx2_ = 0.0, sy1_ = 0.0, sy2_ = 0.0;
    double hx1_ = 0.0, hx2_ = 0.0, hy1_ = 0.0, hy2_ = 0.0;
};

} // namespace gainstage
