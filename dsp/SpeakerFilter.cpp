// Rational functions of s, their factoring and their bilinear realisation.
// [any thread; SpeakerCascade::process*: audio thread]
#include "dsp/SpeakerFilter.h"

#include <algorithm>
#include <cmath>

#include "dsp/DspMath.h"

namespace gainstage {

namespace {

constexpr double kReferenceOmega = 2.0 * kPi * kSpeakerReferenceHz;

// A group of one real root or a conjugate pair / two real roots, as a monic
// polynomial c0 + c1 u (+ u^2), with its natural frequency in u units.
struct RootGroup {
    double c0 = 0, c1 = 0;
    int degree = 0;
    double naturalFrequency = 0;
};

int trimmedDegree(const SpeakerPolynomial& p) noexcept {
    int d = p.degree;
    while (d > 0 && p.c[static_cast<size_t>(d)] == 0.0) --d;
    return d;
}

// Groups roots into real-coefficient factors: conjugate pairs first (they need a
// whole second-order slot), then real roots paired in order of size.
int groupRoots(const std::array<SpeakerComplex, kMaxPolynomialDegree>& roots, int count, std::array<RootGroup, kMaxPolynomialDegree>& pairs,
               std::array<RootGroup, kMaxPolynomialDegree>& singles, int& singleCount) noexcept {
    int pairCount = 0;
    singleCount = 0;
    std::array<double, kMaxPolynomialDegree> reals{};
    int realCount = 0;
    for (int i = 0; i < count; ++i) {
        const SpeakerComplex r = roots[static_cast<size_t>(i)];
        const double tolerance = 1e-7 * (std::abs(r) + 1e-12);
        if (std::fabs(r.imag()) <= tolerance) {
            reals[static_cast<size_t>(realCount++)] = r.real();
        } else if (r.imag() > 0.0) {
            RootGroup g;
            g.c0 = std::norm(r);
            g.c1 = -2.0 * r.real();
            g.degree = 2;
            g.naturalFrequency = std::abs(r);
            pairs[static_cast<size_t>(pairCount++)] = g;
        }
    }
    std::sort(reals.begin(), reals.begin() + realCount, [](double a, double b) { return std::fabs(a) < std::fabs(b); });
    for (int i = 0; i < realCount; ++i) {
        RootGroup g;
        g.c0 = -reals[static_cast<size_t>(i)];
        g.c1 = 1.0;
        g.degree = 1;
        g.naturalFrequency = std::fabs(reals[static_cast<size_t>(i)]);
        singles[static_cast<size_t>(singleCount++)] = g;
    }
    return pairCount;
}

// Second-order section matched in magnitude (after Vicanek, "Matched second order
// digital filters", 2016): the poles by impulse invariance (z = e^(pT), exact),
// the numerator so that |H| equals the analogue magnitude at DC, at the section's
// natural frequency and at Nyquist. The bilinear transform instead squeezes a
// 15 kHz roll-off at 48 kHz by over a dB; this keeps corners and resonances right
// up to the top of the band. Only the magnitude is matched: a non-minimum-phase
// numerator (a crossover's allpass part) comes out minimum phase, which no one hears.
// False when it cannot be met (then the caller uses the bilinear transform).
bool matchedSecondOrder(const AnalogSection& a, double naturalHz, double sampleRate, DigitalSection& out) noexcept {
    const double t = 1.0 / sampleRate;
    // Poles of a2 u^2 + a1 u + a0, in rad/s.
    const double disc = a.a1 * a.a1 - 4.0 * a.a2 * a.a0;
    double a1d, a2d;
    if (disc < 0.0) {
        const double re = -a.a1 / (2.0 * a.a2) * kReferenceOmega, im = std::sqrt(-disc) / (2.0 * a.a2) * kReferenceOmega;
        a1d = -2.0 * std::exp(re * t) * std::cos(im * t);
        a2d = std::exp(2.0 * re * t);
    } else {
        const double root = std::sqrt(disc);
        const double p1 = (-a.a1 + root) / (2.0 * a.a2) * kReferenceOmega, p2 = (-a.a1 - root) / (2.0 * a.a2) * kReferenceOmega;
        a1d = -(std::exp(p1 * t) + std::exp(p2 * t));
        a2d = std::exp((p1 + p2) * t);
    }
    auto denominatorSquared = [&](double w) {
        const SpeakerComplex zInv = std::polar(1.0, -w);
        return std::norm(1.0 + zInv * (a1d + zInv * a2d));
    };
    const double wm = 2.0 * kPi * std::min(naturalHz, 0.4 * sampleRate) / sampleRate;
    const double atDc = std::norm(a.at(0.0)) * denominatorSquared(0.0);
    const double atNyquist = std::norm(a.at(0.5 * sampleRate)) * denominatorSquared(kPi);
    const double atMiddle = std::norm(a.at(wm * sampleRate / (2.0 * kPi))) * denominatorSquared(wm);
    // |N|^2 = B0 phi0 + B1 phi1 + B2 phi2, phi1 = sin^2(w/2), phi0 = 1 - phi1, phi2 = 4 phi0 phi1.
    const double phi1 = std::sin(0.5 * wm) * std::sin(0.5 * wm), phi0 = 1.0 - phi1, phi2 = 4.0 * phi0 * phi1;
    const double b0Squared = atDc, b1Squared = atNyquist;
    const double b2Term = (atMiddle - b0Squared * phi0 - b1Squared * phi1) / phi2;
    const double rootDc = std::sqrt(b0Squared), rootNyquist = std::sqrt(b1Squared);
    const double w = 0.5 * (rootDc + rootNyquist);
    const double inside = w * w + b2Term;
    if (!(inside >= 0.0) || !std::isfinite(inside)) return false;
    const double b0 = 0.5 * (w + std::sqrt(inside));
    if (b0 == 0.0) return false;
    out = DigitalSection{b0, 0.5 * (rootDc - rootNyquist), -b2Term / (4.0 * b0), a1d, a2d};
    return true;
}

double safeLogRatio(double a, double b) noexcept {
    return std::fabs(std::log((a + 1e-9) / (b + 1e-9)));
}

} // namespace

SpeakerPolynomial SpeakerPolynomial::fromPhysical(std::initializer_list<double> coefficients) noexcept {
    SpeakerPolynomial p;
    double scale = 1.0;
    int i = 0;
    for (double value : coefficients) {
        if (i > kMaxPolynomialDegree) break;
        p.c[static_cast<size_t>(i)] = value * scale;
        scale *= kReferenceOmega;
        ++i;
    }
    p.degree = std::max(0, i - 1);
    return p;
}

SpeakerComplex SpeakerPolynomial::evaluate(SpeakerComplex u) const noexcept {
    SpeakerComplex y = 0.0;
    for (int i = degree; i >= 0; --i) y = y * u + c[static_cast<size_t>(i)];
    return y;
}

SpeakerPolynomial operator*(const SpeakerPolynomial& a, const SpeakerPolynomial& b) noexcept {
    SpeakerPolynomial p;
    p.degree = std::min(kMaxPolynomialDegree, a.degree + b.degree);
    for (int i = 0; i <= a.degree; ++i)
        for (int j = 0; j <= b.degree && i + j <= kMaxPolynomialDegree; ++j)
            p.c[static_cast<size_t>(i + j)] += a.c[static_cast<size_t>(i)] * b.c[static_cast<size_t>(j)];
    return p;
}

SpeakerPolynomial operator+(const SpeakerPolynomial& a, const SpeakerPolynomial& b) noexcept {
    SpeakerPolynomial p;
    p.degree = std::max(a.degree, b.degree);
    for (int i = 0; i <= p.degree; ++i)
        p.c[static_cast<size_t>(i)] = (i <= a.degree ? a.c[static_cast<size_t>(i)] : 0.0) + (i <= b.degree ? b.c[static_cast<size_t>(i)] : 0.0);
    return p;
}

SpeakerPolynomial operator*(double k, const SpeakerPolynomial& a) noexcept {
    SpeakerPolynomial p = a;
    for (auto& v : p.c) v *= k;
    return p;
}

// Aberth-Ehrlich: all roots at once, cubically convergent, no deflation error.
// Exact zeros at the origin (high-pass numerators) are taken out first.
int polynomialRoots(const SpeakerPolynomial& input, std::array<SpeakerComplex, kMaxPolynomialDegree>& roots) noexcept {
    SpeakerPolynomial p = input;
    p.degree = trimmedDegree(p);
    int found = 0;
    int low = 0;
    while (low < p.degree && p.c[static_cast<size_t>(low)] == 0.0) {
        roots[static_cast<size_t>(found++)] = 0.0;
        ++low;
    }
    const int n = p.degree - low;
    if (n <= 0) return found;
    std::array<double, kMaxPolynomialDegree + 1> c{};
    const double lead = p.c[static_cast<size_t>(p.degree)];
    for (int i = 0; i <= n; ++i) c[static_cast<size_t>(i)] = p.c[static_cast<size_t>(i + low)] / lead;
    auto value = [&](SpeakerComplex z, SpeakerComplex& derivative) {
        SpeakerComplex y = 1.0, d = 0.0;
        for (int i = n - 1; i >= 0; --i) {
            d = d * z + y;
            y = y * z + c[static_cast<size_t>(i)];
        }
        derivative = d;
        return y;
    };
    // Start on a circle of the geometric-mean root size, off the real axis.
    const double radius = std::pow(std::max(std::fabs(c[0]), 1e-300), 1.0 / n);
    std::array<SpeakerComplex, kMaxPolynomialDegree> z{};
    for (int k = 0; k < n; ++k) z[static_cast<size_t>(k)] = std::polar(radius, 2.0 * kPi * (k + 0.25) / n + 0.4);
    for (int iteration = 0; iteration < 500; ++iteration) {
        double worst = 0.0;
        for (int k = 0; k < n; ++k) {
            SpeakerComplex d;
            const SpeakerComplex y = value(z[static_cast<size_t>(k)], d);
            if (y == 0.0) continue;
            const SpeakerComplex ratio = y / d;
            SpeakerComplex sum = 0.0;
            for (int j = 0; j < n; ++j)
                if (j != k) sum += 1.0 / (z[static_cast<size_t>(k)] - z[static_cast<size_t>(j)]);
            const SpeakerComplex step = ratio / (1.0 - ratio * sum);
            z[static_cast<size_t>(k)] -= step;
            worst = std::max(worst, std::abs(step) / (std::abs(z[static_cast<size_t>(k)]) + 1e-300));
        }
        if (worst < 1e-15) break;
    }
    for (int k = 0; k < n; ++k) roots[static_cast<size_t>(found++)] = z[static_cast<size_t>(k)];
    return found;
}

SpeakerComplex AnalogSection::at(double hz) const noexcept {
    const SpeakerComplex u(0.0, hz / kSpeakerReferenceHz);
    return (b0 + u * (b1 + u * b2)) / (a0 + u * (a1 + u * a2));
}

bool AnalogResponse::append(const AnalogSection& section) noexcept {
    if (count >= kMaxSpeakerSections) return false;
    sections[static_cast<size_t>(count++)] = section;
    return true;
}

bool AnalogResponse::append(const SpeakerPolynomial& numeratorIn, const SpeakerPolynomial& denominatorIn) noexcept {
    SpeakerPolynomial numerator = numeratorIn, denominator = denominatorIn;
    numerator.degree = trimmedDegree(numerator);
    denominator.degree = trimmedDegree(denominator);
    if (numerator.degree > denominator.degree) return false;
    std::array<SpeakerComplex, kMaxPolynomialDegree> zeros{}, poles{};
    const int zeroCount = polynomialRoots(numerator, zeros);
    const int poleCount = polynomialRoots(denominator, poles);

    std::array<RootGroup, kMaxPolynomialDegree> polePairs{}, poleSingles{}, zeroPairs{}, zeroSingles{};
    int poleSingleCount = 0, zeroSingleCount = 0;
    int polePairCount = groupRoots(poles, poleCount, polePairs, poleSingles, poleSingleCount);
    const int zeroPairCount = groupRoots(zeros, zeroCount, zeroPairs, zeroSingles, zeroSingleCount);
    // Real poles pair up into second-order sections (smallest together), one may stay alone.
    std::array<AnalogSection, kMaxPolynomialDegree> built{};
    std::array<double, kMaxPolynomialDegree> poleFrequency{};
    std::array<int, kMaxPolynomialDegree> capacity{};
    int sectionCount = 0;
    for (int i = 0; i < polePairCount; ++i) {
        const RootGroup& g = polePairs[static_cast<size_t>(i)];
        built[static_cast<size_t>(sectionCount)] = AnalogSection{1, 0, 0, g.c0, g.c1, 1};
        poleFrequency[static_cast<size_t>(sectionCount)] = g.naturalFrequency;
        capacity[static_cast<size_t>(sectionCount++)] = 2;
    }
    for (int i = 0; i < poleSingleCount; i += 2) {
        const RootGroup& a = poleSingles[static_cast<size_t>(i)];
        if (i + 1 < poleSingleCount) {
            const RootGroup& b = poleSingles[static_cast<size_t>(i + 1)];
            built[static_cast<size_t>(sectionCount)] = AnalogSection{1, 0, 0, a.c0 * b.c0, a.c0 + b.c0, 1};
            poleFrequency[static_cast<size_t>(sectionCount)] = std::sqrt(a.naturalFrequency * b.naturalFrequency);
            capacity[static_cast<size_t>(sectionCount++)] = 2;
        } else {
            built[static_cast<size_t>(sectionCount)] = AnalogSection{1, 0, 0, a.c0, 1, 0};
            poleFrequency[static_cast<size_t>(sectionCount)] = a.naturalFrequency;
            capacity[static_cast<size_t>(sectionCount++)] = 1;
        }
    }
    if (count + sectionCount > kMaxSpeakerSections) return false;
    // Each zero factor goes to the section with the nearest pole frequency that has room.
    auto place = [&](const RootGroup& g) {
        int best = -1;
        double bestDistance = 1e300;
        for (int s = 0; s < sectionCount; ++s) {
            if (capacity[static_cast<size_t>(s)] < g.degree) continue;
            const double distance = safeLogRatio(g.naturalFrequency, poleFrequency[static_cast<size_t>(s)]);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = s;
            }
        }
        if (best < 0) return false;
        AnalogSection& section = built[static_cast<size_t>(best)];
        // Multiply the section's numerator by the factor.
        SpeakerPolynomial current;
        current.degree = 2;
        current.c = {section.b0, section.b1, section.b2};
        SpeakerPolynomial factor;
        factor.degree = g.degree;
        factor.c[0] = g.c0;
        factor.c[1] = g.degree == 2 ? g.c1 : 1.0;
        if (g.degree == 2) factor.c[2] = 1.0;
        const SpeakerPolynomial product = current * factor;
        section.b0 = product.c[0];
        section.b1 = product.c[1];
        section.b2 = product.c[2];
        capacity[static_cast<size_t>(best)] -= g.degree;
        return true;
    };
    for (int i = 0; i < zeroPairCount; ++i)
        if (!place(zeroPairs[static_cast<size_t>(i)])) return false;
    for (int i = 0; i < zeroSingleCount; ++i)
        if (!place(zeroSingles[static_cast<size_t>(i)])) return false;
    for (int s = 0; s < sectionCount; ++s) sections[static_cast<size_t>(count++)] = built[static_cast<size_t>(s)];
    gain *= numerator.c[static_cast<size_t>(numerator.degree)] / denominator.c[static_cast<size_t>(denominator.degree)];
    return true;
}

SpeakerComplex AnalogResponse::at(double hz) const noexcept {
    SpeakerComplex h = gain;
    for (int i = 0; i < count; ++i) h *= sections[static_cast<size_t>(i)].at(hz);
    return h;
}

double AnalogResponse::magnitudeDb(double hz) const noexcept {
    return 20.0 * std::log10(std::max(std::abs(at(hz)), 1e-30));
}

AnalogSection highPass2(double hz, double q) noexcept {
    const double w = hz / kSpeakerReferenceHz;
    return AnalogSection{0, 0, 1, w * w, w / q, 1};
}

AnalogSection lowPass2(double hz, double q) noexcept {
    const double w = hz / kSpeakerReferenceHz;
    return AnalogSection{w * w, 0, 0, w * w, w / q, 1};
}

AnalogSection lowPass1(double hz) noexcept {
    const double w = hz / kSpeakerReferenceHz;
    return AnalogSection{w, 0, 0, w, 1, 0};
}

AnalogSection highPass1(double hz) noexcept {
    const double w = hz / kSpeakerReferenceHz;
    return AnalogSection{0, 1, 0, w, 1, 0};
}

AnalogSection peaking(double hz, double q, double db) noexcept {
    const double w = hz / kSpeakerReferenceHz;
    const double a = std::pow(10.0, db / 40.0);
    return AnalogSection{w * w, w * a / q, 1, w * w, w / (a * q), 1};
}

AnalogSection lowShelf1(double hz, double lowDb) noexcept {
    // (u + w g) / (u + w) with the transition centred (geometric mean) on hz.
    const double g = std::pow(10.0, lowDb / 20.0);
    const double w = hz / kSpeakerReferenceHz;
    const double root = std::sqrt(g);
    return AnalogSection{w * root, 1, 0, w / root, 1, 0};
}

void SpeakerCascade::design(const AnalogResponse& response, double sampleRate, bool keepState) noexcept {
    count_ = std::min(response.count, kMaxSpeakerSections);
    const double nyquistGuard = 0.3 * sampleRate;
    for (int i = 0; i < count_; ++i) {
        const AnalogSection& a = response.sections[static_cast<size_t>(i)];
        const bool second = a.a2 != 0.0;
        double naturalHz = kSpeakerReferenceHz * (second ? std::sqrt(std::fabs(a.a0 / a.a2)) : std::fabs(a.a0 / a.a1));
        naturalHz = std::clamp(naturalHz, 1e-3, nyquistGuard);
        const double omega = 2.0 * kPi * naturalHz;
        // Bilinear u = k (1 - z^-1) / (1 + z^-1), prewarped so that naturalHz maps exactly.
        const double k = omega / std::tan(omega / (2.0 * sampleRate)) / kReferenceOmega;
        DigitalSection d;
        if (second && naturalHz < 0.45 * sampleRate && matchedSecondOrder(a, naturalHz, sampleRate, d)) {
            // done: poles exact, magnitude exact at DC, the corner and Nyquist
        } else if (second) {
            const double k2 = k * k;
            const double n0 = a.b0 + a.b1 * k + a.b2 * k2, n1 = 2.0 * (a.b0 - a.b2 * k2), n2 = a.b0 - a.b1 * k + a.b2 * k2;
            const double d0 = a.a0 + a.a1 * k + a.a2 * k2, d1 = 2.0 * (a.a0 - a.a2 * k2), d2 = a.a0 - a.a1 * k + a.a2 * k2;
            d = DigitalSection{n0 / d0, n1 / d0, n2 / d0, d1 / d0, d2 / d0};
        } else {
            // First order: the bilinear transform squeezes everything above the corner
            // into the last octave before Nyquist (a voice coil's shelf read 0.06 dB
            // high at 20 kHz, 48 kHz). Instead the pole is placed by impulse invariance
            // and the zero so that the magnitude is exact at DC and at Nyquist.
            const double poleHz = kSpeakerReferenceHz * std::fabs(a.a0 / a.a1);
            const double pole = std::exp(-2.0 * kPi * poleHz / sampleRate);
            const double atDc = std::fabs(a.b0 / a.a0);
            const double atNyquist = std::abs(a.at(0.5 * sampleRate));
            const double sum = atDc * (1.0 - pole), difference = atNyquist * (1.0 + pole);
            d = DigitalSection{0.5 * (sum + difference), 0.5 * (sum - difference), 0.0, -pole, 0.0};
        }
        coefficients_[static_cast<size_t>(i)] = d;
    }
    gain_ = 1.0;
    const double referenceHz = std::min(kSpeakerReferenceHz, sampleRate / 8.0);
    const SpeakerComplex analog = response.at(referenceHz);
    const SpeakerComplex digital = at(referenceHz, sampleRate);
    const double magnitude = std::abs(digital) > 0.0 ? std::abs(analog) / std::abs(digital) : 1.0;
    gain_ = std::real(analog * std::conj(digital)) < 0.0 ? -magnitude : magnitude;
    if (!keepState) reset();
}

void SpeakerCascade::reset() noexcept {
    for (auto& s : state_) s = State{};
}

SpeakerComplex SpeakerCascade::at(double hz, double sampleRate) const noexcept {
    const SpeakerComplex zInv = std::polar(1.0, -2.0 * kPi * hz / sampleRate);
    SpeakerComplex h = gain_;
    for (int i = 0; i < count_; ++i) {
        const DigitalSection& c = coefficients_[static_cast<size_t>(i)];
        h *= (c.b0 + zInv * (c.b1 + zInv * c.b2)) / (1.0 + zInv * (c.a1 + zInv * c.a2));
    }
    return h;
}

void SpeakerCascade::processBlock(SpeakerDouble2* x, int count) noexcept {
    const double g = gain_;
    for (int n = 0; n < count; ++n) x[n] *= g;
    for (int i = 0; i < count_; ++i) {
        const DigitalSection c = coefficients_[static_cast<size_t>(i)];
        State s = state_[static_cast<size_t>(i)];
        for (int n = 0; n < count; ++n) {
            const SpeakerDouble2 in = x[n];
            const SpeakerDouble2 y = c.b0 * in + s.s1;
            s.s1 = c.b1 * in - c.a1 * y + s.s2;
            s.s2 = c.b2 * in - c.a2 * y;
            x[n] = y;
        }
        state_[static_cast<size_t>(i)] = s;
    }
}

} // namespace gainstage
