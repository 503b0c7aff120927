// The three preamp models. [prepare: non-real-time; reset/process: audio thread]
//
// Levels: each model maps digital full scale to its analogue level through
// the calibration (0 dBFS = N dBu, default +18) and saturates at a fixed dBu:
//   Clean        knee at +22 dBu, smooth limit at +26.6 dBu       (no latency)
//   Tube         curve unit (start of hard overload) at +36 dBu; its 2nd
//                harmonic starts far below (THD -47 dB at -2 dBu = -20 dBFS)
//   Transformer  core flux saturates for a 40 Hz sine at +20 dBu; the line
//                amplifier behind it limits at +28 dBu
//
// Anti-aliasing: Tube and Transformer run their curves oversampled (Oversampler:
// 4x below 88.2 kHz, 2x at 88.2/96, 1x at 176.4/192) so the curves always see
// ~176-192 kHz. Clean may not add latency, so it uses first-order antiderivative
// anti-aliasing (ADAA) on the residual f(x) - x only, between extrapolated
// inputs (see below); the residual is exactly zero below the knee, so the output
// there is the input, bit for bit.
//
// Latency: the halfbands and the models' own linear filters delay low
// frequencies by a fraction of a sample; a first-order Thiran allpass at the
// host rate tops that up to the integer latencySamples() reports.
//
// Every process() reads its parameters once, runs in chunks of at most the
// prepared block size, and keeps all state per sample, so the output does not
// depend on how the host splits the stream.

#include "dsp/PreampModels.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <complex>
#include <vector>

#include "dsp/Denormals.h"
#include "dsp/DspMath.h"
#include "dsp/Oversampler.h"
#include "dsp/SmoothedValue.h"

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace gainstage {

namespace {

using Complex = std::complex<double>;

// Anything beyond +60 dBFS is a broken upstream, not audio. Non-finite input is
// treated as a dropout (silence) so no state can ever hold a NaN or Inf, and
// subnormal input is flushed so it cannot reach the output.
constexpr float kMaxInput = 1000.0f;
inline float sanitize(float x) noexcept {
    const float a = std::fabs(x);
    if (!(a <= kMaxInput)) return (a > kMaxInput && a <= FLT_MAX) ? std::copysign(kMaxInput, x) : 0.0f;
    return a < FLT_MIN ? 0.0f : x;
}

// Digital amplitude of a sine peak at `dbu` when 0 dBFS = `calibrationDbu`.
inline float amplitudeForDbu(float dbu, float calibrationDbu) noexcept { return dbToGain(dbu - calibrationDbu); }

constexpr double kSmoothingSeconds = 0.05;

// Low-frequency phase delay (samples) of a digital transfer function given as a
// lambda of z^-1. Evaluated at a tiny frequency, where phase delay and group
// delay agree to O(omega^2), far inside the 0.05-sample promise.
template <typename Response>
double lowFrequencyDelayOf(Response response) {
    const double omega = 1e-4;
    return -std::arg(response(std::polar(1.0, -omega))) / omega;
}

// First-order allpass fractional delay (Thiran): delay d at low frequencies,
// exact group delay at DC. Used to top a model's delay up to an integer.
struct FractionalDelay {
    float coefficient = 0.0f;
    float x1 = 0.0f, y1 = 0.0f;

    static float coefficientFor(double delay) noexcept { return static_cast<float>((1.0 - delay) / (1.0 + delay)); }
    float process(float x) noexcept {
        // Written so the loop-carried path is one multiply and one add.
        const float y = (coefficient * x + x1) - coefficient * y1;
        x1 = x;
        y1 = y;
        return y;
    }
};

// Pick the integer latency just above the delay so the Thiran section works
// with d in [0.3, 1.3), where it is closest to a pure delay.
int integerLatencyAbove(double delay) noexcept {
    int latency = static_cast<int>(std::floor(delay)) + 1;
    if (latency - delay < 0.3) ++latency;
    return latency;
}

} // namespace

// ================================================================ Clean ====
// Knee k (+22 dBu), ceiling k + h with h = 0.7 k (the limit is reached ~4.6 dB
// above the knee, about +26.6 dBu):
//   f(x) = x                                  |x| <= k
//   f(x) = sign(x) (k + h s(t)),  t = (|x| - k) / h,  s(t) = t / sqrt(1 + t^2)
// The residual g = f - x = -sign(x) h t^3 / (r (1 + r)), r = sqrt(1 + t^2), starts
// with a cubic, so f is C2 at the knee; its antiderivative is
//   G(x) = -h^2 t^4 / (2 (1 + r)^2)            (0 below the knee)
// written without the cancellation of the textbook sqrt(1 + t^2) - 1 - t^2 / 2.
//
// Zero-latency anti-aliasing. First-order ADAA averages g over the segment
// between two inputs, which delays g by half a sample; added to the undelayed x,
// that misalignment lets the output overshoot the limit by up to half the
// sample-to-sample step (measured: +30 dBFS out of a +8.6 dBFS limit at 60 dB of
// Gain). So the segment runs between *extrapolated* inputs e[n] = 1.5 x[n] -
// 0.5 x[n-1] (the input half a sample ahead): the half-sample delay of ADAA then
// lands g back on x[n], the leftover misalignment is second order, and the
// alias figures are better than plain residual ADAA at moderate drive (-71 vs
// -64 dBc, drive-for-drive, at 5 kHz). What little overshoot the extrapolation
// leaves at extreme drives on high frequencies is caught by a clamp at the
// ceiling, which never acts on signals inside the measured drive range.
// Well below the knee the input and both segment ends are below it, g = 0, and
// y = x bit for bit.
namespace {

struct CleanCurve {
    double knee, headroom;

    double residual(double x) const noexcept {
        const double a = std::fabs(x);
        if (a <= knee) return 0.0;
        const double t = (a - knee) / headroom;
        const double r = std::sqrt(1.0 + t * t);
        return -std::copysign(headroom * t * t * t / (r * (1.0 + r)), x);
    }
    double antiderivative(double x) const noexcept {
        const double a = std::fabs(x);
        if (a <= knee) return 0.0;
        const double t = (a - knee) / headroom;
        const double r = std::sqrt(1.0 + t * t);
        const double t2 = t * t;
        return -0.5 * headroom * headroom * t2 * t2 / ((1.0 + r) * (1.0 + r));
    }
    // Mean of g over the segment [from, to] (first-order ADAA).
    double residualAdaa(double from, double to) const noexcept {
        const double delta = to - from;
        // Close ends make the divided difference ill-conditioned; there the mean
        // of g over the segment is g at the midpoint to O(delta^2).
        if (std::fabs(delta) < 1e-4 * headroom) return residual(0.5 * (from + to));
        return (antiderivative(to) - antiderivative(from)) / delta;
    }
};

} // namespace

struct CleanModel::Impl {
    static constexpr float kKneeDbu = 22.0f;
    static constexpr float kHeadroomOverKnee = 0.7f;
    struct Channel {
        float x1 = 0.0f, x2 = 0.0f; // last two sanitised inputs (the ADAA segment's memory)
    };
    GainSmoothedValue knee;
    std::vector<Channel> state;
    std::vector<float> kneeTrack;
    int maxBlock = 0;
};

CleanModel::CleanModel() : impl_(std::make_unique<Impl>()) {}
CleanModel::~CleanModel() = default;

void CleanModel::prepare(double sampleRate, int maxBlockSize, int channels) {
    impl_->maxBlock = std::max(maxBlockSize, 1);
    impl_->knee.prepare(sampleRate, kSmoothingSeconds);
    impl_->state.assign(static_cast<size_t>(std::max(channels, 0)), {});
    impl_->kneeTrack.assign(static_cast<size_t>(impl_->maxBlock), 0.0f);
    reset();
}

void CleanModel::reset() noexcept {
    for (auto& c : impl_->state) c = {};
    impl_->knee.setCurrentAndTarget(amplitudeForDbu(Impl::kKneeDbu, calibrationDbu_.load(std::memory_order_relaxed)));
}

void CleanModel::process(AudioBlock& block) noexcept {
    ScopedNoDenormals noDenormals;
    auto& s = *impl_;
    s.knee.setTarget(amplitudeForDbu(Impl::kKneeDbu, calibrationDbu_.load(std::memory_order_relaxed)));
    const int channels = std::min(block.numChannels(), static_cast<int>(s.state.size()));
    for (int start = 0; start < block.numFrames(); start += s.maxBlock) {
        const int count = std::min(s.maxBlock, block.numFrames() - start);
        for (int n = 0; n < count; ++n) s.kneeTrack[static_cast<size_t>(n)] = s.knee.next();
        for (int c = 0; c < channels; ++c) {
            float* x = block.channel(c) + start;
            float x1 = s.state[static_cast<size_t>(c)].x1, x2 = s.state[static_cast<size_t>(c)].x2;
            for (int n = 0; n < count; ++n) {
                const float in = sanitize(x[n]);
                const double k = s.kneeTrack[static_cast<size_t>(n)];
                const double ahead = 1.5 * in - 0.5 * x1;
                const double aheadBefore = 1.5 * x1 - 0.5 * x2;
                // The input itself is checked too: extrapolated ends can both sit below the
                // knee while the input does not (noise near Nyquist), and the clamp must see it.
                if (std::fabs(in) > k || std::fabs(ahead) > k || std::fabs(aheadBefore) > k) {
                    const CleanCurve curve{k, Impl::kHeadroomOverKnee * k};
                    const double ceiling = k + curve.headroom;
                    const double y = in + curve.residualAdaa(aheadBefore, ahead);
                    x[n] = static_cast<float>(std::clamp(y, -ceiling, ceiling));
                } else {
                    x[n] = in; // below the knee: the input itself, bit for bit
                }
                x2 = x1;
                x1 = in;
            }
            s.state[static_cast<size_t>(c)] = {x1, x2};
        }
    }
}

// ================================================================= Tube ====
// Triode-like stage: a sigmoid s(v) = v / sqrt(1 + v^2) biased off centre,
//   y = (s(u + b) - s(b)) / s'(b0),   u = x / (+36 dBu amplitude)
// evaluated in the cancellation-free form (r0 = sqrt(1 + b^2), r1 = sqrt(1 + (u + b)^2))
//   s(u + b) - s(b) = u (1 - b^2 - b u + r0 r1) / (r0 r1 (r0 + r1)),
// because the direct difference of two numbers near s(b) ~ 0.6 leaves float
// rounding noise ~ -106 dBFS at the output, whatever the signal level.
// The bias (b0 = 0.8) puts the operating point on the bend, so the first
// distortion term is quadratic (2nd harmonic, THD rising 1 dB per dB) and the
// two half-waves clip differently (soft onset, > 20 dB from first colour to
// hard overload).
// b follows the signal's power envelope (two one-pole smoothers of 15 ms in
// series: ~30 ms to settle): a sustained loud signal pushes the stage further
// along the bend, which lowers its gain (the "natural compression" of
// grid-current bias shift). The envelope filter is linear on purpose: an
// attack/release switch is itself a nonlinearity at the host rate, and its
// products of the 2f ripple fold back (-100 dBc at moderate drive, measured);
// two linear poles leave a ripple of ~-120 dB and create nothing new.
// A one-pole low-pass at the oversampled rate softens the top end as it is
// driven: 50 kHz at low level, down towards 9 kHz with the envelope.
// The stage's DC (its even-order residual) is tracked and removed at 8 Hz on the
// residual only, so the linear path keeps its exact, flat phase.
//
// Cost: one fused loop per host sample (envelope, up, curve on a 4-lane vector,
// low-pass, down, DC, Thiran), so the recursions of the stages overlap; the
// low-pass runs its F sub-samples in closed form so its recursion is one
// multiply-add per host sample. No exp/tanh anywhere per sample.
namespace {

#if defined(__SSE__)
inline Float4 sqrt4(Float4 v) noexcept { return (Float4)_mm_sqrt_ps((__m128)v); }
#else
inline Float4 sqrt4(Float4 v) noexcept {
    for (int k = 0; k < 4; ++k) v[k] = std::sqrt(v[k]);
    return v;
}
#endif

struct TubeConstants {
    static constexpr float kSaturationDbu = 36.0f;
    static constexpr float kBias = 0.8f;
    static constexpr float kBiasShift = 0.5f;     // b moves up to b0 + 0.5 (up to -6 dB of gain)
    static constexpr float kEnvelopeHalf = 0.06f; // power at which half the shift is reached
    static constexpr float kCutoffLowHz = 50000.0f;
    static constexpr float kCutoffDrivenHz = 9000.0f;
    static constexpr double kEnvelopeSeconds = 0.015; // per pole, two poles
    static constexpr double kDcHz = 8.0;
};

double oversampledRate(double sampleRate) noexcept { return sampleRate * Oversampler::factorFor(sampleRate); }

// The low-pass coefficient G = g / (1 + g), g = tan(w), for the prewarped angle w,
// with tan from its Pade approximant: one division in all.
inline float onePoleCoefficient(float w) noexcept {
    const float w2 = w * w;
    const float numerator = w * (15.0f - w2);
    return numerator / (15.0f - 6.0f * w2 + numerator);
}

// The low-pass corners, held below 0.3 of the oversampled rate (angle <= ~0.94 rad,
// where the Pade tan is within 0.1 %): only bites below 44.1 kHz host rates, where
// 50 kHz would not fit.
struct TubeCutoffs {
    float low, driven;
};
TubeCutoffs tubeCutoffs(double sampleRate) noexcept {
    const float limit = static_cast<float>(0.3 * oversampledRate(sampleRate));
    const float low = std::min(TubeConstants::kCutoffLowHz, limit);
    return {low, std::min(TubeConstants::kCutoffDrivenHz, 0.5f * low)};
}

double tubeModelDelay(double sampleRate) noexcept {
    const double G = onePoleCoefficient(static_cast<float>(kPi * tubeCutoffs(sampleRate).low / oversampledRate(sampleRate)));
    const double p = 1.0 - 2.0 * G;
    const double lowPass = lowFrequencyDelayOf([&](Complex zInv) { return (1.0 + zInv) / (1.0 - p * zInv); });
    return Oversampler::lowFrequencyDelayFor(sampleRate) + lowPass / Oversampler::factorFor(sampleRate);
}

} // namespace

struct TubeModel::Impl {
    struct Channel {
        float envelope = 0.0f, envelopeStage = 0.0f;
        float lowPass = 0.0f; // TPT integrator state
        float dc = 0.0f;
        FractionalDelay delay;
    };
    Oversampler oversampler;
    std::vector<Channel> state;
    GainSmoothedValue inputScale, outputScale; // x -> u and back, ramped together
    std::vector<float> inputTrack, outputTrack, work, driveTrack, biasTrack, rootTrack;
    std::vector<Float4> highTrack;
    float envelopeCoefficient = 0.0f, dcCoefficient = 0.0f, cutoffScale = 0.0f;
    TubeCutoffs cutoffs{};
    float thiran = 0.0f;
    int latency = 0;
    int maxBlock = 0;

    template <int F>
    void run(Channel& channel, Oversampler::Channel& filters, float* x, int count) noexcept;
};

template <int F>
void TubeModel::Impl::run(Channel& channel, Oversampler::Channel& filters, float* x, int count) noexcept {
    // Stage by stage over the block: each loop keeps one short recursion, which
    // the core overlaps across samples far better than one long fused chain
    // (measured: 36 ns/sample fused against ~20 staged). Locals for the length of
    // the block so the recursions live in registers.
    Oversampler::Channel os = filters;
    Channel ch = channel;
    const float b0 = TubeConstants::kBias;
    const float norm = std::pow(1.0f + b0 * b0, 1.5f); // 1 / s'(b0): unity small-signal gain
    const float invCutoffLow = 1.0f / cutoffs.low;
    const float invCutoffSpan = 1.0f / cutoffs.driven - invCutoffLow;
    const float ec = envelopeCoefficient;
    float* u = work.data();
    float* drive = driveTrack.data();
    Float4* high = highTrack.data();

    // Host rate: into curve units, and the power envelope.
    for (int n = 0; n < count; ++n) {
        u[n] = sanitize(x[n]) * inputTrack[static_cast<size_t>(n)];
        ch.envelopeStage += ec * (u[n] * u[n] - ch.envelopeStage);
        ch.envelope += ec * (ch.envelopeStage - ch.envelope);
        drive[n] = ch.envelope;
    }
    // Per host sample, from the envelope: bias, its sqrt(1 + b^2), and the low-pass
    // coefficient. No recursion here, so the compiler vectorises the divisions.
    float* bias = biasTrack.data();
    float* root = rootTrack.data();
    float* coefficient = driveTrack.data(); // the drive itself is not needed afterwards
    for (int n = 0; n < count; ++n) {
        const float d = drive[n] / (drive[n] + TubeConstants::kEnvelopeHalf);
        const float b = b0 + TubeConstants::kBiasShift * d;
        bias[n] = b;
        root[n] = std::sqrt(1.0f + b * b);
        coefficient[n] = onePoleCoefficient(cutoffScale / (invCutoffLow + d * invCutoffSpan));
    }

    for (int n = 0; n < count; ++n) high[n] = Oversampler::upsample<F>(os, u[n]);

    // Oversampled: the curve (4 lanes at once), then the softening low-pass over the
    // F sub-samples in closed form: s[k+1] = a s[k] + c y[k], out[k] = G y[k] + (1 - G) s[k];
    // only s[F] = a^F s[0] + ... is recursive. The residual (y - u) feeds the DC tracker.
    float* residual = u; // u is no longer needed
    for (int n = 0; n < count; ++n) {
        const float b = bias[n];
        const float r0 = root[n];
        const float c0 = 1.0f - b * b;
        const Float4 h = high[n];
        const Float4 v = h + b;
        const Float4 r1 = sqrt4(1.0f + v * v);
        const Float4 y = h * (c0 - b * h + r0 * r1) * (norm / r0) / (r1 * (r0 + r1));
        const Float4 diff = y - h;
        float sum = 0.0f;
        for (int k = 0; k < F; ++k) sum += diff[k];
        residual[n] = sum * (1.0f / F);
        high[n] = y;
    }
    for (int n = 0; n < count; ++n) {
        const float G = coefficient[n];
        const float a = 1.0f - 2.0f * G, c = 2.0f * G;
        const Float4 y = high[n];
        Float4 out{};
        float forced = 0.0f, decay = 1.0f;
        for (int k = 0; k < F; ++k) {
            out[k] = G * y[k] + (1.0f - G) * (decay * ch.lowPass + forced);
            forced = a * forced + c * y[k];
            decay *= a;
        }
        ch.lowPass = decay * ch.lowPass + forced;
        high[n] = out;
    }

    // Back to the host rate: remove the stage's own DC, square the delay up, back to digital level.
    for (int n = 0; n < count; ++n) {
        const float low = Oversampler::downsample<F>(os, high[n]);
        ch.dc += dcCoefficient * (residual[n] - ch.dc);
        x[n] = ch.delay.process(low - ch.dc) * outputTrack[static_cast<size_t>(n)];
    }
    filters = os;
    channel = ch;
}

TubeModel::TubeModel() : impl_(std::make_unique<Impl>()) {}
TubeModel::~TubeModel() = default;

int TubeModel::latencyFor(double sampleRate) noexcept { return integerLatencyAbove(tubeModelDelay(sampleRate)); }
int TubeModel::latencySamples() const noexcept { return impl_->latency; }

void TubeModel::prepare(double sampleRate, int maxBlockSize, int channels) {
    auto& s = *impl_;
    s.maxBlock = std::max(maxBlockSize, 1);
    s.oversampler.prepare(sampleRate, s.maxBlock, channels);
    s.state.assign(static_cast<size_t>(std::max(channels, 0)), {});
    s.inputScale.prepare(sampleRate, kSmoothingSeconds);
    s.outputScale.prepare(sampleRate, kSmoothingSeconds);
    for (auto* track : {&s.inputTrack, &s.outputTrack, &s.work, &s.driveTrack, &s.biasTrack, &s.rootTrack}) track->assign(static_cast<size_t>(s.maxBlock), 0.0f);
    s.highTrack.assign(static_cast<size_t>(s.maxBlock), Float4{});
    s.envelopeCoefficient = static_cast<float>(1.0 - std::exp(-1.0 / (TubeConstants::kEnvelopeSeconds * sampleRate)));
    s.dcCoefficient = static_cast<float>(1.0 - std::exp(-2.0 * kPi * TubeConstants::kDcHz / sampleRate));
    s.cutoffScale = static_cast<float>(kPi / oversampledRate(sampleRate));
    s.cutoffs = tubeCutoffs(sampleRate);
    const double delay = tubeModelDelay(sampleRate);
    s.latency = integerLatencyAbove(delay);
    s.thiran = FractionalDelay::coefficientFor(s.latency - delay);
    reset();
}

void TubeModel::reset() noexcept {
    auto& s = *impl_;
    s.oversampler.reset();
    for (auto& c : s.state) {
        c = {};
        c.delay.coefficient = s.thiran;
    }
    const float saturation = amplitudeForDbu(TubeConstants::kSaturationDbu, calibrationDbu_.load(std::memory_order_relaxed));
    s.inputScale.setCurrentAndTarget(1.0f / saturation);
    s.outputScale.setCurrentAndTarget(saturation);
}

void TubeModel::process(AudioBlock& block) noexcept {
    ScopedNoDenormals noDenormals;
    auto& s = *impl_;
    const float saturation = amplitudeForDbu(TubeConstants::kSaturationDbu, calibrationDbu_.load(std::memory_order_relaxed));
    s.inputScale.setTarget(1.0f / saturation);
    s.outputScale.setTarget(saturation);
    const int channels = std::min(block.numChannels(), static_cast<int>(s.state.size()));
    for (int start = 0; start < block.numFrames(); start += s.maxBlock) {
        const int count = std::min(s.maxBlock, block.numFrames() - start);
        for (int n = 0; n < count; ++n) {
            s.inputTrack[static_cast<size_t>(n)] = s.inputScale.next();
            s.outputTrack[static_cast<size_t>(n)] = s.outputScale.next();
        }
        for (int c = 0; c < channels; ++c) {
            auto& ch = s.state[static_cast<size_t>(c)];
            auto& filters = s.oversampler.channel(c);
            float* x = block.channel(c) + start;
            switch (s.oversampler.factor()) {
            case 4: s.run<4>(ch, filters, x, count); break;
            case 2: s.run<2>(ch, filters, x, count); break;
            default: s.run<1>(ch, filters, x, count); break;
            }
        }
    }
}

// ========================================================== Transformer ====
// Core: the flux is the leaky integral of the voltage, and the magnetising
// current i(phi) ~ phi + phi^3 (normalised to the saturation flux) is nonlinear.
// Its drop across the source resistance is what distorts: the linear part of
// that drop only sets the leak (5 Hz), the cubic part is subtracted from the
// output. In normalised flux p = phi / phiSat:
//   dp/dt = v / phiSat - wL (p + p^3),   y = v - wL phiSat p^3
// The cubic drop also limits the flux, so the core saturates gracefully at any
// level. Because the flux falls 6 dB per octave, the same level distorts
// ~28 dB harder at 40 Hz than at 1 kHz, and its products above the host Nyquist
// are negligible, so the core runs at the host rate (explicit Euler; with |p|
// clamped at 20, i.e. 26 dB past saturation, the step stays below the stability
// limit at every rate from 44.1 kHz up).
// Then, at the oversampled rate: the leakage-inductance / winding-capacitance
// resonance (a TPT state-variable low-pass at 30 kHz, Q 1.05: +1.4 dB around
// 20 kHz, rolling off above), and the line amplifier's limit at +28 dBu with
// a curve x / (1 + x^4)^(1/4) that stays clean (5th-order onset) until close to it.
// The resonance is linear and fixed, so its F sub-samples per host sample are
// computed in closed form from precomputed state-space powers: the only
// recursion is one 2x2 update per host sample.
namespace {

struct TransformerConstants {
    static constexpr float kCoreDbu = 20.0f;
    static constexpr double kCoreReferenceHz = 40.0;
    static constexpr double kLeakHz = 5.0;
    static constexpr float kAmpDbu = 28.0f;
    static constexpr double kResonanceHz = 30000.0;
    static constexpr double kResonanceQ = 1.05;
    static constexpr float kMaxFlux = 20.0f;
};

// TPT state-variable low-pass (states ic1, ic2) as s' = A s + B x, y = C s + D x,
// stepped F times per host sample:
//   out[k] = fromState0[k] s0 + fromState1[k] s1 + sum_j fromInput[j][k] x[j]
//   s(F)   = lanes 0/1 of toState0 s0 + toState1 s1 + sum_j toStateInput[j] x[j]
struct ResonanceBlock {
    Float4 fromState0{}, fromState1{};
    Float4 fromInput[4]{};
    Float4 toState0{}, toState1{};
    Float4 toStateInput[4]{};
};

struct StateSpace {
    double A[2][2], B[2], C[2], D;
};

StateSpace resonanceStateSpace(double sampleRate) noexcept {
    // Held below 0.4 of the oversampled rate: only bites below 44.1 kHz host rates.
    const double corner = std::min(TransformerConstants::kResonanceHz, 0.4 * oversampledRate(sampleRate));
    const double g = std::tan(kPi * corner / oversampledRate(sampleRate));
    const double k = 1.0 / TransformerConstants::kResonanceQ;
    const double a1 = 1.0 / (1.0 + g * (g + k)), a2 = g * a1, a3 = g * a2;
    // From v3 = x - ic2, v1 = a1 ic1 + a2 v3, v2 = ic2 + a2 ic1 + a3 v3,
    // ic1' = 2 v1 - ic1, ic2' = 2 v2 - ic2, y = v2.
    return {{{2.0 * a1 - 1.0, -2.0 * a2}, {2.0 * a2, 1.0 - 2.0 * a3}}, {2.0 * a2, 2.0 * a3}, {a2, 1.0 - a3}, a3};
}

ResonanceBlock resonanceBlockFor(double sampleRate, int factor) noexcept {
    const StateSpace m = resonanceStateSpace(sampleRate);
    // Columns of A^k, k = 0..4.
    double power[5][2][2];
    power[0][0][0] = 1.0, power[0][0][1] = 0.0, power[0][1][0] = 0.0, power[0][1][1] = 1.0;
    for (int k = 1; k <= 4; ++k)
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 2; ++j)
                power[k][i][j] = m.A[i][0] * power[k - 1][0][j] + m.A[i][1] * power[k - 1][1][j];
    auto cTimes = [&](int k, int j) { return m.C[0] * power[k][0][j] + m.C[1] * power[k][1][j]; }; // C A^k e_j
    auto cTimesB = [&](int k) { return m.C[0] * (power[k][0][0] * m.B[0] + power[k][0][1] * m.B[1]) +
                                       m.C[1] * (power[k][1][0] * m.B[0] + power[k][1][1] * m.B[1]); };
    ResonanceBlock r;
    for (int k = 0; k < factor; ++k) {
        r.fromState0[k] = static_cast<float>(cTimes(k, 0));
        r.fromState1[k] = static_cast<float>(cTimes(k, 1));
        for (int j = 0; j <= k; ++j) r.fromInput[j][k] = static_cast<float>(j == k ? m.D : cTimesB(k - 1 - j));
    }
    for (int i = 0; i < 2; ++i) {
        r.toState0[i] = static_cast<float>(power[factor][i][0]);
        r.toState1[i] = static_cast<float>(power[factor][i][1]);
        for (int j = 0; j < factor; ++j) {
            const int k = factor - 1 - j;
            r.toStateInput[j][i] = static_cast<float>(power[k][i][0] * m.B[0] + power[k][i][1] * m.B[1]);
        }
    }
    return r;
}

double transformerModelDelay(double sampleRate) noexcept {
    const StateSpace m = resonanceStateSpace(sampleRate);
    const double resonance = lowFrequencyDelayOf([&](Complex zInv) {
        // H = C (zI - A)^-1 B + D, with z = 1 / zInv.
        const Complex z = 1.0 / zInv;
        const Complex a = z - m.A[0][0], b = -m.A[0][1], c = -m.A[1][0], d = z - m.A[1][1];
        const Complex det = a * d - b * c;
        const Complex s0 = (d * m.B[0] - b * m.B[1]) / det, s1 = (a * m.B[1] - c * m.B[0]) / det;
        return m.C[0] * s0 + m.C[1] * s1 + m.D;
    });
    return Oversampler::lowFrequencyDelayFor(sampleRate) + resonance / Oversampler::factorFor(sampleRate);
}

float saturationFlux(float calibrationDbu) noexcept {
    return amplitudeForDbu(TransformerConstants::kCoreDbu, calibrationDbu) /
           static_cast<float>(2.0 * kPi * TransformerConstants::kCoreReferenceHz);
}

} // namespace

struct TransformerModel::Impl {
    struct Channel {
        float flux = 0.0f;
        float state0 = 0.0f, state1 = 0.0f; // resonance
        FractionalDelay delay;
    };
    Oversampler oversampler;
    std::vector<Channel> state;
    GainSmoothedValue flux, inverseFlux; // saturation flux (digital units) and its inverse
    GainSmoothedValue ampIn, ampOut;     // x -> amplifier curve units and back
    std::vector<float> fluxTrack, inverseFluxTrack, ampInTrack, ampOutTrack, work;
    std::vector<Float4> highTrack;
    ResonanceBlock resonance{};
    float dt = 0.0f, leak = 0.0f, thiran = 0.0f;
    int latency = 0;
    int maxBlock = 0;

    template <int F>
    void run(Channel& channel, Oversampler::Channel& filters, float* x, int count) noexcept;
};

namespace {
inline Float4 ampCurve(Float4 x) noexcept {
    const Float4 x2 = x * x;
    return x / sqrt4(sqrt4(1.0f + x2 * x2));
}
} // namespace

template <int F>
void TransformerModel::Impl::run(Channel& channel, Oversampler::Channel& filters, float* x, int count) noexcept {
    // Stage by stage over the block, as in the Tube model, so each loop keeps one short recursion.
    Oversampler::Channel os = filters;
    Channel ch = channel;
    const ResonanceBlock r = resonance;
    const float leakDt = leak * dt;
    // The Euler step stays monotone while leakDt (1 + 3 p^2) < 1; at 44.1 kHz and up
    // that allows |p| > 20, so the clamp only tightens at low host rates.
    const float maxFlux = std::min(TransformerConstants::kMaxFlux, std::sqrt((1.0f / leakDt - 1.0f) / 3.0f));
    float* driven = work.data();
    Float4* high = highTrack.data();

    // Host rate: the core. Euler step of dp/dt = v/phiSat - wL (p + p^3), then the
    // cubic part of the magnetising current's drop comes off the output.
    for (int n = 0; n < count; ++n) {
        const float v = sanitize(x[n]);
        const float p = ch.flux;
        const float q = std::clamp(p * ((1.0f - leakDt) - leakDt * p * p) + dt * v * inverseFluxTrack[static_cast<size_t>(n)],
                                   -maxFlux, maxFlux);
        ch.flux = q;
        driven[n] = (v - leak * fluxTrack[static_cast<size_t>(n)] * (q * q * q)) * ampInTrack[static_cast<size_t>(n)];
    }

    for (int n = 0; n < count; ++n) high[n] = Oversampler::upsample<F>(os, driven[n]);

    // Oversampled: the resonance in closed form over the F sub-samples, then the amplifier.
    for (int n = 0; n < count; ++n) {
        const Float4 h = high[n];
        Float4 resonant = r.fromState0 * ch.state0 + r.fromState1 * ch.state1;
        Float4 next = r.toState0 * ch.state0 + r.toState1 * ch.state1;
        for (int j = 0; j < F; ++j) {
            resonant += r.fromInput[j] * h[j];
            next += r.toStateInput[j] * h[j];
        }
        ch.state0 = next[0];
        ch.state1 = next[1];
        high[n] = ampCurve(resonant);
    }

    for (int n = 0; n < count; ++n)
        x[n] = ch.delay.process(Oversampler::downsample<F>(os, high[n])) * ampOutTrack[static_cast<size_t>(n)];
    filters = os;
    channel = ch;
}

TransformerModel::TransformerModel() : impl_(std::make_unique<Impl>()) {}
TransformerModel::~TransformerModel() = default;

int TransformerModel::latencyFor(double sampleRate) noexcept { return integerLatencyAbove(transformerModelDelay(sampleRate)); }
int TransformerModel::latencySamples() const noexcept { return impl_->latency; }

void TransformerModel::prepare(double sampleRate, int maxBlockSize, int channels) {
    auto& s = *impl_;
    s.maxBlock = std::max(maxBlockSize, 1);
    s.oversampler.prepare(sampleRate, s.maxBlock, channels);
    s.state.assign(static_cast<size_t>(std::max(channels, 0)), {});
    for (auto* smoother : {&s.flux, &s.inverseFlux, &s.ampIn, &s.ampOut}) smoother->prepare(sampleRate, kSmoothingSeconds);
    for (auto* track : {&s.fluxTrack, &s.inverseFluxTrack, &s.ampInTrack, &s.ampOutTrack, &s.work})
        track->assign(static_cast<size_t>(s.maxBlock), 0.0f);
    s.highTrack.assign(static_cast<size_t>(s.maxBlock), Float4{});
    s.resonance = resonanceBlockFor(sampleRate, s.oversampler.factor());
    s.dt = static_cast<float>(1.0 / sampleRate);
    s.leak = static_cast<float>(2.0 * kPi * TransformerConstants::kLeakHz);
    const double delay = transformerModelDelay(sampleRate);
    s.latency = integerLatencyAbove(delay);
    s.thiran = FractionalDelay::coefficientFor(s.latency - delay);
    reset();
}

void TransformerModel::reset() noexcept {
    auto& s = *impl_;
    const float cal = calibrationDbu_.load(std::memory_order_relaxed);
    s.oversampler.reset();
    for (auto& c : s.state) {
        c = {};
        c.delay.coefficient = s.thiran;
    }
    const float flux = saturationFlux(cal), amp = amplitudeForDbu(TransformerConstants::kAmpDbu, cal);
    s.flux.setCurrentAndTarget(flux);
    s.inverseFlux.setCurrentAndTarget(1.0f / flux);
    s.ampIn.setCurrentAndTarget(1.0f / amp);
    s.ampOut.setCurrentAndTarget(amp);
}

void TransformerModel::process(AudioBlock& block) noexcept {
    ScopedNoDenormals noDenormals;
    auto& s = *impl_;
    const float cal = calibrationDbu_.load(std::memory_order_relaxed);
    const float flux = saturationFlux(cal), amp = amplitudeForDbu(TransformerConstants::kAmpDbu, cal);
    s.flux.setTarget(flux);
    s.inverseFlux.setTarget(1.0f / flux);
    s.ampIn.setTarget(1.0f / amp);
    s.ampOut.setTarget(amp);
    const int channels = std::min(block.numChannels(), static_cast<int>(s.state.size()));
    for (int start = 0; start < block.numFrames(); start += s.maxBlock) {
        const int count = std::min(s.maxBlock, block.numFrames() - start);
        for (int n = 0; n < count; ++n) {
            s.fluxTrack[static_cast<size_t>(n)] = s.flux.next();
            s.inverseFluxTrack[static_cast<size_t>(n)] = s.inverseFlux.next();
            s.ampInTrack[static_cast<size_t>(n)] = s.ampIn.next();
            s.ampOutTrack[static_cast<size_t>(n)] = s.ampOut.next();
        }
        for (int c = 0; c < channels; ++c) {
            auto& ch = s.state[static_cast<size_t>(c)];
            auto& filters = s.oversampler.channel(c);
            float* x = block.channel(c) + start;
            switch (s.oversampler.factor()) {
            case 4: s.run<4>(ch, filters, x, count); break;
            case 2: s.run<2>(ch, filters, x, count); break;
            default: s.run<1>(ch, filters, x, count); break;
            }
        }
    }
}

} // namespace gainstage
