#pragma once
// Polyphase IIR halfband filters for 2x up- and down-sampling. [design:
// non-real-time; HalfbandUp/HalfbandDown::process: audio thread]
//
// The filter is the classic elliptic halfband built from two chains of
// first-order allpass sections in z^-2 (Valenzuela & Constantinides; the
// design notes of Laurent de Soras' HIIR):
//
//   H(z) = 1/2 * ( A(z^2) + z^-1 B(z^2) ),   A, B = prod (a_i + z^-2) / (1 + a_i z^-2)
//
// Because each branch runs at the low rate, an up- or down-sampler by two
// costs one first-order allpass per coefficient per low-rate sample. The two
// branches are power complementary, so the passband ripple is the square of
// the stopband ripple: far below anything audible. The price is a phase
// response that is not linear; its low-frequency group delay (a fraction of a
// sample) is returned by lowFrequencyDelay() so a model can square it up to an
// exact integer latency.
//
// Coefficients come from the elliptic-halfband formulas (Jacobi theta series
// for the pole positions, the nome series for the modular constant). They are
// computed here, at prepare time, from the number of coefficients and the
// transition band; nothing is tabulated.

#include <array>
#include <complex>
#include <vector>

namespace gainstage {

// Transition band as a fraction of the *high* (oversampled) rate: the band
// from (1/4 - t/2) fs to (1/4 + t/2) fs. 0 < t < 1/2.
struct HalfbandSpec {
    int coefficients = 8;
    double transition = 0.0833;
};

// Allpass coefficients a_1..a_N in increasing order (odd positions feed
// branch A, even positions branch B; see Halfband.cpp).
std::vector<double> designHalfband(const HalfbandSpec& spec);

// Stopband attenuation in dB predicted by the design equations for `spec`.
double halfbandAttenuationDb(const HalfbandSpec& spec);

// Fewest coefficients that reach `attenuationDb` with transition `transition`.
int halfbandCoefficientsFor(double attenuationDb, double transition);

// Complex response of the designed filter at `normalisedFrequency` (cycles per
// high-rate sample, 0..0.5). For tests and for the latency bookkeeping.
std::complex<double> halfbandResponse(const std::vector<double>& coefficients, double normalisedFrequency);

// Group delay in high-rate samples at (nearly) DC: the limit of -dphi/domega.
double halfbandLowFrequencyDelay(const std::vector<double>& coefficients);

// One halfband's run-time state and coefficients, at most kMaxCoefficients of
// them. One instance per channel. The branch sections are kept in two small
// arrays so the per-sample loop has a fixed trip count the compiler unrolls.
class HalfbandFilter {
public:
    static constexpr int kMaxCoefficients = 12;

    void setCoefficients(const std::vector<double>& coefficients) noexcept;
    void reset() noexcept;

    // 2x interpolation: `count` low-rate samples in, 2*count high-rate samples out.
    // in and out may not alias. [audio thread]
    void upsample(const float* in, float* out, int count) noexcept;
    // 2x decimation: 2*count high-rate samples in, `count` low-rate samples out.
    // out may alias in. [audio thread]
    void downsample(const float* in, float* out, int count) noexcept;

    int coefficientCount() const noexcept { return countA_ + countB_; }

private:
    std::array<float, kMaxCoefficients / 2> coefA_{}, coefB_{};
    // Branch state: x[n-1] of the first section, then y[n-1] of every section.
    std::array<float, kMaxCoefficients / 2 + 1> stateA_{}, stateB_{};
    int countA_ = 0, countB_ = 0;
};

} // namespace gainstage
