// ns per sample at 48 kHz mono for each preamp model, the meter, and the whole
// channel strip (Preamp + meters), on the same 512-frame blocks of a
// vocal-like test signal. Report with:  build/bin/bench_dsp --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true   (BENCHMARKS.md quotes the medians)

#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "dsp/Meter.h"
#include "dsp/Preamp.h"
#include "dsp/PreampModels.h"

namespace {

constexpr double kSampleRate = 48000.0;
constexpr int kBlock = 512;
constexpr int kSignalFrames = 48000; // 1 s, cycled

// A harmonic-rich tone with a slow amplitude swell and a little noise, around
// -20 dBFS: the models do real work on every sample, as they do on a voice.
std::vector<float> testSignal() {
    std::vector<float> signal(kSignalFrames);
    std::mt19937 rng(7);
    std::normal_distribution<float> noise(0.0f, 0.003f);
    for (int n = 0; n < kSignalFrames; ++n) {
        const double t = n / kSampleRate;
        const double swell = 0.6 + 0.4 * std::sin(2.0 * M_PI * 1.5 * t);
        const double tone = std::sin(2.0 * M_PI * 220.0 * t) + 0.5 * std::sin(2.0 * M_PI * 440.0 * t + 0.3) +
                            0.25 * std::sin(2.0 * M_PI * 1320.0 * t + 1.1);
        signal[static_cast<size_t>(n)] = static_cast<float>(0.06 * swell * tone) + noise(rng);
    }
    return signal;
}

// Runs `work` over the signal block by block; reports ns per sample.
template <typename Work>
void runBlocks(benchmark::State& state, Work&& work) {
    const auto source = testSignal();
    std::vector<float> buffer(kBlock);
    size_t position = 0;
    for (auto _ : state) {
        for (int i = 0; i < kBlock; ++i) buffer[static_cast<size_t>(i)] = source[(position + static_cast<size_t>(i)) % source.size()];
        position = (position + kBlock) % source.size();
        float* channel = buffer.data();
        gainstage::AudioBlock block(&channel, 1, kBlock);
        work(block);
        benchmark::DoNotOptimize(buffer.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * kBlock);
    // Seconds per sample; Google Benchmark prints it with an SI prefix ("24.2n").
    state.counters["per_sample"] =
        benchmark::Counter(static_cast<double>(state.iterations() * kBlock), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

template <typename ModelType>
void BM_Model(benchmark::State& state) {
    ModelType model;
    model.prepare(kSampleRate, kBlock, 1);
    // +12 dB puts the -20 dBFS material into the model's working range.
    const float drive = std::pow(10.0f, 12.0f / 20.0f);
    runBlocks(state, [&](gainstage::AudioBlock& block) {
        float* x = block.channel(0);
        for (int i = 0; i < block.numFrames(); ++i) x[i] *= drive;
        model.process(block);
    });
}
BENCHMARK(BM_Model<gainstage::CleanModel>)->Name("Model/Clean");
BENCHMARK(BM_Model<gainstage::TubeModel>)->Name("Model/Tube");
BENCHMARK(BM_Model<gainstage::TransformerModel>)->Name("Model/Transformer");

void BM_Meter(benchmark::State& state) {
    gainstage::Meter meter;
    meter.prepare(kSampleRate, kBlock, 1);
    runBlocks(state, [&](gainstage::AudioBlock& block) { meter.process(block); });
}
BENCHMARK(BM_Meter)->Name("Meter/all-measurements");

// The strip as the engine runs it: raw (interface) meter, Preamp, track meter.
void BM_Strip(benchmark::State& state) {
    const auto model = static_cast<gainstage::Model>(state.range(0));
    gainstage::Preamp preamp;
    gainstage::Meter rawMeter, trackMeter;
    preamp.prepare(kSampleRate, kBlock, 1);
    rawMeter.prepare(kSampleRate, kBlock, 1);
    trackMeter.prepare(kSampleRate, kBlock, 1);
    gainstage::PreampSettings settings;
    settings.model = model;
    settings.gainDb = 12.0f;
    settings.lowCut = gainstage::LowCut::Hz80;
    preamp.setSettings(settings);
    preamp.reset();
    runBlocks(state, [&](gainstage::AudioBlock& block) {
        rawMeter.process(block);
        preamp.process(block);
        trackMeter.process(block);
    });
}
BENCHMARK(BM_Strip)->Name("Strip/Clean+2meters")->Arg(static_cast<int>(gainstage::Model::Clean));
BENCHMARK(BM_Strip)->Name("Strip/Tube+2meters")->Arg(static_cast<int>(gainstage::Model::Tube));
BENCHMARK(BM_Strip)->Name("Strip/Transformer+2meters")->Arg(static_cast<int>(gainstage::Model::Transformer));

} // namespace

BENCHMARK_MAIN();
