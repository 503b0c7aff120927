// The waveform overview of a 10-minute take (48 kHz, mono, 24-bit WAV): built
// from the audio and cached (what the first open of a session costs per take),
// built without writing the cache (reading and reducing alone), loaded from its
// .peaks file (every later open), and the 1000 pixel columns of the whole take
// zoomed out (one timeline repaint of that lane).
//
//   build/bin/bench_peakcache --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include "core/PeakCache.h"

#include <benchmark/benchmark.h>

#include <QDir>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

#include <sndfile.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <numbers>
#include <vector>

using namespace gainstage;

namespace {

constexpr int kRate = 48000;
constexpr int64_t kFrames = 600LL * kRate;

// The take is written once per process; every benchmark reads the same file.
class LongTake {
public:
    static LongTake& instance() {
        static LongTake take;
        return take;
    }
    const QString& path() const { return path_; }
    bool ok() const { return ok_; }

private:
    LongTake() {
        if (!dir_.isValid()) return;
        path_ = dir_.filePath(QStringLiteral("Lead Vocal-1.wav"));
        SF_INFO info{};
        info.samplerate = kRate;
        info.channels = 1;
        info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_24;
        SNDFILE* f = sf_open(QFile::encodeName(path_).constData(), SFM_WRITE, &info);
        if (!f) return;
        // A tone under a slow swell, so every bucket's extremes differ.
        std::vector<float> block(65536);
        for (int64_t done = 0; done < kFrames; done += static_cast<int64_t>(block.size())) {
            const int64_t n = std::min<int64_t>(static_cast<int64_t>(block.size()), kFrames - done);
            for (int64_t i = 0; i < n; ++i) {
                const double t = static_cast<double>(done + i) / kRate;
                block[static_cast<size_t>(i)] = static_cast<float>((0.2 + 0.3 * std::abs(std::sin(t * 0.7))) * std::sin(2.0 * std::numbers::pi * 220.0 * t));
            }
            sf_writef_float(f, block.data(), n);
        }
        sf_close(f);
        ok_ = true;
    }
    QTemporaryDir dir_;
    QString path_;
    bool ok_ = false;
};

void BM_BuildAndCache10MinMono24(benchmark::State& state) {
    LongTake& take = LongTake::instance();
    if (!take.ok()) {
        state.SkipWithError("could not write the 10-minute take");
        return;
    }
    for (auto _ : state) {
        state.PauseTiming();
        QFile::remove(PeakCache::cachePathFor(take.path()));
        state.ResumeTiming();
        QString error;
        auto peaks = PeakCache::loadOrBuild(take.path(), error);
        if (!peaks || peaks->loadedFromCache || !error.isEmpty()) {
            state.SkipWithError("build failed");
            return;
        }
        benchmark::DoNotOptimize(peaks->fine.data());
    }
    state.counters["audio_s_per_s"] = benchmark::Counter(600.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_BuildOnly10MinMono24(benchmark::State& state) {
    LongTake& take = LongTake::instance();
    if (!take.ok()) {
        state.SkipWithError("could not write the 10-minute take");
        return;
    }
    for (auto _ : state) {
        QString error;
        auto peaks = PeakCache::build(take.path(), error);
        if (!peaks) {
            state.SkipWithError("build failed");
            return;
        }
        benchmark::DoNotOptimize(peaks->fine.data());
    }
}

void BM_LoadFromCache10MinMono24(benchmark::State& state) {
    LongTake& take = LongTake::instance();
    QString error;
    if (!take.ok() || !PeakCache::loadOrBuild(take.path(), error)) {
        state.SkipWithError("could not prepare the cache");
        return;
    }
    for (auto _ : state) {
        auto peaks = PeakCache::loadOrBuild(take.path(), error);
        if (!peaks || !peaks->loadedFromCache) {
            state.SkipWithError("the cache was not used");
            return;
        }
        benchmark::DoNotOptimize(peaks->fine.data());
    }
}

void BM_Columns1000Of10Min(benchmark::State& state) {
    LongTake& take = LongTake::instance();
    QString error;
    const auto peaks = take.ok() ? PeakCache::loadOrBuild(take.path(), error) : std::nullopt;
    if (!peaks) {
        state.SkipWithError("no peaks");
        return;
    }
    std::vector<float> mins(1000), maxs(1000);
    for (auto _ : state) {
        peaks->columns(-1, 0, static_cast<double>(kFrames) / 1000.0, 1000, mins.data(), maxs.data());
        benchmark::DoNotOptimize(mins.data());
        benchmark::DoNotOptimize(maxs.data());
    }
}

} // namespace

BENCHMARK(BM_BuildAndCache10MinMono24)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BuildOnly10MinMono24)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LoadFromCache10MinMono24)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Columns1000Of10Min)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
