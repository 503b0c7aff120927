// Input Z: the source/load impedance interaction as a digital IIR, gliding
// between loads. See InputImpedance.h. [audio thread except prepare]
#include "dsp/InputImpedance.h"

#include <algorithm>
#include <cmath>

#include "dsp/Denormals.h"
#include "dsp/DspMath.h"

namespace gainstage {

namespace {

// Once the glide has landed on the interface's value, the filter's poles and
// zeros cancel exactly and what is left in its state is a decaying remainder
// of the last glide. Below this (-240 dBFS) it is dropped and the stage goes
// back to bypass.
constexpr double kTailThreshold = 1.0e-12;

// The mic's first-order pair is matched in magnitude at DC and here: the top
// of the range where the response must follow the analogue one closely.
constexpr double kFirstOrderMatchHz = 10000.0;

// Motional branch of the mic as a parallel R-L-C, derived from the peak
// resistance, the resonance and its Q: Q = Rm / (w0 Lm), w0^2 = 1 / (Lm Cm).
struct MotionalBranch {
    double ohms, henries, farads;
};
MotionalBranch motionalBranch() noexcept {
    const double w0 = 2.0 * kPi * kDynamicMic.resonanceHz;
    const double henries = kDynamicMic.motionalPeakOhms / (w0 * kDynamicMic.resonanceQ);
    return {kDynamicMic.motionalPeakOhms, henries, 1.0 / (w0 * w0 * henries)};
}

// The roots of q2 s^2 + q1 s + q0 (a stable, damped pair: all q > 0) mapped by
// z = exp(sT), returned as the monic digital polynomial 1 + a1 z^-1 + a2 z^-2.
// It is continuous across the real / complex boundary, so a glide that moves
// the pair from one to the other does not jump.
void matchedPair(double q2, double q1, double q0, double T, double& a1, double& a2) noexcept {
    a2 = std::exp(-q1 / q2 * T); // exp((r1 + r2) T)
    const double disc = q1 * q1 - 4.0 * q2 * q0;
    if (disc < 0.0) {
        const double sigma = -q1 / (2.0 * q2);
        const double omega = std::sqrt(-disc) / (2.0 * q2);
        a1 = -2.0 * std::exp(sigma * T) * std::cos(omega * T);
    } else {
        const double t = -0.5 * (q1 + std::sqrt(disc)); // q1 > 0: no cancellation
        a1 = -(std::exp(t / q2 * T) + std::exp(q0 / t * T));
    }
}

} // namespace

void InputImpedance::setImpedanceOhms(float ohms) noexcept {
    float value = ohms;
    if (std::isnan(value)) value = static_cast<float>(interfaceOhms(source()));
    ohms_.store(std::clamp(value, kMinInputImpedanceOhms, kMaxInputImpedanceOhms), std::memory_order_relaxed);
}

void InputImpedance::prepare(double sampleRate, int /*maxBlockSize*/, int channels) {
    sampleRate_ = sampleRate > 0.0 ? sampleRate : 48000.0;
    channels_ = std::max(channels, 0);
    state_.assign(static_cast<size_t>(channels_), ChannelState{});
    // Never match above a quarter of the rate, where the fit would lose the audio band.
    fitOmega_ = 2.0 * kPi * std::min(kFirstOrderMatchHz, 0.25 * sampleRate_) / sampleRate_;
    logLoad_.setLength(rampSamples(kGlideSeconds, sampleRate_));

    // The numerators: each source loaded by the interface's own input. They
    // are computed by the same functions as the poles, so at Zl = Zi the
    // poles and zeros are bit-identical and cancel exactly.
    {
        Reference& mic = reference_[static_cast<int>(Source::Mic)];
        double realRoot = 0.0;
        const Resonant pair = micLoadedPoles(kInterfaceMicInputOhms, &realRoot);
        mic.b1 = pair.a1;
        mic.b2 = pair.a2;
        mic.dcSum = 1.0 + pair.a1 + pair.a2;
        mic.zero = firstOrderRoot(realRoot);
        mic.dcGain = kInterfaceMicInputOhms / (kInterfaceMicInputOhms + kDynamicMic.coilOhms);
    }
    {
        Reference& di = reference_[static_cast<int>(Source::DI)];
        const Resonant pair = pickupLoadedPoles(kInterfaceDiInputOhms);
        di.b1 = pair.a1;
        di.b2 = pair.a2;
        di.dcSum = 1.0 + pair.a1 + pair.a2;
        di.zero = 0.0;
        di.dcGain = kInterfaceDiInputOhms / (kInterfaceDiInputOhms + kGuitarPickup.ohms);
        di.dividerSquared = pickupDividerSquared(kInterfaceDiInputOhms);
    }
    reset();
}

void InputImpedance::reset() noexcept {
    clearState();
    targetSource_ = source_.load(std::memory_order_relaxed);
    targetOhms_ = ohms_.load(std::memory_order_relaxed);
    activeSource_ = targetSource_;
    loadOhms_ = goalOhms_ = targetOhms_;
    logLoad_.jumpTo(std::log(loadOhms_));
    coefficients_ = design(activeSource_, loadOhms_);
    bypassed_ = loadOhms_ == interfaceOhms(activeSource_);
}

void InputImpedance::clearState() noexcept {
    for (auto& s : state_) s = ChannelState{};
}

// Poles of the loaded mic: the roots of (Zl + Zs) Dm, where Zm = Nm / Dm:
//   c3 s^3 + c2 s^2 + c1 s + c0, with P = Rm Lm Cm and R = Zl + Re,
//   c3 = Le P, c2 = R P + Le Lm, c1 = R Lm + Le Rm + Lm Rm, c0 = R Rm.
// One root is real and large (about -(Zl + Re) / Le); it is found by Newton's
// method and divided out, leaving the pair near the diaphragm resonance.
InputImpedance::Resonant InputImpedance::micLoadedPoles(double loadOhms, double* realPole) const noexcept {
    const MotionalBranch m = motionalBranch();
    const double le = kDynamicMic.coilHenries;
    const double r = loadOhms + kDynamicMic.coilOhms;
    const double p = m.ohms * m.henries * m.farads;
    const double c3 = le * p;
    const double c2 = r * p + le * m.henries;
    const double c1 = r * m.henries + le * m.ohms + m.henries * m.ohms;
    const double c0 = r * m.ohms;

    // -c2/c3 is the sum of the roots; the large real one dominates it, so
    // Newton starts next to it and converges in a few steps.
    double root = -c2 / c3;
    for (int i = 0; i < 50; ++i) {
        const double f = ((c3 * root + c2) * root + c1) * root + c0;
        const double df = (3.0 * c3 * root + 2.0 * c2) * root + c1;
        const double step = f / df;
        root -= step;
        if (std::fabs(step) <= 1.0e-15 * std::fabs(root)) break;
    }
    *realPole = root;

    // Divide it out from the constant end (stable for the largest root).
    const double q0 = -c0 / root;
    const double q1 = (q0 - c1) / root;
    const double q2 = (q1 - c2) / root;
    Resonant pair;
    matchedPair(q2, q1, q0, 1.0 / sampleRate_, pair.a1, pair.a2);
    return pair;
}

// Poles of the loaded pickup: (Zl + Zs) (1 + s R C) with Zl = R || C, Zs = Rp + s Lp:
//   Lp R C s^2 + (Lp + Rp R C) s + (R + Rp).
InputImpedance::Resonant InputImpedance::pickupLoadedPoles(double loadOhms) const noexcept {
    const double q2 = kGuitarPickup.henries * loadOhms * kGuitarPickup.cableFarads;
    const double q1 = kGuitarPickup.henries + kGuitarPickup.ohms * loadOhms * kGuitarPickup.cableFarads;
    const double q0 = loadOhms + kGuitarPickup.ohms;
    Resonant pair;
    matchedPair(q2, q1, q0, 1.0 / sampleRate_, pair.a1, pair.a2);
    return pair;
}

// The x of a digital first-order factor (1 - x z^-1), normalised to unity at
// DC, whose squared magnitude at fitOmega_ is `t`:
//   (1 + x^2 - 2x cos w) / (1 - x)^2 = t.
// The smaller solution of that palindromic quadratic, in a cancellation-free
// form; t = 1 gives exactly 0. A single zero can cut by at most (1 + cos w) / 2.
double InputImpedance::shelfRoot(double t) const noexcept {
    const double c = std::cos(fitOmega_);
    const double lowest = 0.5 * (1.0 + c);
    const double tt = std::max(t, lowest * 1.0001);
    return (tt - 1.0) / ((tt - c) + std::sqrt((1.0 - c) * (2.0 * tt - 1.0 - c)));
}

// An analogue first-order factor (s - root), root < 0, matched in magnitude at
// DC and fitOmega_: |1 - j w / root|^2 = 1 + (w / root)^2.
double InputImpedance::firstOrderRoot(double analogueRoot) const noexcept {
    const double ratio = fitOmega_ * sampleRate_ / analogueRoot;
    return shelfRoot(1.0 + ratio * ratio);
}

// |Zl / (Zl + Zs)|^2 of the loaded pickup at fitOmega_, as real arithmetic, so
// that the same load gives bit-identical values.
double InputImpedance::pickupDividerSquared(double loadOhms) const noexcept {
    const double w = fitOmega_ * sampleRate_;
    const double rc = loadOhms * kGuitarPickup.cableFarads;
    // Zl = R / (1 + j w R C); Zl + Zs = (R + Zs (1 + j w R C)) / (1 + j w R C), Zs = Rp + j w Lp.
    const double re = loadOhms + kGuitarPickup.ohms - w * kGuitarPickup.henries * w * rc;
    const double im = w * kGuitarPickup.henries + kGuitarPickup.ohms * w * rc;
    return loadOhms * loadOhms / (re * re + im * im);
}

InputImpedance::Coefficients InputImpedance::design(Source source, double loadOhms) const noexcept {
    const Reference& ref = reference_[static_cast<int>(source)];
    Coefficients k;
    Resonant poles;
    double dcGain = 0.0;
    if (source == Source::Mic) {
        double realPole = 0.0;
        poles = micLoadedPoles(loadOhms, &realPole);
        const double pole = firstOrderRoot(realPole);
        // Each section is normalised to unity at DC; the resonant one then carries H(0).
        const double g = (1.0 - pole) / (1.0 - ref.zero);
        k.c0 = g;
        k.c1 = -g * ref.zero;
        k.d1 = -pole;
        dcGain = loadOhms / (loadOhms + kDynamicMic.coilOhms);
    } else {
        poles = pickupLoadedPoles(loadOhms);
        dcGain = loadOhms / (loadOhms + kGuitarPickup.ohms);
    }
    // H(0) = [Zl / (Zl + Zs(0))] / [Zi / (Zi + Zs(0))]; the digital DC gain of
    // the monic sections is (1 + b1 + b2) / (1 + a1 + a2).
    const double gain = (dcGain / ref.dcGain) * (1.0 + poles.a1 + poles.a2) / ref.dcSum;
    k.b0 = gain;
    k.b1 = gain * ref.b1;
    k.b2 = gain * ref.b2;
    k.a1 = poles.a1;
    k.a2 = poles.a2;

    if (source == Source::DI) {
        // Root mapping is exact at the roots but tilts the top end a little,
        // and the tilts of the loaded and the reference pickup only cancel when
        // their resonances are alike. A low load (a line input, say) over-damps
        // the pickup, so the first-order section, unused by the DI, takes up
        // what is left: a zero that makes the magnitude exact at fitOmega_ too.
        // At Zl = Zi both ratios are exactly 1 and the zero exactly 0.
        const double analogue = pickupDividerSquared(loadOhms) / ref.dividerSquared;
        const double c1 = std::cos(fitOmega_), c2 = std::cos(2.0 * fitOmega_);
        const double s1 = std::sin(fitOmega_), s2 = std::sin(2.0 * fitOmega_);
        auto magnitudeSquared = [&](double x1, double x2) {
            const double re = 1.0 + x1 * c1 + x2 * c2;
            const double im = x1 * s1 + x2 * s2;
            return re * re + im * im;
        };
        const double digital = gain * gain * (magnitudeSquared(ref.b1, ref.b2) / magnitudeSquared(poles.a1, poles.a2));
        const double zero = shelfRoot(analogue / digital);
        k.c0 = 1.0 / (1.0 - zero);
        k.c1 = -zero * k.c0;
        k.d1 = 0.0;
    }
    return k;
}

double InputImpedance::goalOhms() const noexcept {
    // A source change first returns to neutral, where the two models meet.
    return targetSource_ == activeSource_ ? targetOhms_ : interfaceOhms(activeSource_);
}

void InputImpedance::swapSource() noexcept {
    activeSource_ = targetSource_;
    loadOhms_ = goalOhms_ = interfaceOhms(activeSource_);
    logLoad_.jumpTo(std::log(loadOhms_));
    coefficients_ = design(activeSource_, loadOhms_);
}

void InputImpedance::process(AudioBlock& block) noexcept {
    ScopedNoDenormals noDenormals;
    targetSource_ = source_.load(std::memory_order_relaxed);
    targetOhms_ = ohms_.load(std::memory_order_relaxed);
    if (bypassed_ && targetSource_ == activeSource_ && targetOhms_ == loadOhms_) return;

    const int channels = std::min(block.numChannels(), channels_);
    const int frames = block.numFrames();

    for (int n = 0; n < frames; ++n) {
        if (bypassed_ && targetSource_ != activeSource_) swapSource();
        const double goal = goalOhms();
        if (goal != goalOhms_) {
            goalOhms_ = goal;
            logLoad_.setTarget(std::log(goal));
        }
        if (logLoad_.isMoving()) {
            const double logLoad = logLoad_.next();
            loadOhms_ = logLoad_.isMoving() ? std::exp(logLoad) : goalOhms_;
            coefficients_ = design(activeSource_, loadOhms_);
            bypassed_ = false;
        } else if (bypassed_) {
            continue; // neutral and nothing pending: the sample stays as it is
        }

        const Coefficients& k = coefficients_;
        double tail = 0.0;
        for (int c = 0; c < channels; ++c) {
            float* x = block.channel(c);
            ChannelState& s = state_[static_cast<size_t>(c)];
            const double in = x[n];
            const double resonant = k.b0 * in + s.s1;
            s.s1 = k.b1 * in - k.a1 * resonant + s.s2;
            s.s2 = k.b2 * in - k.a2 * resonant;
            const double out = k.c0 * resonant + s.s3;
            s.s3 = k.c1 * resonant - k.d1 * out;
            x[n] = static_cast<float>(out);
            tail = std::max({tail, std::fabs(s.s1), std::fabs(s.s2), std::fabs(s.s3)});
        }
        if (!logLoad_.isMoving() && loadOhms_ == interfaceOhms(activeSource_) && tail < kTailThreshold) {
            // Landed on neutral and the remainder has died away: exact bypass from here.
            bypassed_ = true;
            clearState();
        }
    }

    // Only a caller that skipped Preamp's input check can feed a non-finite
    // sample; it must not live on in the state.
    for (auto& s : state_)
        if (!std::isfinite(s.s1 + s.s2 + s.s3)) s = ChannelState{};
}

} // namespace gainstage
