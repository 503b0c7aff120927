// Speaker models from physical parameters. [see SpeakerModel.h for threads]
#include "dsp/SpeakerModel.h"

#include <algorithm>
#include <cmath>

#include "dsp/Denormals.h"
#include "dsp/DspMath.h"

namespace gainstage {

namespace {

constexpr double kRhoCSquared = 1.18 * 343.0 * 343.0; // air: density x speed of sound squared, Pa
constexpr double kNormaliseLowHz = 300.0;
constexpr double kNormaliseHighHz = 3000.0;

bool isSealedLike(const SpeakerParameters& p) noexcept {
    return p.enclosure == SpeakerEnclosure::Sealed || p.enclosure == SpeakerEnclosure::FreeAir;
}

double alpha(const SpeakerParameters& p) noexcept {
    return p.enclosure == SpeakerEnclosure::FreeAir || p.boxLitres <= 0.0 ? 0.0 : p.vasLitres / p.boxLitres;
}

double qts(const SpeakerParameters& p) noexcept { return p.qms * p.qes / (p.qms + p.qes); }

// Electrical analogue of the driver's motional side (a parallel R-L-C reflected
// through Bl) with the box: a sealed box's air spring is an inductance in parallel
// (Lces / alpha); a vented box's air spring and port mass are a series L-C in
// parallel, resonating at the port tuning, with its leakage loss QL.
struct Motional {
    SpeakerPolynomial admittanceNumerator, admittanceDenominator; // Y = num / den
};

Motional motional(const SpeakerParameters& p) noexcept {
    const double ws = 2.0 * kPi * p.fsHz;
    const double cmes = p.qes / (ws * p.reOhms);
    const double lces = 1.0 / (ws * ws * cmes);
    const double res = p.reOhms * p.qms / p.qes;
    Motional m;
    if (p.enclosure == SpeakerEnclosure::Ported) {
        const double lceb = lces / alpha(p);
        const double wb = 2.0 * kPi * p.portHz;
        const double cep = 1.0 / (wb * wb * lceb);
        const double rel = std::sqrt(lceb / cep) / p.boxQl;
        // Y = (1 + s Lces/Res + s^2 Lces Cmes) / (s Lces) + s Cep / (1 + s Rel Cep + s^2 Lceb Cep)
        const SpeakerPolynomial driverNum = SpeakerPolynomial::fromPhysical({1.0, lces / res, lces * cmes});
        const SpeakerPolynomial driverDen = SpeakerPolynomial::fromPhysical({0.0, lces});
        const SpeakerPolynomial boxNum = SpeakerPolynomial::fromPhysical({0.0, cep});
        const SpeakerPolynomial boxDen = SpeakerPolynomial::fromPhysical({1.0, rel * cep, lceb * cep});
        m.admittanceNumerator = driverNum * boxDen + boxNum * driverDen;
        m.admittanceDenominator = driverDen * boxDen;
    } else {
        const double a = alpha(p);
        const double lpar = lces / (1.0 + a); // suspension and box air in parallel
        m.admittanceNumerator = SpeakerPolynomial::fromPhysical({1.0, lpar / res, lpar * cmes});
        m.admittanceDenominator = SpeakerPolynomial::fromPhysical({0.0, lpar});
    }
    return m;
}

// Small's vented-box high-pass (Thiele's alignments with leakage QL).
SpeakerPolynomial ventedDenominator(const SpeakerParameters& p, double& t0Out) noexcept {
    const double ws = 2.0 * kPi * p.fsHz, wb = 2.0 * kPi * p.portHz;
    const double h = p.portHz / p.fsHz, a = alpha(p), qt = qts(p), ql = p.boxQl;
    const double t0 = 1.0 / std::sqrt(ws * wb);
    const double rootH = std::sqrt(h);
    const double a1 = (ql + h * qt) / (rootH * ql * qt);
    const double a2 = (h + (a + 1.0 + h * h) * ql * qt) / (h * ql * qt);
    const double a3 = (h * ql + qt) / (rootH * ql * qt);
    t0Out = t0;
    return SpeakerPolynomial::fromPhysical({1.0, a3 * t0, a2 * t0 * t0, a1 * t0 * t0 * t0, t0 * t0 * t0 * t0});
}

// Woofer through a 4th-order Linkwitz-Riley low-pass plus the tweeter (its own
// 2nd-order resonance high-pass) through the matching high-pass, as one function.
void appendCrossover(const SpeakerParameters& p, AnalogResponse& out) noexcept {
    const double wx = 2.0 * kPi * p.crossoverHz, wt = 2.0 * kPi * p.tweeterFsHz;
    const double gain = std::pow(10.0, p.tweeterDb / 20.0);
    const SpeakerPolynomial butterworth = SpeakerPolynomial::fromPhysical({1.0, std::sqrt(2.0) / wx, 1.0 / (wx * wx)});
    const SpeakerPolynomial lr4 = butterworth * butterworth;
    const SpeakerPolynomial tweeterDen = SpeakerPolynomial::fromPhysical({1.0, 1.0 / (p.tweeterQ * wt), 1.0 / (wt * wt)});
    const SpeakerPolynomial tweeterNum = SpeakerPolynomial::fromPhysical({0.0, 0.0, 1.0 / (wt * wt)});
    const SpeakerPolynomial highPassNum = SpeakerPolynomial::fromPhysical({0.0, 0.0, 0.0, 0.0, 1.0 / (wx * wx * wx * wx)});
    const SpeakerPolynomial numerator = tweeterDen + gain * (highPassNum * tweeterNum);
    out.append(numerator, lr4 * tweeterDen);
}

double meanLevelDb(const AnalogResponse& r) noexcept {
    double sum = 0.0;
    constexpr int kPoints = 41;
    for (int i = 0; i < kPoints; ++i) {
        const double hz = kNormaliseLowHz * std::pow(kNormaliseHighHz / kNormaliseLowHz, i / (kPoints - 1.0));
        sum += r.magnitudeDb(hz);
    }
    return sum / kPoints;
}

} // namespace

SpeakerComplex speakerImpedance(const SpeakerParameters& p, double hz) noexcept {
    if (p.enclosure == SpeakerEnclosure::Flat) return p.nominalOhms;
    const Motional m = motional(p);
    const SpeakerComplex jw(0.0, 2.0 * kPi * hz);
    return p.reOhms + jw * (p.leMilliHenry * 1e-3) + m.admittanceDenominator.at(hz) / m.admittanceNumerator.at(hz);
}

bool ampLoadDivider(const SpeakerParameters& p, double ampOutputOhms, AnalogResponse& out) noexcept {
    out = AnalogResponse{};
    if (p.enclosure == SpeakerEnclosure::Flat) return false;
    const Motional m = motional(p);
    // Z = (Re + s Le) + den / num, so Z / (Z + Zout) = N / (N + Zout num), N = (Re + s Le) num + den.
    const SpeakerPolynomial coil = SpeakerPolynomial::fromPhysical({p.reOhms, p.leMilliHenry * 1e-3});
    const SpeakerPolynomial n = coil * m.admittanceNumerator + m.admittanceDenominator;
    const SpeakerPolynomial d = n + ampOutputOhms * m.admittanceNumerator;
    return out.append(n, d);
}

bool speakerResponse(const SpeakerParameters& p, double ampOutputOhms, AnalogResponse& out) noexcept {
    out = AnalogResponse{};
    if (p.enclosure == SpeakerEnclosure::Flat) return false;
    bool ok = true;
    if (p.enclosure == SpeakerEnclosure::Ported) {
        double t0 = 0.0;
        const SpeakerPolynomial den = ventedDenominator(p, t0);
        ok &= out.append(SpeakerPolynomial::fromPhysical({0.0, 0.0, 0.0, 0.0, t0 * t0 * t0 * t0}), den);
    } else {
        const double root = std::sqrt(1.0 + alpha(p));
        ok &= out.append(highPass2(p.fsHz * root, qts(p) * root));
    }
    if (p.baffleWidthCm > 0.0 && p.baffleStepDb != 0.0)
        ok &= out.append(lowShelf1(115.0 / (p.baffleWidthCm * 0.01), -p.baffleStepDb)); // Olson's f3 = 115 / width
    if (p.breakupHz > 0.0 && p.breakupDb != 0.0) ok &= out.append(peaking(p.breakupHz, p.breakupQ, p.breakupDb));
    if (p.cabinetHz > 0.0 && p.cabinetDb != 0.0) ok &= out.append(peaking(p.cabinetHz, p.cabinetQ, p.cabinetDb));
    if (p.crossoverHz > 0.0) appendCrossover(p, out);
    if (p.topHz > 0.0) ok &= out.append(lowPass2(p.topHz, p.topQ));
    out.gain /= std::pow(10.0, meanLevelDb(out) / 20.0);
    if (ampOutputOhms > 0.0) {
        AnalogResponse divider;
        ok &= ampLoadDivider(p, ampOutputOhms, divider);
        for (int i = 0; i < divider.count; ++i) ok &= out.append(divider.sections[static_cast<size_t>(i)]);
        out.gain *= divider.gain;
    }
    return ok;
}

SpeakerFigures speakerFigures(const SpeakerParameters& p, double ampOutputOhms) noexcept {
    SpeakerFigures f;
    if (p.enclosure == SpeakerEnclosure::Flat) return f;
    AnalogResponse r;
    speakerResponse(p, ampOutputOhms, r);
    const double reference = meanLevelDb(r) - 3.0;
    constexpr double kStep = 1.0005;
    const double centre = std::sqrt(kNormaliseLowHz * kNormaliseHighHz);
    for (double hz = centre; hz > 2.0; hz /= kStep)
        if (r.magnitudeDb(hz) < reference) {
            f.lowHz = hz;
            break;
        }
    for (double hz = centre; hz < 60000.0; hz *= kStep)
        if (r.magnitudeDb(hz) < reference) {
            f.highHz = hz;
            break;
        }
    f.minImpedanceOhms = 1e9;
    for (double hz = 10.0; hz <= 20000.0; hz *= 1.005) {
        const double z = std::abs(speakerImpedance(p, hz));
        if (z < f.minImpedanceOhms && hz > p.fsHz) f.minImpedanceOhms = z;
        if (z > f.maxImpedanceOhms && hz < 1000.0) {
            f.maxImpedanceOhms = z;
            f.maxImpedanceHz = hz;
        }
    }
    if (isSealedLike(p)) {
        const double root = std::sqrt(1.0 + alpha(p));
        f.closedBoxHz = p.fsHz * root;
        f.closedBoxQ = qts(p) * root;
    }
    return f;
}

double excursionMmPerVolt(const SpeakerParameters& p) noexcept {
    if (p.xmaxMm <= 0.0 || !isSealedLike(p) || p.sdCm2 <= 0.0 || p.vasLitres <= 0.0) return 0.0;
    const double sd = p.sdCm2 * 1e-4;
    const double cms = p.vasLitres * 1e-3 / (kRhoCSquared * sd * sd);
    const double stiffness = (1.0 + alpha(p)) / cms;
    return 1000.0 * p.blTm / (p.reOhms * stiffness);
}

double listeningLevelDbSpl(double sensitivityDbSpl, double ratedPowerW, double ampGainDb, double signalRmsDbfs) noexcept {
    // A full-scale sine (RMS -3.01 dBFS) at 0 dB gain is rated power.
    const double powerDb = std::min(signalRmsDbfs + ampGainDb + 3.0103, 0.0);
    return sensitivityDbSpl + 10.0 * std::log10(std::max(ratedPowerW, 1e-6)) + powerDb;
}

void SpeakerModel::prepare(double sampleRate, int maxBlockSize, int channels) {
    sampleRate_ = sampleRate;
    maxBlock_ = std::max(maxBlockSize, 1);
    channels_ = std::clamp(channels, 1, 2);
    work_.assign(static_cast<size_t>(maxBlock_), SpeakerDouble2{});
    reset();
}

void SpeakerModel::reset() noexcept {
    cascade_.reset();
    excursion_.reset();
    envelope_ = 0.0;
}

void SpeakerModel::configure(const SpeakerParameters& p, double ampOutputOhms, double railVolts) noexcept {
    bypass_ = p.enclosure == SpeakerEnclosure::Flat;
    mono_ = p.mono;
    if (bypass_) return;
    AnalogResponse response;
    speakerResponse(p, std::max(ampOutputOhms, 0.0), response);
    cascade_.design(response, sampleRate_);
    const double mmPerVolt = excursionMmPerVolt(p);
    excursionOn_ = mmPerVolt > 0.0;
    if (excursionOn_) {
        const double root = std::sqrt(1.0 + alpha(p));
        AnalogResponse low;
        low.append(lowPass2(p.fsHz * root, qts(p) * root));
        excursion_.design(low, sampleRate_);
        voltsToExcursion_ = railVolts * mmPerVolt / p.xmaxMm;
    }
    compressorOn_ = p.compressorRatio > 1.0;
    if (compressorOn_) {
        threshold_ = std::pow(10.0, p.compressorThresholdDb / 20.0);
        slope_ = 1.0 / p.compressorRatio - 1.0;
        attack_ = 1.0 - std::exp(-1.0 / (0.002 * sampleRate_));
        release_ = 1.0 - std::exp(-1.0 / (0.150 * sampleRate_));
    }
    reset();
}

void SpeakerModel::process(AudioBlock& block) noexcept {
    if (bypass_ || block.numChannels() == 0) return;
    ScopedNoDenormals noDenormals;
    const int channels = std::min(block.numChannels(), channels_);
    float* left = block.channel(0);
    float* right = channels > 1 ? block.channel(1) : nullptr;
    SpeakerDouble2* x = work_.data();
    for (int start = 0; start < block.numFrames(); start += maxBlock_) {
        const int count = std::min(maxBlock_, block.numFrames() - start);
        float* l = left + start;
        float* r = right ? right + start : nullptr;
        // Anything non-finite is a dropout; the state never sees it.
        auto clean = [](float v) { return std::isfinite(v) ? static_cast<double>(std::clamp(v, -1000.0f, 1000.0f)) : 0.0; };
        if (r && mono_) {
            for (int n = 0; n < count; ++n) {
                const double m = 0.5 * (clean(l[n]) + clean(r[n]));
                x[n] = SpeakerDouble2{m, m};
            }
        } else if (r) {
            for (int n = 0; n < count; ++n) x[n] = SpeakerDouble2{clean(l[n]), clean(r[n])};
        } else {
            for (int n = 0; n < count; ++n) x[n] = SpeakerDouble2{clean(l[n]), 0.0};
        }
        if (excursionOn_) {
            const double k = voltsToExcursion_, inverse = 1.0 / voltsToExcursion_;
            for (int n = 0; n < count; ++n) {
                const SpeakerDouble2 e = excursion_.process(x[n]) * k;
                const SpeakerDouble2 squared = 1.0 + e * e;
                const SpeakerDouble2 root{std::sqrt(squared[0]), std::sqrt(squared[1])};
                x[n] += (e / root - e) * inverse;
            }
        }
        cascade_.processBlock(x, count);
        if (compressorOn_) {
            for (int n = 0; n < count; ++n) {
                const double level = std::max(std::fabs(x[n][0]), std::fabs(x[n][1]));
                envelope_ += (level > envelope_ ? attack_ : release_) * (level - envelope_);
                if (envelope_ > threshold_) x[n] *= std::exp(slope_ * std::log(envelope_ / threshold_));
            }
        }
        for (int n = 0; n < count; ++n) l[n] = static_cast<float>(x[n][0]);
        if (r)
            for (int n = 0; n < count; ++n) r[n] = static_cast<float>(x[n][1]);
    }
}

} // namespace gainstage
