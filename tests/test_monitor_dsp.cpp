// The monitor section's DSP: power amp, speaker models, the amp-speaker
// interaction, crossfeed and the MonitorChain. Every figure is measured on the
// realised digital processors with sines (steady state, transient skipped),
// not read off the design formulas.
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <sndfile.h>

#include <chrono>
#include <cmath>
#include <vector>

#include "TestSignals.h"
#include "dsp/Crossfeed.h"
#include "dsp/DspMath.h"
#include "dsp/MonitorChain.h"
#include "dsp/PowerAmp.h"
#include "dsp/SpeakerModel.h"

using namespace gainstage;

namespace {

constexpr double kRate = 48000.0;
constexpr int kBlock = 512;

// A realised speaker cascade as a mono Processor, for measureGainDb.
class CascadeProcessor final : public Processor {
public:
    explicit CascadeProcessor(const AnalogResponse& r, double rate) { cascade_.design(r, rate); }
    void prepare(double, int, int) override {}
    void reset() noexcept override { cascade_.reset(); }
    void process(AudioBlock& block) noexcept override {
        float* x = block.channel(0);
        for (int n = 0; n < block.numFrames(); ++n) x[n] = static_cast<float>(cascade_.process(SpeakerDouble2{x[n], 0.0})[0]);
    }

private:
    SpeakerCascade cascade_;
};

// Stereo processing helper: runs `p` over two channels in fixed blocks.
void processStereo(Processor& p, std::vector<float>& l, std::vector<float>& r, int block) {
    for (size_t start = 0; start < l.size(); start += static_cast<size_t>(block)) {
        const int count = static_cast<int>(std::min(l.size() - start, static_cast<size_t>(block)));
        float* channels[2] = {l.data() + start, r.data() + start};
        AudioBlock b(channels, 2, count);
        p.process(b);
    }
}

// Mean level (dB) of `p` over 300 Hz..3 kHz, 13 sines.
double meanPassbandDb(Processor& p, double rate) {
    double sum = 0.0;
    for (int i = 0; i <= 12; ++i) sum += test::measureGainDb(p, 300.0 * std::pow(10.0, i / 12.0), rate, 0.01, 0.3);
    return sum / 13.0;
}

bool writeStereoFloat(const QString& path, const std::vector<float>& l, const std::vector<float>& r, int rate) {
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = 2;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* f = sf_open(path.toLocal8Bit().constData(), SFM_WRITE, &info);
    if (!f) return false;
    std::vector<float> interleaved(l.size() * 2);
    for (size_t n = 0; n < l.size(); ++n) {
        interleaved[2 * n] = l[n];
        interleaved[2 * n + 1] = r[n];
    }
    const bool ok = sf_writef_float(f, interleaved.data(), static_cast<sf_count_t>(l.size())) == static_cast<sf_count_t>(l.size());
    sf_close(f);
    return ok;
}

bool readStereo(const QString& path, std::vector<float>& l, std::vector<float>& r) {
    SF_INFO info{};
    SNDFILE* f = sf_open(path.toLocal8Bit().constData(), SFM_READ, &info);
    if (!f || info.channels != 2) {
        if (f) sf_close(f);
        return false;
    }
    std::vector<float> interleaved(static_cast<size_t>(info.frames) * 2);
    sf_readf_float(f, interleaved.data(), info.frames);
    sf_close(f);
    l.resize(static_cast<size_t>(info.frames));
    r.resize(static_cast<size_t>(info.frames));
    for (size_t n = 0; n < l.size(); ++n) {
        l[n] = interleaved[2 * n];
        r[n] = interleaved[2 * n + 1];
    }
    return true;
}

// Level (dB) of the coherent tone at `bin` in a power spectrum.
double binDb(const std::vector<double>& spectrum, int bin) { return 10.0 * std::log10(std::max(spectrum[static_cast<size_t>(bin)], 1e-30)); }

MonitorSettings speakerSettings(SpeakerId id) {
    MonitorSettings s;
    s.speaker = id;
    return s;
}

} // namespace

class TestMonitorDsp : public QObject {
    Q_OBJECT

private slots:
    // ---- power amp ----

    void railVoltsAndDampingFactor() {
        QVERIFY(std::fabs(ampRailVolts(50.0, 8.0) - 28.284) < 0.001); // REFERENCE.md: 28.3 V
        QCOMPARE(dampingFactor(8.0, 0.05), 160.0);
        PowerAmp amp;
        amp.setOutputImpedanceOhms(0.1f);
        QVERIFY(std::fabs(amp.dampingFactorValue() - 80.0) < 1e-4);
        amp.setGainDb(6.0f);
        QCOMPARE(amp.sensitivityDbfs(), -6.0f);
    }

    // The 0.1 dB compression point of a 100 Hz sine's peak sits at Vpk = sqrt(2PR)
    // within 0.1 dB, and driven 6 dB over, the peak stays at Vpk.
    void clippingOnsetAtRail() {
        const double vpk = ampRailVolts(50.0, 8.0);
        auto outputPeakDb = [&](double inputPeakVolts) {
            PowerAmp amp;
            amp.setRatedPowerW(50.0f);
            amp.setNominalLoadOhms(8.0f);
            amp.prepare(kRate, kBlock, 1);
            amp.reset();
            const double frequency = 100.0;
            auto x = test::sine(frequency, kRate, 24000, inputPeakVolts / vpk);
            x = test::processMono(amp, x, kBlock);
            return test::peakDb(x.data() + 12000, 12000) + gainToDb(vpk); // dB re 1 V
        };
        double low = gainToDb(vpk) - 3.0, high = gainToDb(vpk) + 3.0; // input peak, dBV
        for (int i = 0; i < 40; ++i) {
            const double middle = 0.5 * (low + high);
            (middle - outputPeakDb(dbToGain(middle)) < 0.1 ? low : high) = middle;
        }
        const double onsetError = 0.5 * (low + high) - gainToDb(vpk);
        qInfo("clipping onset (0.1 dB compression): %.3f dB re Vpk = %.2f V", onsetError, vpk);
        QVERIFY(std::fabs(onsetError) <= 0.1);
        const double over = outputPeakDb(2.0 * vpk) - gainToDb(vpk);
        qInfo("6 dB into clip: output peak %.3f dB re Vpk", over);
        QVERIFY(over <= 0.1 && over >= -0.1);
        // Below the knee the amp is exactly linear (within its halfbands' ripple).
        QVERIFY(std::fabs(outputPeakDb(0.5 * vpk) - gainToDb(0.5 * vpk)) < 0.01);
    }

    // REFERENCE.md: <= -60 dBc of aliasing, 5 kHz driven 6 dB into clip (as test_aliasing measures).
    void aliasingSixDbIntoClip() {
        for (double rate : {44100.0, 48000.0, 96000.0}) {
            PowerAmp amp;
            amp.setGainDb(6.0f);
            amp.prepare(rate, kBlock, 1);
            amp.reset();
            const int fft = 65536, settle = 24000;
            const double f = test::coherentFrequency(5000.0, rate, fft);
            auto x = test::sine(f, rate, settle + fft, 1.0);
            x = test::processMono(amp, x, kBlock);
            const auto h = test::analyzeHarmonics(x.data() + settle, fft, rate, f);
            qInfo("amp 6 dB into clip at %.1f kHz: alias %.1f dBc (THD %.1f dB)", rate / 1000.0, h.nonHarmonicDbc, h.thdDb);
            QVERIFY(h.nonHarmonicDbc <= -60.0);
            QVERIFY(h.thdDb > -20.0); // it really is clipping
        }
    }

    void sagDroopsUnderSustainedLoad() {
        PowerAmp amp;
        amp.setSag(true);
        amp.prepare(kRate, kBlock, 1);
        amp.reset();
        auto x = test::sine(100.0, kRate, 96000, 1.0); // full power, 2 s
        x = test::processMono(amp, x, kBlock);
        const double early = test::peakDb(x.data(), 480);          // first 10 ms: full rail
        const double late = test::peakDb(x.data() + 72000, 24000); // settled
        qInfo("sag: first 10 ms peak %.2f dB, settled %.2f dB re rail", early, late);
        QVERIFY(early > -0.3);
        QVERIFY(late < early - 0.8 && late > -2.0);
    }

    // ---- amp-speaker interaction: REFERENCE.md's damping-factor table ----

    void dampingFactorTable() {
        const double zouts[] = {0.01, 0.1, 0.5, 1.0, 3.3};
        const double spreads[] = {0.01, 0.14, 0.68, 1.31, 3.73};
        for (int i = 0; i < 5; ++i) {
            AnalogResponse divider;
            QVERIFY(ampLoadDivider(kReferenceDriver, zouts[i], divider));
            CascadeProcessor realised(divider, kRate);
            double lowest = 1e9, highest = -1e9;
            // 1/24 octave from 10 Hz to 20 kHz, and 20 kHz itself.
            for (double f = 10.0;; f *= std::pow(2.0, 1.0 / 24.0)) {
                const double hz = std::min(f, 20000.0);
                const double g = test::measureGainDb(realised, hz, kRate, 0.1, 0.4);
                lowest = std::min(lowest, g);
                highest = std::max(highest, g);
                if (hz >= 20000.0) break;
            }
            const double spread = highest - lowest;
            qInfo("Zout %.2f ohm (DF %.0f into 8): spread %.3f dB, table %.2f, error %+.3f dB", zouts[i], 8.0 / zouts[i], spread,
                  spreads[i], spread - spreads[i]);
            QVERIFY(std::fabs(spread - spreads[i]) <= 0.05);
        }
    }

    // Qes' = Qes (Re + Zout) / Re: a high output impedance raises the bass hump.
    void outputImpedanceRaisesQ() {
        AnalogResponse low, high;
        ampLoadDivider(kReferenceDriver, 0.01, low);
        ampLoadDivider(kReferenceDriver, 3.3, high);
        const double atResonance = high.magnitudeDb(50.0) - high.magnitudeDb(300.0);
        QVERIFY(atResonance > 3.0);
        QVERIFY(std::fabs(low.magnitudeDb(50.0) - low.magnitudeDb(300.0)) < 0.02);
    }

    // ---- speaker models ----

    void speakerMinus3dBPointsAndSlopes_data() {
        QTest::addColumn<int>("model");
        QTest::addColumn<double>("rate");
        for (int m = 1; m < kSpeakerModelCount; ++m)
            for (double rate : {48000.0, 96000.0})
                QTest::addRow("%s@%.0f", std::string(kSpeakerCatalog[static_cast<size_t>(m)].id).c_str(), rate) << m << rate;
    }
    void speakerMinus3dBPointsAndSlopes() {
        QFETCH(int, model);
        QFETCH(double, rate);
        const SpeakerParameters& p = kSpeakerCatalog[static_cast<size_t>(model)];
        SpeakerModel speaker;
        speaker.prepare(rate, kBlock, 1);
        speaker.configure(p, p.ampOutputOhms, ampRailVolts(p.ampPowerW, p.nominalOhms));
        const double mean = meanPassbandDb(speaker, rate);
        const double atLow = test::measureGainDb(speaker, p.statedLowHz, rate, 0.01, 1.0) - mean;
        qInfo("%s at %.0f kHz: %.1f Hz: %.2f dB", std::string(p.id).c_str(), rate / 1000, p.statedLowHz, atLow);
        QVERIFY(std::fabs(atLow + 3.0) <= 0.5);
        // The slope well below the corner: 12 dB/oct sealed, 24 dB/oct ported.
        const double octaveLow = p.statedLowHz / 4.0;
        const double slope = test::measureGainDb(speaker, octaveLow, rate, 0.01, 1.5) -
                             test::measureGainDb(speaker, octaveLow / 2.0, rate, 0.01, 2.0);
        const double expected = p.enclosure == SpeakerEnclosure::Ported ? 24.0 : 12.0;
        qInfo("   slope %.1f dB/oct (%.0f expected) between %.1f and %.1f Hz", slope, expected, octaveLow / 2, octaveLow);
        QVERIFY(std::fabs(slope - expected) <= 3.0);
        if (p.statedHighHz < 0.4 * rate) {
            const double atHigh = test::measureGainDb(speaker, p.statedHighHz, rate, 0.01, 0.2) - mean;
            qInfo("   %.0f Hz: %.2f dB", p.statedHighHz, atHigh);
            QVERIFY(std::fabs(atHigh + 3.0) <= 0.5);
        }
        // And the analysis the UI shows agrees with the stated points.
        const SpeakerFigures figures = speakerFigures(p, p.ampOutputOhms);
        QVERIFY(std::fabs(figures.lowHz / p.statedLowHz - 1.0) < 0.03);
        QVERIFY(std::fabs(figures.highHz / p.statedHighHz - 1.0) < 0.03);
    }

    // Character: the near-field is forward in the upper mids, the cube honks, the
    // hi-fi lifts the treble, the laptop rings.
    void speakerCharacter() {
        auto level = [](SpeakerId id, double hz) {
            const SpeakerParameters& p = speakerParameters(id);
            AnalogResponse r;
            speakerResponse(p, p.ampOutputOhms, r);
            return r.magnitudeDb(hz);
        };
        QVERIFY(level(SpeakerId::NearField, 2000.0) - level(SpeakerId::NearField, 500.0) > 1.5);
        QVERIFY(level(SpeakerId::Cube, 1500.0) - level(SpeakerId::Cube, 500.0) > 3.0);
        QVERIFY(level(SpeakerId::HiFi, 6000.0) - level(SpeakerId::HiFi, 1000.0) > 1.0);
        QVERIFY(level(SpeakerId::Laptop, 950.0) - level(SpeakerId::Laptop, 600.0) > 2.0);
        // A ported box has two impedance peaks either side of the port tuning.
        const SpeakerParameters& hifi = speakerParameters(SpeakerId::HiFi);
        const double atPort = std::abs(speakerImpedance(hifi, hifi.portHz));
        const double below = std::abs(speakerImpedance(hifi, 18.0)), above = std::abs(speakerImpedance(hifi, 55.0));
        QVERIFY(below > 2.0 * atPort && above > 2.0 * atPort);
    }

    // Small drivers distort at low frequencies near Xmax, and nowhere else.
    void excursionDistortion() {
        const SpeakerParameters& p = speakerParameters(SpeakerId::Laptop);
        auto thd = [&](double hz, double amplitude) {
            SpeakerModel speaker;
            speaker.prepare(kRate, kBlock, 1);
            speaker.configure(p, p.ampOutputOhms, ampRailVolts(p.ampPowerW, p.nominalOhms));
            const int fft = 32768;
            const double f = test::coherentFrequency(hz, kRate, fft);
            auto x = test::sine(f, kRate, 24000 + fft, amplitude);
            x = test::processMono(speaker, x, kBlock);
            return test::analyzeHarmonics(x.data() + 24000, fft, kRate, f).thdDb;
        };
        const double pushed = thd(250.0, 1.0), quiet = thd(250.0, 0.03), treble = thd(3000.0, 1.0);
        qInfo("laptop THD: 250 Hz full power %.1f dB, -30 dB %.1f dB; 3 kHz full power %.1f dB", pushed, quiet, treble);
        QVERIFY(pushed > -30.0);
        QVERIFY(quiet < -50.0);
        QVERIFY(treble < -50.0);
    }

    void phoneIsMonoAndCompressed() {
        const SpeakerParameters& p = speakerParameters(SpeakerId::Phone);
        SpeakerModel speaker;
        speaker.prepare(kRate, kBlock, 2);
        speaker.configure(p, p.ampOutputOhms, ampRailVolts(p.ampPowerW, p.nominalOhms));
        auto l = test::sine(1000.0, kRate, 48000, 0.01);
        std::vector<float> r(l.size(), 0.0f);
        processStereo(speaker, l, r, kBlock);
        QCOMPARE(l, r);
        auto gainAt = [&](double amplitude) {
            speaker.reset();
            auto a = test::sine(1000.0, kRate, 48000, amplitude);
            auto b = a;
            processStereo(speaker, a, b, kBlock);
            return test::rmsDb(a.data() + 24000, 24000) - gainToDb(amplitude / std::sqrt(2.0));
        };
        const double compression = gainAt(0.01) - gainAt(1.0);
        qInfo("phone: a full-power 1 kHz tone comes out %.1f dB lower than a quiet one", compression);
        QVERIFY(compression > 5.0);
    }

    void listeningLevel() {
        // 88 dB/W/m, 100 W: full power is 108 dB SPL; -20 dBFS RMS at 0 dB gain is 17 dB below.
        QVERIFY(std::fabs(listeningLevelDbSpl(88.0, 100.0, 0.0, -3.0103) - 108.0) < 1e-6);
        QVERIFY(std::fabs(listeningLevelDbSpl(88.0, 100.0, 0.0, -20.0) - 91.0103) < 1e-4);
        QVERIFY(std::fabs(listeningLevelDbSpl(88.0, 100.0, 6.0, -20.0) - 97.0103) < 1e-4);
        QCOMPARE(listeningLevelDbSpl(88.0, 100.0, 40.0, 0.0), 108.0); // capped: the amp clips
    }

    // ---- crossfeed against bs2bconvert ----

    void crossfeedMatchesBs2bconvert_data() {
        QTest::addColumn<QString>("level");
        QTest::addColumn<double>("cutoff");
        QTest::addColumn<double>("feed");
        QTest::newRow("default") << "d" << 700.0 << 4.5;
        QTest::newRow("chumoy") << "c" << 700.0 << 6.0;
        QTest::newRow("meier") << "m" << 650.0 << 9.5;
        QTest::newRow("custom 300/1") << "10 300" << 300.0 << 1.0;
        QTest::newRow("custom 2000/15") << "150 2000" << 2000.0 << 15.0;
    }
    void crossfeedMatchesBs2bconvert() {
        QFETCH(QString, level);
        QFETCH(double, cutoff);
        QFETCH(double, feed);
        const QString tool = QStandardPaths::findExecutable(QStringLiteral("bs2bconvert"));
        if (tool.isEmpty()) QSKIP("bs2bconvert (Debian libbs2b-bin) is not installed");
        // Left: 40 coherent tones from 20 Hz to 20 kHz at -40 dBFS each; right: silent.
        // The direct response is read on the left, the cross response on the right.
        const int fft = 65536, settle = 16384;
        std::vector<int> bins;
        for (int i = 0; i < 40; ++i) {
            int bin = static_cast<int>(std::lround(20.0 * std::pow(1000.0, i / 39.0) * fft / kRate)) | 1;
            if (bins.empty() || bin > bins.back()) bins.push_back(bin);
        }
        std::vector<float> l(static_cast<size_t>(settle + fft), 0.0f), r(l.size(), 0.0f);
        for (int bin : bins) {
            const auto tone = test::sine(bin * kRate / fft, kRate, settle + fft, 0.01, bin * 0.7);
            for (size_t n = 0; n < l.size(); ++n) l[n] += tone[n];
        }
        QTemporaryDir dir;
        const QString in = dir.filePath(QStringLiteral("in.wav")), out = dir.filePath(QStringLiteral("out.wav"));
        QVERIFY(writeStereoFloat(in, l, r, static_cast<int>(kRate)));
        QProcess process;
        QStringList arguments{QStringLiteral("-l")};
        arguments << level.split(QLatin1Char(' ')) << in << out;
        process.start(tool, arguments);
        QVERIFY(process.waitForFinished(60000));
        QCOMPARE(process.exitCode(), 0);
        std::vector<float> bl, br;
        QVERIFY(readStereo(out, bl, br));
        QCOMPARE(bl.size(), l.size());

        Crossfeed crossfeed;
        crossfeed.setCutoffHz(static_cast<float>(cutoff));
        crossfeed.setFeedDb(static_cast<float>(feed));
        crossfeed.prepare(kRate, kBlock, 2);
        processStereo(crossfeed, l, r, kBlock);

        const auto ourL = test::powerSpectrum(l.data() + settle, fft), ourR = test::powerSpectrum(r.data() + settle, fft);
        const auto refL = test::powerSpectrum(bl.data() + settle, fft), refR = test::powerSpectrum(br.data() + settle, fft);
        double worst = 0.0;
        for (int bin : bins) {
            worst = std::max(worst, std::fabs(binDb(ourL, bin) - binDb(refL, bin)));
            worst = std::max(worst, std::fabs(binDb(ourR, bin) - binDb(refR, bin)));
        }
        qInfo("crossfeed %.0f Hz / %.1f dB vs bs2bconvert: largest difference %.4f dB over %d tones, direct and cross", cutoff, feed,
              worst, static_cast<int>(bins.size()));
        QVERIFY(worst <= 0.1);
    }

    void crossfeedMonoBassKeepsLevel() {
        Crossfeed crossfeed;
        crossfeed.prepare(kRate, kBlock, 2);
        auto l = test::sine(30.0, kRate, 96000, 0.1);
        auto r = l;
        processStereo(crossfeed, l, r, kBlock);
        QVERIFY(std::fabs(test::rmsDb(l.data() + 48000, 48000) - gainToDb(0.1 / std::sqrt(2.0))) < 0.05);
    }

    // ---- the chain ----

    void flatAndHeadphonesNoneAreBitIdentical() {
        const auto noise = test::whiteNoise(20000, 0.5, 7);
        for (bool headphones : {false, true}) {
            MonitorChain chain;
            MonitorSettings s;
            s.output = headphones ? MonitorOutput::Headphones : MonitorOutput::Speakers;
            chain.setSettings(s);
            chain.prepare(kRate, kBlock, 2);
            QCOMPARE(chain.latencySamples(), 0);
            auto l = noise, r = test::whiteNoise(20000, 0.5, 8);
            const auto r0 = r;
            processStereo(chain, l, r, 333);
            QVERIFY(l == noise);
            QVERIFY(r == r0);
        }
        SpeakerModel flat;
        flat.prepare(kRate, kBlock, 1);
        flat.configure(speakerParameters(SpeakerId::Flat), 0.05, 28.0);
        auto x = test::processMono(flat, noise, 100);
        QVERIFY(x == noise);
    }

    void blockSplitInvariance() {
        for (int m = 0; m < kSpeakerModelCount; ++m) {
            MonitorSettings s = speakerSettings(static_cast<SpeakerId>(m));
            s.ampGainDb = 6.0f;
            s.ampSag = true;
            s.mono = m == 2;
            s.volumeDb = -3.0f;
            const auto source = test::whiteNoise(30000, 0.4, 11);
            std::vector<float> fixedL = source, fixedR = test::whiteNoise(30000, 0.4, 12);
            std::vector<float> randomL = fixedL, randomR = fixedR;
            MonitorChain a, b;
            a.setSettings(s);
            b.setSettings(s);
            a.prepare(kRate, kBlock, 2);
            b.prepare(kRate, kBlock, 2);
            processStereo(a, fixedL, fixedR, kBlock);
            // Random block sizes, some longer than the prepared maximum.
            uint32_t seed = 99;
            for (size_t start = 0; start < randomL.size();) {
                seed = seed * 1664525u + 1013904223u;
                const int count = static_cast<int>(std::min<size_t>(1 + (seed >> 16) % 1200, randomL.size() - start));
                float* ch[2] = {randomL.data() + start, randomR.data() + start};
                AudioBlock block(ch, 2, count);
                b.process(block);
                start += static_cast<size_t>(count);
            }
            QVERIFY2(fixedL == randomL && fixedR == randomR, std::string(kSpeakerCatalog[static_cast<size_t>(m)].id).c_str());
        }
        // Headphones with crossfeed too.
        MonitorSettings s;
        s.output = MonitorOutput::Headphones;
        s.crossfeed = CrossfeedPreset::Meier;
        MonitorChain a, b;
        a.setSettings(s);
        b.setSettings(s);
        a.prepare(kRate, kBlock, 2);
        b.prepare(kRate, kBlock, 2);
        auto l1 = test::whiteNoise(20000, 0.4, 3), r1 = test::whiteNoise(20000, 0.4, 4);
        auto l2 = l1, r2 = r1;
        processStereo(a, l1, r1, kBlock);
        processStereo(b, l2, r2, 77);
        QVERIFY(l1 == l2 && r1 == r2);
    }

    // Every control, changed mid-tone: the click detector stays near a smooth tone's score.
    void switchingIsClickFree() {
        struct Change {
            const char* name;
            void (*apply)(MonitorSettings&);
        };
        const Change changes[] = {
            {"flat -> near-field", [](MonitorSettings& s) { s.speaker = SpeakerId::NearField; }},
            {"near-field -> cube", [](MonitorSettings& s) { s.speaker = SpeakerId::Cube; }},
            {"cube -> laptop", [](MonitorSettings& s) { s.speaker = SpeakerId::Laptop; }},
            {"laptop -> phone", [](MonitorSettings& s) { s.speaker = SpeakerId::Phone; }},
            {"phone -> hi-fi", [](MonitorSettings& s) { s.speaker = SpeakerId::HiFi; }},
            {"Zout 3.3 ohm", [](MonitorSettings& s) { s.ampOutputOhms = 3.3f; }},
            {"amp gain +6", [](MonitorSettings& s) { s.ampGainDb = 6.0f; }},
            {"sag on", [](MonitorSettings& s) { s.ampSag = true; }},
            {"power 5 W", [](MonitorSettings& s) { s.ampPowerW = 5.0f; }},
            {"to headphones, default crossfeed",
             [](MonitorSettings& s) {
                 s.output = MonitorOutput::Headphones;
                 s.crossfeed = CrossfeedPreset::Default;
             }},
            {"crossfeed -> Meier", [](MonitorSettings& s) { s.crossfeed = CrossfeedPreset::Meier; }},
            {"crossfeed off", [](MonitorSettings& s) { s.crossfeed = CrossfeedPreset::None; }},
            {"back to speakers", [](MonitorSettings& s) { s.output = MonitorOutput::Speakers; }},
            {"volume -12", [](MonitorSettings& s) { s.volumeDb = -12.0f; }},
            {"Dim", [](MonitorSettings& s) { s.dim = true; }},
            {"Mono", [](MonitorSettings& s) { s.mono = true; }},
            {"Mute", [](MonitorSettings& s) { s.mute = true; }},
            {"unmute", [](MonitorSettings& s) { s.mute = false; }},
        };
        const double frequency = 220.0;
        MonitorChain chain;
        MonitorSettings settings;
        chain.setSettings(settings);
        chain.prepare(kRate, kBlock, 2);
        const int segment = 24000; // 0.5 s per setting
        const int total = segment * (static_cast<int>(std::size(changes)) + 1);
        auto l = test::sine(frequency, kRate, total, 0.25);
        auto r = test::sine(frequency, kRate, total, 0.2, 0.6);
        int index = 0;
        double worst = 0.0;
        for (int start = 0; start < total; start += kBlock) {
            if (start > 0 && start % segment < kBlock && index < static_cast<int>(std::size(changes))) {
                changes[index++].apply(settings);
                chain.setSettings(settings);
            }
            const int count = std::min(kBlock, total - start);
            float* ch[2] = {l.data() + start, r.data() + start};
            AudioBlock block(ch, 2, count);
            chain.process(block);
        }
        for (int i = 0; i < static_cast<int>(std::size(changes)); ++i) {
            const int at = (i + 1) * segment;
            // Skip ahead over the tone's own start-up after a model change (the new
            // filters were warmed up unheard); judge the switch itself.
            const double ratioL = test::clickRatio(l.data(), at - 2000, at + 6000, frequency, kRate);
            const double ratioR = test::clickRatio(r.data(), at - 2000, at + 6000, frequency, kRate);
            const double ratio = std::max(ratioL, ratioR);
            qInfo("%-34s click ratio %.2f", changes[i].name, ratio);
            worst = std::max(worst, ratio);
            // Mute's end state is silence: clickRatio of silence is undefined, skip the unmuted ones' neighbours.
            if (std::string(changes[i].name) != "Mute") QVERIFY2(ratio < 6.0, changes[i].name);
        }
    }

    // NaN/Inf bursts are dropouts, never stuck state; denormal-sized input costs nothing extra.
    void badNumbersAndDenormals() {
        // Flat is a true bypass (bit for bit, NaN included): every model after it.
        for (int m = 1; m < kSpeakerModelCount; ++m) {
            MonitorChain chain;
            MonitorSettings s = speakerSettings(static_cast<SpeakerId>(m));
            s.ampGainDb = 20.0f;
            chain.setSettings(s);
            chain.prepare(kRate, kBlock, 2);
            auto l = test::sine(100.0, kRate, 48000, 0.5), r = l;
            for (int n = 1000; n < 1100; ++n) {
                l[static_cast<size_t>(n)] = std::nanf("");
                r[static_cast<size_t>(n)] = n % 2 ? INFINITY : -INFINITY;
            }
            l[5000] = 1e30f;
            processStereo(chain, l, r, kBlock);
            for (size_t n = 0; n < l.size(); ++n) QVERIFY(std::isfinite(l[n]) && std::isfinite(r[n]));
            QVERIFY(test::peakDb(l.data() + 40000, 8000) > -40.0); // recovered (the amp clips at -20 dB after the gain is taken out)
        }
        int subnormals = 0;
        auto timeFor = [&subnormals](float level) -> double {
            MonitorChain chain;
            chain.setSettings(speakerSettings(SpeakerId::HiFi));
            chain.prepare(kRate, kBlock, 2);
            std::vector<float> l(kBlock), r(kBlock);
            auto impulseL = test::whiteNoise(kBlock, 1.0, 5);
            const auto start = std::chrono::steady_clock::now();
            for (int block = 0; block < 400; ++block) {
                for (int n = 0; n < kBlock; ++n) l[static_cast<size_t>(n)] = r[static_cast<size_t>(n)] = level * impulseL[static_cast<size_t>(n)];
                float* ch[2] = {l.data(), r.data()};
                AudioBlock b(ch, 2, kBlock);
                chain.process(b);
                for (float v : l) subnormals += (v != 0.0f && std::fabs(v) < 1.17549435e-38f) ? 1 : 0;
            }
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        };
        const double normal = timeFor(0.1f), tiny = timeFor(1e-39f);
        qInfo("hi-fi chain, 400 blocks: normal input %.1f ms, subnormal input %.1f ms", normal * 1000, tiny * 1000);
        QVERIFY(tiny < 3.0 * normal + 0.005);
        QCOMPARE(subnormals, 0);
    }

    void monoChannelWorks() {
        MonitorChain chain;
        chain.setSettings(speakerSettings(SpeakerId::Cube));
        chain.prepare(kRate, kBlock, 1);
        const double gain = test::measureGainDb(chain, 1000.0, kRate, 0.01, 0.3);
        QVERIFY(std::fabs(gain) < 2.0);
    }

    void latencyIsReported() {
        MonitorChain chain;
        chain.setSettings(speakerSettings(SpeakerId::NearField));
        chain.prepare(kRate, kBlock, 2);
        QCOMPARE(chain.latencySamples(), PowerAmp::latencyFor(kRate));
        // A 100 Hz tone through the near-field (flat there) lines up after the reported latency.
        auto x = test::sine(300.0, kRate, 24000, 0.1);
        auto y = test::processMono(chain, x, kBlock);
        const int lag = test::bestAlignmentLag(x.data() + 4000, y.data() + 4000, 16000, 40);
        qInfo("near-field latency %d samples, best alignment of a 300 Hz tone %d", chain.latencySamples(), lag);
        QVERIFY(std::abs(lag - chain.latencySamples()) <= 8); // the speaker's own phase adds a few samples
    }
};

QTEST_GUILESS_MAIN(TestMonitorDsp)
#include "test_monitor_dsp.moc"
