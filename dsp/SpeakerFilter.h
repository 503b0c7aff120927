#pragma once
// Analogue transfer functions and their digital realisation, for the speaker
// and power-amp models. [design: any thread, noexcept, no allocation;
// SpeakerCascade::process: audio thread]
//
// A speaker is described by physics (Thiele/Small parameters, a voice coil, a
// box), which gives rational functions of s: the box alignment, the electrical
// impedance, the divider that impedance forms with the amp's output impedance,
// the sum of woofer and tweeter through a crossover. Each such function is
// built here as a pair of polynomials, factored (Aberth-Ehrlich root finding)
// into first- and second-order sections, and each section is made digital:
// second-order sections with their poles by impulse invariance and their
// magnitude matched at DC, the corner and Nyquist (the bilinear transform, the
// fallback, squeezes a 15 kHz roll-off at 48 kHz by over a dB); first-order
// ones matched at DC and Nyquist. So every corner and resonance lands where the
// physics puts it, up to the top of the audio band.
//
// Everything lives in fixed-size arrays, so a design can run on the audio
// thread when a structural control changes (see MonitorChain): bounded time,
// no allocation, no locks.
//
// Polynomials are in the normalised variable u = s / (2 pi 1 kHz), so that the
// coefficients of a speaker (corners from 20 Hz to 30 kHz) stay well scaled.

#include <array>
#include <complex>

namespace gainstage {

inline constexpr double kSpeakerReferenceHz = 1000.0;
inline constexpr int kMaxPolynomialDegree = 10;
inline constexpr int kMaxSpeakerSections = 20;

using SpeakerComplex = std::complex<double>;

// c[i] is the coefficient of u^i.
struct SpeakerPolynomial {
    std::array<double, kMaxPolynomialDegree + 1> c{};
    int degree = 0;

    // From coefficients of s^0, s^1, s^2 ... in physical units (s in rad/s).
    static SpeakerPolynomial fromPhysical(std::initializer_list<double> coefficients) noexcept;
    static SpeakerPolynomial constant(double value) noexcept { return fromPhysical({value}); }
    SpeakerComplex evaluate(SpeakerComplex u) const noexcept;
    // At a physical frequency in Hz (u = j f / 1 kHz).
    SpeakerComplex at(double hz) const noexcept { return evaluate(SpeakerComplex(0.0, hz / kSpeakerReferenceHz)); }
};

SpeakerPolynomial operator*(const SpeakerPolynomial& a, const SpeakerPolynomial& b) noexcept;
SpeakerPolynomial operator+(const SpeakerPolynomial& a, const SpeakerPolynomial& b) noexcept;
SpeakerPolynomial operator*(double k, const SpeakerPolynomial& a) noexcept;

// Roots of `p` (degree <= kMaxPolynomialDegree); returns how many (= degree).
int polynomialRoots(const SpeakerPolynomial& p, std::array<SpeakerComplex, kMaxPolynomialDegree>& roots) noexcept;

// One analogue section in u: (b0 + b1 u + b2 u^2) / (a0 + a1 u + a2 u^2).
struct AnalogSection {
    double b0 = 1, b1 = 0, b2 = 0, a0 = 1, a1 = 0, a2 = 0;
    SpeakerComplex at(double hz) const noexcept;
};

// A product of analogue sections with an overall gain: a whole response.
struct AnalogResponse {
    std::array<AnalogSection, kMaxSpeakerSections> sections{};
    int count = 0;
    double gain = 1.0;

    // Appends num/den, factored into sections. False if it does not fit or is improper.
    bool append(const SpeakerPolynomial& numerator, const SpeakerPolynomial& denominator) noexcept;
    bool append(const AnalogSection& section) noexcept;
    SpeakerComplex at(double hz) const noexcept;
    double magnitudeDb(double hz) const noexcept;
};

// Common sections, corners in Hz.
AnalogSection highPass2(double hz, double q) noexcept;
AnalogSection lowPass2(double hz, double q) noexcept;
AnalogSection lowPass1(double hz) noexcept;
AnalogSection highPass1(double hz) noexcept;
// Peak/dip of `db` at `hz` with quality `q` (RBJ's analogue peaking prototype).
AnalogSection peaking(double hz, double q, double db) noexcept;
// First-order shelf: gain `lowDb` well below `hz`, 0 dB well above.
AnalogSection lowShelf1(double hz, double lowDb) noexcept;

// Digital biquads on two lanes (left, right): the stereo pair in one vector.
using SpeakerDouble2 = double __attribute__((vector_size(16)));

struct DigitalSection {
    double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
};

class SpeakerCascade {
public:
    // [any thread, noexcept] Realise `response` at `sampleRate`; the gain is matched at
    // min(1 kHz, rate / 8). Keeps the state when `keepState` (a redesign of similar sections).
    void design(const AnalogResponse& response, double sampleRate, bool keepState = false) noexcept;
    void reset() noexcept;
    int sectionCount() const noexcept { return count_; }
    // Response of the realised digital filter.
    SpeakerComplex at(double hz, double sampleRate) const noexcept;

    // [audio thread] One stereo sample.
    inline SpeakerDouble2 process(SpeakerDouble2 x) noexcept {
        x *= gain_;
        for (int i = 0; i < count_; ++i) {
            const DigitalSection& c = coefficients_[static_cast<size_t>(i)];
            State& s = state_[static_cast<size_t>(i)];
            const SpeakerDouble2 y = c.b0 * x + s.s1;
            s.s1 = c.b1 * x - c.a1 * y + s.s2;
            s.s2 = c.b2 * x - c.a2 * y;
            x = y;
        }
        return x;
    }
    // [audio thread] A block, section by section: each section's recursion is then
    // a short loop the core pipelines, instead of one long chain per sample.
    void processBlock(SpeakerDouble2* x, int count) noexcept;

private:
    struct State {
        SpeakerDouble2 s1{}, s2{};
    };
    std::array<DigitalSection, kMaxSpeakerSections> coefficients_{};
    std::array<State, kMaxSpeakerSections> state_{};
    int count_ = 0;
    double gain_ = 1.0;
};

} // namespace gainstage
