// The whole preamp gives the same output, bit for bit, however the input is
// cut into blocks: one block per segment (longer than prepared, so Preamp
// splits it itself) against random block sizes from 1 frame up. Every model,
// with Low Cut on and Input Z away from neutral, with controls changed
// between segments so that glides, the model crossfade and the Low Cut fade
// all run across block boundaries.
#include <QtTest>

#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include "TestSignals.h"
#include "dsp/Preamp.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

using Stereo = std::vector<std::vector<float>>;

// A change applied before the segment that starts at `frame`.
struct Change {
    int frame;
    std::function<void(Preamp&)> apply;
};

Stereo programme(int frames, double rate) {
    Stereo x{whiteNoise(frames, 0.05, 1), whiteNoise(frames, 0.05, 2)};
    const auto low = sine(110.0, rate, frames, 0.2);
    const auto high = sine(3100.0, rate, frames, 0.05);
    for (int i = 0; i < frames; ++i) {
        x[0][static_cast<size_t>(i)] += low[static_cast<size_t>(i)];
        x[1][static_cast<size_t>(i)] += high[static_cast<size_t>(i)] - low[static_cast<size_t>(i)];
    }
    return x;
}

// Runs the preamp over `signal`; `nextBlock` chooses each block's length
// within a segment (0 = the whole segment at once).
Stereo render(const PreampSettings& start, Stereo signal, const std::vector<Change>& changes, double rate, int maxBlock,
              const std::function<int()>& nextBlock) {
    Preamp preamp;
    preamp.prepare(rate, maxBlock, 2);
    preamp.setSettings(start);
    preamp.reset();
    const int frames = static_cast<int>(signal[0].size());
    float* channels[] = {signal[0].data(), signal[1].data()};
    const AudioBlock all(channels, 2, frames);
    size_t next = 0;
    int pos = 0;
    while (pos < frames) {
        while (next < changes.size() && changes[next].frame <= pos) changes[next++].apply(preamp);
        const int segmentEnd = next < changes.size() ? changes[next].frame : frames;
        int length = nextBlock();
        length = length <= 0 ? segmentEnd - pos : std::min(length, segmentEnd - pos);
        AudioBlock block = all.subBlock(pos, length);
        preamp.process(block);
        pos += length;
    }
    return signal;
}

bool identical(const Stereo& a, const Stereo& b) {
    for (size_t c = 0; c < a.size(); ++c)
        if (a[c].size() != b[c].size() || std::memcmp(a[c].data(), b[c].data(), a[c].size() * sizeof(float)) != 0) return false;
    return true;
}

} // namespace

class TestBlockSplit : public QObject {
    Q_OBJECT

private slots:
    void randomBlocksMatchOneBlock_data() {
        QTest::addColumn<int>("model");
        QTest::addColumn<double>("rate");
        for (double rate : {44100.0, 96000.0})
            for (Model model : {Model::Clean, Model::Tube, Model::Transformer}) {
                const char* name = model == Model::Clean ? "Clean" : model == Model::Tube ? "Tube" : "Transformer";
                QTest::addRow("%s %.0f", name, rate) << static_cast<int>(model) << rate;
            }
    }

    void randomBlocksMatchOneBlock() {
        QFETCH(int, model);
        QFETCH(double, rate);
        const Model m = static_cast<Model>(model);
        const Model other = m == Model::Tube ? Model::Transformer : Model::Tube;

        PreampSettings start;
        start.model = m;
        start.gainDb = 18.0f;
        start.lowCut = LowCut::Hz80;
        start.inputImpedanceOhms = 300.0f;

        const int r = static_cast<int>(rate);
        const std::vector<Change> changes = {
            {r / 5, [](Preamp& p) { p.setInputImpedanceOhms(2400.0f); p.setGainDb(30.0f); }},
            {r / 5 + 777, [](Preamp& p) { p.setLowCut(LowCut::Hz300); p.setPhaseInverted(true); }},
            {r / 2, [other](Preamp& p) { p.setModel(other); p.setPad(true); }},
            {r / 2 + 200, [m](Preamp& p) { p.setModel(m); p.setLowCut(LowCut::Off); }}, // back before it was heard
            {r / 2 + 2000, [other](Preamp& p) { p.setModel(other); }},
            {r / 2 + 2900, [m](Preamp& p) { p.setModel(m); }},                            // during the crossfade: queued
            {4 * r / 5, [](Preamp& p) { p.setSource(Source::DI); p.setInputImpedanceOhms(250000.0f); p.setOutputTrimDb(-6.0f); }},
            {r, [](Preamp& p) { p.setLowCut(LowCut::Hz160); p.setCalibrationDbu(10.0f); }},
        };
        const int frames = 3 * r / 2;
        const Stereo input = programme(frames, rate);
        const int maxBlock = 512;

        const Stereo whole = render(start, input, changes, rate, maxBlock, [] { return 0; });
        QVERIFY(!identical(whole, input)); // it did something

        for (uint32_t seed : {1u, 2u, 3u}) {
            std::mt19937 rng(seed);
            std::uniform_int_distribution<int> sizes(1, 2 * maxBlock); // also longer than prepared
            const Stereo split = render(start, input, changes, rate, maxBlock, [&] { return sizes(rng); });
            QVERIFY2(identical(whole, split), qPrintable(QStringLiteral("seed %1").arg(seed)));
        }
        const Stereo single = render(start, input, changes, rate, maxBlock, [] { return 1; });
        QVERIFY(identical(whole, single));
        qInfo("bit-identical for one block per segment, random blocks (3 seeds) and single frames");
    }
};

QTEST_GUILESS_MAIN(TestBlockSplit)
#include "test_blocksplit.moc"
