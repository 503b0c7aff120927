#pragma once
// Signals and measurements shared by the test suites.
//
// Spectral measurements use coherent sampling: the test tone sits exactly on
// an FFT bin (coherentFrequency), so with a rectangular window every harmonic
// and every aliased harmonic lands on one bin with no leakage, and energies
// down to about -150 dBc can be read reliably.

#include <cstdint>
#include <functional>
#include <vector>

#include "dsp/Processor.h"

namespace gainstage::test {

// The bin-centred frequency nearest `approxHz` for an FFT of `fftSize` at `sampleRate`.
// The bin index is made odd so that no harmonic's alias can fold onto another harmonic.
double coherentFrequency(double approxHz, double sampleRate, int fftSize);

std::vector<float> sine(double frequencyHz, double sampleRate, int frames, double amplitude, double phaseRadians = 0.0);
std::vector<float> whiteNoise(int frames, double amplitude, uint32_t seed);

double rmsDb(const float* samples, int count);
double peakDb(const float* samples, int count);

// Power spectrum |X[k]|^2 / N^2 for k = 0..N/2, rectangular window; N must be a power of two.
std::vector<double> powerSpectrum(const float* samples, int count);

struct HarmonicAnalysis {
    double fundamentalDb = 0.0;    // amplitude of the fundamental, dBFS (sine peak)
    double thdDb = 0.0;            // harmonics 2.. below Nyquist relative to the fundamental
    double secondHarmonicDb = 0.0; // relative to the fundamental (dBc)
    double thirdHarmonicDb = 0.0;  // relative to the fundamental (dBc)
    double evenOverOddDb = 0.0;    // energy of even harmonics relative to odd ones (2..)
    double nonHarmonicDbc = 0.0;   // everything but DC, fundamental and harmonics, 20 Hz..20 kHz
};

// `samples` must hold a steady-state, coherent tone of `fundamentalHz`; count a power of two.
HarmonicAnalysis analyzeHarmonics(const float* samples, int count, double sampleRate, double fundamentalHz);

// Run `processor` over a mono signal in blocks of `blockSize` and return its output.
std::vector<float> processMono(Processor& processor, std::vector<float> signal, int blockSize);
// Same, with a block size that changes from call to call (pseudo-random, seeded).
std::vector<float> processMonoRandomBlocks(Processor& processor, std::vector<float> signal, int maxBlockSize, uint32_t seed);

// Largest |x[n] - 2x[n-1] + x[n-2]| in [begin, end): a discontinuity or kink shows up as a spike
// far above what a smooth signal's curvature allows.
double maxSecondDifference(const float* samples, int begin, int end);

// Steady-state gain in dB of `processor` for a sine of `frequencyHz` at `amplitude`:
// it runs `settleSeconds`, then compares output and input RMS over whole periods.
double measureGainDb(Processor& processor, double frequencyHz, double sampleRate, double amplitude = 0.01,
                     double settleSeconds = 0.5);

// The lag in [-maxLag, maxLag] at which `delayed` best matches `reference`
// (largest cross-correlation over the first `count` samples): 0 when aligned,
// positive when `delayed` comes later.
int bestAlignmentLag(const float* reference, const float* delayed, int count, int maxLag);

// Click detector for a steady (possibly gliding or crossfading) tone of
// `frequencyHz`: the largest second difference |x[n] - 2x[n-1] + x[n-2]| in
// [begin, end), relative to what a sine of the local level allows there
// (w^2 times the peak within one period either side, w in rad/sample). A
// smooth tone scores about 1; a step of 1 % of the level scores about 0.01 / w^2
// (60 for 100 Hz at 48 kHz). `worstIndex`, if given, receives where the
// largest ratio is.
double clickRatio(const float* samples, int begin, int end, double frequencyHz, double sampleRate, int* worstIndex = nullptr);

// A counting signal for bit-exact transport tests: sample n of `channel` is a
// distinct multiple of 2^-24 (|x| < 2^-5, far below any headroom, never
// subnormal), unique over 2^20 consecutive samples, and different per channel.
float countingSample(int64_t n, int channel);
std::vector<float> countingSignal(int frames, int channel, int64_t firstSample = 0);

// Indices i in [0, count) where |x[i]| > threshold after at least `quietBefore`
// samples at or below it (onsets of clicks or bursts).
std::vector<int64_t> onsets(const float* samples, int64_t count, float threshold, int quietBefore);

} // namespace gainstage::test

namespace gainstage::test {

// Counting signal for bit-exact capture tests: sample n is the 24-bit integer
// (n mod 2^24) - 2^23, over 2^23, so every value is exact in 24-bit PCM and in
// float, and a dropped, repeated or changed sample shows as a wrong index.
float countingSample(int64_t n);
// The n (mod 2^24) that countingSample gave `value`; -1 if `value` is not such a sample.
int64_t countingIndex(float value);

} // namespace gainstage::test

namespace gainstage::test {

// A 24-bit counting signal that stays at -12 dBFS or below (so any preamp
// headroom is far away): sample n of `channel` is ((n + channel * 100003) mod
// 2^22 - 2^21) / 2^23, exact in 24-bit PCM and in float, distinct over 2^22
// consecutive samples (87 s at 48 kHz) and different per channel.
float countingSample24(int64_t n, int channel);
// The n (mod 2^22) that gave `value` on `channel`, or -1.
int64_t countingIndex24(float value, int channel);

} // namespace gainstage::test
