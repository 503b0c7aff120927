// ns per stereo frame at 48 kHz for the monitor section: each speaker model
// with its power amp (the whole MonitorChain as the engine will run it), the
// crossfeed, and the amp alone. 512-frame stereo blocks of programme-like
// material around -14 dBFS with the amp's gain at +6 dB, so the amp works
// near its rails and the small drivers near their excursion limits.
// Report with:  build/bin/bench_monitor --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true   (BENCHMARKS.md quotes the medians)

#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "dsp/Crossfeed.h"
#include "dsp/MonitorChain.h"
#include "dsp/PowerAmp.h"

namespace {

using namespace gainstage;

constexpr double kSampleRate = 48000.0;
constexpr int kBlock = 512;
constexpr int kSignalFrames = 48000;

// Bass, mids and a little noise, different in each channel.
std::vector<float> testSignal(double detune, uint32_t seed) {
    std::vector<float> signal(kSignalFrames);
    std::mt19937 rng(seed);
    std::normal_distribution<float> noise(0.0f, 0.01f);
    for (int n = 0; n < kSignalFrames; ++n) {
        const double t = n / kSampleRate;
        const double swell = 0.6 + 0.4 * std::sin(2.0 * M_PI * 1.5 * t);
        const double tone = std::sin(2.0 * M_PI * 82.0 * detune * t) + 0.6 * std::sin(2.0 * M_PI * 330.0 * detune * t + 0.3) +
                            0.3 * std::sin(2.0 * M_PI * 2500.0 * t + 1.1);
        signal[static_cast<size_t>(n)] = static_cast<float>(0.12 * swell * tone) + noise(rng);
    }
    return signal;
}

template <typename Work>
void runStereo(benchmark::State& state, Work&& work) {
    const auto left = testSignal(1.0, 1), right = testSignal(1.01, 2);
    std::vector<float> l(kBlock), r(kBlock);
    size_t position = 0;
    for (auto _ : state) {
        for (int i = 0; i < kBlock; ++i) {
            l[static_cast<size_t>(i)] = left[(position + static_cast<size_t>(i)) % left.size()];
            r[static_cast<size_t>(i)] = right[(position + static_cast<size_t>(i)) % right.size()];
        }
        position = (position + kBlock) % left.size();
        float* channels[2] = {l.data(), r.data()};
        AudioBlock block(channels, 2, kBlock);
        work(block);
        benchmark::DoNotOptimize(l.data());
        benchmark::DoNotOptimize(r.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * kBlock);
    // Seconds per stereo frame; printed with an SI prefix ("42.1n").
    state.counters["per_frame"] =
        benchmark::Counter(static_cast<double>(state.iterations() * kBlock), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void chainFor(benchmark::State& state, SpeakerId id, float ampGainDb = 6.0f) {
    MonitorChain chain;
    MonitorSettings s;
    s.speaker = id;
    s.ampGainDb = ampGainDb;
    chain.setSettings(s);
    chain.prepare(kSampleRate, kBlock, 2);
    runStereo(state, [&](AudioBlock& b) { chain.process(b); });
}

void BM_MonitorFlat(benchmark::State& state) { chainFor(state, SpeakerId::Flat); }
void BM_MonitorNearField(benchmark::State& state) { chainFor(state, SpeakerId::NearField); }
void BM_MonitorCube(benchmark::State& state) { chainFor(state, SpeakerId::Cube); }
void BM_MonitorHiFi(benchmark::State& state) { chainFor(state, SpeakerId::HiFi); }
void BM_MonitorLaptop(benchmark::State& state) { chainFor(state, SpeakerId::Laptop); }
void BM_MonitorPhone(benchmark::State& state) { chainFor(state, SpeakerId::Phone); }

// Worst case: the amp driven 18 dB harder, so its curve (ADAA) runs on most samples.
void BM_MonitorHiFiClipping(benchmark::State& state) { chainFor(state, SpeakerId::HiFi, 24.0f); }

void BM_PowerAmpAlone(benchmark::State& state) {
    PowerAmp amp;
    amp.setGainDb(6.0f);
    amp.prepare(kSampleRate, kBlock, 2);
    runStereo(state, [&](AudioBlock& b) { amp.process(b); });
}

void BM_CrossfeedDefault(benchmark::State& state) {
    MonitorChain chain;
    MonitorSettings s;
    s.output = MonitorOutput::Headphones;
    s.crossfeed = CrossfeedPreset::Default;
    chain.setSettings(s);
    chain.prepare(kSampleRate, kBlock, 2);
    runStereo(state, [&](AudioBlock& b) { chain.process(b); });
}

} // namespace

BENCHMARK(BM_MonitorFlat);
BENCHMARK(BM_MonitorNearField);
BENCHMARK(BM_MonitorCube);
BENCHMARK(BM_MonitorHiFi);
BENCHMARK(BM_MonitorLaptop);
BENCHMARK(BM_MonitorPhone);
BENCHMARK(BM_MonitorHiFiClipping);
BENCHMARK(BM_PowerAmpAlone);
BENCHMARK(BM_CrossfeedDefault);

BENCHMARK_MAIN();
