// Bad numbers in, good numbers out. Through the whole preamp, for every model
// with every filter running: bursts of NaN, +Inf and -Inf never reach the
// output and never wedge the state (the output is exactly that of the same
// signal with a dropout in their place), absurdly large finite input stays
// finite, and subnormal input or a decaying tail never produce a subnormal
// output. The stages used on their own recover from a non-finite block too.
// The cost of subnormal input is printed, not asserted (timing belongs in the
// benchmarks).
#include <QtTest>

#include <chrono>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "TestSignals.h"
#include "dsp/InputImpedance.h"
#include "dsp/LowCut.h"
#include "dsp/Preamp.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

constexpr double kRate = 48000.0;
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

bool isSubnormal(float x) { return std::fpclassify(x) == FP_SUBNORMAL; }

struct Counts {
    int nonFinite = 0;
    int subnormal = 0;
};

Counts inspect(const std::vector<float>& x) {
    Counts c;
    for (float v : x) {
        if (!std::isfinite(v)) ++c.nonFinite;
        if (isSubnormal(v)) ++c.subnormal;
    }
    return c;
}

// Every stage active: Input Z away from neutral, Gain, Low Cut, Phase, trim.
void busy(Preamp& preamp, Model model) {
    PreampSettings s;
    s.model = model;
    s.gainDb = 20.0f;
    s.lowCut = LowCut::Hz80;
    s.inputImpedanceOhms = 300.0f;
    s.phaseInverted = true;
    s.outputTrimDb = -3.0f;
    preamp.setSettings(s);
    preamp.reset();
}

const char* nameOf(Model m) { return m == Model::Clean ? "Clean" : m == Model::Tube ? "Tube" : "Transformer"; }

} // namespace

class TestBadNumbers : public QObject {
    Q_OBJECT

private slots:
    void nanAndInfBurstsAreDropouts() {
        const int frames = 2 * static_cast<int>(kRate);
        const auto clean = sine(440.0, kRate, frames, 0.05);
        // Where the bad numbers go, and what they are.
        struct Burst {
            int start, length;
            float value;
        };
        const Burst bursts[] = {{24000, 100, kNaN}, {38000, 1, kInf}, {52000, 480, -kInf}, {60000, 3, kNaN}, {70000, 64, kInf}};

        for (Model model : {Model::Clean, Model::Tube, Model::Transformer}) {
            auto dirty = clean, dropout = clean;
            for (const Burst& b : bursts)
                for (int i = b.start; i < b.start + b.length; ++i) {
                    dirty[static_cast<size_t>(i)] = (i % 7 == 3 && b.length > 7) ? -b.value : b.value;
                    dropout[static_cast<size_t>(i)] = 0.0f;
                }
            Preamp a, b;
            a.prepare(kRate, 256, 1);
            b.prepare(kRate, 256, 1);
            busy(a, model);
            busy(b, model);
            const auto out = processMono(a, dirty, 256);
            const auto reference = processMono(b, dropout, 256);
            const Counts c = inspect(out);
            const double tail = rmsDb(out.data() + frames - 24000, 24000);
            qInfo("%-11s NaN/Inf bursts: %d non-finite and %d subnormal outputs; level after: %.2f dBFS (dropout reference %.2f)",
                  nameOf(model), c.nonFinite, c.subnormal, tail, rmsDb(reference.data() + frames - 24000, 24000));
            QCOMPARE(c.nonFinite, 0);
            QCOMPARE(c.subnormal, 0);
            QVERIFY(std::memcmp(out.data(), reference.data(), out.size() * sizeof(float)) == 0);
            QVERIFY(tail > -30.0); // the tone is back
        }
    }

    void hugeFiniteInputStaysFinite() {
        for (Model model : {Model::Clean, Model::Tube, Model::Transformer}) {
            Preamp preamp;
            preamp.prepare(kRate, 256, 1);
            busy(preamp, model);
            preamp.setGainDb(60.0f);
            std::vector<float> x = sine(440.0, kRate, 24000, 0.5);
            for (size_t i = 2000; i < 4000; ++i) x[i] = (i % 2 ? 1.0f : -1.0f) * FLT_MAX;
            for (size_t i = 6000; i < 6100; ++i) x[i] = 1.0e30f;
            const auto out = processMono(preamp, x, 256);
            QCOMPARE(inspect(out).nonFinite, 0);
        }
    }

    void subnormalsNeverComeOut() {
        for (Model model : {Model::Clean, Model::Tube, Model::Transformer}) {
            for (bool neutral : {true, false}) {
                Preamp preamp;
                preamp.prepare(kRate, 256, 2);
                if (!neutral) busy(preamp, model);
                else preamp.setModel(model);
                preamp.reset();

                // Subnormal noise, then a tone, then silence for the tails to decay into.
                const int n = static_cast<int>(kRate);
                std::vector<float> left(static_cast<size_t>(4 * n), 0.0f);
                const auto noise = whiteNoise(n, 1.0, 5);
                for (int i = 0; i < n; ++i) left[static_cast<size_t>(i)] = noise[static_cast<size_t>(i)] * 1.0e-39f;
                const auto tone = sine(440.0, kRate, n, 0.1);
                std::copy(tone.begin(), tone.end(), left.begin() + n);
                auto right = left;
                for (auto& x : right) x *= 1.0e-3f; // a quieter channel decays into the subnormal range sooner

                float* channels[] = {left.data(), right.data()};
                for (int pos = 0; pos < 4 * n; pos += 256) {
                    AudioBlock block = AudioBlock(channels, 2, 4 * n).subBlock(pos, std::min(256, 4 * n - pos));
                    preamp.process(block);
                }
                const Counts l = inspect(left), r = inspect(right);
                QCOMPARE(l.nonFinite + r.nonFinite, 0);
                QCOMPARE(l.subnormal + r.subnormal, 0);
            }
        }
        qInfo("no subnormal output from subnormal input or decaying tails, every model, neutral and busy");
    }

    void subnormalInputCostsNothingExtra() {
        Preamp preamp;
        preamp.prepare(kRate, 256, 1);
        busy(preamp, Model::Tube);
        const int frames = 10 * static_cast<int>(kRate);
        auto normal = whiteNoise(frames, 0.1, 9);
        auto subnormal = whiteNoise(frames, 1.0, 9);
        for (auto& x : subnormal) x *= 1.0e-39f;
        auto time = [&](std::vector<float> x) {
            const auto t0 = std::chrono::steady_clock::now();
            processMono(preamp, std::move(x), 256);
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        };
        time(normal);
        const double tn = time(normal), ts = time(subnormal);
        qInfo("Tube chain, 10 s mono: %.1f ms for normal input, %.1f ms for subnormal input (ratio %.2f)", tn * 1e3, ts * 1e3, ts / tn);
    }

    // The stages on their own (without Preamp's input check) drop a state that went non-finite.
    void stagesRecoverOnTheirOwn() {
        LowCutFilter lowCut;
        lowCut.prepare(kRate, 256, 1);
        lowCut.setLowCut(LowCut::Hz160);
        lowCut.reset();
        InputImpedance inputZ;
        inputZ.prepare(kRate, 256, 1);
        inputZ.setImpedanceOhms(300.0f);
        inputZ.reset();
        const auto tone = sine(1000.0, kRate, 9600, 0.1);
        for (Processor* p : {static_cast<Processor*>(&lowCut), static_cast<Processor*>(&inputZ)}) {
            p->reset();
            const auto fresh = processMono(*p, tone, 256);
            p->reset();
            processMono(*p, std::vector<float>(256, kNaN), 256);
            const auto out = processMono(*p, tone, 256);
            QCOMPARE(inspect(out).nonFinite, 0);
            // Once the restart transient is over it is the same as from a clean start.
            double worst = 0.0;
            for (size_t i = 4800; i < out.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(out[i] - fresh[i])));
            QVERIFY2(worst < 1.0e-6, qPrintable(QString::number(worst)));
        }
    }
};

QTEST_GUILESS_MAIN(TestBadNumbers)
#include "test_badnumbers.moc"
