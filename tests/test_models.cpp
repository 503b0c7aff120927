// Behaviour of the three preamp models (dsp/PreampModels.h): exact latency at
// every rate, unity small-signal gain, each model's character (harmonic balance,
// THD against level and frequency, compression, top end, resonance), and
// robustness (NaN/Inf, denormals, block splitting, cost).
// Aliasing has its own suite (test_aliasing.cpp).

#include <QtTest>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <memory>
#include <random>
#include <vector>

#include "TestSignals.h"
#include "dsp/DspMath.h"
#include "dsp/PreampModels.h"

using namespace gainstage;

namespace {

constexpr double kRates[] = {44100.0, 48000.0, 88200.0, 96000.0, 192000.0};
constexpr int kFftSize = 65536;

enum class Kind { Clean, Tube, Transformer };
constexpr Kind kKinds[] = {Kind::Clean, Kind::Tube, Kind::Transformer};

const char* nameOf(Kind kind) {
    switch (kind) {
    case Kind::Clean: return "Clean";
    case Kind::Tube: return "Tube";
    case Kind::Transformer: return "Transformer";
    }
    return "?";
}

std::unique_ptr<ModelStage> make(Kind kind, double rate, int block = 512) {
    std::unique_ptr<ModelStage> model;
    switch (kind) {
    case Kind::Clean: model = std::make_unique<CleanModel>(); break;
    case Kind::Tube: model = std::make_unique<TubeModel>(); break;
    case Kind::Transformer: model = std::make_unique<TransformerModel>(); break;
    }
    model->prepare(rate, block, 1);
    return model;
}

int latencyFor(Kind kind, double rate) {
    switch (kind) {
    case Kind::Clean: return 0;
    case Kind::Tube: return TubeModel::latencyFor(rate);
    case Kind::Transformer: return TransformerModel::latencyFor(rate);
    }
    return -1;
}

// Complex amplitude of `frequency` over [begin, begin + count): a single DFT bin.
// Exact for a whole number of periods.
std::complex<double> toneAt(const float* samples, int begin, int count, double frequency, double rate) {
    std::complex<double> sum = 0.0;
    for (int n = begin; n < begin + count; ++n)
        sum += static_cast<double>(samples[n]) * std::polar(1.0, -2.0 * kPi * frequency * n / rate);
    return sum * (2.0 / count);
}

// THD etc. of a steady sine of `amplitude` through `model` (coherent, settled).
test::HarmonicAnalysis analyze(Processor& model, double approxHz, double amplitude, double rate, double settleSeconds = 0.5) {
    const int settle = static_cast<int>(settleSeconds * rate);
    const double frequency = test::coherentFrequency(approxHz, rate, kFftSize);
    auto signal = test::sine(frequency, rate, settle + kFftSize, amplitude);
    model.reset();
    signal = test::processMono(model, signal, 512);
    return test::analyzeHarmonics(signal.data() + settle, kFftSize, rate, frequency);
}

bool allFinite(const std::vector<float>& v) {
    for (float x : v)
        if (!std::isfinite(x)) return false;
    return true;
}

bool anySubnormal(const std::vector<float>& v) {
    for (float x : v)
        if (std::fpclassify(x) == FP_SUBNORMAL) return true;
    return false;
}

} // namespace

class TestModels : public QObject {
    Q_OBJECT

private slots:
    // A 100 Hz sine at low level lines up with the input delayed by exactly
    // latencySamples(), measured by phase, at every rate; the static query agrees.
    void latencyIsExactAtEveryRate() {
        for (Kind kind : kKinds) {
            for (double rate : kRates) {
                auto model = make(kind, rate);
                const int latency = model->latencySamples();
                QCOMPARE(latency, latencyFor(kind, rate));
                const double frequency = 100.0;
                const int settle = static_cast<int>(rate);
                const int measured = static_cast<int>(std::lround(rate / frequency)) * 10; // whole periods
                const auto input = test::sine(frequency, rate, settle + measured, 0.01);
                model->reset();
                const auto output = test::processMono(*model, input, 333);
                const double inPhase = std::arg(toneAt(input.data(), settle, measured, frequency, rate));
                const double outPhase = std::arg(toneAt(output.data(), settle, measured, frequency, rate));
                double lag = std::remainder(inPhase - outPhase, 2.0 * kPi) * rate / (2.0 * kPi * frequency);
                const double error = lag - latency;
                qInfo("%s at %.1f kHz: latency %d, measured delay %.4f samples (error %+.4f)", nameOf(kind), rate / 1000.0,
                      latency, lag, error);
                QVERIFY(std::fabs(error) <= 0.05);
                if (kind == Kind::Clean) QCOMPARE(latency, 0);
                if (rate == 48000.0) QVERIFY(latency <= 8);
                QVERIFY(latency >= 0);
            }
        }
    }

    void unitySmallSignalGain() {
        for (Kind kind : kKinds) {
            for (double rate : kRates) {
                auto model = make(kind, rate);
                const double at100 = test::measureGainDb(*model, 100.0, rate, 0.01);
                const double at1k = test::measureGainDb(*model, 1000.0, rate, 0.01);
                qInfo("%s at %.1f kHz: small-signal gain %.4f dB at 100 Hz, %.4f dB at 1 kHz", nameOf(kind), rate / 1000.0, at100, at1k);
                QVERIFY(std::fabs(at100) < 0.02);
                QVERIFY(std::fabs(at1k) < 0.02);
            }
        }
    }

    // Clean is the input itself, bit for bit, for signals well below its knee
    // (+4 dBFS at the default calibration), and has no distortion there.
    void cleanIsBitTransparentBelowTheKnee() {
        auto model = make(Kind::Clean, 48000.0);
        const auto noise = test::whiteNoise(96000, 0.5, 7);
        const auto noiseOut = test::processMono(*model, noise, 256);
        QVERIFY(noiseOut == noise);
        const auto sine = test::sine(997.0, 48000.0, 96000, 1.0); // 0 dBFS peak
        const auto sineOut = test::processMono(*model, sine, 100);
        QVERIFY(sineOut == sine);

        const auto a = analyze(*model, 1000.0, 1.0, 48000.0);
        qInfo("Clean THD at 0 dBFS (4 dB below the knee): %.1f dB", a.thdDb);
        QVERIFY(a.thdDb < -120.0);
    }

    // Above the knee Clean limits: the output never passes its ceiling (~+8.6 dBFS)
    // however hard it is driven, at any frequency.
    void cleanLimitsAtItsCeiling() {
        auto model = make(Kind::Clean, 48000.0);
        for (double frequency : {100.0, 1000.0, 5000.0, 15000.0}) {
            const auto input = test::sine(frequency, 48000.0, 48000, 100.0); // +40 dBFS
            model->reset();
            const auto output = test::processMono(*model, input, 512);
            const double peak = test::peakDb(output.data(), static_cast<int>(output.size()));
            qInfo("Clean at +40 dBFS, %.0f Hz: output peak %.2f dBFS", frequency, peak);
            QVERIFY(peak <= 8.7);
            QVERIFY(peak >= 7.0);
        }
        // The calibration moves the knee: at +24 dBu a 0 dBFS peak is +24 dBu, above the knee.
        model->setCalibrationDbu(24.0f);
        model->reset();
        const auto a = analyze(*model, 1000.0, 1.0, 48000.0);
        qInfo("Clean THD at 0 dBFS with 0 dBFS = +24 dBu: %.1f dB", a.thdDb);
        QVERIFY(a.thdDb > -60.0);
    }

    // Mostly 2nd harmonic at moderate levels, THD rising ~1 dB per dB of level.
    void tubeIsSecondHarmonicWithUnitSlope() {
        auto model = make(Kind::Tube, 48000.0);
        double thd[3];
        const double levels[3] = {-40.0, -30.0, -20.0};
        for (int i = 0; i < 3; ++i) {
            const auto a = analyze(*model, 1000.0, dbToGain(levels[i]), 48000.0);
            thd[i] = a.thdDb;
            qInfo("Tube at %.0f dBFS: THD %.2f dB, H2 %.2f dBc, H3 %.2f dBc, even/odd %.1f dB", levels[i], a.thdDb,
                  a.secondHarmonicDb, a.thirdHarmonicDb, a.evenOverOddDb);
            QVERIFY(a.evenOverOddDb > 0.0);
        }
        const double slope = (thd[2] - thd[0]) / (levels[2] - levels[0]);
        qInfo("Tube THD slope between -40 and -20 dBFS: %.3f dB/dB", slope);
        QVERIFY(slope >= 0.7 && slope <= 1.3);
        // Still mostly even at 0 dBFS (moderate drive).
        const auto hot = analyze(*model, 1000.0, 1.0, 48000.0);
        qInfo("Tube at 0 dBFS: THD %.2f dB, even/odd %.1f dB", hot.thdDb, hot.evenOverOddDb);
        QVERIFY(hot.evenOverOddDb > 0.0);
        QVERIFY(hot.thdDb > thd[2]);
    }

    // The bias shift: once a loud burst starts, the gain at the fundamental keeps
    // falling over tens of milliseconds (not instantly, as a static curve would).
    void tubeCompressesThroughBiasShift() {
        const double rate = 48000.0;
        auto model = make(Kind::Tube, rate);
        const int quiet = static_cast<int>(0.3 * rate), loud = static_cast<int>(0.3 * rate);
        std::vector<float> input(static_cast<size_t>(quiet + loud));
        for (int n = 0; n < quiet + loud; ++n)
            input[static_cast<size_t>(n)] = static_cast<float>((n < quiet ? 0.01 : 2.0) * std::sin(2.0 * kPi * 1000.0 * n / rate));
        const auto output = test::processMono(*model, input, 256);
        const int latency = model->latencySamples();
        const int window = 240; // 5 ms = 5 periods
        auto gainAt = [&](double msAfterStart) {
            const int begin = quiet + static_cast<int>(msAfterStart * rate / 1000.0);
            return gainToDb(std::abs(toneAt(output.data(), begin + latency, window, 1000.0, rate)) /
                            std::abs(toneAt(input.data(), begin, window, 1000.0, rate)));
        };
        const double first = gainAt(1.0), at10 = gainAt(10.0), at50 = gainAt(50.0), settled = gainAt(200.0);
        qInfo("Tube burst at +6 dBFS: fundamental gain %.2f dB (1-6 ms), %.2f dB (10-15 ms), %.2f dB (50-55 ms), %.2f dB (200 ms)",
              first, at10, at50, settled);
        const double drop = first - settled;
        QVERIFY(drop >= 1.0);
        QVERIFY(first - at10 < 0.5 * drop);   // not an instantaneous curve effect
        QVERIFY(first - at50 > 0.6 * drop);   // most of it within ~50 ms
    }

    // Driven hard, the top end softens: 12.5 kHz relative to 1 kHz drops.
    void tubeTopEndSoftensWhenDriven() {
        const double rate = 48000.0;
        auto model = make(Kind::Tube, rate);
        auto ratioDb = [&](double level) {
            const int settle = static_cast<int>(0.5 * rate), count = static_cast<int>(0.1 * rate);
            // A little extra at the end so the output window can sit `latency` later.
            const int total = settle + count + 64;
            std::vector<float> input(static_cast<size_t>(total));
            for (int n = 0; n < total; ++n)
                input[static_cast<size_t>(n)] = static_cast<float>(level * std::sin(2.0 * kPi * 1000.0 * n / rate) +
                                                                   0.003 * std::sin(2.0 * kPi * 12500.0 * n / rate));
            model->reset();
            const auto output = test::processMono(*model, input, 512);
            const int latency = model->latencySamples();
            auto gain = [&](double f) {
                return std::abs(toneAt(output.data(), settle + latency, count, f, rate)) / std::abs(toneAt(input.data(), settle, count, f, rate));
            };
            return gainToDb(gain(12500.0) / gain(1000.0));
        };
        const double low = ratioDb(0.003), driven = ratioDb(3.0);
        qInfo("Tube 12.5 kHz / 1 kHz response: %.2f dB at low level, %.2f dB driven (+10 dBFS)", low, driven);
        QVERIFY(std::fabs(low) < 0.5);
        QVERIFY(driven < low - 1.0);
    }

    // The stage removes the DC its asymmetry creates.
    void tubeOutputHasNoDc() {
        const double rate = 48000.0;
        auto model = make(Kind::Tube, rate);
        const int settle = static_cast<int>(rate), count = 48000; // 1 s = 1000 periods
        const auto input = test::sine(1000.0, rate, settle + count, 3.0);
        const auto output = test::processMono(*model, input, 512);
        double mean = 0.0;
        for (int n = settle; n < settle + count; ++n) mean += output[static_cast<size_t>(n)];
        mean /= count;
        const double rms = std::pow(10.0, test::rmsDb(output.data() + settle, count) / 20.0);
        qInfo("Tube at +10 dBFS: output DC %.2e (RMS %.3f), %.1f dB below the RMS", mean, rms, gainToDb(std::fabs(mean) / rms));
        QVERIFY(std::fabs(mean) < 1e-4 * rms);
    }

    // Core saturation: far more distortion at 40 Hz than at 1 kHz for the same
    // level, and rising with level.
    void transformerSaturatesAtLowFrequencies() {
        auto model = make(Kind::Transformer, 48000.0);
        double previous = -1000.0;
        for (double level : {-12.0, -6.0, 0.0}) {
            const auto low = analyze(*model, 40.0, dbToGain(level), 48000.0, 1.0);
            const auto mid = analyze(*model, 1000.0, dbToGain(level), 48000.0, 1.0);
            qInfo("Transformer at %.0f dBFS: THD %.1f dB at 40 Hz, %.1f dB at 1 kHz", level, low.thdDb, mid.thdDb);
            QVERIFY(low.thdDb > mid.thdDb + 20.0);
            QVERIFY(low.thdDb > previous + 3.0);
            previous = low.thdDb;
        }
    }

    // Leakage inductance against winding capacitance: a gentle peak at the top.
    void transformerHasHighFrequencyResonance() {
        auto model = make(Kind::Transformer, 48000.0);
        const double at1k = test::measureGainDb(*model, 1000.0, 48000.0, 0.01);
        const double at18k = test::measureGainDb(*model, 18000.0, 48000.0, 0.01);
        const double at20k = test::measureGainDb(*model, 20000.0, 48000.0, 0.01);
        qInfo("Transformer small-signal response at 48 kHz: 1 kHz %.3f dB, 18 kHz %.3f dB, 20 kHz %.3f dB", at1k, at18k, at20k);
        QVERIFY(at18k > at1k + 0.5);
        QVERIFY(at20k > at1k + 0.5);
        QVERIFY(at20k < at1k + 2.5);
        // The same filter runs at the oversampled rate everywhere: at 96 kHz the peak shows near 20-25 kHz.
        auto fast = make(Kind::Transformer, 96000.0);
        double best = -100.0, bestHz = 0.0;
        for (double f = 10000.0; f <= 40000.0; f += 1000.0) {
            const double g = test::measureGainDb(*fast, f, 96000.0, 0.01, 0.1);
            if (g > best) best = g, bestHz = f;
        }
        qInfo("Transformer at 96 kHz: peak %.2f dB at %.0f Hz", best, bestHz);
        QVERIFY(best > 0.8 && best < 2.5);
        QVERIFY(bestHz >= 18000.0 && bestHz <= 26000.0);
    }

    // Every rate: sane THD (close to the 48 kHz figure), no NaN.
    void everyRateBehavesTheSame() {
        for (Kind kind : kKinds) {
            double reference[2] = {0.0, 0.0};
            for (double rate : {48000.0, 44100.0, 88200.0, 96000.0, 192000.0}) {
                auto model = make(kind, rate);
                // Kind-specific levels that distort clearly but moderately.
                const double levels[2] = {kind == Kind::Clean ? 1.0 : 0.1, kind == Kind::Clean ? 3.0 : 2.0};
                for (int i = 0; i < 2; ++i) {
                    const auto a = analyze(*model, 1000.0, levels[i], rate);
                    QVERIFY(std::isfinite(a.thdDb) && std::isfinite(a.fundamentalDb));
                    if (rate == 48000.0) reference[i] = a.thdDb;
                    qInfo("%s at %.1f kHz, %.1f dBFS: THD %.2f dB (48 kHz: %.2f)", nameOf(kind), rate / 1000.0, gainToDb(levels[i]),
                          a.thdDb, reference[i]);
                    if (reference[i] > -120.0) QVERIFY(std::fabs(a.thdDb - reference[i]) < 1.0);
                    else QVERIFY(a.thdDb < -120.0);
                }
            }
        }
    }

    // The calibration maps digital level to dBu: with 0 dBFS = +24 dBu instead of
    // +18, the same digital signal is 6 dB hotter in the model. A change made while
    // running glides to the same state a fresh model at that calibration has.
    void calibrationMovesTheSaturationLevel() {
        for (Kind kind : {Kind::Tube, Kind::Transformer}) {
            const double frequency = kind == Kind::Tube ? 1000.0 : 40.0;
            const double amplitude = kind == Kind::Tube ? 0.1 : 0.5;
            auto fresh = make(kind, 48000.0);
            const double at18 = analyze(*fresh, frequency, amplitude, 48000.0, 1.0).thdDb;
            fresh->setCalibrationDbu(24.0f);
            const double at24 = analyze(*fresh, frequency, amplitude, 48000.0, 1.0).thdDb;
            qInfo("%s: THD %.2f dB at +18 dBu calibration, %.2f dB at +24 dBu", nameOf(kind), at18, at24);
            QVERIFY(at24 > at18 + (kind == Kind::Tube ? 5.0 : 9.0)); // 2nd order: ~6 dB, 3rd order: ~12 dB

            // Change it mid-stream on a running model.
            auto running = make(kind, 48000.0);
            const double f = test::coherentFrequency(frequency, 48000.0, kFftSize);
            auto signal = test::sine(f, 48000.0, 24000 + 48000 + kFftSize, amplitude);
            std::vector<float> first(signal.begin(), signal.begin() + 24000), rest(signal.begin() + 24000, signal.end());
            test::processMono(*running, first, 512);
            running->setCalibrationDbu(24.0f);
            const auto out = test::processMono(*running, rest, 512);
            QVERIFY(allFinite(out));
            const double glided = test::analyzeHarmonics(out.data() + 48000, kFftSize, 48000.0, f).thdDb;
            QVERIFY(std::fabs(glided - at24) < 0.1);
        }
    }

    // Channels are independent: a stereo block gives each channel what mono gives it.
    void stereoChannelsAreIndependent() {
        for (Kind kind : kKinds) {
            auto stereo = make(kind, 48000.0);
            stereo->prepare(48000.0, 512, 2);
            auto left = test::sine(440.0, 48000.0, 20000, 3.0);
            auto right = test::whiteNoise(20000, 0.3, 9);
            const auto expectedLeft = test::processMono(*make(kind, 48000.0), left, 512);
            const auto expectedRight = test::processMono(*make(kind, 48000.0), right, 512);
            for (int start = 0; start < 20000; start += 512) {
                float* channels[2] = {left.data() + start, right.data() + start};
                AudioBlock block(channels, 2, std::min(512, 20000 - start));
                stereo->process(block);
            }
            QVERIFY(left == expectedLeft);
            QVERIFY(right == expectedRight);
        }
    }

    // Rates outside the usual set: the oversampled corners are held below the
    // oversampled Nyquist and the core's step stays stable, so the models stay
    // finite, unity-gain and exactly delayed from 8 kHz to 384 kHz.
    void unusualRatesWork() {
        for (Kind kind : kKinds) {
            for (double rate : {8000.0, 22050.0, 32000.0, 176400.0, 384000.0}) {
                auto model = make(kind, rate);
                QCOMPARE(model->latencySamples(), latencyFor(kind, rate));
                const double gain = test::measureGainDb(*model, 100.0, rate, 0.01);
                auto input = test::sine(100.0, rate, static_cast<int>(rate), 0.01);
                model->reset();
                const auto output = test::processMono(*model, input, 256);
                const int settle = static_cast<int>(rate / 2), measured = static_cast<int>(std::lround(rate / 100.0)) * 20;
                const double lag = std::remainder(std::arg(toneAt(input.data(), settle, measured, 100.0, rate)) -
                                                      std::arg(toneAt(output.data(), settle, measured, 100.0, rate)),
                                                  2.0 * kPi) * rate / (2.0 * kPi * 100.0);
                // Driven hard with a tone and noise.
                auto loud = test::sine(rate / 7.3, rate, static_cast<int>(rate / 2), 30.0);
                const auto noise = test::whiteNoise(static_cast<int>(rate / 2), 10.0, 4);
                for (size_t n = 0; n < loud.size(); ++n) loud[n] += noise[n];
                model->reset();
                const auto driven = test::processMono(*model, loud, 256);
                const double peak = test::peakDb(driven.data(), static_cast<int>(driven.size()));
                qInfo("%s at %.2f kHz: latency %d (measured %.4f), gain at 100 Hz %.4f dB, driven peak %.1f dBFS", nameOf(kind),
                      rate / 1000.0, model->latencySamples(), lag, gain, peak);
                QVERIFY(std::fabs(lag - model->latencySamples()) <= 0.05);
                QVERIFY(std::fabs(gain) < 0.05);
                QVERIFY(allFinite(driven));
                QVERIFY(peak < 40.0);
                if (kind == Kind::Clean) QVERIFY(peak <= 8.62); // never past its ceiling, even on noise near Nyquist
            }
        }
    }

    // NaN and Inf never come out and never wedge the state: the output is exactly
    // what the same signal with silence in place of the bad samples gives.
    void nanAndInfAreDropouts() {
        for (Kind kind : kKinds) {
            auto model = make(kind, 48000.0);
            auto input = test::sine(1000.0, 48000.0, 48000, 0.5);
            auto reference = input;
            const float bad[] = {std::nanf(""), std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
            for (int i = 0; i < 300; ++i) {
                input[static_cast<size_t>(10000 + i * 7)] = bad[i % 3];
                reference[static_cast<size_t>(10000 + i * 7)] = 0.0f;
            }
            model->reset();
            const auto out = test::processMono(*model, input, 256);
            model->reset();
            const auto expected = test::processMono(*model, reference, 256);
            QVERIFY(allFinite(out));
            QVERIFY(out == expected);
            // And after the bad stretch, normal signal at normal level.
            QVERIFY(std::fabs(test::rmsDb(out.data() + 40000, 4800) - test::rmsDb(input.data() + 40000, 4800)) < 0.5);
        }
    }

    // Subnormal input never produces subnormal output (and leaves no state behind).
    void denormalsNeverComeOut() {
        for (Kind kind : kKinds) {
            auto model = make(kind, 48000.0);
            std::vector<float> input = test::sine(1000.0, 48000.0, 4800, 0.1);
            std::mt19937 rng(3);
            std::uniform_real_distribution<float> tiny(-1e-38f, 1e-38f);
            for (int n = 0; n < 24000; ++n) input.push_back(tiny(rng) * 1e-2f); // subnormal range
            input.resize(input.size() + 96000, 0.0f);                          // a long decay tail
            const auto output = test::processMono(*model, input, 256);
            QVERIFY(!anySubnormal(output));
            QVERIFY(allFinite(output));
        }
    }

    // Any block split gives bit-identical output to one big block.
    void blockSplitInvariance() {
        for (Kind kind : kKinds) {
            auto model = make(kind, 48000.0, 512);
            std::vector<float> input = test::sine(997.0, 48000.0, 60000, 0.05);
            const auto loud = test::sine(83.0, 48000.0, 60000, 4.0);
            for (size_t n = 20000; n < 40000; ++n) input[n] += loud[n];
            model->reset();
            const auto whole = test::processMono(*model, input, static_cast<int>(input.size()));
            model->reset();
            const auto split = test::processMonoRandomBlocks(*model, input, 700, 11);
            QVERIFY(whole == split);
        }
    }

    // A quick local timing (the Google Benchmark harness is the real one): ns per
    // sample, mono, 48 kHz, 256-sample blocks, a -8 dBFS signal.
    void costPerSample() {
        for (Kind kind : kKinds) {
            auto model = make(kind, 48000.0, 256);
            const auto source = test::whiteNoise(256 * 16, 0.4, 5);
            std::vector<float> buffer(256);
            const int blocks = 4000;
            double best = 1e9;
            for (int round = 0; round < 3; ++round) {
                const auto start = std::chrono::steady_clock::now();
                for (int b = 0; b < blocks; ++b) {
                    std::copy_n(source.begin() + (b % 16) * 256, 256, buffer.begin());
                    float* channel = buffer.data();
                    AudioBlock block(&channel, 1, 256);
                    model->process(block);
                }
                const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                best = std::min(best, seconds * 1e9 / (blocks * 256.0));
            }
            qInfo("%s: %.1f ns/sample (mono, 48 kHz, best of 3)", nameOf(kind), best);
            QVERIFY(allFinite(buffer));
#ifdef NDEBUG
            QVERIFY(best < 150.0); // loose: the machine is shared; the budget (Tube ~35 ns) is checked by the benchmark
#endif
        }
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "test_models.moc"
