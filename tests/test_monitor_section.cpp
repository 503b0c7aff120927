// The monitor section as the engine runs it, driven by the OfflineBackend: the
// chosen speaker model's measured response comes out of the outputs,
// Headphones skips amp and speaker and crossfeeds, Flat is the pass-through
// slot bit for bit, Dim is -20.00 dB, Mono sums, Mute is silent, no control
// change clicks, the capture rings never hear any of it, a one-output device
// gets a mono monitor, and the settings round-trip per output device through
// QSettings (bad stored values ignored with a warning).
#include <QtTest>

#include <QStandardPaths>
#include <QTemporaryDir>

#include <cmath>
#include <functional>
#include <vector>

#include "TestSignals.h"
#include "core/Engine.h"
#include "core/MonitorSettings.h"
#include "core/OfflineBackend.h"
#include "dsp/Crossfeed.h"
#include "dsp/SpeakerModel.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

constexpr double kRate = 48000.0;
constexpr int kOpen = 12000 + 9600; // switch-on: 250 ms settling + 200 ms fade-in

StreamFormat format(int maxBlock, int inputs, int outputs) {
    StreamFormat f;
    f.sampleRate = kRate;
    f.maxBlockFrames = maxBlock;
    f.inputChannels = inputs;
    f.outputChannels = outputs;
    return f;
}

// One stereo track on inputs 1-2, monitored, at unity: the master bus is the input, bit for bit.
struct Rig {
    explicit Rig(std::vector<std::vector<float>> inputs, int outputs = 2, int block = 256) : backend(format(block, 2, outputs)) {
        backend.setInputs(std::move(inputs));
        TrackConfig config;
        config.input = 0;
        config.stereo = true;
        config.monitor = MonitorMode::Input;
        trackId = engine.addTrack(config);
    }
    const std::vector<float>& out(int c) const { return backend.outputs()[static_cast<size_t>(c)]; }

    OfflineBackend backend;
    Engine engine;
    int trackId = 0;
};

double rmsOf(const std::vector<float>& x, int begin, int count) { return rmsDb(x.data() + begin, count); }

// The speaker's own analogue response (its usual amp's output impedance), dB.
double modelResponseDb(SpeakerId id, double hz) {
    const SpeakerParameters& p = speakerParameters(id);
    AnalogResponse response;
    if (!speakerResponse(p, p.ampOutputOhms, response)) return NAN;
    return response.magnitudeDb(hz);
}

} // namespace

class TestMonitorSection : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void speakerModelResponseThroughEngine();
    void headphonesBypassAmpAndSpeakerAndCrossfeed();
    void flatIsTheTruePassThrough();
    void volumeDimMonoMute();
    void controlChangesDoNotClick();
    void captureNeverHearsTheMonitor();
    void monoOutputDevice();
    void listeningLevel();
    void settingsRoundTripPerDevice();
    void badStoredValuesAreIgnored();
    void userPreferencesStore();
    void takeOffsetsIncludeTheMonitorLatency();
};

void TestMonitorSection::speakerModelResponseThroughEngine() {
    // Each model against Flat in the same engine conditions: the ratio is the
    // model's response, which must be the dsp model's within 0.5 dB.
    const double frequencies[] = {60.0, 150.0, 1000.0, 8000.0};
    const int measure = 48000; // whole periods of every frequency above
    double worst = 0.0;
    for (double hz : frequencies) {
        const auto tone = sine(hz, kRate, kOpen + 24000 + measure, 0.05);
        double flatDb = 0.0;
        for (int m = 0; m < kSpeakerModelCount; ++m) {
            const auto id = static_cast<SpeakerId>(m);
            Rig rig({tone, tone});
            rig.engine.monitor().setSpeaker(id);
            rig.backend.start(rig.engine);
            rig.backend.run(kOpen + 24000 + measure);
            const double level = rmsOf(rig.out(0), kOpen + 24000, measure);
            if (id == SpeakerId::Flat) {
                flatDb = level;
                continue;
            }
            const double measured = level - flatDb;
            const double expected = modelResponseDb(id, hz);
            const double error = measured - expected;
            // Left and right are the same model.
            QVERIFY(std::fabs(rmsOf(rig.out(1), kOpen + 24000, measure) - level) < 0.01);
            if (id == SpeakerId::Cube || std::fabs(error) > 0.5)
                qInfo("%-10s %6.0f Hz: through the engine %+7.2f dB, dsp model %+7.2f dB, error %+.3f dB",
                      speakerParameters(id).id.data(), hz, measured, expected, error);
            worst = std::max(worst, std::fabs(error));
            QVERIFY2(std::fabs(error) < 0.5, speakerParameters(id).id.data());
        }
    }
    qInfo("every model at 60/150/1000/8000 Hz: worst error against the dsp model %.3f dB", worst);
}

void TestMonitorSection::headphonesBypassAmpAndSpeakerAndCrossfeed() {
    // Left only: what reaches the right ear is the crossfeed.
    const int total = kOpen + 48000;
    const auto left = sine(100.0, kRate, total, 0.2);
    const std::vector<float> right(static_cast<size_t>(total), 0.0f);
    for (auto preset : {CrossfeedPreset::Default, CrossfeedPreset::ChuMoy, CrossfeedPreset::Meier}) {
        Rig rig({left, right});
        rig.engine.monitor().setSpeaker(SpeakerId::Cube); // must not be heard in Headphones
        rig.engine.monitor().setAmpGainDb(30.0f);
        rig.engine.monitor().setOutput(MonitorOutput::Headphones);
        rig.engine.monitor().setCrossfeed(preset);
        rig.backend.start(rig.engine);
        rig.backend.run(total);
        QCOMPARE(rig.engine.monitor().latencySamples(), 0);

        // The same crossfeed on its own over the master bus (= the input here).
        Crossfeed reference;
        reference.prepare(kRate, 256, 2);
        reference.setSetting(crossfeedPresetSetting(preset));
        reference.reset();
        std::vector<float> l = left, r = right;
        for (int start = 0; start < total; start += 256) {
            float* ch[2] = {l.data() + start, r.data() + start};
            AudioBlock block(ch, 2, std::min(256, total - start));
            reference.process(block);
        }
        double worstDiff = 0.0;
        for (int n = kOpen; n < total; ++n)
            worstDiff = std::max({worstDiff, double(std::fabs(rig.out(0)[size_t(n)] - l[size_t(n)])),
                                  double(std::fabs(rig.out(1)[size_t(n)] - r[size_t(n)]))});
        const double crossDb = rmsOf(rig.out(1), kOpen, 48000) - rmsOf(rig.out(0), kOpen, 48000);
        const double referenceCrossDb = rmsDb(r.data() + kOpen, 48000) - rmsDb(l.data() + kOpen, 48000);
        const CrossfeedSetting setting = crossfeedPresetSetting(preset);
        qInfo("headphones %.0f Hz / %.1f dB: far ear at 100 Hz %.2f dB re near ear (crossfeed alone %.2f dB); "
              "largest difference from the crossfeed alone %.2e",
              setting.cutoffHz, setting.feedDb, crossDb, referenceCrossDb, worstDiff);
        QVERIFY(worstDiff < 1e-6);
        QVERIFY(std::fabs(crossDb - referenceCrossDb) < 0.01);
        // Well below the cutoff, near and far ear differ by about the feed.
        QVERIFY(std::fabs(-crossDb - setting.feedDb) < 1.5);
    }

    // Headphones without crossfeed: nothing of the amp or speaker, the bus bit for bit.
    Rig rig({left, left});
    rig.engine.monitor().setSpeaker(SpeakerId::Phone);
    rig.engine.monitor().setOutput(MonitorOutput::Headphones);
    rig.backend.start(rig.engine);
    rig.backend.run(total);
    for (int n = kOpen; n < total; ++n) QCOMPARE(rig.out(0)[size_t(n)], left[size_t(n)]);
}

void TestMonitorSection::flatIsTheTruePassThrough() {
    // Flat with neutral controls after the fade-in: the pass-through slot's output, the bus bit for bit,
    // also after the section has been through every kind of change and back.
    const int total = kOpen + 48000 * 3;
    const auto l = whiteNoise(total, 0.3, 11), r = whiteNoise(total, 0.3, 12);
    Rig fresh({l, r});
    fresh.backend.setRandomBlockSizes(1, 256, 5);
    fresh.backend.start(fresh.engine);
    fresh.backend.run(total);
    int64_t differences = 0;
    for (int n = kOpen; n < total; ++n) differences += fresh.out(0)[size_t(n)] != l[size_t(n)] || fresh.out(1)[size_t(n)] != r[size_t(n)];
    QCOMPARE(differences, int64_t(0));

    Rig used({l, r});
    used.backend.setRandomBlockSizes(1, 256, 6);
    used.backend.start(used.engine);
    MonitorSection& m = used.engine.monitor();
    used.backend.run(kOpen);
    m.setSpeaker(SpeakerId::HiFi), m.setAmpSag(true), m.setAmpGainDb(12.0f), used.backend.run(12000);
    m.setOutput(MonitorOutput::Headphones), m.setCrossfeed(CrossfeedPreset::Meier), used.backend.run(12000);
    m.setVolumeDb(-6.0f), m.setDim(true), m.setMono(true), used.backend.run(12000);
    m.setSettings(MonitorSettings{}), used.backend.run(12000); // back to Flat, everything neutral
    const int after = kOpen + 4 * 12000 + 4800;               // 100 ms for the last crossfade and glides
    used.backend.run(total - (kOpen + 4 * 12000));
    int64_t differencesAfterUse = 0;
    for (int n = after; n < total; ++n)
        differencesAfterUse += used.out(0)[size_t(n)] != l[size_t(n)] || used.out(1)[size_t(n)] != r[size_t(n)];
    qInfo("Flat after the fade-in: %lld of %d frames differ from the bus; after every change and back: %lld of %d",
          (long long)differences, total - kOpen, (long long)differencesAfterUse, total - after);
    QCOMPARE(differencesAfterUse, int64_t(0));
}

void TestMonitorSection::volumeDimMonoMute() {
    const int total = kOpen + 48000 * 3;
    const auto l = sine(1000.0, kRate, total, 0.25);
    const auto r = sine(1000.0, kRate, total, 0.1, 1.0);
    Rig rig({l, r});
    rig.backend.start(rig.engine);
    MonitorSection& m = rig.engine.monitor();
    const int seg = 24000;
    rig.backend.run(kOpen + seg);
    auto measure = [&](int c) { return rmsOf(rig.out(c), int(rig.backend.framesProcessed()) - seg, seg); };
    const double base = measure(0);

    m.setDim(true), rig.backend.run(seg + 4800);
    const double dim = measure(0) - base;
    m.setVolumeDb(-6.0f), rig.backend.run(seg + 4800);
    const double dimAndVolume = measure(0) - base;
    m.setDim(false), rig.backend.run(seg + 4800);
    const double volume = measure(0) - base;
    m.setVolumeDb(0.0f), m.setMono(true), rig.backend.run(seg + 4800);
    // Mono: both sides carry (L + R) / 2.
    double worstMono = 0.0;
    for (int n = int(rig.backend.framesProcessed()) - seg; n < int(rig.backend.framesProcessed()); ++n) {
        const float mid = 0.5f * (l[size_t(n)] + r[size_t(n)]);
        worstMono = std::max({worstMono, double(std::fabs(rig.out(0)[size_t(n)] - mid)), double(std::fabs(rig.out(1)[size_t(n)] - mid))});
    }
    m.setMono(false), m.setMute(true), rig.backend.run(seg + 4800);
    double mutedPeak = 0.0;
    for (int n = int(rig.backend.framesProcessed()) - seg - 2400; n < int(rig.backend.framesProcessed()); ++n)
        mutedPeak = std::max({mutedPeak, double(std::fabs(rig.out(0)[size_t(n)])), double(std::fabs(rig.out(1)[size_t(n)]))});
    qInfo("Dim %.3f dB, volume -6 %.3f dB, Dim + volume -6 %.3f dB; Mono worst deviation from (L+R)/2 %.2e; Mute peak %g",
          dim, volume, dimAndVolume, worstMono, mutedPeak);
    QVERIFY(std::fabs(dim + 20.0) < 0.005);
    QVERIFY(std::fabs(volume + 6.0) < 0.005);
    QVERIFY(std::fabs(dimAndVolume + 26.0) < 0.005);
    QVERIFY(worstMono < 1e-6);
    QCOMPARE(mutedPeak, 0.0);
}

void TestMonitorSection::controlChangesDoNotClick() {
    // Two 220 Hz tones of different level and phase (so Mono and crossfeed change
    // something), every control changed in turn while the engine runs in random blocks.
    const double hz = 220.0;
    struct Change {
        const char* name;
        std::function<void(MonitorSection&)> apply;
    };
    const std::vector<Change> changes = {
        {"speaker nearfield", [](MonitorSection& m) { m.setSpeaker(SpeakerId::NearField); }},
        {"speaker cube", [](MonitorSection& m) { m.setSpeaker(SpeakerId::Cube); }},
        {"speaker hifi", [](MonitorSection& m) { m.setSpeaker(SpeakerId::HiFi); }},
        {"speaker laptop", [](MonitorSection& m) { m.setSpeaker(SpeakerId::Laptop); }},
        {"speaker phone", [](MonitorSection& m) { m.setSpeaker(SpeakerId::Phone); }},
        {"speaker cube again", [](MonitorSection& m) { m.setSpeaker(SpeakerId::Cube); }},
        {"amp gain +6 dB", [](MonitorSection& m) { m.setAmpGainDb(6.0f); }},
        {"amp power 5 W", [](MonitorSection& m) { m.setAmpPowerW(5.0f); }},
        {"amp load 4 ohm", [](MonitorSection& m) { m.setAmpLoadOhms(4.0f); }},
        {"amp output 3.3 ohm", [](MonitorSection& m) { m.setAmpOutputOhms(3.3f); }},
        {"amp sag on", [](MonitorSection& m) { m.setAmpSag(true); }},
        {"headphones", [](MonitorSection& m) { m.setOutput(MonitorOutput::Headphones); }},
        {"crossfeed default", [](MonitorSection& m) { m.setCrossfeed(CrossfeedPreset::Default); }},
        {"crossfeed chumoy", [](MonitorSection& m) { m.setCrossfeed(CrossfeedPreset::ChuMoy); }},
        {"crossfeed meier", [](MonitorSection& m) { m.setCrossfeed(CrossfeedPreset::Meier); }},
        {"crossfeed custom 1200/12", [](MonitorSection& m) { m.setCustomCrossfeed(1200.0f, 12.0f); }},
        {"crossfeed none", [](MonitorSection& m) { m.setCrossfeed(CrossfeedPreset::None); }},
        {"speakers", [](MonitorSection& m) { m.setOutput(MonitorOutput::Speakers); }},
        {"speaker flat", [](MonitorSection& m) { m.setSpeaker(SpeakerId::Flat); }},
        {"volume -12 dB", [](MonitorSection& m) { m.setVolumeDb(-12.0f); }},
        {"volume +6 dB", [](MonitorSection& m) { m.setVolumeDb(6.0f); }},
        {"Dim on", [](MonitorSection& m) { m.setDim(true); }},
        {"Dim off", [](MonitorSection& m) { m.setDim(false); }},
        {"Mono on", [](MonitorSection& m) { m.setMono(true); }},
        {"Mono off", [](MonitorSection& m) { m.setMono(false); }},
        {"Mute", [](MonitorSection& m) { m.setMute(true); }},
        {"unmute", [](MonitorSection& m) { m.setMute(false); }},
    };
    const int segment = 24000;
    const int total = kOpen + segment * (int(changes.size()) + 1);
    Rig rig({sine(hz, kRate, total, 0.25), sine(hz, kRate, total, 0.2, 0.6)});
    rig.backend.setRandomBlockSizes(1, 256, 91);
    rig.backend.start(rig.engine);
    rig.backend.run(kOpen + segment);
    std::vector<int> at;
    for (const auto& change : changes) {
        at.push_back(int(rig.backend.framesProcessed()));
        change.apply(rig.engine.monitor());
        rig.backend.run(segment);
    }
    double worst = 0.0, worstJump = 0.0;
    for (size_t i = 0; i < changes.size(); ++i) {
        const int begin = at[i] - 2000, end = at[i] + 6000;
        const double ratio = std::max(clickRatio(rig.out(0).data(), begin, end, hz, kRate), clickRatio(rig.out(1).data(), begin, end, hz, kRate));
        const double jump = std::max(maxSecondDifference(rig.out(0).data(), begin, end), maxSecondDifference(rig.out(1).data(), begin, end));
        // The same measure on the settled tone after the change: what the setting's own distortion scores.
        // A clipping amp (sag, when driven hard) scores above 1 all the time, so a change is
        // judged against the settled tone on both sides of it.
        auto settledAt = [&](int from) {
            return std::max(clickRatio(rig.out(0).data(), from, from + 8000, hz, kRate), clickRatio(rig.out(1).data(), from, from + 8000, hz, kRate));
        };
        const double settled = std::max(settledAt(at[i] + 10000), settledAt(at[i] - 10000));
        qInfo("%-26s click ratio %.2f (settled tone around it %.2f), largest second difference %.5f", changes[i].name, ratio, settled, jump);
        worstJump = std::max(worstJump, jump);
        if (std::string(changes[i].name) == "Mute") continue; // its end state is silence: the ratio is undefined there
        worst = std::max(worst, ratio);
        QVERIFY2(ratio < std::max(6.0, 1.25 * settled), changes[i].name);
    }
    // A 220 Hz tone of peak 0.25 (+6 dB of volume at most) curves by w^2 A = 0.0008 per sample at most;
    // a click of 1 % of full scale would add 0.01.
    qInfo("worst click ratio %.2f over %zu control changes; largest second difference %.5f", worst, changes.size(), worstJump);
    QVERIFY(worstJump < 0.005);
}

void TestMonitorSection::captureNeverHearsTheMonitor() {
    // A 24-bit counting signal recorded through a Clean preamp at 0 dB while the
    // monitor runs the heaviest model, driven into clip with sag, and every control moves.
    constexpr int kFrames = 48000 * 6;
    std::vector<float> counting(static_cast<size_t>(kFrames));
    for (int n = 0; n < kFrames; ++n) counting[size_t(n)] = countingSample24(n, 0);
    OfflineBackend backend(format(128, 1, 2));
    backend.setInputs({counting});
    backend.setRandomBlockSizes(1, 300, 17);
    Engine engine;
    TrackConfig config;
    config.input = 0;
    config.armed = true;
    config.monitor = MonitorMode::Input;
    const int id = engine.addTrack(config);
    MonitorSection& m = engine.monitor();
    m.setSpeaker(SpeakerId::HiFi);
    m.setAmpGainDb(30.0f);
    m.setAmpSag(true);
    backend.start(engine);
    engine.record(true);
    auto capture = engine.captureStreams(id);
    std::vector<float> captured;
    std::vector<float> chunk(1 << 16);
    auto drainRing = [&] {
        while (size_t got = capture->processed.tryRead(chunk.data(), chunk.size())) captured.insert(captured.end(), chunk.begin(), chunk.begin() + long(got));
    };
    const std::vector<std::function<void()>> moves = {
        [&] { m.setSpeaker(SpeakerId::Laptop); }, [&] { m.setSpeaker(SpeakerId::HiFi); },
        [&] { m.setOutput(MonitorOutput::Headphones), m.setCrossfeed(CrossfeedPreset::Meier); },
        [&] { m.setOutput(MonitorOutput::Speakers); }, [&] { m.setVolumeDb(-20.0f), m.setDim(true); },
        [&] { m.setMono(true), m.setMute(true); }, [&] { m.setMute(false), m.setAmpOutputOhms(3.3f); },
    };
    for (const auto& move : moves) {
        move();
        backend.run(kFrames / int(moves.size() + 1));
        drainRing();
    }
    backend.run(kFrames - backend.framesProcessed() - 1000);
    engine.stop();
    backend.run(1000);
    drainRing();
    backend.stop();
    // The monitor really was working on it.
    double outPeak = 0.0;
    for (float x : backend.outputs()[0]) outPeak = std::max(outPeak, double(std::fabs(x)));
    QVERIFY(!captured.empty());
    const int64_t first = countingIndex24(captured[0], 0);
    int64_t wrong = 0;
    for (size_t i = 0; i < captured.size(); ++i) wrong += captured[i] != countingSample24(first + int64_t(i), 0);
    qInfo("captured %zu frames from input frame %lld under the heaviest monitor model and every control: %lld wrong samples "
          "(monitor output peak %.3f)",
          captured.size(), (long long)first, (long long)wrong, outPeak);
    QVERIFY(first >= 0);
    QVERIFY(captured.size() > size_t(kFrames - 48000));
    QCOMPARE(wrong, int64_t(0));
}

void TestMonitorSection::monoOutputDevice() {
    // One output: a mono monitor of (L + R) / 2, through a mono section.
    const int total = kOpen + 48000 * 2;
    const auto l = sine(1000.0, kRate, total, 0.4);
    const std::vector<float> r(static_cast<size_t>(total), 0.0f);
    Rig flat({l, r}, 1);
    flat.backend.start(flat.engine);
    flat.backend.run(total);
    QCOMPARE(flat.backend.outputs().size(), size_t(1));
    int64_t differences = 0;
    for (int n = kOpen; n < total; ++n) differences += flat.out(0)[size_t(n)] != 0.5f * l[size_t(n)];
    QCOMPARE(differences, int64_t(0));

    // The speaker model works on the mono sum the same way as on stereo.
    const auto low = sine(60.0, kRate, total, 0.1);
    Rig flatLow({low, low}, 1), cube({low, low}, 1);
    cube.engine.monitor().setSpeaker(SpeakerId::Cube);
    for (Rig* rig : {&flatLow, &cube}) {
        rig->backend.start(rig->engine);
        rig->backend.run(total);
    }
    const double measured = rmsOf(cube.out(0), kOpen + 24000, 48000) - rmsOf(flatLow.out(0), kOpen + 24000, 48000);
    const double expected = modelResponseDb(SpeakerId::Cube, 60.0);
    qInfo("one-output device: Flat is (L+R)/2 bit for bit (%lld differences); cube at 60 Hz %.2f dB (model %.2f dB)",
          (long long)differences, measured, expected);
    QVERIFY(std::fabs(measured - expected) < 0.5);
}

void TestMonitorSection::listeningLevel() {
    // A sine of -20 dBFS RMS into the cube with its usual amp at +6 dB gain.
    const int total = kOpen + 48000;
    const double amplitude = std::pow(10.0, -20.0 / 20.0) * std::sqrt(2.0);
    const auto tone = sine(1000.0, kRate, total, amplitude);
    Rig rig({tone, tone});
    MonitorSection& m = rig.engine.monitor();
    QVERIFY(std::isnan(m.listeningLevelDbSpl(-20.0))); // Flat: no speaker to ask
    m.setSpeaker(SpeakerId::Cube);
    m.setAmpGainDb(6.0f);
    rig.backend.start(rig.engine);
    rig.backend.run(total);
    const SpeakerParameters& p = speakerParameters(SpeakerId::Cube);
    const double expected = listeningLevelDbSpl(p.sensitivityDbSpl, p.ampPowerW, 6.0, -20.0);
    qInfo("cube, %.0f W amp, +6 dB: programme %.2f dBFS RMS, \"~ %.0f dB SPL at 1 m\" (formula %.1f); damping factor %.0f",
          p.ampPowerW, m.programmeRmsDbfs(), m.listeningLevelDbSpl(), expected, m.dampingFactor());
    QVERIFY(std::fabs(m.programmeRmsDbfs() + 20.0) < 0.1);
    QVERIFY(std::fabs(m.listeningLevelDbSpl() - expected) < 0.1);
    QVERIFY(std::fabs(m.dampingFactor() - p.nominalOhms / p.ampOutputOhms) < 1e-6);
    m.setOutput(MonitorOutput::Headphones);
    QVERIFY(std::isnan(m.listeningLevelDbSpl()));
}

void TestMonitorSection::settingsRoundTripPerDevice() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = dir.filePath(QStringLiteral("Gainstage.conf"));
    MonitorSettings desk;
    desk.speaker = SpeakerId::NearField;
    desk.ampPowerW = 75.0f;
    desk.ampLoadOhms = 6.0f;
    desk.ampOutputOhms = 0.5f;
    desk.ampGainDb = -3.5f;
    desk.ampSag = true;
    desk.volumeDb = -9.25f;
    desk.dim = true;
    MonitorSettings cans;
    cans.output = MonitorOutput::Headphones;
    cans.crossfeed = CrossfeedPreset::Custom;
    cans.customCrossfeed = {1250.0f, 7.5f};
    cans.mono = true;
    cans.mute = true;
    const QString deskName = QStringLiteral("ALSA:Scarlett 2i2 USB: Audio (hw:1,0)");
    const QString cansName = QStringLiteral("JACK:system/playback\\1 100%");
    {
        QSettings store(file, QSettings::IniFormat);
        QVERIFY(saveMonitorSettings(store, deskName, desk));
        QVERIFY(saveMonitorSettings(store, cansName, cans));
    }
    QSettings store(file, QSettings::IniFormat);
    auto same = [](const MonitorSettings& a, const MonitorSettings& b) {
        return a.output == b.output && a.speaker == b.speaker && a.ampPowerW == b.ampPowerW && a.ampLoadOhms == b.ampLoadOhms &&
               a.ampOutputOhms == b.ampOutputOhms && a.ampGainDb == b.ampGainDb && a.ampSag == b.ampSag && a.crossfeed == b.crossfeed &&
               a.customCrossfeed.cutoffHz == b.customCrossfeed.cutoffHz && a.customCrossfeed.feedDb == b.customCrossfeed.feedDb &&
               a.volumeDb == b.volumeDb && a.dim == b.dim && a.mono == b.mono && a.mute == b.mute;
    };
    const auto d = loadMonitorSettings(store, deskName);
    const auto c = loadMonitorSettings(store, cansName);
    const auto unknown = loadMonitorSettings(store, QStringLiteral("Virtual:Demo"));
    QVERIFY(d.found && c.found && !unknown.found);
    QVERIFY(d.warnings.isEmpty() && c.warnings.isEmpty() && unknown.warnings.isEmpty());
    QVERIFY(same(d.settings, desk));
    QVERIFY(same(c.settings, cans));
    QVERIFY(same(unknown.settings, MonitorSettings{}));
    // Never in a session: the store holds the monitor group only.
    QCOMPARE(store.childGroups(), QStringList{QStringLiteral("monitor")});

    // Loaded into an engine, they are what its controls report.
    Engine engine;
    engine.monitor().setSettings(c.settings);
    QVERIFY(same(engine.monitor().settings(), cans));
    qInfo("two devices saved and reloaded exactly (groups: %s)", qPrintable(QStringList(store.allKeys()).filter(QStringLiteral("/speaker")).join(QStringLiteral(", "))));
}

void TestMonitorSection::badStoredValuesAreIgnored() {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("Gainstage.conf"));
    const QString device = QStringLiteral("OSS:/dev/dsp");
    {
        QSettings store(file, QSettings::IniFormat);
        store.beginGroup(monitorSettingsGroup(device));
        store.setValue(QStringLiteral("output"), QStringLiteral("earbuds"));
        store.setValue(QStringLiteral("speaker"), QStringLiteral("cube")); // good: kept
        store.setValue(QStringLiteral("amp_power_w"), QStringLiteral("nan"));
        store.setValue(QStringLiteral("amp_gain_db"), QStringLiteral("loud"));
        store.setValue(QStringLiteral("crossfeed"), QStringLiteral("wide"));
        store.setValue(QStringLiteral("crossfeed_hz"), 5000);
        store.setValue(QStringLiteral("volume_db"), 1e30);
        store.setValue(QStringLiteral("dim"), QStringLiteral("maybe"));
        store.setValue(QStringLiteral("mono"), true); // good: kept
        store.endGroup();
    }
    QSettings store(file, QSettings::IniFormat);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^Monitor settings for output device \"OSS:/dev/dsp\": ignored .*")));
    for (int i = 1; i < 7; ++i) QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^Monitor settings .*")));
    const auto loaded = loadMonitorSettings(store, device);
    for (const QString& w : loaded.warnings) qInfo("%s", qPrintable(w));
    QCOMPARE(loaded.warnings.size(), 7);
    QVERIFY(loaded.found);
    const MonitorSettings defaults;
    QCOMPARE(loaded.settings.output, defaults.output);
    QCOMPARE(loaded.settings.speaker, SpeakerId::Cube);
    QCOMPARE(loaded.settings.ampPowerW, defaults.ampPowerW);
    QCOMPARE(loaded.settings.ampGainDb, defaults.ampGainDb);
    QCOMPARE(loaded.settings.crossfeed, defaults.crossfeed);
    QCOMPARE(loaded.settings.customCrossfeed.cutoffHz, defaults.customCrossfeed.cutoffHz);
    QCOMPARE(loaded.settings.volumeDb, defaults.volumeDb);
    QCOMPARE(loaded.settings.dim, defaults.dim);
    QCOMPARE(loaded.settings.mono, true);
}

void TestMonitorSection::userPreferencesStore() {
    // The default store is the user's QSettings("Gainstage", "Gainstage"); in test mode it is a test location.
    const QString where = QSettings(QStringLiteral("Gainstage"), QStringLiteral("Gainstage")).fileName();
    if (!where.contains(QStringLiteral("qttest"))) QSKIP("QSettings does not follow QStandardPaths' test mode here; not touching the user's file");
    MonitorSettings s;
    s.speaker = SpeakerId::Laptop;
    s.volumeDb = -4.0f;
    const QString device = QStringLiteral("test_monitor_section device");
    QVERIFY(saveMonitorSettings(device, s));
    const auto loaded = loadMonitorSettings(device);
    QCOMPARE(loaded.settings.speaker, SpeakerId::Laptop);
    QCOMPARE(loaded.settings.volumeDb, -4.0f);
    QSettings(QStringLiteral("Gainstage"), QStringLiteral("Gainstage")).remove(monitorSettingsGroup(device));
    qInfo("user store in test mode: %s", qPrintable(where));
}

// The performer hears playback through the monitor section, so a speaker
// model's latency (its amp oversamples) moves where a take belongs: the offsets
// the control thread reads and the TakeStart mark the audio thread writes agree.
void TestMonitorSection::takeOffsetsIncludeTheMonitorLatency() {
    Rig rig({std::vector<float>(48000, 0.0f), std::vector<float>(48000, 0.0f)});
    rig.engine.setMeasuredRoundTripFrames(300);
    rig.engine.setArmed(rig.trackId, true);
    rig.engine.monitor().setSpeaker(SpeakerId::Flat);
    rig.backend.start(rig.engine);
    rig.backend.run(4800);
    QCOMPARE(rig.engine.monitor().latencySamples(), 0);
    QCOMPARE(rig.engine.captureOffsetFrames(rig.trackId), int64_t(300));

    rig.engine.monitor().setSpeaker(SpeakerId::Cube);
    rig.backend.run(4800);
    const int monitorLatency = rig.engine.monitor().latencySamples();
    QVERIFY2(monitorLatency > 0, "a speaker model with its amp adds latency");
    QCOMPARE(rig.engine.rawCaptureOffsetFrames(), int64_t(300 + monitorLatency));
    QCOMPARE(rig.engine.captureOffsetFrames(rig.trackId), int64_t(300 + monitorLatency));

    auto capture = rig.engine.captureStreams(rig.trackId);
    QVERIFY(capture);
    QVERIFY(rig.engine.record(true));
    rig.backend.run(4800);
    std::vector<CaptureMark> marks(capture->marks.readAvailable());
    capture->marks.tryRead(marks.data(), marks.size());
    QVERIFY(!marks.empty());
    QCOMPARE(marks.front().kind, CaptureMark::Kind::TakeStart);
    QCOMPARE(marks.front().alignFrames, int64_t(300 + monitorLatency));
    QCOMPARE(marks.front().rawAlignFrames, int64_t(300 + monitorLatency));
    qInfo("monitor latency %d frames is part of the take offset (%lld)", monitorLatency,
          static_cast<long long>(marks.front().alignFrames));
}

QTEST_GUILESS_MAIN(TestMonitorSection)
#include "test_monitor_section.moc"
