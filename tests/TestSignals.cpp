#include "TestSignals.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <deque>
#include <limits>
#include <random>

#include "dsp/DspMath.h"

namespace gainstage::test {

double coherentFrequency(double approxHz, double sampleRate, int fftSize) {
    long bin = std::lround(approxHz * fftSize / sampleRate);
    if (bin % 2 == 0) bin += 1;
    return static_cast<double>(bin) * sampleRate / fftSize;
}

std::vector<float> sine(double frequencyHz, double sampleRate, int frames, double amplitude, double phaseRadians) {
    std::vector<float> out(static_cast<size_t>(frames));
    // Phase is accumulated in double from the sample index, so long signals stay exact.
    for (int n = 0; n < frames; ++n)
        out[static_cast<size_t>(n)] = static_cast<float>(amplitude * std::sin(2.0 * kPi * frequencyHz * n / sampleRate + phaseRadians));
    return out;
}

std::vector<float> whiteNoise(int frames, double amplitude, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> out(static_cast<size_t>(frames));
    for (auto& x : out) x = static_cast<float>(amplitude) * dist(rng);
    return out;
}

double rmsDb(const float* samples, int count) {
    double sum = 0.0;
    for (int i = 0; i < count; ++i) sum += static_cast<double>(samples[i]) * samples[i];
    return gainToDb(std::sqrt(sum / std::max(count, 1)));
}

double peakDb(const float* samples, int count) {
    double peak = 0.0;
    for (int i = 0; i < count; ++i) peak = std::max(peak, static_cast<double>(std::fabs(samples[i])));
    return gainToDb(peak);
}

static void fftInPlace(std::vector<std::complex<double>>& data) {
    const size_t n = data.size();
    for (size_t i = 1, j = 0; i < n; ++i) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) std::swap(data[i], data[j]);
    }
    for (size_t length = 2; length <= n; length <<= 1) {
        const double angle = -2.0 * kPi / static_cast<double>(length);
        const std::complex<double> step(std::cos(angle), std::sin(angle));
        for (size_t start = 0; start < n; start += length) {
            std::complex<double> w(1.0, 0.0);
            for (size_t k = 0; k < length / 2; ++k) {
                const auto even = data[start + k];
                const auto odd = data[start + k + length / 2] * w;
                data[start + k] = even + odd;
                data[start + k + length / 2] = even - odd;
                // Recompute the twiddle periodically to keep rounding error far below -150 dB.
                w = (k % 64 == 63) ? std::polar(1.0, angle * static_cast<double>(k + 1)) : w * step;
            }
        }
    }
}

std::vector<double> powerSpectrum(const float* samples, int count) {
    std::vector<std::complex<double>> data(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) data[static_cast<size_t>(i)] = samples[i];
    fftInPlace(data);
    std::vector<double> power(static_cast<size_t>(count / 2 + 1));
    const double norm = 1.0 / (static_cast<double>(count) * count);
    for (size_t k = 0; k < power.size(); ++k) power[k] = std::norm(data[k]) * norm;
    return power;
}

HarmonicAnalysis analyzeHarmonics(const float* samples, int count, double sampleRate, double fundamentalHz) {
    const auto power = powerSpectrum(samples, count);
    const long fundamentalBin = std::lround(fundamentalHz * count / sampleRate);
    const long nyquistBin = count / 2;

    std::vector<bool> isHarmonic(power.size(), false);
    double harmonics = 0.0, even = 0.0, odd = 0.0;
    for (long m = 1; m * fundamentalBin <= nyquistBin; ++m) {
        const long bin = m * fundamentalBin;
        isHarmonic[static_cast<size_t>(bin)] = true;
        if (m >= 2) {
            harmonics += power[static_cast<size_t>(bin)];
            (m % 2 == 0 ? even : odd) += power[static_cast<size_t>(bin)];
        }
    }
    const double fundamental = power[static_cast<size_t>(fundamentalBin)];
    const long lowBin = static_cast<long>(std::ceil(20.0 * count / sampleRate));
    const long highBin = std::min(nyquistBin, static_cast<long>(std::floor(20000.0 * count / sampleRate)));
    double nonHarmonic = 0.0;
    for (long k = std::max(lowBin, 1L); k <= highBin; ++k)
        if (!isHarmonic[static_cast<size_t>(k)]) nonHarmonic += power[static_cast<size_t>(k)];

    auto relDb = [&](double p) { return 10.0 * std::log10(std::max(p, 1e-300) / fundamental); };
    HarmonicAnalysis result;
    // A real sine of amplitude A puts A^2/4 into its positive-frequency bin.
    result.fundamentalDb = 10.0 * std::log10(fundamental * 4.0);
    result.thdDb = relDb(harmonics);
    result.secondHarmonicDb = 2 * fundamentalBin <= nyquistBin ? relDb(power[static_cast<size_t>(2 * fundamentalBin)]) : -300.0;
    result.thirdHarmonicDb = 3 * fundamentalBin <= nyquistBin ? relDb(power[static_cast<size_t>(3 * fundamentalBin)]) : -300.0;
    result.evenOverOddDb = 10.0 * std::log10(std::max(even, 1e-300) / std::max(odd, 1e-300));
    result.nonHarmonicDbc = relDb(nonHarmonic);
    return result;
}

std::vector<float> processMono(Processor& processor, std::vector<float> signal, int blockSize) {
    for (size_t start = 0; start < signal.size(); start += static_cast<size_t>(blockSize)) {
        const int length = static_cast<int>(std::min(signal.size() - start, static_cast<size_t>(blockSize)));
        float* channel = signal.data() + start;
        AudioBlock block(&channel, 1, length);
        processor.process(block);
    }
    return signal;
}

std::vector<float> processMonoRandomBlocks(Processor& processor, std::vector<float> signal, int maxBlockSize, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> sizes(1, maxBlockSize);
    size_t start = 0;
    while (start < signal.size()) {
        const int length = static_cast<int>(std::min(signal.size() - start, static_cast<size_t>(sizes(rng))));
        float* channel = signal.data() + start;
        AudioBlock block(&channel, 1, length);
        processor.process(block);
        start += static_cast<size_t>(length);
    }
    return signal;
}

double maxSecondDifference(const float* samples, int begin, int end) {
    double worst = 0.0;
    for (int n = std::max(begin, 2); n < end; ++n)
        worst = std::max(worst, std::fabs(static_cast<double>(samples[n]) - 2.0 * samples[n - 1] + samples[n - 2]));
    return worst;
}

double measureGainDb(Processor& processor, double frequencyHz, double sampleRate, double amplitude, double settleSeconds) {
    const int settle = static_cast<int>(settleSeconds * sampleRate);
    // Measure over a whole number of periods (at least 0.2 s) so the RMS of a pure tone is exact.
    const int periods = std::max(1, static_cast<int>(std::ceil(0.2 * frequencyHz)));
    const int measured = static_cast<int>(std::lround(periods * sampleRate / frequencyHz));
    auto input = sine(frequencyHz, sampleRate, settle + measured, amplitude);
    processor.reset();
    const auto output = processMono(processor, input, 512);
    return rmsDb(output.data() + settle, measured) - rmsDb(input.data() + settle, measured);
}

int bestAlignmentLag(const float* reference, const float* delayed, int count, int maxLag) {
    int bestLag = 0;
    double best = -std::numeric_limits<double>::infinity();
    for (int lag = -maxLag; lag <= maxLag; ++lag) {
        double sum = 0.0;
        for (int n = std::max(0, -lag); n < count && n + lag < count; ++n)
            sum += static_cast<double>(reference[n]) * delayed[n + lag];
        if (sum > best) {
            best = sum;
            bestLag = lag;
        }
    }
    return bestLag;
}

double clickRatio(const float* samples, int begin, int end, double frequencyHz, double sampleRate, int* worstIndex) {
    const double w = 2.0 * kPi * frequencyHz / sampleRate;
    const int period = static_cast<int>(std::ceil(sampleRate / frequencyHz));
    const int first = std::max(begin, 2);
    double worst = 0.0;
    int worstAt = first;
    // Sliding maximum of |x| over [n - period, n + period] (monotonic deque).
    std::deque<int> window;
    int next = std::max(0, first - period);
    for (int n = first; n < end; ++n) {
        for (; next <= n + period && next < end; ++next) {
            while (!window.empty() && std::fabs(samples[window.back()]) <= std::fabs(samples[next])) window.pop_back();
            window.push_back(next);
        }
        while (window.front() < n - period) window.pop_front();
        const double level = std::fabs(samples[window.front()]);
        const double d2 = std::fabs(static_cast<double>(samples[n]) - 2.0 * samples[n - 1] + samples[n - 2]);
        if (d2 == 0.0) continue;
        const double ratio = d2 / std::max(w * w * level, 1e-30);
        if (ratio > worst) {
            worst = ratio;
            worstAt = n;
        }
    }
    if (worstIndex) *worstIndex = worstAt;
    return worst;
}

} // namespace gainstage::test

namespace gainstage::test {

float countingSample(int64_t n) {
    const int32_t value = static_cast<int32_t>(n & 0xFFFFFF) - 0x800000;
    return static_cast<float>(value) / 8388608.0f;
}

int64_t countingIndex(float value) {
    const double scaled = static_cast<double>(value) * 8388608.0;
    if (scaled < -8388608.0 || scaled >= 8388608.0 || scaled != std::floor(scaled)) return -1;
    return (static_cast<int64_t>(scaled) + 0x800000) & 0xFFFFFF;
}

} // namespace gainstage::test

namespace gainstage::test {

float countingSample(int64_t n, int channel) {
    const int64_t k = (n * 3 + static_cast<int64_t>(channel) * 333331) & ((int64_t{1} << 20) - 1);
    // k in [0, 2^20): centre it and scale by 2^-24; k == 2^19 would be 0, so shift zero to +2^-24.
    const int64_t centred = k - (int64_t{1} << 19);
    return static_cast<float>(centred == 0 ? 1 : centred) * (1.0f / 16777216.0f);
}

std::vector<float> countingSignal(int frames, int channel, int64_t firstSample) {
    std::vector<float> out(static_cast<size_t>(std::max(frames, 0)));
    for (int i = 0; i < frames; ++i) out[static_cast<size_t>(i)] = countingSample(firstSample + i, channel);
    return out;
}

std::vector<int64_t> onsets(const float* samples, int64_t count, float threshold, int quietBefore) {
    std::vector<int64_t> result;
    int64_t quiet = quietBefore; // the start counts as quiet
    for (int64_t i = 0; i < count; ++i) {
        if (std::fabs(samples[i]) > threshold) {
            if (quiet >= quietBefore) result.push_back(i);
            quiet = 0;
        } else {
            ++quiet;
        }
    }
    return result;
}

} // namespace gainstage::test

namespace gainstage::test {

namespace {
constexpr int64_t kCount24Period = int64_t{1} << 22;
constexpr int64_t kCount24Stride = 100003;
} // namespace

float countingSample24(int64_t n, int channel) {
    const int64_t k = (n + static_cast<int64_t>(channel) * kCount24Stride) & (kCount24Period - 1);
    return static_cast<float>(k - kCount24Period / 2) / 8388608.0f;
}

int64_t countingIndex24(float value, int channel) {
    const double scaled = static_cast<double>(value) * 8388608.0;
    if (scaled < -static_cast<double>(kCount24Period / 2) || scaled >= static_cast<double>(kCount24Period / 2) || scaled != std::floor(scaled))
        return -1;
    const int64_t k = static_cast<int64_t>(scaled) + kCount24Period / 2;
    return ((k - static_cast<int64_t>(channel) * kCount24Stride) % kCount24Period + kCount24Period) % kCount24Period;
}

} // namespace gainstage::test
