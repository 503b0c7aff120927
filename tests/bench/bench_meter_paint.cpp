// What the studio window's meters cost the GUI thread: 16 tracks, each a
// stereo track meter and its compact Interface meter, repainted at 60 Hz with
// levels that move every frame (the worst case: every meter repaints every
// frame). One iteration is one 60 Hz frame of all 32 meters, painted into
// images offscreen: its CPU time x 60 is the share of one core they take
// (0.75 ms a frame is 4.5 %). The whole window under load is tests/bench/gui_load.sh.
//
//   build/bin/bench_meter_paint --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <QApplication>
#include <QImage>

#include <memory>
#include <vector>

#include "ui/MeterWidget.h"

using namespace gainstage;

namespace {

// A moment of a performance peaking at `peakDb`.
MeterSnapshot playing(float peakDb, uint64_t frames) {
    MeterSnapshot s{};
    s.samplePeakDb = peakDb - 0.8f;
    s.truePeakDb = peakDb - 0.5f;
    s.peakBarDb = peakDb - 0.6f;
    s.peakHoldDb = peakDb;
    s.truePeakHoldDb = peakDb + 0.4f;
    s.rmsDb = peakDb - 12.0f;
    s.momentaryLufs = s.shortTermLufs = s.integratedLufs = -120.0f;
    s.maxSamplePeakDb = peakDb;
    s.maxTruePeakDb = peakDb + 0.4f;
    s.maxMomentaryLufs = s.maxShortTermLufs = -120.0f;
    s.framesMeasured = frames;
    s.status = peakDb + 0.4f > 0.0f ? WindowStatus::Clipped : peakDb >= -6.0f ? WindowStatus::InWindow : WindowStatus::Low;
    return s;
}

void sixteenTracksOfMetersAt60Hz(benchmark::State& state) {
    std::vector<std::unique_ptr<MeterWidget>> meters;
    std::vector<QImage> targets;
    for (int t = 0; t < 16; ++t) {
        auto track = std::make_unique<MeterWidget>();
        track->setChannelCount(2);
        track->resize(260, 26);
        auto interface = std::make_unique<MeterWidget>();
        interface->setCompact(true);
        interface->resize(90, 10);
        for (MeterWidget* m : {track.get(), interface.get()}) {
            m->setAttribute(Qt::WA_DontShowOnScreen);
            m->show();
            targets.emplace_back(m->size(), QImage::Format_ARGB32_Premultiplied);
        }
        meters.push_back(std::move(track));
        meters.push_back(std::move(interface));
    }
    int frame = 0;
    for (auto _ : state) {
        for (size_t i = 0; i < meters.size(); ++i) {
            const float level = -30.0f + 30.5f * float((frame * 7 + int(i) * 13) % 60) / 60.0f;
            for (int ch = 0; ch < meters[i]->channelCount(); ++ch)
                meters[i]->setSnapshot(ch, playing(level - float(ch), 48000u + uint64_t(frame) * 800u));
            meters[i]->render(&targets[i]);
        }
        ++frame;
    }
}
BENCHMARK(sixteenTracksOfMetersAt60Hz)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
