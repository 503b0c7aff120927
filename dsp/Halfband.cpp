// Elliptic halfband design and the polyphase allpass up/down-samplers.
// [design functions: non-real-time; HalfbandFilter::upsample/downsample: audio thread]
//
// Design outline (see Halfband.h for the structure):
//  1. The transition band fixes the selectivity k = tan^2(omega_p / 2) with
//     omega_p + omega_s = pi (the halfband symmetry).
//  2. The nome q of the complementary modulus sqrt(1 - k^2) comes from its
//     rapidly converging series (four terms are plenty for q < 0.1).
//  3. An order n = 2N + 1 elliptic halfband then has its poles at
//     w_i = sn(i K / n)-like positions, evaluated with Jacobi theta series in q;
//     each pole pair maps onto one allpass coefficient a_i.
//  4. The stopband attenuation follows from q^n (the nome of the degree-n
//     transformation); inverting that gives the order needed for a target.

#include "dsp/Halfband.h"

#include <algorithm>
#include <cmath>

namespace gainstage {

namespace {

constexpr double kPiD = 3.14159265358979323846;

// Nome of the modular constant for selectivity k (0 < k < 1).
double nomeFor(double transition) {
    const double t = std::tan((1.0 - 2.0 * transition) * kPiD / 4.0);
    const double k = t * t;
    const double root = std::pow(1.0 - k * k, 0.25);
    const double e = 0.5 * (1.0 - root) / (1.0 + root);
    const double e4 = e * e * e * e;
    return e * (1.0 + e4 * (2.0 + e4 * (15.0 + 150.0 * e4)));
}

double selectivityFor(double transition) {
    const double t = std::tan((1.0 - 2.0 * transition) * kPiD / 4.0);
    return t * t;
}

// Theta-series ratio giving the normalised pole position for index i of an order-n design.
double polePosition(double q, int order, int index) {
    double numerator = 0.0;
    for (int m = 0;; ++m) {
        const double term = std::pow(q, m * (m + 1.0)) * std::sin((2.0 * m + 1.0) * index * kPiD / order);
        numerator += (m % 2 == 0) ? term : -term;
        if (std::fabs(term) < 1e-30 || m > 64) break;
    }
    double denominator = 0.0;
    for (int m = 1;; ++m) {
        const double term = std::pow(q, static_cast<double>(m) * m) * std::cos(2.0 * m * index * kPiD / order);
        denominator += (m % 2 == 0) ? term : -term;
        if (std::fabs(term) < 1e-30 || m > 64) break;
    }
    return 2.0 * std::pow(q, 0.25) * numerator / (1.0 + 2.0 * denominator);
}

// Product of first-order allpass sections (a + z^-2) / (1 + a z^-2) at z = e^{j omega}.
std::complex<double> branchResponse(const std::vector<double>& coefficients, size_t first, double omega) {
    const std::complex<double> z2 = std::polar(1.0, -2.0 * omega);
    std::complex<double> product(1.0, 0.0);
    for (size_t i = first; i < coefficients.size(); i += 2)
        product *= (coefficients[i] + z2) / (1.0 + coefficients[i] * z2);
    return product;
}

} // namespace

std::vector<double> designHalfband(const HalfbandSpec& spec) {
    const int count = std::clamp(spec.coefficients, 1, HalfbandFilter::kMaxCoefficients);
    const double k = selectivityFor(spec.transition);
    const double q = nomeFor(spec.transition);
    const int order = 2 * count + 1;
    std::vector<double> coefficients(static_cast<size_t>(count));
    for (int i = 1; i <= count; ++i) {
        const double w = polePosition(q, order, i);
        const double w2 = w * w;
        const double x = std::sqrt((1.0 - w2 * k) * (1.0 - w2 / k)) / (1.0 + w2);
        coefficients[static_cast<size_t>(i - 1)] = (1.0 - x) / (1.0 + x);
    }
    std::sort(coefficients.begin(), coefficients.end());
    return coefficients;
}

double halfbandAttenuationDb(const HalfbandSpec& spec) {
    const double q = nomeFor(spec.transition);
    const int order = 2 * spec.coefficients + 1;
    // Discrimination of the degree-n transformation: k1 ~ 4 q^(n/2). A halfband has
    // epsilon^2 = k1, so the stopband power gain is k1 / (1 + k1).
    const double k1 = 4.0 * std::pow(q, order * 0.5);
    return -10.0 * std::log10(k1 / (1.0 + k1));
}

int halfbandCoefficientsFor(double attenuationDb, double transition) {
    for (int count = 1; count <= HalfbandFilter::kMaxCoefficients; ++count)
        if (halfbandAttenuationDb({count, transition}) >= attenuationDb) return count;
    return HalfbandFilter::kMaxCoefficients;
}

// Branch A takes a_1, a_3, ... (the smaller coefficient of each pair), branch B
// a_2, a_4, ... behind the one-sample delay; that pairing is the one whose sum is a low-pass.
std::complex<double> halfbandResponse(const std::vector<double>& coefficients, double normalisedFrequency) {
    const double omega = 2.0 * kPiD * normalisedFrequency;
    const auto a = branchResponse(coefficients, 0, omega);
    const auto b = branchResponse(coefficients, 1, omega);
    return 0.5 * (a + std::polar(1.0, -omega) * b);
}

double halfbandLowFrequencyDelay(const std::vector<double>& coefficients) {
    // Each section (a + z^-2) / (1 + a z^-2) delays DC by 2 (1 - a) / (1 + a); at DC
    // both branches are in phase, so the sum delays by the mean of the two branch delays.
    double delayA = 0.0, delayB = 1.0;
    for (size_t i = 0; i < coefficients.size(); ++i) {
        const double a = coefficients[i];
        (i % 2 == 0 ? delayA : delayB) += 2.0 * (1.0 - a) / (1.0 + a);
    }
    return 0.5 * (delayA + delayB);
}

void HalfbandFilter::setCoefficients(const std::vector<double>& coefficients) noexcept {
    countA_ = countB_ = 0;
    coefA_.fill(0.0f);
    coefB_.fill(0.0f);
    for (size_t i = 0; i < coefficients.size() && i < static_cast<size_t>(kMaxCoefficients); ++i) {
        if (i % 2 == 0) coefA_[static_cast<size_t>(countA_++)] = static_cast<float>(coefficients[i]);
        else coefB_[static_cast<size_t>(countB_++)] = static_cast<float>(coefficients[i]);
    }
    reset();
}

void HalfbandFilter::reset() noexcept {
    stateA_.fill(0.0f);
    stateB_.fill(0.0f);
}

namespace {

// One low-rate sample through a branch: y = a (x - y[n-1]) + x[n-1] per section.
template <size_t N>
inline float runBranch(const std::array<float, N>& coef, std::array<float, N + 1>& state, int count, float x) noexcept {
    for (int i = 0; i < count; ++i) {
        const float y = coef[static_cast<size_t>(i)] * (x - state[static_cast<size_t>(i + 1)]) + state[static_cast<size_t>(i)];
        state[static_cast<size_t>(i)] = x;
        x = y;
    }
    state[static_cast<size_t>(count)] = x;
    return x;
}

} // namespace

void HalfbandFilter::upsample(const float* in, float* out, int count) noexcept {
    for (int n = 0; n < count; ++n) {
        const float x = in[n];
        out[2 * n] = runBranch(coefA_, stateA_, countA_, x);
        out[2 * n + 1] = runBranch(coefB_, stateB_, countB_, x);
    }
}

void HalfbandFilter::downsample(const float* in, float* out, int count) noexcept {
    // y[n] = (H x)[2n + 1]: branch A sees the odd inputs, branch B (which carries
    // the z^-1) the even ones, so no sample has to wait for the next block.
    for (int n = 0; n < count; ++n) {
        const float even = in[2 * n];
        const float odd = in[2 * n + 1];
        const float a = runBranch(coefA_, stateA_, countA_, odd);
        const float b = runBranch(coefB_, stateB_, countB_, even);
        out[n] = 0.5f * (a + b);
    }
}

} // namespace gainstage
