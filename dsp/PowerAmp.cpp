// The power amp: gain, soft-knee rail clipping (oversampled), supply sag.
// [see PowerAmp.h for threads]
#include "dsp/PowerAmp.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "dsp/Denormals.h"
#include "dsp/DspMath.h"

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace gainstage {

namespace {

constexpr double kGainGlideSeconds = 0.05;

#if defined(__SSE__)
inline Float4 ampSqrt4(Float4 v) noexcept { return (Float4)_mm_sqrt_ps((__m128)v); }
#else
inline Float4 ampSqrt4(Float4 v) noexcept {
    for (int k = 0; k < 4; ++k) v[k] = std::sqrt(v[k]);
    return v;
}
#endif

// Non-finite input is a dropout; absurd levels (past +60 dBFS) are a broken upstream.
inline float sanitize(float x) noexcept {
    const float a = std::fabs(x);
    if (!(a <= 1000.0f)) return (a > 1000.0f && a <= FLT_MAX) ? std::copysign(1000.0f, x) : 0.0f;
    return a < FLT_MIN ? 0.0f : x;
}

// The curve: |v| below the knee k passes; above it, with t = (|v| - k) / (1 - k),
//   f(v) = sign(v) (k + (1 - k) t / sqrt(1 + t^2)),
// which approaches the rail (1.0) and never reaches past it; f is C2 at the knee.
// It runs as x + residual, residual g = f - x = -sign(x) (1 - k) t^3 / (r (1 + r)),
// r = sqrt(1 + t^2), which is exactly zero below the knee, so a signal that never
// reaches the knee comes out of the curve bit for bit as it went in.
//
// Anti-aliasing: the residual is averaged over the segment between consecutive
// oversampled inputs (first-order antiderivative anti-aliasing, ADAA), with the
// segment ends extrapolated half a sample ahead (e = 1.5 x[n] - 0.5 x[n-1]) so that
// ADAA's half-sample delay lands the residual back on x[n], as in the preamp's
// Clean model. Oversampling alone left a 5 kHz sine 6 dB into clip at -56.5 dBc
// (48 kHz); with ADAA on top it is far below -60.
// Antiderivative of g: G = -(1 - k)^2 t^4 / (2 (1 + r)^2), written without the
// cancellation of sqrt(1 + t^2) - 1.
constexpr float kSpan = 1.0f - PowerAmp::kKnee;

inline Float4 absolute(Float4 v) noexcept { return v < Float4{} ? -v : v; }

inline Float4 overKnee(Float4 v) noexcept {
    Float4 over = absolute(v) - PowerAmp::kKnee;
    over = over < Float4{} ? Float4{} : over;
    return over * (1.0f / kSpan);
}

inline Float4 residualOf(Float4 v) noexcept {
    const Float4 t = overKnee(v);
    const Float4 r = ampSqrt4(1.0f + t * t);
    const Float4 magnitude = kSpan * t * t * t / (r * (1.0f + r));
    return v < Float4{} ? magnitude : -magnitude;
}

inline Float4 residualAntiderivative(Float4 v) noexcept {
    const Float4 t = overKnee(v);
    const Float4 r = ampSqrt4(1.0f + t * t);
    const Float4 t2 = t * t;
    return -0.5f * kSpan * kSpan * t2 * t2 / ((1.0f + r) * (1.0f + r));
}

// F oversampled samples (lanes 0..F-1) through the curve.
// State: x1, x2 (the last two oversampled inputs), antiderivative (G at the last
// extrapolated end).
template <int F, typename State>
inline Float4 clipToRail(Float4 h, State& s) noexcept {
    Float4 previous{s.x1, 0.0f, 0.0f, 0.0f}, beforePrevious{s.x2, 0.0f, 0.0f, 0.0f};
    if constexpr (F > 1) {
        previous[1] = h[0];
        beforePrevious[1] = s.x1;
    }
    if constexpr (F > 2) {
        previous[2] = h[1];
        previous[3] = h[2];
        beforePrevious[2] = h[0];
        beforePrevious[3] = h[1];
    }
    const Float4 ahead = 1.5f * h - 0.5f * previous;
    const Float4 before = 1.5f * previous - 0.5f * beforePrevious;
    const Float4 gAhead = residualAntiderivative(ahead);
    Float4 gBefore{s.antiderivative, 0.0f, 0.0f, 0.0f};
    for (int k = 1; k < F; ++k) gBefore[k] = gAhead[k - 1];
    const Float4 delta = ahead - before;
    // Close ends make the divided difference ill-conditioned; there the mean of g
    // over the segment is g at its midpoint to second order.
    const auto close = absolute(delta) < 1e-4f;
    const Float4 safeDelta = close ? Float4{1.0f, 1.0f, 1.0f, 1.0f} : delta;
    const Float4 mean = close ? residualOf(0.5f * (ahead + before)) : (gAhead - gBefore) / safeDelta;
    Float4 y = h + mean;
    // What the extrapolation leaves past the rail at extreme drive is caught here.
    y = y > 1.0f ? Float4{1.0f, 1.0f, 1.0f, 1.0f} : y;
    y = y < -1.0f ? Float4{-1.0f, -1.0f, -1.0f, -1.0f} : y;
    if constexpr (F > 1) s.x2 = h[F - 2];
    else s.x2 = s.x1;
    s.x1 = h[F - 1];
    s.antiderivative = gAhead[F - 1];
    return y;
}

int integerLatencyAbove(double delay) noexcept {
    int latency = static_cast<int>(std::floor(delay)) + 1;
    if (latency - delay < 0.3) ++latency;
    return latency;
}

} // namespace

double ampRailVolts(double ratedPowerW, double loadOhms) noexcept {
    return std::sqrt(2.0 * std::max(ratedPowerW, 0.0) * std::max(loadOhms, 0.0));
}

double dampingFactor(double nominalLoadOhms, double outputOhms) noexcept {
    return outputOhms > 0.0 ? nominalLoadOhms / outputOhms : std::numeric_limits<double>::infinity();
}

PowerAmp::PowerAmp() = default;

int PowerAmp::latencyFor(double sampleRate) noexcept {
    return integerLatencyAbove(Oversampler::lowFrequencyDelayFor(sampleRate));
}

void PowerAmp::setRatedPowerW(float watts) noexcept {
    power_.store(std::clamp(std::isfinite(watts) ? watts : 50.0f, kAmpMinPowerW, kAmpMaxPowerW), std::memory_order_relaxed);
}
void PowerAmp::setNominalLoadOhms(float ohms) noexcept {
    load_.store(std::clamp(std::isfinite(ohms) ? ohms : 8.0f, kAmpMinLoadOhms, kAmpMaxLoadOhms), std::memory_order_relaxed);
}
void PowerAmp::setOutputImpedanceOhms(float ohms) noexcept {
    outputOhms_.store(std::clamp(std::isfinite(ohms) ? ohms : 0.05f, kAmpMinOutputOhms, kAmpMaxOutputOhms), std::memory_order_relaxed);
}
void PowerAmp::setGainDb(float db) noexcept {
    gainDb_.store(std::clamp(std::isfinite(db) ? db : 0.0f, kAmpMinGainDb, kAmpMaxGainDb), std::memory_order_relaxed);
}

void PowerAmp::prepare(double sampleRate, int maxBlockSize, int channels) {
    sampleRate_ = sampleRate;
    maxBlock_ = std::max(maxBlockSize, 1);
    oversampler_.prepare(sampleRate, maxBlock_, std::max(channels, 1));
    factor_ = oversampler_.factor();
    channels_.assign(static_cast<size_t>(std::max(channels, 1)), Channel{});
    gainTrack_.assign(static_cast<size_t>(maxBlock_), 1.0f);
    railTrack_.assign(static_cast<size_t>(maxBlock_), 1.0f);
    driveTrack_.assign(static_cast<size_t>(maxBlock_), 0.0f);
    highTrack_.assign(static_cast<size_t>(maxBlock_), Float4{});
    const double delay = oversampler_.lowFrequencyDelay();
    latency_ = integerLatencyAbove(delay);
    const double fraction = latency_ - delay;
    thiran_ = static_cast<float>((1.0 - fraction) / (1.0 + fraction));
    sagCoefficient_ = static_cast<float>(1.0 - std::exp(-1.0 / (kSagSeconds * sampleRate)));
    gain_.setLength(rampSamples(kGainGlideSeconds, sampleRate));
    reset();
}

void PowerAmp::reset() noexcept {
    oversampler_.reset();
    for (auto& c : channels_) c = Channel{};
    gain_.jumpTo(dbToGain(static_cast<double>(gainDb())));
}

template <int F>
void PowerAmp::run(Channel& channel, Oversampler::Channel& filters, float* x, int count, bool sag) noexcept {
    // Stage by stage over the block, each loop with one short recursion, which the
    // core overlaps across samples far better than one long fused chain (the
    // preamp's models measured the same). Locals so the state lives in registers.
    Oversampler::Channel os = filters;
    Channel ch = channel;
    const float* g = gainTrack_.data();
    float* rail = railTrack_.data();
    float* drive = driveTrack_.data();
    Float4* high = highTrack_.data();

    // Host rate: the drive in rail units, and the rail this sample sees. The supply
    // is loaded by the power the signal asks for, up to rated power (feed-forward,
    // so this loop does not wait for the curve's output).
    const float sc = sagCoefficient_;
    for (int n = 0; n < count; ++n) {
        const float v = sanitize(x[n]) * g[n];
        float r = 1.0f;
        if (sag) {
            r = 1.0f - static_cast<float>(kSagDepth) * ch.sagEnvelope;
            ch.sagEnvelope += sc * (std::min(2.0f * v * v, 1.0f) - ch.sagEnvelope);
        }
        rail[n] = r;
        drive[n] = v / r;
    }
    for (int n = 0; n < count; ++n) high[n] = Oversampler::upsample<F>(os, drive[n]);
    // The curve; blocks that stay below the knee (the usual case) pass untouched
    // (the curve is exactly linear there), only the ADAA memory follows them.
    for (int n = 0; n < count; ++n) {
        const Float4 h = high[n];
        const Float4 a = absolute(h);
        float largest = std::max(std::fabs(ch.adaa.x1), std::fabs(ch.adaa.x2));
        for (int k = 0; k < F; ++k) largest = std::max(largest, a[k]);
        // Extrapolated ends stay within 2x the largest input: below k / 2 nothing can reach the knee.
        if (largest < 0.5f * kKnee && ch.adaa.antiderivative == 0.0f) {
            if constexpr (F > 1) ch.adaa.x2 = h[F - 2];
            else ch.adaa.x2 = ch.adaa.x1;
            ch.adaa.x1 = h[F - 1];
            continue;
        }
        high[n] = clipToRail<F>(h, ch.adaa);
    }
    for (int n = 0; n < count; ++n) drive[n] = Oversampler::downsample<F>(os, high[n]) * rail[n];
    // Thiran allpass: the halfbands' fractional delay up to the integer latency.
    const float a = thiran_;
    for (int n = 0; n < count; ++n) {
        const float y = (a * drive[n] + ch.thiranX1) - a * ch.thiranY1;
        ch.thiranX1 = drive[n];
        ch.thiranY1 = y;
        x[n] = y;
    }
    filters = os;
    channel = ch;
}

void PowerAmp::process(AudioBlock& block) noexcept {
    ScopedNoDenormals noDenormals;
    gain_.setTarget(dbToGain(static_cast<double>(gainDb())));
    const bool sag = sag_.load(std::memory_order_relaxed);
    const int channels = std::min(block.numChannels(), static_cast<int>(channels_.size()));
    for (int start = 0; start < block.numFrames(); start += maxBlock_) {
        const int count = std::min(maxBlock_, block.numFrames() - start);
        for (int n = 0; n < count; ++n) gainTrack_[static_cast<size_t>(n)] = static_cast<float>(gain_.next());
        for (int c = 0; c < channels; ++c) {
            float* x = block.channel(c) + start;
            Channel& ch = channels_[static_cast<size_t>(c)];
            switch (factor_) {
            case 4: run<4>(ch, oversampler_.channel(c), x, count, sag); break;
            case 2: run<2>(ch, oversampler_.channel(c), x, count, sag); break;
            default: run<1>(ch, oversampler_.channel(c), x, count, sag); break;
            }
        }
    }
}

} // namespace gainstage
