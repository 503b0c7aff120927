// The whole preamp chain, measured: Gain is exact across both ranges and
// clamps at their ends, Pad is -20 dB, trim is what it says, Phase inverts
// exactly, the neutral chain is bit-transparent (also after every control has
// been moved away and back), and the reported latency is the real one.
#include <QtTest>

#include <cmath>
#include <cstring>
#include <vector>

#include "TestSignals.h"
#include "dsp/DspMath.h"
#include "dsp/Preamp.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

const double kRates[] = {44100.0, 48000.0, 88200.0, 96000.0, 192000.0};

bool bitIdentical(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// A test signal well below Clean's headroom: noise at -20 dBFS peak plus a sine.
std::vector<float> programme(int frames, double rate, uint32_t seed) {
    auto x = whiteNoise(frames, 0.1, seed);
    const auto tone = sine(997.0, rate, frames, 0.25);
    for (size_t i = 0; i < x.size(); ++i) x[i] += tone[i];
    return x;
}

// Steady-state gain of the preamp at 1 kHz, with the input scaled so that the
// output stays 20 dB below full scale (far below Clean's knee).
double chainGainDb(Preamp& preamp, double rate, double expectedDb) {
    const double amplitude = std::min(0.1, 0.1 * dbToGain(-expectedDb));
    return measureGainDb(preamp, 1000.0, rate, amplitude, 0.2);
}

} // namespace

class TestPreamp : public QObject {
    Q_OBJECT

private slots:
    void gainIsExactAcrossTheRange() {
        double worst = 0.0;
        for (Source source : {Source::Mic, Source::DI}) {
            const GainRange range = gainRangeFor(source);
            for (double rate : {44100.0, 48000.0, 96000.0}) {
                Preamp preamp;
                preamp.prepare(rate, 512, 1);
                preamp.setSource(source);
                for (float db = range.minDb; db <= range.maxDb; db += 7.5f) {
                    preamp.setGainDb(db);
                    const double error = chainGainDb(preamp, rate, db) - db;
                    worst = std::max(worst, std::fabs(error));
                    QVERIFY2(std::fabs(error) < 0.01, qPrintable(QStringLiteral("%1 dB: error %2 dB").arg(db).arg(error)));
                }
                preamp.setGainDb(range.maxDb);
                const double top = chainGainDb(preamp, rate, range.maxDb) - range.maxDb;
                worst = std::max(worst, std::fabs(top));
                QVERIFY(std::fabs(top) < 0.01);
            }
        }
        qInfo("worst Gain error, Mic -20..+60 dB and DI -20..+40 dB: %.2e dB", worst);
    }

    void gainClampsAtTheEndsOfEachRange() {
        Preamp preamp;
        preamp.prepare(48000.0, 512, 1);
        preamp.setGainDb(75.0f);
        QCOMPARE(preamp.settings().gainDb, 60.0f);
        const double high = chainGainDb(preamp, 48000.0, 60.0);
        preamp.setGainDb(-40.0f);
        QCOMPARE(preamp.settings().gainDb, -20.0f);
        const double low = chainGainDb(preamp, 48000.0, -20.0);
        qInfo("Mic asked for +75 / -40 dB: measured %+.4f / %+.4f dB", high, low);
        QVERIFY(std::fabs(high - 60.0) < 0.01);
        QVERIFY(std::fabs(low + 20.0) < 0.01);

        // DI tops out at +40, also when the source changes under a higher gain.
        preamp.setGainDb(55.0f);
        preamp.setSource(Source::DI);
        QCOMPARE(preamp.settings().gainDb, 40.0f);
        preamp.setGainDb(55.0f);
        QCOMPARE(preamp.settings().gainDb, 40.0f);
        const double di = chainGainDb(preamp, 48000.0, 40.0);
        qInfo("DI asked for +55 dB: measured %+.4f dB", di);
        QVERIFY(std::fabs(di - 40.0) < 0.01);
        preamp.setGainDb(std::nanf(""));
        QCOMPARE(preamp.settings().gainDb, 40.0f);
    }

    void padIsMinusTwentyDb() {
        Preamp preamp;
        preamp.prepare(48000.0, 512, 1);
        preamp.setPad(true);
        const double pad = chainGainDb(preamp, 48000.0, -20.0);
        preamp.setGainDb(30.0f);
        const double padAndGain = chainGainDb(preamp, 48000.0, 10.0);
        qInfo("Pad: %.5f dB; Pad + 30 dB Gain: %.5f dB", pad, padAndGain);
        QVERIFY(std::fabs(pad + 20.0) < 0.01);
        QVERIFY(std::fabs(padAndGain - 10.0) < 0.01);
    }

    void outputTrimIsExactAndClamped() {
        Preamp preamp;
        preamp.prepare(48000.0, 512, 1);
        for (float trim : {-24.0f, -6.0f, 3.5f, 12.0f, 24.0f}) {
            preamp.setOutputTrimDb(trim);
            const double error = chainGainDb(preamp, 48000.0, trim) - trim;
            QVERIFY2(std::fabs(error) < 0.01, qPrintable(QStringLiteral("trim %1: error %2").arg(trim).arg(error)));
        }
        preamp.setOutputTrimDb(40.0f);
        QCOMPARE(preamp.settings().outputTrimDb, 24.0f);
        preamp.setOutputTrimDb(-40.0f);
        QCOMPARE(preamp.settings().outputTrimDb, -24.0f);
    }

    void phaseInvertsExactly() {
        Preamp preamp;
        preamp.prepare(48000.0, 512, 1);
        preamp.setPhaseInverted(true);
        preamp.reset();
        const auto input = programme(48000, 48000.0, 1);
        const auto output = processMono(preamp, input, 512);
        for (size_t i = 0; i < input.size(); ++i) QCOMPARE(output[i], -input[i]);

        // Flipped while running: after the glide through zero it is exact again.
        preamp.setPhaseInverted(false);
        processMono(preamp, programme(9600, 48000.0, 2), 512);
        QVERIFY(bitIdentical(processMono(preamp, input, 512), input));
    }

    void neutralChainIsBitTransparent() {
        for (double rate : kRates)
            for (Source source : {Source::Mic, Source::DI}) {
                Preamp preamp;
                preamp.prepare(rate, 480, 2);
                preamp.setSource(source);
                preamp.reset();
                const int frames = static_cast<int>(rate);
                std::vector<float> left = programme(frames, rate, 11), right = whiteNoise(frames, 0.1, 12);
                const auto inLeft = left, inRight = right;
                float* channels[] = {left.data(), right.data()};
                AudioBlock block(channels, 2, frames);
                preamp.process(block);
                QVERIFY2(bitIdentical(left, inLeft) && bitIdentical(right, inRight),
                         qPrintable(QStringLiteral("%1 Hz, source %2").arg(rate).arg(static_cast<int>(source))));
            }
        qInfo("neutral chain: bit-identical, mono and stereo, Mic and DI, 44.1-192 kHz");
    }

    // Every control away from neutral and back: every smoother must land on
    // exactly 1 and every stage return to an exact bypass.
    void neutralAgainAfterEveryControlHasMoved() {
        const double rate = 48000.0;
        Preamp preamp;
        preamp.prepare(rate, 512, 1);
        processMono(preamp, programme(4800, rate, 20), 512);
        preamp.setGainDb(12.5f);
        preamp.setPad(true);
        preamp.setOutputTrimDb(-3.0f);
        preamp.setPhaseInverted(true);
        preamp.setLowCut(LowCut::Hz80);
        preamp.setInputImpedanceOhms(300.0f);
        preamp.setModel(Model::Tube);
        processMono(preamp, programme(24000, rate, 21), 512);
        preamp.setSettings(PreampSettings{});
        processMono(preamp, programme(48000, rate, 22), 512); // every glide, fade and filter tail is over well within 1 s
        const auto input = programme(48000, rate, 23);
        QVERIFY(bitIdentical(processMono(preamp, input, 512), input));
    }

    void latencyIsReportedPerModelAndRate() {
        for (double rate : kRates)
            for (Model model : {Model::Clean, Model::Tube, Model::Transformer}) {
                Preamp preamp;
                preamp.prepare(rate, 512, 1);
                preamp.setModel(model);
                preamp.reset();
                const int reported = preamp.latencySamples();
                QCOMPARE(reported, Preamp::latencyFor(model, rate));
                if (model == Model::Clean) QCOMPARE(reported, 0);

                // The delay the signal really has, from the cross-correlation of
                // a low-level noise burst (the models are near-linear there),
                // kept below 2 kHz: oversampling filters delay the top octave a
                // little more than their integer latency.
                const int frames = 8192;
                auto input = whiteNoise(frames, 0.01, 31);
                const double smoothing = std::exp(-2.0 * kPi * 2000.0 / rate);
                for (int pass = 0; pass < 4; ++pass) {
                    double state = 0.0;
                    for (auto& x : input) x = static_cast<float>(state = x + smoothing * (state - x));
                }
                for (int i = frames / 2; i < frames; ++i) input[static_cast<size_t>(i)] = 0.0f;
                const auto output = processMono(preamp, input, 512);
                const int measured = bestAlignmentLag(input.data(), output.data(), frames, 256);
                qInfo("%-11s at %6.0f Hz: reported %d samples, measured %d", model == Model::Clean ? "Clean"
                                                                             : model == Model::Tube ? "Tube"
                                                                                                    : "Transformer",
                      rate, reported, measured);
                QCOMPARE(measured, reported);
            }
    }

    void settingsRoundTrip() {
        Preamp preamp;
        PreampSettings s;
        s.source = Source::DI;
        s.model = Model::Transformer;
        s.gainDb = 22.0f;
        s.pad = true;
        s.lowCut = LowCut::Hz160;
        s.phaseInverted = true;
        s.inputImpedanceOhms = 250000.0f;
        s.outputTrimDb = -4.0f;
        s.calibrationDbu = 14.0f;
        preamp.setSettings(s);
        const PreampSettings back = preamp.settings();
        QCOMPARE(back.source, s.source);
        QCOMPARE(back.model, s.model);
        QCOMPARE(back.gainDb, s.gainDb);
        QCOMPARE(back.pad, s.pad);
        QCOMPARE(back.lowCut, s.lowCut);
        QCOMPARE(back.phaseInverted, s.phaseInverted);
        QCOMPARE(back.inputImpedanceOhms, s.inputImpedanceOhms);
        QCOMPARE(back.outputTrimDb, s.outputTrimDb);
        QCOMPARE(back.calibrationDbu, s.calibrationDbu);

        // Another input brings its own impedance; out-of-range values are clamped.
        preamp.setSource(Source::Mic);
        QCOMPARE(preamp.settings().inputImpedanceOhms, kInterfaceMicInputOhms);
        preamp.setInputImpedanceOhms(1.0f);
        QCOMPARE(preamp.settings().inputImpedanceOhms, 50.0f);
        preamp.setCalibrationDbu(40.0f);
        QCOMPARE(preamp.settings().calibrationDbu, 24.0f);
    }

    // Rates outside the usual set still work: neutral is exact, busy is finite and sane.
    void unusualRatesWork() {
        for (double rate : {8000.0, 22050.0, 32000.0, 176400.0, 384000.0}) {
            Preamp preamp;
            preamp.prepare(rate, 256, 1);
            const auto input = programme(static_cast<int>(rate / 2), rate, 51);
            QVERIFY(bitIdentical(processMono(preamp, input, 256), input));

            for (Model model : {Model::Clean, Model::Tube, Model::Transformer}) {
                PreampSettings s;
                s.model = model;
                s.gainDb = 12.0f;
                s.lowCut = LowCut::Hz300;
                s.inputImpedanceOhms = 300.0f;
                preamp.setSettings(s);
                const auto out = processMono(preamp, programme(static_cast<int>(rate / 2), rate, 52), 256);
                for (float x : out) QVERIFY(std::isfinite(x) && std::fabs(x) < 8.0f);
            }
        }
    }

    // Blocks longer than prepared, and more channels than prepared, are handled.
    void oversizedBlocksAndExtraChannels() {
        Preamp preamp;
        preamp.prepare(48000.0, 64, 1);
        preamp.setGainDb(6.0f);
        preamp.reset();
        std::vector<float> a = programme(4096, 48000.0, 41), b = a;
        float* channels[] = {a.data(), b.data()};
        AudioBlock block(channels, 2, 4096);
        preamp.process(block);
        const float g = static_cast<float>(std::pow(10.0, 6.0 / 20.0));
        for (size_t i = 0; i < a.size(); ++i) QCOMPARE(a[i], b[i] * g); // channel 2 untouched
    }
};

QTEST_GUILESS_MAIN(TestPreamp)
#include "test_preamp.moc"
