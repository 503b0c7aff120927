// Engine::process with N (1, 8, 64) mono input tracks, each through a Tube
// preamp, its raw and track meters, and recording into its capture ring, on
// 256-frame blocks at 48 kHz. The rings are emptied with discard() after each
// block (a cheap stand-in for the disk thread; it is inside the timed loop and
// costs a few ns per block). Reports ns per channel-frame:
//   build-engine/bin/bench_engine --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/Engine.h"

namespace {

constexpr double kRate = 48000.0;
constexpr int kBlock = 256;

void engineProcess(benchmark::State& state) {
    const int channels = static_cast<int>(state.range(0));
    gainstage::StreamFormat format;
    format.sampleRate = kRate;
    format.maxBlockFrames = kBlock;
    format.inputChannels = channels;
    format.outputChannels = 2;

    gainstage::Engine engine;
    std::vector<std::shared_ptr<gainstage::CaptureStreams>> rings;
    for (int c = 0; c < channels; ++c) {
        gainstage::TrackConfig config;
        config.input = c;
        config.armed = true;
        config.monitor = gainstage::MonitorMode::Input;
        config.preamp.model = gainstage::Model::Tube;
        config.preamp.gainDb = 12.0f;
        rings.push_back(engine.captureStreams(engine.addTrack(config)));
    }
    engine.audioStreamAboutToStart(format);

    // A vocal-like tone around -20 dBFS per channel, a different phase each.
    std::vector<std::vector<float>> inputs(static_cast<size_t>(channels), std::vector<float>(kRate));
    std::mt19937 rng(3);
    std::normal_distribution<float> noise(0.0f, 0.003f);
    for (int c = 0; c < channels; ++c)
        for (int n = 0; n < static_cast<int>(kRate); ++n)
            inputs[static_cast<size_t>(c)][static_cast<size_t>(n)] =
                0.06f * static_cast<float>(std::sin(2.0 * M_PI * 220.0 * n / kRate + c) + 0.5 * std::sin(2.0 * M_PI * 660.0 * n / kRate)) + noise(rng);
    std::vector<float> left(kBlock), right(kBlock);
    float* outputs[2] = {left.data(), right.data()};
    std::vector<const float*> inputPointers(static_cast<size_t>(channels));
    const gainstage::ProcessStatus status{};

    engine.record(true);
    size_t offset = 0;
    for (auto _ : state) {
        for (int c = 0; c < channels; ++c) inputPointers[static_cast<size_t>(c)] = inputs[static_cast<size_t>(c)].data() + offset;
        engine.process(inputPointers.data(), outputs, kBlock, status);
        for (auto& r : rings) r->processed.discard(r->processed.readAvailable());
        offset = (offset + kBlock) % (static_cast<size_t>(kRate) - kBlock);
        benchmark::DoNotOptimize(left.data());
        benchmark::ClobberMemory();
    }
    const double channelFrames = static_cast<double>(state.iterations()) * kBlock * channels;
    state.SetItemsProcessed(static_cast<int64_t>(channelFrames));
    state.counters["per_channel_frame"] = benchmark::Counter(channelFrames, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["load_at_48k"] = engine.load().average.load();
    engine.audioStreamStopped(false);
}

} // namespace

BENCHMARK(engineProcess)->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
