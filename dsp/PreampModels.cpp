// The three preamp models. [prepare: non-real-time; reset/process: audio thread]
//
// Levels: each model maps digital full scale to its analogue level through
// the calibration (0 dBFS = N dBu, default +18) and saturates at a fixed dBu:
//   Clean        knee at +22 dBu, limit ~3 dB above it        (no latency)
//   Tube         curve unit (start of hard overload) at +36 dBu
//   Transformer  core flux saturates for a 40 Hz sine at +20 dBu; the line
//                amplifier behind it limits at +28 dBu
//
// Anti-aliasing: Tube and Transformer run their curves oversampled (Oversampler:
// 4x below 88.2 kHz, 2x at 88.2/96, 1x at 176.4/192) so the curves always see
// ~176-192 kHz. Clean may not add latency, so it uses first-order antiderivative
// anti-aliasing (ADAA) on the residual f(x) - x only, which is exactly zero below
// the knee: the output there is the input, bit for bit.
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

// Tan for 0..~1.1 rad from its [3/2] Pade approximant: 0.2 % error at the top of
// the range, cheap enough to run per sample when a cutoff follows an envelope.
inline float tanApprox(float x) noexcept {
    const float x2 = x * x;
    return x * (15.0f - x2) / (15.0f - 6.0f * x2);
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
// Below the knee both segment ends are below it, g = 0, and y = x bit for bit.
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
                if (std::fabs(ahead) > k || std::fabs(aheadBefore) > k) {
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
// because the direct difference of two numbers near s(b) ~ 0.45 leaves float
// rounding noise ~ -106 dBFS at the output, whatever the signal level.
// The bias b puts the operating point on the bend, so the first distortion term
// is quadratic (2nd harmonic, THD rising 1 dB per dB) and the two half-waves
// clip differently (soft onset, > 20 dB from first colour to hard overload).
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
namespace {

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

// Low-level one-pole of the Tube model: coefficient of the TPT integrator.
float tubeLowLevelCutoffGain(double sampleRate) noexcept {
    return tanApprox(static_cast<float>(kPi * TubeConstants::kCutoffLowHz / oversampledRate(sampleRate)));
}

double tubeModelDelay(double sampleRate) noexcept {
    const double g = tubeLowLevelCutoffGain(sampleRate);
    const double p = (1.0 - g) / (1.0 + g);
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
    GainSmoothedValue inputScale; // x -> u
    std::vector<float> scaleTrack, work, bias, cutoff, residual;
    double sampleRate = 48000.0;
    float envelopeCoefficient = 0.0f, dcCoefficient = 0.0f, cutoffScale = 0.0f;
    float thiran = 0.0f;
    int latency = 0;
    int maxBlock = 0;
};

TubeModel::TubeModel() : impl_(std::make_unique<Impl>()) {}
TubeModel::~TubeModel() = default;

int TubeModel::latencyFor(double sampleRate) noexcept { return integerLatencyAbove(tubeModelDelay(sampleRate)); }
int TubeModel::latencySamples() const noexcept { return impl_->latency; }

void TubeModel::prepare(double sampleRate, int maxBlockSize, int channels) {
    auto& s = *impl_;
    s.sampleRate = sampleRate;
    s.maxBlock = std::max(maxBlockSize, 1);
    s.oversampler.prepare(sampleRate, s.maxBlock, channels);
    s.state.assign(static_cast<size_t>(std::max(channels, 0)), {});
    s.inputScale.prepare(sampleRate, kSmoothingSeconds);
    for (auto* v : {&s.scaleTrack, &s.work, &s.bias, &s.cutoff, &s.residual}) v->assign(static_cast<size_t>(s.maxBlock), 0.0f);
    s.envelopeCoefficient = static_cast<float>(1.0 - std::exp(-1.0 / (TubeConstants::kEnvelopeSeconds * sampleRate)));
    s.dcCoefficient = static_cast<float>(1.0 - std::exp(-2.0 * kPi * TubeConstants::kDcHz / sampleRate));
    s.cutoffScale = static_cast<float>(kPi / oversampledRate(sampleRate));
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
    s.inputScale.setCurrentAndTarget(1.0f / amplitudeForDbu(TubeConstants::kSaturationDbu, calibrationDbu_.load(std::memory_order_relaxed)));
}

void TubeModel::process(AudioBlock& block) noexcept {
    ScopedNoDenormals noDenormals;
    auto& s = *impl_;
    s.inputScale.setTarget(1.0f / amplitudeForDbu(TubeConstants::kSaturationDbu, calibrationDbu_.load(std::memory_order_relaxed)));
    const int channels = std::min(block.numChannels(), static_cast<int>(s.state.size()));
    const int factor = s.oversampler.factor();
    const float b0 = TubeConstants::kBias;
    const float norm = std::pow(1.0f + b0 * b0, 1.5f); // 1 / s'(b0): unity small-signal gain
    const float inverseFactor = 1.0f / static_cast<float>(factor);
    const float invCutoffLow = 1.0f / TubeConstants::kCutoffLowHz;
    const float invCutoffSpan = 1.0f / TubeConstants::kCutoffDrivenHz - invCutoffLow;

    for (int start = 0; start < block.numFrames(); start += s.maxBlock) {
        const int count = std::min(s.maxBlock, block.numFrames() - start);
        for (int n = 0; n < count; ++n) s.scaleTrack[static_cast<size_t>(n)] = s.inputScale.next();

        for (int c = 0; c < channels; ++c) {
            auto& ch = s.state[static_cast<size_t>(c)];
            float* x = block.channel(c) + start;

            // Host rate: scale into curve units, follow the envelope, derive bias and cutoff.
            float envelope = ch.envelope, envelopeStage = ch.envelopeStage;
            for (int n = 0; n < count; ++n) {
                const float u = sanitize(x[n]) * s.scaleTrack[static_cast<size_t>(n)];
                s.work[static_cast<size_t>(n)] = u;
                envelopeStage += s.envelopeCoefficient * (u * u - envelopeStage);
                envelope += s.envelopeCoefficient * (envelopeStage - envelope);
                const float drive = envelope / (envelope + TubeConstants::kEnvelopeHalf);
                s.bias[static_cast<size_t>(n)] = b0 + TubeConstants::kBiasShift * drive;
                const float cutoffHz = 1.0f / (invCutoffLow + drive * invCutoffSpan);
                const float g = tanApprox(cutoffHz * s.cutoffScale);
                s.cutoff[static_cast<size_t>(n)] = g / (1.0f + g);
            }
            ch.envelope = envelope;
            ch.envelopeStage = envelopeStage;

            // Oversampled: the curve, then the softening low-pass.
            float* high = s.oversampler.upsample(c, s.work.data(), count);
            float lowPass = ch.lowPass;
            for (int n = 0; n < count; ++n) {
                const float b = s.bias[static_cast<size_t>(n)];
                const float r0 = std::sqrt(1.0f + b * b);
                const float c0 = 1.0f - b * b;
                const float gLp = s.cutoff[static_cast<size_t>(n)];
                float residualSum = 0.0f;
                for (int k = 0; k < factor; ++k) {
                    const float u = high[n * factor + k];
                    const float v = u + b;
                    const float r1 = std::sqrt(1.0f + v * v);
                    const float y = u * (c0 - b * u + r0 * r1) * norm / (r0 * r1 * (r0 + r1));
                    residualSum += y - u;
                    const float step = (y - lowPass) * gLp;
                    const float out = step + lowPass;
                    lowPass = out + step;
                    high[n * factor + k] = out;
                }
                s.residual[static_cast<size_t>(n)] = residualSum * inverseFactor;
            }
            ch.lowPass = lowPass;
            s.oversampler.downsample(c, high, s.work.data(), count);

            // Host rate: remove the stage's own DC, square the delay up, back to digital level.
            float dc = ch.dc;
            for (int n = 0; n < count; ++n) {
                dc += s.dcCoefficient * (s.residual[static_cast<size_t>(n)] - dc);
                const float y = ch.delay.process(s.work[static_cast<size_t>(n)] - dc);
                x[n] = y / s.scaleTrack[static_cast<size_t>(n)];
            }
            ch.dc = dc;
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
// are negligible, so the core runs at the host rate (linearly implicit Euler:
// stable for any level).
// Then, at the oversampled rate: the leakage-inductance / winding-capacitance
// resonance (a TPT state-variable low-pass at 30 kHz, Q 1.05: +1.4 dB around
// 20 kHz, rolling off above), and the line amplifier's limit at +28 dBu with
// a curve x / (1 + x^4)^(1/4) that stays clean (5th-order onset) until close to it.
namespace {

struct TransformerConstants {
    static constexpr float kCoreDbu = 20.0f;
    static constexpr double kCoreReferenceHz = 40.0;
    static constexpr double kLeakHz = 5.0;
    static constexpr float kAmpDbu = 28.0f;
    static constexpr double kResonanceHz = 30000.0;
    static constexpr double kResonanceQ = 1.05;
    static constexpr float kMaxFlux = 60.0f;
};

struct ResonanceCoefficients {
    float a1, a2, a3;
};

ResonanceCoefficients resonanceFor(double sampleRate) noexcept {
    const double g = std::tan(kPi * TransformerConstants::kResonanceHz / oversampledRate(sampleRate));
    const double k = 1.0 / TransformerConstants::kResonanceQ;
    const double a1 = 1.0 / (1.0 + g * (g + k));
    return {static_cast<float>(a1), static_cast<float>(g * a1), static_cast<float>(g * g * a1)};
}

double transformerModelDelay(double sampleRate) noexcept {
    const double g = std::tan(kPi * TransformerConstants::kResonanceHz / oversampledRate(sampleRate));
    const double k = 1.0 / TransformerConstants::kResonanceQ;
    // The TPT state-variable low-pass is the bilinear transform of 1 / (s^2 + k s + 1).
    const double resonance = lowFrequencyDelayOf([&](Complex zInv) {
        const Complex s = (1.0 - zInv) / ((1.0 + zInv) * g);
        return 1.0 / (s * s + k * s + 1.0);
    });
    return Oversampler::lowFrequencyDelayFor(sampleRate) + resonance / Oversampler::factorFor(sampleRate);
}

inline float ampCurve(float x) noexcept {
    const float x2 = x * x;
    return x / std::sqrt(std::sqrt(1.0f + x2 * x2));
}

} // namespace

struct TransformerModel::Impl {
    struct Channel {
        float flux = 0.0f;
        float ic1 = 0.0f, ic2 = 0.0f; // state-variable filter
        FractionalDelay delay;
    };
    Oversampler oversampler;
    std::vector<Channel> state;
    GainSmoothedValue fluxScale; // digital amplitude of the saturation flux (per radian/s)
    GainSmoothedValue ampScale;  // x -> amplifier curve units
    std::vector<float> fluxTrack, ampTrack, work;
    ResonanceCoefficients resonance{};
    float dt = 0.0f, leak = 0.0f, thiran = 0.0f;
    int latency = 0;
    int maxBlock = 0;
};

TransformerModel::TransformerModel() : impl_(std::make_unique<Impl>()) {}
TransformerModel::~TransformerModel() = default;

int TransformerModel::latencyFor(double sampleRate) noexcept { return integerLatencyAbove(transformerModelDelay(sampleRate)); }
int TransformerModel::latencySamples() const noexcept { return impl_->latency; }

namespace {
float saturationFlux(float calibrationDbu) noexcept {
    return amplitudeForDbu(TransformerConstants::kCoreDbu, calibrationDbu) / static_cast<float>(2.0 * kPi * TransformerConstants::kCoreReferenceHz);
}
} // namespace

void TransformerModel::prepare(double sampleRate, int maxBlockSize, int channels) {
    auto& s = *impl_;
    s.maxBlock = std::max(maxBlockSize, 1);
    s.oversampler.prepare(sampleRate, s.maxBlock, channels);
    s.state.assign(static_cast<size_t>(std::max(channels, 0)), {});
    s.fluxScale.prepare(sampleRate, kSmoothingSeconds);
    s.ampScale.prepare(sampleRate, kSmoothingSeconds);
    for (auto* v : {&s.fluxTrack, &s.ampTrack, &s.work}) v->assign(static_cast<size_t>(s.maxBlock), 0.0f);
    s.resonance = resonanceFor(sampleRate);
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
    s.fluxScale.setCurrentAndTarget(saturationFlux(cal));
    s.ampScale.setCurrentAndTarget(1.0f / amplitudeForDbu(TransformerConstants::kAmpDbu, cal));
}

void TransformerModel::process(AudioBlock& block) noexcept {
    ScopedNoDenormals noDenormals;
    auto& s = *impl_;
    const float cal = calibrationDbu_.load(std::memory_order_relaxed);
    s.fluxScale.setTarget(saturationFlux(cal));
    s.ampScale.setTarget(1.0f / amplitudeForDbu(TransformerConstants::kAmpDbu, cal));
    const int channels = std::min(block.numChannels(), static_cast<int>(s.state.size()));
    const int factor = s.oversampler.factor();
    const float leakDt = s.leak * s.dt;
    const auto [a1, a2, a3] = s.resonance;

    for (int start = 0; start < block.numFrames(); start += s.maxBlock) {
        const int count = std::min(s.maxBlock, block.numFrames() - start);
        for (int n = 0; n < count; ++n) {
            s.fluxTrack[static_cast<size_t>(n)] = s.fluxScale.next();
            s.ampTrack[static_cast<size_t>(n)] = s.ampScale.next();
        }
        for (int c = 0; c < channels; ++c) {
            auto& ch = s.state[static_cast<size_t>(c)];
            float* x = block.channel(c) + start;

            float p = ch.flux;
            for (int n = 0; n < count; ++n) {
                const float v = sanitize(x[n]);
                const float phiSat = s.fluxTrack[static_cast<size_t>(n)];
                // Linearly implicit Euler step of dp/dt = v/phiSat - wL (p + p^3).
                const float p2 = p * p;
                const float slope = s.dt * (v / phiSat) - leakDt * (p + p * p2);
                p += slope / (1.0f + leakDt * (1.0f + 3.0f * p2));
                p = std::clamp(p, -TransformerConstants::kMaxFlux, TransformerConstants::kMaxFlux);
                const float core = v - s.leak * phiSat * p * p * p;
                s.work[static_cast<size_t>(n)] = core * s.ampTrack[static_cast<size_t>(n)];
            }
            ch.flux = p;

            float* high = s.oversampler.upsample(c, s.work.data(), count);
            float ic1 = ch.ic1, ic2 = ch.ic2;
            const int total = count * factor;
            for (int i = 0; i < total; ++i) {
                const float v3 = high[i] - ic2;
                const float v1 = a1 * ic1 + a2 * v3;
                const float v2 = ic2 + a2 * ic1 + a3 * v3;
                ic1 = 2.0f * v1 - ic1;
                ic2 = 2.0f * v2 - ic2;
                high[i] = ampCurve(v2);
            }
            ch.ic1 = ic1;
            ch.ic2 = ic2;
            s.oversampler.downsample(c, high, s.work.data(), count);

            for (int n = 0; n < count; ++n)
                x[n] = ch.delay.process(s.work[static_cast<size_t>(n)]) / s.ampTrack[static_cast<size_t>(n)];
        }
    }
}

} // namespace gainstage
