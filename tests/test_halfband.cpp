// The elliptic polyphase halfbands (dsp/Halfband.h) and the Oversampler built
// from them: stopband attenuation and passband ripple measured on the designed
// filters (analytically and by running the float implementation), the design
// equations against REFERENCE.md's anchor, and the low-frequency group delay the
// models' latency bookkeeping relies on.

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include "TestSignals.h"
#include "dsp/DspMath.h"
#include "dsp/Halfband.h"
#include "dsp/Oversampler.h"

using namespace gainstage;

namespace {

struct Measured {
    double stopbandDb;   // worst (highest) gain in the stopband, dB
    double passbandDb;   // worst |gain| in the passband, dB
};

// Dense scan of the analytic response over the pass- and stopband of `spec`.
Measured scan(const std::vector<double>& coefficients, double transition) {
    Measured m{-1000.0, 0.0};
    const int points = 40000;
    for (int i = 0; i <= points; ++i) {
        const double f = 0.5 * i / points;
        const double db = gainToDb(std::abs(halfbandResponse(coefficients, f)));
        if (f >= 0.25 + transition / 2.0) m.stopbandDb = std::max(m.stopbandDb, db);
        if (f <= 0.25 - transition / 2.0) m.passbandDb = std::max(m.passbandDb, std::fabs(db));
    }
    return m;
}

std::complex<double> toneAt(const float* samples, int begin, int count, double frequency, double rate) {
    std::complex<double> sum = 0.0;
    for (int n = begin; n < begin + count; ++n)
        sum += static_cast<double>(samples[n]) * std::polar(1.0, -2.0 * kPi * frequency * n / rate);
    return sum * (2.0 / count);
}

constexpr HalfbandSpec kSpecs[] = {{8, 0.0833}, {3, 0.28}, {4, 0.1}, {6, 0.05}, {10, 0.02}, {2, 0.3}};

} // namespace

class TestHalfband : public QObject {
    Q_OBJECT

private slots:
    // The measured stopband reaches what the design equations predict, and the
    // passband ripple is of the order of the stopband ripple squared.
    void designedFiltersMeetTheirPrediction() {
        for (const auto& spec : kSpecs) {
            const auto coefficients = designHalfband(spec);
            QCOMPARE(static_cast<int>(coefficients.size()), spec.coefficients);
            for (double a : coefficients) QVERIFY(a > 0.0 && a < 1.0); // stable allpass sections
            const double predicted = halfbandAttenuationDb(spec);
            const auto m = scan(coefficients, spec.transition);
            qInfo("%d coefficients, transition %.4f: predicted %.1f dB, measured stopband %.1f dB, passband ripple %.2e dB",
                  spec.coefficients, spec.transition, predicted, -m.stopbandDb, m.passbandDb);
            QVERIFY(-m.stopbandDb >= predicted - 0.5);
            QVERIFY(-m.stopbandDb <= predicted + 3.0); // the prediction is not just a loose bound
            QVERIFY(m.passbandDb < 1e-2);
            QVERIFY(m.passbandDb < 10.0 * std::pow(10.0, -predicted / 10.0) + 1e-12);
        }
    }

    // The models' two stages: steep (>= 120 dB, 20..28 kHz at 48 kHz in) and light (>= 70 dB from 77 kHz, met on the way up and again on the way down).
    void modelStagesReachTheirTargets() {
        const auto steep = scan(Oversampler::steepCoefficients(), Oversampler::kSteepTransition);
        const auto light = scan(Oversampler::lightCoefficients(), Oversampler::kLightTransition);
        qInfo("steep stage: %.1f dB stopband, light stage: %.1f dB stopband", -steep.stopbandDb, -light.stopbandDb);
        QVERIFY(-steep.stopbandDb >= 120.0);
        QVERIFY(-light.stopbandDb >= 70.0);
    }

    // REFERENCE.md: 8 coefficients give ~100 dB for 48 -> 96 kHz with ~3.6 samples of
    // group delay at 96 kHz. Our equations, asked for exactly 100 dB with 8 coefficients,
    // must land on that anchor.
    void matchesTheReferenceAnchor() {
        double low = 0.001, high = 0.2;
        for (int i = 0; i < 60; ++i) {
            const double middle = 0.5 * (low + high);
            (halfbandAttenuationDb({8, middle}) < 100.0 ? low : high) = middle;
        }
        const auto coefficients = designHalfband({8, high});
        const double delay = halfbandLowFrequencyDelay(coefficients);
        const auto m = scan(coefficients, high);
        qInfo("8 coefficients at 100 dB: transition %.4f (passband to %.2f kHz at 96 kHz), measured %.1f dB, delay %.3f samples at 96 kHz",
              high, (0.25 - high / 2.0) * 96.0, -m.stopbandDb, delay);
        QVERIFY(std::fabs(delay - 3.6) < 0.15);
        QVERIFY(-m.stopbandDb >= 99.5);
        QCOMPARE(halfbandCoefficientsFor(100.0, high), 8);
        QCOMPARE(halfbandCoefficientsFor(100.0, 0.0833), 7);
    }

    // The closed-form DC group delay agrees with the phase slope of the response.
    void groupDelayFormulaMatchesResponse() {
        for (const auto& spec : kSpecs) {
            const auto coefficients = designHalfband(spec);
            const double f1 = 1e-5, f2 = 2e-5;
            const double slope = -(std::arg(halfbandResponse(coefficients, f2)) - std::arg(halfbandResponse(coefficients, f1))) /
                                 (2.0 * kPi * (f2 - f1));
            QVERIFY(std::fabs(slope - halfbandLowFrequencyDelay(coefficients)) < 1e-4);
        }
    }

    // The float implementation behaves like the design: an upsampled tone leaves
    // its image far down, a decimated stopband tone disappears.
    void runtimeFilterRejectsImages() {
        HalfbandFilter up, down;
        up.setCoefficients(Oversampler::steepCoefficients());
        down.setCoefficients(Oversampler::steepCoefficients());
        const double lowRate = 48000.0, highRate = 96000.0;
        const int count = 48000, settle = 4800;
        const double tone = 5000.0;
        const auto input = test::sine(tone, lowRate, count, 0.5);
        std::vector<float> high(static_cast<size_t>(2 * count));
        up.upsample(input.data(), high.data(), count);
        const double wanted = std::abs(toneAt(high.data(), 2 * settle, 2 * (count - settle), tone, highRate));
        const double image = std::abs(toneAt(high.data(), 2 * settle, 2 * (count - settle), highRate / 2.0 - tone, highRate));
        const double imageDb = gainToDb(image / wanted);
        qInfo("upsampler: 5 kHz tone %.4f dB, image at 43 kHz %.1f dB", gainToDb(wanted / 0.5), imageDb);
        QVERIFY(std::fabs(gainToDb(wanted / 0.5)) < 0.001);
        QVERIFY(imageDb < -115.0);

        // 30 kHz at 96 kHz would fold onto 18 kHz at 48 kHz.
        const auto stopTone = test::sine(30000.0, highRate, 2 * count, 0.5);
        std::vector<float> low(static_cast<size_t>(count));
        down.downsample(stopTone.data(), low.data(), count);
        const double folded = gainToDb(std::abs(toneAt(low.data(), settle, count - settle, 18000.0, lowRate)) / 0.5);
        qInfo("decimator: 30 kHz tone folds to 18 kHz at %.1f dB", folded);
        QVERIFY(folded < -115.0);
    }

    // The models' 4x chain itself (the vectorised branches): images of an upsampled
    // tone, and high-rate tones that would fold into the audio band on the way down.
    void oversamplerRejectsImagesAndFolding() {
        const double rate = 48000.0, high = 192000.0;
        Oversampler oversampler;
        oversampler.prepare(rate, 512, 1);
        const int count = 48000, settle = 4800;
        const auto tone = test::sine(5000.0, rate, count, 0.5);
        std::vector<float> up(static_cast<size_t>(4 * count));
        for (int start = 0; start < count; start += 512) {
            const int n = std::min(512, count - start);
            const float* block = oversampler.upsample(0, tone.data() + start, n);
            std::copy(block, block + 4 * n, up.begin() + 4 * start);
        }
        auto level = [&](const std::vector<float>& v, int begin, int length, double f, double r) {
            return gainToDb(std::abs(toneAt(v.data(), begin, length, f, r)) / 0.5);
        };
        const double wanted = level(up, 4 * settle, 4 * (count - settle), 5000.0, high);
        const double stage1Image = std::max(level(up, 4 * settle, 4 * (count - settle), 43000.0, high),
                                            level(up, 4 * settle, 4 * (count - settle), 53000.0, high));
        const double stage2Image = level(up, 4 * settle, 4 * (count - settle), 91000.0, high);
        qInfo("4x up: 5 kHz %.4f dB, images at 43/53 kHz %.1f dB, at 91 kHz %.1f dB", wanted, stage1Image, stage2Image);
        QVERIFY(std::fabs(wanted) < 0.001);
        QVERIFY(stage1Image < -115.0);
        QVERIFY(stage2Image < -70.0);

        // 85 kHz at 192 kHz folds to 11 kHz (only stage 2 stands in the way); 60 kHz
        // folds to 36 kHz at 96 kHz and then to 12 kHz (stage 1 removes it).
        for (double f : {85000.0, 60000.0}) {
            oversampler.reset();
            const auto fast = test::sine(f, high, 4 * count, 0.5);
            std::vector<float> low(static_cast<size_t>(count));
            for (int start = 0; start < count; start += 512) {
                const int n = std::min(512, count - start);
                oversampler.downsample(0, fast.data() + 4 * start, low.data() + start, n);
            }
            const double folded = f == 85000.0 ? 11000.0 : 12000.0;
            const double db = level(low, settle, count - settle, folded, rate);
            qInfo("4x down: %.0f kHz arrives at %.0f kHz at %.1f dB", f / 1000.0, folded / 1000.0, db);
            QVERIFY(db < (f == 85000.0 ? -70.0 : -115.0));
        }
    }

    // Through the Oversampler (up then straight down) low frequencies are delayed by
    // exactly lowFrequencyDelayFor(), and the audio band stays flat.
    void oversamplerDelayAndFlatness() {
        const int expectedFactor[] = {4, 4, 2, 2, 1};
        const double rates[] = {44100.0, 48000.0, 88200.0, 96000.0, 192000.0};
        for (int r = 0; r < 5; ++r) {
            const double rate = rates[r];
            Oversampler oversampler;
            oversampler.prepare(rate, 512, 1);
            QCOMPARE(oversampler.factor(), expectedFactor[r]);
            QCOMPARE(Oversampler::factorFor(rate), expectedFactor[r]);
            auto run = [&](double frequency, double& gainDb, double& delay) {
                const int settle = static_cast<int>(0.05 * rate);
                const int periods = static_cast<int>(std::ceil(0.05 * frequency));
                // Use a frequency with a whole number of samples per measurement window.
                const int measured = static_cast<int>(std::lround(periods * rate / frequency));
                const double f = periods * rate / measured;
                auto signal = test::sine(f, rate, settle + measured, 0.5);
                auto output = signal;
                for (int start = 0; start < static_cast<int>(signal.size()); start += 512) {
                    const int n = std::min(512, static_cast<int>(signal.size()) - start);
                    float* high = oversampler.upsample(0, signal.data() + start, n);
                    oversampler.downsample(0, high, output.data() + start, n);
                }
                const auto in = toneAt(signal.data(), settle, measured, f, rate);
                const auto out = toneAt(output.data(), settle, measured, f, rate);
                gainDb = gainToDb(std::abs(out) / std::abs(in));
                delay = std::remainder(std::arg(in) - std::arg(out), 2.0 * kPi) * rate / (2.0 * kPi * f);
            };
            double gain = 0.0, delay = 0.0;
            oversampler.reset();
            run(100.0, gain, delay);
            qInfo("Oversampler at %.1f kHz (%dx): delay at 100 Hz %.4f samples, expected %.4f", rate / 1000.0, oversampler.factor(), delay,
                  oversampler.lowFrequencyDelay());
            QVERIFY(std::fabs(delay - oversampler.lowFrequencyDelay()) < 0.005);
            QCOMPARE(oversampler.lowFrequencyDelay(), Oversampler::lowFrequencyDelayFor(rate));
            double worst = 0.0;
            for (double f : {1000.0, 5000.0, 10000.0, 15000.0, 18000.0, 20000.0}) {
                if (rate < 48000.0 && f > 18000.0) continue; // 44.1 kHz: the steep stage's passband ends at 18.4 kHz
                oversampler.reset();
                run(f, gain, delay);
                worst = std::max(worst, std::fabs(gain));
            }
            qInfo("  worst gain error 1-20 kHz: %.2e dB", worst);
            QVERIFY(worst < 0.01);
        }
    }
};

QTEST_GUILESS_MAIN(TestHalfband)
#include "test_halfband.moc"
