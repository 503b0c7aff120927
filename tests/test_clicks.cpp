// Nothing clicks: a low sine through the whole preamp while the controls
// change mid-signal (big Gain jumps, Model, Low Cut Off <-> 300 Hz and between
// cutoffs, Phase, Pad, Input Z and the source), scored by clickRatio(): the
// largest second difference relative to what a sine of the local level
// allows. A smooth tone scores about 1; the same detector scores the chain's
// own changes made without smoothing (reset() jumps every control) far above
// the limit, so the limit means something.
#include <QtTest>

#include <functional>
#include <vector>

#include "TestSignals.h"
#include "dsp/Preamp.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

constexpr double kRate = 48000.0;
// Low enough to be a hard case for the detector (a pure tone's own curvature is
// small), high enough that Low Cut 300 Hz leaves the fundamental above the
// driven models' harmonics: the detector assumes a pure tone, and at 50 Hz the
// harmonics of Tube and Transformer dominate what Low Cut 300 Hz lets through
// (steady, not a click, but scored as curvature).
constexpr double kToneHz = 100.0;
// At most this many times the curvature of a pure sine at the local level.
constexpr double kLimit = 2.0;

struct Event {
    double seconds;
    std::function<void(Preamp&)> apply;
};

// Runs a tone through the preamp in 256-frame blocks, applying each event at
// the block that starts nearest its time, and returns the output.
std::vector<float> run(const PreampSettings& start, double amplitude, const std::vector<Event>& events, double seconds,
                       Model model = Model::Clean) {
    Preamp preamp;
    preamp.prepare(kRate, 256, 1);
    PreampSettings s = start;
    s.model = model;
    preamp.setSettings(s);
    preamp.reset();
    auto signal = sine(kToneHz, kRate, static_cast<int>(seconds * kRate), amplitude);
    size_t next = 0;
    for (size_t pos = 0; pos < signal.size(); pos += 256) {
        while (next < events.size() && events[next].seconds * kRate <= static_cast<double>(pos)) events[next++].apply(preamp);
        float* channel = signal.data() + pos;
        AudioBlock block(&channel, 1, static_cast<int>(std::min<size_t>(256, signal.size() - pos)));
        preamp.process(block);
    }
    return signal;
}

// The score from 0.1 s in (after the tone's own start).
double score(const std::vector<float>& out, int* where = nullptr) {
    return clickRatio(out.data(), static_cast<int>(0.1 * kRate), static_cast<int>(out.size()), kToneHz, kRate, where);
}

void check(const char* what, const std::vector<float>& out) {
    int where = 0;
    const double ratio = score(out, &where);
    qInfo("%-44s click ratio %.3f (limit %.1f, margin x%.2f) worst at %.3f s", what, ratio, kLimit, kLimit / ratio, where / kRate);
    QVERIFY2(ratio < kLimit, what);
}

} // namespace

class TestClicks : public QObject {
    Q_OBJECT

private slots:
    void aSteadyToneScoresAboutOne() {
        const auto out = run({}, 0.5, {}, 1.0);
        const double ratio = score(out);
        qInfo("steady 100 Hz tone: click ratio %.3f", ratio);
        QVERIFY(ratio > 0.9 && ratio < 1.1);
    }

    void eachModelsOwnScore() {
        for (Model model : {Model::Tube, Model::Transformer}) {
            const double ratio = score(run({}, 0.1, {}, 1.0, model));
            qInfo("steady tone through %s: click ratio %.3f", model == Model::Tube ? "Tube" : "Transformer", ratio);
        }
    }

    // The detector sees the same changes when they are not smoothed.
    void theDetectorCatchesAnUnsmoothedChange() {
        const std::vector<std::pair<const char*, std::function<void(Preamp&)>>> changes = {
            {"Gain +1 dB", [](Preamp& p) { p.setGainDb(1.0f); }},
            {"Phase", [](Preamp& p) { p.setPhaseInverted(true); }},
            {"Low Cut 300 Hz", [](Preamp& p) { p.setLowCut(LowCut::Hz300); }},
            {"Input Z 300 ohms", [](Preamp& p) { p.setInputImpedanceOhms(300.0f); }},
        };
        for (const auto& [name, change] : changes) {
            // reset() jumps every smoother to its target and clears the filters.
            const auto out = run({}, 0.5, {{0.5021, [&](Preamp& p) { change(p); p.reset(); }}}, 1.0);
            const double ratio = score(out);
            qInfo("unsmoothed %-18s click ratio %.1f", name, ratio);
            QVERIFY(ratio > 10.0 * kLimit);
        }
    }

    void bigGainJumps() {
        PreampSettings s;
        s.gainDb = -20.0f;
        // -60 dBFS in: at +60 dB the output peaks at 0 dBFS, below Clean's knee.
        check("Gain -20 -> +60 -> -20 -> +40 -> 0 dB",
              run(s, 0.001, {{0.3, [](Preamp& p) { p.setGainDb(60.0f); }},
                             {0.6, [](Preamp& p) { p.setGainDb(-20.0f); }},
                             {0.9, [](Preamp& p) { p.setGainDb(40.0f); }},
                             {0.92, [](Preamp& p) { p.setGainDb(0.0f); }}}, // retargeted mid-glide
                  1.3));
    }

    void modelChanges() {
        for (Model start : {Model::Clean, Model::Tube, Model::Transformer}) {
            const auto out = run({}, 0.1, {{0.3, [](Preamp& p) { p.setModel(Model::Tube); }},
                                           {0.5, [](Preamp& p) { p.setModel(Model::Transformer); }},
                                           {0.7, [](Preamp& p) { p.setModel(Model::Clean); }},
                                           {0.9, [](Preamp& p) { p.setModel(Model::Tube); }},
                                           {0.91, [](Preamp& p) { p.setModel(Model::Transformer); }},  // queued behind a fade
                                           {1.1, [](Preamp& p) { p.setModel(Model::Clean); }},
                                           {1.105, [](Preamp& p) { p.setModel(Model::Transformer); }}}, // back before it was heard
                                 1.4, start);
            check(start == Model::Clean ? "Model changes from Clean" : start == Model::Tube ? "Model changes from Tube" : "Model changes from Transformer",
                  out);
        }
    }

    void lowCutChanges() {
        check("Low Cut Off -> 300 -> Off -> 80 -> 160 -> 50",
              run({}, 0.5, {{0.3, [](Preamp& p) { p.setLowCut(LowCut::Hz300); }},
                            {0.6, [](Preamp& p) { p.setLowCut(LowCut::Off); }},
                            {0.9, [](Preamp& p) { p.setLowCut(LowCut::Hz80); }},
                            {1.2, [](Preamp& p) { p.setLowCut(LowCut::Hz160); }},
                            {1.5, [](Preamp& p) { p.setLowCut(LowCut::Hz50); }},
                            {1.52, [](Preamp& p) { p.setLowCut(LowCut::Off); }}}, // while gliding
                  1.8));
    }

    void phaseAndPad() {
        check("Phase flips, Pad in and out",
              run({}, 0.5, {{0.3, [](Preamp& p) { p.setPhaseInverted(true); }},
                            {0.5, [](Preamp& p) { p.setPad(true); }},
                            {0.7, [](Preamp& p) { p.setPhaseInverted(false); }},
                            {0.72, [](Preamp& p) { p.setPhaseInverted(true); }}, // mid-glide
                            {0.9, [](Preamp& p) { p.setPad(false); }}},
                  1.2));
    }

    void inputImpedanceChanges() {
        check("Mic Input Z 1200 -> 300 -> 2400 -> 50 -> 1200",
              run({}, 0.5, {{0.3, [](Preamp& p) { p.setInputImpedanceOhms(300.0f); }},
                            {0.5, [](Preamp& p) { p.setInputImpedanceOhms(2400.0f); }},
                            {0.7, [](Preamp& p) { p.setInputImpedanceOhms(50.0f); }},
                            {0.72, [](Preamp& p) { p.setInputImpedanceOhms(1200.0f); }}},
                  1.2));
        PreampSettings di;
        di.source = Source::DI;
        di.inputImpedanceOhms = kInterfaceDiInputOhms;
        check("DI Input Z 1 M -> 250 k -> 68 k -> 10 k -> 1 M",
              run(di, 0.5, {{0.3, [](Preamp& p) { p.setInputImpedanceOhms(250000.0f); }},
                            {0.5, [](Preamp& p) { p.setInputImpedanceOhms(68000.0f); }},
                            {0.7, [](Preamp& p) { p.setInputImpedanceOhms(10000.0f); }},
                            {0.9, [](Preamp& p) { p.setInputImpedanceOhms(1.0e6f); }}},
                  1.2));
        PreampSettings mic300;
        mic300.inputImpedanceOhms = 300.0f;
        check("Mic 300 -> DI 68 k (through neutral)",
              run(mic300, 0.5, {{0.3, [](Preamp& p) { p.setSource(Source::DI); p.setInputImpedanceOhms(68000.0f); }}}, 1.0));
    }

    void everythingAtOnce() {
        for (Model model : {Model::Clean, Model::Tube, Model::Transformer}) {
            PreampSettings s;
            s.gainDb = 6.0f;
            const auto out = run(s, 0.05, {{0.3, [](Preamp& p) {
                                                 p.setGainDb(30.0f);
                                                 p.setPad(true);
                                                 p.setLowCut(LowCut::Hz300);
                                                 p.setPhaseInverted(true);
                                                 p.setInputImpedanceOhms(300.0f);
                                                 p.setOutputTrimDb(-12.0f);
                                             }},
                                            {0.6, [](Preamp& p) { p.setSettings(PreampSettings{}); }}},
                                 1.0, model);
            check(model == Model::Clean ? "everything at once, Clean" : model == Model::Tube ? "everything at once, Tube" : "everything at once, Transformer",
                  out);
        }
    }
};

QTEST_GUILESS_MAIN(TestClicks)
#include "test_clicks.moc"
