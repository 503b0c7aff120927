// What the studio window's meters cost the GUI thread: 16 tracks, each a
// stereo track meter and its compact Interface meter, repainted at 60 Hz with
// levels that move every frame (the worst case: every meter repaints every
// frame). One iteration is one 60 Hz frame of all 32 meters, painted into
// images offscreen: its CPU time x 60 is the share of one core they take
// (0.65 ms a frame is 3.9 %). The whole window under load is tests/bench/gui_load.sh.
//
//   build/bin/bench_meter_paint --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <QApplication>
#include <QImage>

#include <memory>
#include <vector>

#include "tests/MeterSnapshots.h"
#include "ui/MeterWidget.h"

using namespace gainstage;

namespace {

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
            for (int ch = 0; ch < meters[i]->channelCount(); ++ch) {
                MeterSnapshot s = test::playing(level - float(ch));
                s.framesMeasured = 48000u + uint64_t(frame) * 800u;
                meters[i]->setSnapshot(ch, s);
            }
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
