// The engine, driven by the OfflineBackend: capture is bit-exact for every
// block pattern, monitoring modes and the fader (volume, pan law, mute, solo)
// give the measured levels, the metronome clicks on the right samples and
// never reaches the capture ring, the monitor section keeps the switch-on
// rule, xruns and ring overflows are counted at their exact positions, the
// latency offset follows its formula, playback follows locates (also through
// the real DiskReader and a WAV file), and the load is readable.
#include <QtTest>

#include <sndfile.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "TestSignals.h"
#include "core/DiskReader.h"
#include "core/Engine.h"
#include "core/OfflineBackend.h"
#include "core/Recorder.h"
#include "core/Session.h"
#include "dsp/Preamp.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

constexpr double kRate = 48000.0;
constexpr int kSettle = 12000;  // 250 ms
constexpr int kFadeIn = 9600;   // 200 ms
constexpr int kOpen = kSettle + kFadeIn;

StreamFormat format(int maxBlock = 256, int inputs = 2, int outputs = 2) {
    StreamFormat f;
    f.sampleRate = kRate;
    f.maxBlockFrames = maxBlock;
    f.inputChannels = inputs;
    f.outputChannels = outputs;
    return f;
}

// Everything waiting in the processed ring, appended to `out` (interleaved).
void drain(SpscRing<float>& ring, std::vector<float>& out) {
    const size_t n = ring.readAvailable();
    const size_t at = out.size();
    out.resize(at + n);
    ring.tryRead(out.data() + at, n);
}

std::vector<CaptureMark> drainMarks(CaptureStreams& capture) {
    std::vector<CaptureMark> marks(capture.marks.readAvailable());
    capture.marks.tryRead(marks.data(), marks.size());
    return marks;
}

const EngineEvent* findEvent(const std::vector<EngineEvent>& events, EngineEvent::Type type, int trackId = -2) {
    for (const auto& e : events)
        if (e.type == type && (trackId == -2 || e.trackId == trackId)) return &e;
    return nullptr;
}

// Stands in for a DiskReader: answers locates and writes the timeline of
// `signal` (interleaved, `channels` wide) from the requested position.
struct ManualReader {
    PlaybackStream* stream;
    const std::vector<float>* signal;
    uint64_t served = 0;
    int64_t next = 0;
    uint64_t written = 0;

    void service() {
        const uint64_t requested = stream->requestedGeneration.load(std::memory_order_acquire);
        if (requested == 0) return;
        if (requested != served) {
            next = stream->requestedPosition.load();
            served = requested;
            stream->servedFromFrame.store(written);
            stream->servedGeneration.store(requested, std::memory_order_release);
        }
        const size_t ch = static_cast<size_t>(stream->channels);
        std::vector<float> chunk;
        while (stream->ring.writeSpace() >= 1024 * ch) {
            chunk.assign(1024 * ch, 0.0f);
            for (size_t i = 0; i < 1024 * ch; ++i) {
                const size_t at = static_cast<size_t>(next) * ch + i;
                chunk[i] = at < signal->size() ? (*signal)[at] : 0.0f;
            }
            stream->ring.tryWrite(chunk.data(), chunk.size());
            next += 1024;
            written += 1024;
        }
    }
};

double rms(const std::vector<float>& x, size_t begin, size_t end) {
    double sum = 0.0;
    for (size_t i = begin; i < end; ++i) sum += double(x[i]) * x[i];
    return std::sqrt(sum / double(end - begin));
}

double toDb(double v) { return 20.0 * std::log10(std::max(v, 1e-30)); }

// A take for the multi-clip tests: a stereo float WAV whose frame f holds
// countingSample(base + f, channel), placed as Session's Clip places it.
struct TestClip {
    int64_t base;      // distinct per file, so every clip's material is recognisable
    int64_t fileFrames;
    int64_t timelineOffset, length, sourceOffset;
};

bool writeCountingWav(const std::string& path, const TestClip& clip) {
    std::vector<float> interleaved(size_t(clip.fileFrames) * 2);
    for (int64_t f = 0; f < clip.fileFrames; ++f)
        for (int c = 0; c < 2; ++c) interleaved[size_t(2 * f + c)] = countingSample(clip.base + f, c);
    SF_INFO info{};
    info.samplerate = 48000;
    info.channels = 2;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
    if (!file) return false;
    const bool ok = sf_writef_float(file, interleaved.data(), clip.fileFrames) == clip.fileFrames;
    sf_close(file);
    return ok;
}

// What the timeline holds at sample t: the last clip in the list that covers t
// (within its length and its file, from its sourceOffset on), else silence.
float timelineSample(const std::vector<TestClip>& clips, int64_t t, int channel) {
    for (auto clip = clips.rbegin(); clip != clips.rend(); ++clip) {
        const int64_t heard = std::min(clip->length, clip->fileFrames - clip->sourceOffset);
        if (t >= clip->timelineOffset && t < clip->timelineOffset + heard)
            return countingSample(clip->base + clip->sourceOffset + (t - clip->timelineOffset), channel);
    }
    return 0.0f;
}

} // namespace

class TestEngine : public QObject {
    Q_OBJECT

private slots:
    void captureIsBitExact_data();
    void captureIsBitExact();
    void keepRawCapturesTheUnprocessedInput();
    void monitoringModes();
    void playbackFaderPanMuteSolo();
    void playbackFollowsLocate();
    void diskReaderStreamsAWavFile();
    void diskReaderPlaysEveryClipOfATrack_data();
    void diskReaderPlaysEveryClipOfATrack();
    void recorderPlaysEveryTakeOfATrack();
    void metronomeOnTheBeatAndNeverRecorded();
    void countInThenRecord();
    void switchOnRule();
    void xrunsCountedFromStatusFlags();
    void injectedOverrunsAreCountedExactly();
    void overflowIsReportedExactly();
    void latencyOffset();
    void tracksAddedAndRemovedWhileRunning();
    void everyOutputSampleIsWritten();
};

void TestEngine::captureIsBitExact_data() {
    QTest::addColumn<bool>("stereo");
    QTest::addColumn<int>("mode"); // 0 fixed 64, 1 fixed 256, 2 random 1..256, 3 sequence with blocks above the maximum
    for (bool stereo : {false, true})
        for (int mode = 0; mode < 4; ++mode)
            QTest::addRow("%s-%s", stereo ? "stereo" : "mono", (const char*[]){"64", "256", "random", "oversize"}[mode]) << stereo << mode;
}

void TestEngine::captureIsBitExact() {
    QFETCH(bool, stereo);
    QFETCH(int, mode);
    constexpr int kFrames = 48000 * 12; // 12 s: more than two ring's worth, drained as it goes
    OfflineBackend backend(format(256, 3, 2));
    backend.setInputs({countingSignal(kFrames, 0), countingSignal(kFrames, 1), countingSignal(kFrames, 2)});
    backend.setKeepOutputs(false);
    if (mode == 0) backend.setBlockSize(64);
    if (mode == 1) backend.setBlockSize(256);
    if (mode == 2) backend.setRandomBlockSizes(1, 256, 1234);
    if (mode == 3) backend.setBlockSequence({256, 1000, 17, 300, 1, 4096, 255});

    Engine engine;
    TrackConfig config;
    config.name = "Vox";
    config.input = 1;
    config.stereo = stereo;
    config.armed = true;
    const int id = engine.addTrack(config);
    engine.metronome().setEnabled(true); // must never reach the capture
    auto capture = engine.captureStreams(id);
    QVERIFY(capture);
    QVERIFY(capture->processed.capacity() >= size_t(5 * 48000) * config.channels());

    backend.start(engine);
    engine.record(true);
    std::vector<float> captured;
    for (int done = 0; done < kFrames; done += 48000) {
        backend.run(48000);
        drain(capture->processed, captured);
    }
    engine.stop();
    backend.run(256);
    drain(capture->processed, captured);
    backend.stop();

    const int ch = config.channels();
    QCOMPARE(captured.size(), size_t(kFrames) * ch);
    int64_t mismatches = 0, first = -1;
    for (int64_t n = 0; n < kFrames; ++n)
        for (int c = 0; c < ch; ++c) {
            const float expected = countingSample(n, 1 + c);
            if (std::memcmp(&captured[size_t(n * ch + c)], &expected, sizeof(float)) != 0) {
                if (first < 0) first = n;
                ++mismatches;
            }
        }
    qInfo("%s blocks %d: %lld frames captured, %lld differ (first %lld), lost %llu", stereo ? "stereo" : "mono", mode,
          (long long)(captured.size() / ch), (long long)mismatches, (long long)first,
          (unsigned long long)capture->lostFrames.load());
    QCOMPARE(mismatches, int64_t(0));
    QCOMPARE(capture->lostFrames.load(), uint64_t(0));

    const auto marks = drainMarks(*capture);
    QCOMPARE(marks.size(), size_t(2));
    QCOMPARE(marks[0].kind, CaptureMark::Kind::TakeStart);
    QCOMPARE(marks[0].position, int64_t(0));
    QCOMPARE(marks[0].ringFrame, uint64_t(0));
    QCOMPARE(marks[1].kind, CaptureMark::Kind::TakeStop);
    QCOMPARE(marks[1].position, int64_t(kFrames));
    QCOMPARE(marks[1].ringFrame, uint64_t(kFrames));
    const auto events = engine.pollEvents();
    QCOMPARE(findEvent(events, EngineEvent::Type::RecordingStarted, id)->position, int64_t(0));
    QCOMPARE(findEvent(events, EngineEvent::Type::RecordingStopped, id)->position, int64_t(kFrames));
}

void TestEngine::keepRawCapturesTheUnprocessedInput() {
    constexpr int kFrames = 48000;
    OfflineBackend backend(format(256, 1, 2));
    backend.setInputs({countingSignal(kFrames, 0)});
    Engine engine;
    TrackConfig config;
    config.armed = true;
    config.keepRaw = true;
    config.preamp.gainDb = 6.0f;
    const int id = engine.addTrack(config);
    auto capture = engine.captureStreams(id);
    backend.start(engine);
    engine.record(true);
    backend.run(kFrames);
    engine.stop();
    backend.run(64);
    std::vector<float> raw, processed;
    drain(capture->raw, raw);
    drain(capture->processed, processed);
    QCOMPARE(raw.size(), size_t(kFrames));
    QCOMPARE(processed.size(), size_t(kFrames));
    int64_t rawDiffer = 0;
    for (int n = 0; n < kFrames; ++n) rawDiffer += raw[size_t(n)] != countingSample(n, 0);
    // The printed take is the preamp's +6 dB: the gain glide is over by 1 s, so compare the end.
    const double ratio = double(processed[kFrames - 10]) / double(raw[kFrames - 10]);
    qInfo("raw take: %lld of %d samples differ from the input; processed/raw at the end %.4f (+6 dB = 1.9953)",
          (long long)rawDiffer, kFrames, ratio);
    QCOMPARE(rawDiffer, int64_t(0));
    QVERIFY(std::fabs(ratio - 1.99526) < 1e-3);
}

void TestEngine::monitoringModes() {
    // What reaches the outputs from one mono input track at 0 dB, centre pan
    // (-3.01 dB per side), with no playback stream.
    struct Case {
        MonitorMode mode;
        bool armed;
        bool heard;
    } cases[] = {{MonitorMode::Auto, false, false}, {MonitorMode::Auto, true, true}, {MonitorMode::Input, false, true},
                 {MonitorMode::Input, true, true},  {MonitorMode::Off, true, false},  {MonitorMode::Off, false, false}};
    const auto tone = sine(1000.0, kRate, 48000, 0.1);
    for (const Case& c : cases) {
        OfflineBackend backend(format(256, 1, 2));
        backend.setInputs({tone});
        Engine engine;
        TrackConfig config;
        config.armed = c.armed;
        config.monitor = c.mode;
        engine.addTrack(config);
        backend.start(engine);
        backend.run(48000);
        const auto& out = backend.outputs();
        const double left = toDb(rms(out[0], 24000, 48000)), right = toDb(rms(out[1], 24000, 48000));
        const double expected = toDb(0.1 / std::sqrt(2.0)) - 3.0103;
        qInfo("mode %d armed %d: L %.2f dB R %.2f dB (input %.2f dB, heard %d)", int(c.mode), c.armed, left, right,
              toDb(0.1 / std::sqrt(2.0)), c.heard);
        if (c.heard) {
            QVERIFY(std::fabs(left - expected) < 0.01);
            QVERIFY(std::fabs(right - expected) < 0.01);
        } else {
            QVERIFY(left < -200.0 && right < -200.0);
        }
    }
}

void TestEngine::playbackFaderPanMuteSolo() {
    // A mono playback track carrying a 0.5-amplitude 1 kHz tone (-9.03 dB RMS).
    const int kFrames = 48000 * 8;
    const auto tone = sine(1000.0, kRate, kFrames, 0.5);
    OfflineBackend backend(format(256, 0, 2));
    Engine engine;
    TrackConfig config;
    config.input = -1;
    const int id = engine.addTrack(config);
    TrackConfig other;
    other.input = -1;
    const int otherId = engine.addTrack(other);
    auto stream = engine.attachPlayback(id);
    ManualReader reader{stream.get(), &tone};
    backend.start(engine);
    backend.run(kOpen + 4800); // settle and open the monitor while stopped
    reader.service();
    engine.play();
    auto measure = [&](double& l, double& r) {
        backend.clearOutputs();
        for (int i = 0; i < 6; ++i) {
            reader.service();
            backend.run(4800);
        }
        const auto& out = backend.outputs();
        // Skip the first 4800 (the 20 ms glide); whole periods of 1 kHz.
        l = toDb(rms(out[0], 4800, out[0].size()));
        r = toDb(rms(out[1], 4800, out[1].size()));
    };
    const double tone0 = toDb(0.5 / std::sqrt(2.0));
    struct Step {
        const char* what;
        std::function<void()> apply;
        double left, right; // expected dB relative to the tone, < -200 for silence
    } steps[] = {
        {"centre", [] {}, -3.0103, -3.0103},
        {"volume -6", [&] { engine.setVolumeDb(id, -6.0f); }, -9.0103, -9.0103},
        {"pan hard left", [&] { engine.setVolumeDb(id, 0.0f), engine.setPan(id, -1.0f); }, 0.0, -300.0},
        {"pan +0.5", [&] { engine.setPan(id, 0.5f); }, toDb(std::cos(0.375 * M_PI)), toDb(std::sin(0.375 * M_PI))},
        {"mute", [&] { engine.setPan(id, 0.0f), engine.setMute(id, true); }, -300.0, -300.0},
        {"unmute", [&] { engine.setMute(id, false); }, -3.0103, -3.0103},
        {"other track soloed", [&] { engine.setSolo(otherId, true); }, -300.0, -300.0},
        {"this track soloed too", [&] { engine.setSolo(id, true); }, -3.0103, -3.0103},
    };
    for (const Step& step : steps) {
        step.apply();
        double l = 0, r = 0;
        measure(l, r);
        qInfo("%-22s L %8.3f dB  R %8.3f dB (expected %8.3f / %8.3f)", step.what, l - tone0, r - tone0, step.left, step.right);
        if (step.left < -200) QVERIFY(l < -200);
        else QVERIFY2(std::fabs(l - tone0 - step.left) < 0.01, step.what);
        if (step.right < -200) QVERIFY(r < -200);
        else QVERIFY2(std::fabs(r - tone0 - step.right) < 0.01, step.what);
    }
    QCOMPARE(stream->underrunFrames.load(), uint64_t(0));
}

void TestEngine::playbackFollowsLocate() {
    // A stereo playback track at unity (balance law: centre is 0 dB both sides)
    // plays the counting signal; after each locate the output is the signal from
    // the new position, bit for bit, with the stale read-ahead dropped.
    const int kFrames = 48000 * 20;
    std::vector<float> signal(size_t(kFrames) * 2);
    for (int n = 0; n < kFrames; ++n) signal[size_t(2 * n)] = countingSample(n, 0), signal[size_t(2 * n + 1)] = countingSample(n, 1);
    OfflineBackend backend(format(256, 0, 2));
    backend.setRandomBlockSizes(1, 256, 99);
    Engine engine;
    TrackConfig config;
    config.input = -1;
    config.stereo = true;
    const int id = engine.addTrack(config);
    auto stream = engine.attachPlayback(id);
    ManualReader reader{stream.get(), &signal};
    backend.start(engine);
    backend.run(kOpen + 1000);
    for (int64_t target : {int64_t(0), int64_t(96000), int64_t(5000), int64_t(480000)}) {
        engine.locate(target);
        backend.run(1); // the audio thread takes the locate and asks the reader
        reader.service();
        if (target == 0) engine.play();
        backend.clearOutputs();
        const int64_t from = engine.position() ;
        for (int i = 0; i < 10; ++i) {
            reader.service();
            backend.run(9600);
        }
        const auto& out = backend.outputs();
        int64_t differ = 0;
        for (size_t i = 0; i < out[0].size(); ++i) {
            const int64_t n = (target == 0 ? 0 : from) + int64_t(i);
            differ += out[0][i] != countingSample(n, 0) || out[1][i] != countingSample(n, 1);
        }
        qInfo("locate %lld: %zu frames played, %lld differ from the file's timeline", (long long)target, out[0].size(), (long long)differ);
        QCOMPARE(differ, int64_t(0));
    }
    QCOMPARE(stream->underrunFrames.load(), uint64_t(0));
    // Without the reader, the audio side plays silence and counts the underrun.
    backend.clearOutputs();
    backend.run(48000 * 10);
    QVERIFY(stream->underrunFrames.load() > 0);
    const auto events = engine.pollEvents();
    QVERIFY(findEvent(events, EngineEvent::Type::PlaybackUnderrun, id));
    qInfo("without a reader: %llu frames of underrun counted", (unsigned long long)stream->underrunFrames.load());
}

void TestEngine::diskReaderStreamsAWavFile() {
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/clip.wav").toStdString();
    const int kFrames = 48000 * 6;
    std::vector<float> interleaved(size_t(kFrames) * 2);
    for (int n = 0; n < kFrames; ++n) interleaved[size_t(2 * n)] = countingSample(n, 0), interleaved[size_t(2 * n + 1)] = countingSample(n, 1);
    SF_INFO info{};
    info.samplerate = 48000;
    info.channels = 2;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
    QVERIFY(file);
    QCOMPARE(sf_writef_float(file, interleaved.data(), kFrames), sf_count_t(kFrames));
    sf_close(file);

    OfflineBackend backend(format(256, 0, 2));
    Engine engine;
    TrackConfig config;
    config.input = -1;
    config.stereo = true;
    const int id = engine.addTrack(config);
    auto stream = engine.attachPlayback(id);
    DiskReader reader;
    constexpr int64_t kClipStart = 48000; // the clip starts 1 s into the timeline
    std::string error;
    QVERIFY2(reader.addClip(stream, path, kClipStart, &error), error.c_str());
    engine.setReaderHook(&reader);
    reader.start();
    backend.start(engine);
    backend.run(kOpen + 1000);
    auto waitFilled = [&](size_t frames) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        // Fresh frames only: the reader may have written one stale chunk before it saw the
        // locate, which the audio side will drop (this thread is also the audio thread here,
        // so it may read framesConsumed_).
        auto fresh = [&]() -> uint64_t {
            if (stream->servedGeneration.load() != stream->requestedGeneration.load()) return 0;
            const uint64_t end = stream->framesConsumed_ + stream->ring.readAvailable() / 2;
            return end - std::max(stream->servedFromFrame.load(), stream->framesConsumed_);
        };
        while (fresh() < frames) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return true;
    };
    for (int64_t target : {int64_t(0), int64_t(100000), int64_t(40000)}) {
        engine.locate(target);
        backend.run(1);
        QVERIFY(waitFilled(96000)); // 2 s read ahead
        if (target == 0) engine.play();
        backend.clearOutputs();
        const int64_t from = engine.position();
        backend.run(48000); // 1 s, well inside the 2 s read ahead
        const auto& out = backend.outputs();
        int64_t differ = 0;
        for (size_t i = 0; i < out[0].size(); ++i) {
            const int64_t t = (target == 0 ? 0 : from) + int64_t(i) - kClipStart;
            const float l = t >= 0 && t < kFrames ? countingSample(t, 0) : 0.0f;
            const float r = t >= 0 && t < kFrames ? countingSample(t, 1) : 0.0f;
            differ += out[0][i] != l || out[1][i] != r;
        }
        qInfo("DiskReader, locate %lld: %zu frames, %lld differ; ring holds %.2f s", (long long)target, out[0].size(),
              (long long)differ, stream->ring.readAvailable() / 2 / kRate);
        QCOMPARE(differ, int64_t(0));
    }
    backend.stop();
    reader.stop();
    QCOMPARE(stream->underrunFrames.load(), uint64_t(0));
}

void TestEngine::diskReaderPlaysEveryClipOfATrack_data() {
    QTest::addColumn<std::vector<TestClip>>("clips");
    // A: 24000..120000, whole file. B over A's tail: 100000..200000 from file frame 12345.
    const TestClip a{0, 96000, 24000, 96000, 0};
    const TestClip b{300001, 144000, 100000, 100000, 12345};
    // C after a gap (200000..230000): its length runs past its file, so it ends with the file at 321000.
    const TestClip c{600011, 96000, 230000, 200000, 5000};
    // A punch-in inside A, recorded later, so on top: 40000..60000.
    const TestClip punch{900007, 30000, 40000, 20000, 7000};
    QTest::addRow("two clips, overlap") << std::vector<TestClip>{a, b};
    QTest::addRow("three clips, gap and overlap") << std::vector<TestClip>{a, b, c};
    QTest::addRow("three clips, punch-in") << std::vector<TestClip>{a, b, punch};
    // The list order decides, not the position: B first, so A lies over it.
    QTest::addRow("three clips, earlier index underneath") << std::vector<TestClip>{b, a, c};
}

void TestEngine::diskReaderPlaysEveryClipOfATrack() {
    // Every clip of one stereo track through the real DiskReader: Off
    // monitoring and no input, so only the playback is heard, at unity and
    // centre (balance law: 0 dB both sides), so each output sample is the
    // timeline's sample exactly. Locates land before the first clip, inside
    // the overlap, mid second clip and in the gap after it, then back to 0.
    QFETCH(std::vector<TestClip>, clips);
    QTemporaryDir dir;
    std::vector<DiskReader::ClipSpec> specs;
    for (size_t i = 0; i < clips.size(); ++i) {
        const std::string path = (dir.path() + QStringLiteral("/take-%1.wav").arg(i)).toStdString();
        QVERIFY(writeCountingWav(path, clips[i]));
        specs.push_back({path, clips[i].timelineOffset, clips[i].length, clips[i].sourceOffset});
    }
    // sourceOffset is honoured: B's first frame on the timeline is its file frame 12345.
    QCOMPARE(timelineSample({clips[0], clips[1]}, 150000, 0), countingSample(300001 + 12345 + 50000, 0));

    OfflineBackend backend(format(256, 0, 2));
    backend.setRandomBlockSizes(1, 256, 7);
    Engine engine;
    TrackConfig config;
    config.input = -1;
    config.stereo = true;
    config.monitor = MonitorMode::Off;
    const int id = engine.addTrack(config);
    auto stream = engine.attachPlayback(id);
    DiskReader reader;
    std::string error;
    QVERIFY2(reader.setClips(stream, specs, &error), error.c_str());
    engine.setReaderHook(&reader);
    reader.start();
    backend.start(engine);
    backend.run(kOpen + 1000);
    auto waitFilled = [&](uint64_t frames) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        // Fresh frames only (as in diskReaderStreamsAWavFile): this thread is also the audio thread.
        auto fresh = [&]() -> uint64_t {
            if (stream->servedGeneration.load() != stream->requestedGeneration.load()) return 0;
            const uint64_t end = stream->framesConsumed_ + stream->ring.readAvailable() / 2;
            return end - std::max(stream->servedFromFrame.load(), stream->framesConsumed_);
        };
        while (fresh() < frames) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return true;
    };
    int64_t total = 0, audible = 0;
    for (int64_t target : {int64_t(0), int64_t(110000), int64_t(150000), int64_t(210000), int64_t(0)}) {
        engine.locate(target);
        backend.run(1); // the audio thread takes the locate and asks the reader
        QVERIFY(waitFilled(96000));
        if (engine.transportState() == Engine::TransportState::Stopped) engine.play();
        backend.clearOutputs();
        const int64_t from = engine.position();
        // A locate while rolling plays silence until the reader has served it (the
        // run(1) above may count a frame of it when the reader is slow, as under
        // TSan); the compared stretch itself must never underrun.
        const uint64_t underrunsBefore = stream->underrunFrames.load();
        for (int i = 0; i < 3; ++i) { // 3 s, never more than 1 s past a 2 s read ahead
            QVERIFY(waitFilled(96000));
            backend.run(48000);
        }
        QCOMPARE(stream->underrunFrames.load(), underrunsBefore);
        const auto& out = backend.outputs();
        int64_t differ = 0, firstDiffer = -1;
        for (size_t i = 0; i < out[0].size(); ++i) {
            const int64_t t = from + int64_t(i);
            const float l = timelineSample(clips, t, 0), r = timelineSample(clips, t, 1);
            const bool bad = out[0][i] != l || out[1][i] != r;
            if (bad && firstDiffer < 0) firstDiffer = t;
            differ += bad;
            audible += l != 0.0f;
        }
        total += int64_t(out[0].size());
        qInfo("%zu clips, locate %lld (played from %lld): %zu frames, %lld differ (first at %lld)", clips.size(), (long long)target,
              (long long)from, out[0].size(), (long long)differ, (long long)firstDiffer);
        QCOMPARE(differ, int64_t(0));
    }
    qInfo("%lld frames compared, %lld of them clip material, all exact", (long long)total, (long long)audible);
    backend.stop();
    reader.stop();
    // At most the one frame per locate that the transport rolled before the reader served it.
    QVERIFY(stream->underrunFrames.load() <= 5);
}

void TestEngine::recorderPlaysEveryTakeOfATrack() {
    // A session track with three takes (the second over the first's tail, a
    // gap, the third with a sourceOffset and cut by its file's end): the
    // Recorder hands all of them to its reader, and the track plays them all.
    const std::vector<TestClip> clips{{0, 96000, 24000, 96000, 0}, {300001, 144000, 100000, 100000, 12345}, {600011, 96000, 230000, 200000, 5000}};
    QTemporaryDir dir;
    Session session;
    session.name = QStringLiteral("takes");
    SessionTrack track;
    track.id = QStringLiteral("t1");
    track.name = QStringLiteral("Gtr");
    track.input = TrackInput{0, true};
    track.monitor = SessionMonitorMode::Off;
    for (size_t i = 0; i < clips.size(); ++i) {
        const QString file = QStringLiteral("audio/Gtr-%1.wav").arg(i + 1);
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("audio")));
        QVERIFY(writeCountingWav((dir.path() + QLatin1Char('/') + file).toStdString(), clips[i]));
        track.clips.push_back(Clip{file, clips[i].timelineOffset, clips[i].length, clips[i].sourceOffset, false});
    }
    session.tracks.push_back(track);
    QString error, notice;
    QVERIFY2(session.save(dir.path(), error), qPrintable(error));

    OfflineBackend backend(format(256, 2, 2));
    Engine engine;
    backend.start(engine);
    Recorder recorder(engine);
    QVERIFY2(recorder.openSession(dir.path(), notice, error), qPrintable(error));
    backend.run(kOpen + 1000);
    // preparePlayback waits for the audio side to take its locate: run it meanwhile on another thread.
    std::atomic<bool> ready{false};
    std::thread audio([&] {
        while (!ready.load()) {
            backend.run(256);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    const bool prepared = recorder.preparePlayback(error);
    ready.store(true);
    audio.join();
    QVERIFY2(prepared, qPrintable(error));
    QCOMPARE(engine.position(), int64_t(0));
    engine.play();
    backend.clearOutputs();
    for (int i = 0; i < 70; ++i) { // 7 s, paced so the reader stays ahead
        backend.run(4800);
        recorder.poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(15));
    }
    const auto& out = backend.outputs();
    int64_t differ = 0, firstDiffer = -1;
    for (size_t i = 0; i < out[0].size(); ++i) {
        const bool bad = out[0][i] != timelineSample(clips, int64_t(i), 0) || out[1][i] != timelineSample(clips, int64_t(i), 1);
        if (bad && firstDiffer < 0) firstDiffer = int64_t(i);
        differ += bad;
    }
    qInfo("Recorder playback of 3 takes: %zu frames from 0, %lld differ (first at %lld)", out[0].size(), (long long)differ, (long long)firstDiffer);
    QCOMPARE(differ, int64_t(0));
    backend.stop();
}

void TestEngine::metronomeOnTheBeatAndNeverRecorded() {
    OfflineBackend backend(format(256, 1, 2));
    backend.setRandomBlockSizes(1, 256, 5);
    Engine engine;
    TrackConfig config;
    config.armed = true;
    config.monitor = MonitorMode::Off;
    const int id = engine.addTrack(config);
    engine.metronome().setTempo(120.0);
    engine.metronome().setBeatsPerBar(4);
    engine.metronome().setLevelDb(-6.0f);
    engine.metronome().setEnabled(true);
    auto capture = engine.captureStreams(id);
    backend.start(engine);
    backend.run(kOpen + 1000); // the input is silent; the monitor opens while stopped
    QCOMPARE(engine.position(), int64_t(0));
    backend.clearOutputs();
    engine.record(true);
    backend.run(48000 * 4 + 100);
    engine.stop();
    backend.run(256);
    const auto& out = backend.outputs();
    const auto found = onsets(out[0].data(), int64_t(out[0].size()), 1e-6f, 2000);
    QCOMPARE(found.size(), size_t(9));
    for (size_t k = 0; k < found.size(); ++k) {
        QCOMPARE(found[k], int64_t(k) * 24000);
        float peak = 0;
        for (int i = 0; i < 1200; ++i) peak = std::max(peak, std::fabs(out[0][size_t(found[k] + i)]));
        const bool accent = k % 4 == 0;
        qInfo("click %zu at %lld, peak %.2f dBFS%s", k, (long long)found[k], toDb(peak), accent ? " (accent)" : "");
        QVERIFY(accent ? std::fabs(toDb(peak) + 6.0) < 0.1 : std::fabs(toDb(peak) + 12.0) < 0.1);
    }
    std::vector<float> captured;
    drain(capture->processed, captured);
    QCOMPARE(captured.size(), size_t(48000 * 4 + 100));
    const bool silent = std::all_of(captured.begin(), captured.end(), [](float x) { return x == 0.0f; });
    QVERIFY2(silent, "the click reached the capture ring");
}

void TestEngine::countInThenRecord() {
    constexpr int kFrames = 48000 * 6;
    OfflineBackend backend(format(256, 1, 2));
    backend.setBlockSize(100); // the count-in's end falls inside a block
    backend.setInputs({countingSignal(kFrames, 0)});
    Engine engine;
    TrackConfig config;
    config.armed = true;
    config.monitor = MonitorMode::Off;
    const int id = engine.addTrack(config);
    engine.metronome().setTempo(120.0);
    engine.metronome().setBeatsPerBar(3);
    engine.metronome().setCountInBars(1);
    auto capture = engine.captureStreams(id);
    backend.start(engine);
    backend.run(kOpen + 1000);
    engine.locate(48000);
    const int64_t commandFrame = backend.framesProcessed();
    backend.clearOutputs();
    engine.record(true);
    backend.run(48000 * 3);
    const auto events = engine.pollEvents();
    const auto* countIn = findEvent(events, EngineEvent::Type::CountInStarted);
    QVERIFY(countIn);
    QCOMPARE(countIn->value, int64_t(72000)); // 1 bar of 3 beats at 120 BPM
    const auto* started = findEvent(events, EngineEvent::Type::RecordingStarted, id);
    QVERIFY(started);
    QCOMPARE(started->position, int64_t(48000)); // the position stood still during the count-in
    // Count-in clicks at 0, 24000, 48000 after the command (metronome itself is off: no clicks after).
    const auto& out = backend.outputs();
    const auto found = onsets(out[0].data(), int64_t(out[0].size()), 1e-6f, 2000);
    qInfo("count-in clicks at %lld %lld %lld, recording from %lld", found.size() > 0 ? (long long)found[0] : -1,
          found.size() > 1 ? (long long)found[1] : -1, found.size() > 2 ? (long long)found[2] : -1, (long long)started->position);
    QCOMPARE(found.size(), size_t(3));
    for (size_t k = 0; k < 3; ++k) QCOMPARE(found[k], int64_t(k) * 24000);
    // The first captured frame is the device input 72000 frames after the command.
    std::vector<float> captured;
    drain(capture->processed, captured);
    QVERIFY(!captured.empty());
    QCOMPARE(captured[0], countingSample(commandFrame + 72000, 0));
}

void TestEngine::switchOnRule() {
    // DC 0.5 on a monitored mono input: 0.35355 per side when open.
    OfflineBackend backend(format(256, 1, 2));
    backend.setRandomBlockSizes(1, 256, 77);
    backend.setInputs({std::vector<float>(48000 * 3, 0.5f)});
    Engine engine;
    TrackConfig config;
    config.monitor = MonitorMode::Input;
    engine.addTrack(config);
    backend.start(engine);
    QCOMPARE(engine.monitorState(), MonitorSlot::State::Settling);
    backend.run(48000);
    const auto& out = backend.outputs();
    const float open = 0.5f * std::cos(float(M_PI) / 4.0f);
    int64_t firstNonZero = -1;
    for (size_t i = 0; i < out[0].size(); ++i)
        if (out[0][i] != 0.0f || out[1][i] != 0.0f) {
            firstNonZero = int64_t(i);
            break;
        }
    double worstRamp = 0.0;
    for (int k = 0; k < kFadeIn; ++k) {
        const double expected = open * double(k + 1) / kFadeIn;
        worstRamp = std::max(worstRamp, std::fabs(out[0][size_t(kSettle + k)] - expected));
    }
    qInfo("first non-zero output sample %lld (%.1f ms); fade-in worst deviation from (k+1)/N %.2e over %d samples",
          (long long)firstNonZero, firstNonZero / 48.0, worstRamp, kFadeIn);
    QCOMPARE(firstNonZero, int64_t(kSettle));
    QVERIFY(worstRamp < 1e-6);
    QCOMPARE(out[0][kOpen], open);
    QCOMPARE(engine.monitorState(), MonitorSlot::State::Open);

    // Fade out before a stop.
    engine.requestFadeOut();
    backend.clearOutputs();
    backend.run(4800);
    int64_t lastNonZero = -1;
    for (size_t i = 0; i < out[0].size(); ++i)
        if (out[0][i] != 0.0f) lastNonZero = int64_t(i);
    bool monotonic = true;
    for (size_t i = 1; i < out[0].size(); ++i) monotonic = monotonic && out[0][i] <= out[0][i - 1];
    qInfo("fade-out: last non-zero sample %lld (%.1f ms), monotonic %d", (long long)lastNonZero, lastNonZero / 48.0, monotonic);
    QVERIFY(engine.fadeOutDone());
    QVERIFY(monotonic);
    QVERIFY(lastNonZero >= 2300 && lastNonZero < 2400 + 256);
    QVERIFY(findEvent(engine.pollEvents(), EngineEvent::Type::FadeOutDone));
    backend.stop();

    // A restart settles again, and an xrun while settling restarts the 250 ms.
    OfflineBackend again(format(256, 1, 2));
    again.setBlockSize(100);
    again.setInputs({std::vector<float>(48000, 0.5f)});
    again.start(engine);
    again.run(6000);
    again.setNextStatus({true, true, false});
    again.run(30000);
    const auto& out2 = again.outputs();
    int64_t first2 = -1;
    for (size_t i = 0; i < out2[0].size(); ++i)
        if (out2[0][i] != 0.0f) {
            first2 = int64_t(i);
            break;
        }
    qInfo("restart with an xrun at 6000: first sound at %lld", (long long)first2);
    QCOMPARE(first2, int64_t(6000 + kSettle));
}

void TestEngine::xrunsCountedFromStatusFlags() {
    OfflineBackend backend(format(256, 0, 2));
    backend.setBlockSize(256);
    Engine engine;
    backend.start(engine);
    engine.play();
    backend.run(1024);
    backend.setNextStatus({true, true, false}); // JACK: both flags, one xrun
    backend.run(1024);
    backend.setNextStatus({true, false, false});
    backend.run(1024);
    backend.setNextStatus({false, true, false});
    backend.run(1024);
    backend.setNextStatus({false, false, true}); // priming is not an xrun
    backend.run(1024);
    const auto events = engine.pollEvents();
    std::vector<int64_t> positions;
    for (const auto& e : events)
        if (e.type == EngineEvent::Type::Xrun) positions.push_back(e.position);
    qInfo("xruns %llu at %lld %lld %lld", (unsigned long long)engine.xrunCount(), positions.size() > 0 ? (long long)positions[0] : -1,
          positions.size() > 1 ? (long long)positions[1] : -1, positions.size() > 2 ? (long long)positions[2] : -1);
    QCOMPARE(engine.xrunCount(), uint64_t(3));
    QCOMPARE(positions, (std::vector<int64_t>{1024, 2048, 3072}));
}

void TestEngine::injectedOverrunsAreCountedExactly() {
    // Long blocks (21 ms) so that a normal call never overruns on a busy machine.
    OfflineBackend backend(format(1024, 0, 2));
    backend.setReportOverruns(true);
    Engine engine;
    backend.start(engine);
    backend.run(48000);
    QCOMPARE(engine.xrunCount(), uint64_t(0));
    engine.injectOverruns(3);
    backend.run(48000);
    qInfo("3 overruns injected: %llu xruns counted; load average %.3f, maximum %.3f", (unsigned long long)engine.xrunCount(),
          engine.load().average.load(), engine.load().maximum.load());
    QCOMPARE(engine.xrunCount(), uint64_t(3));
    QVERIFY(engine.load().maximum.load() > 1.0f);
    QVERIFY(engine.load().average.load() > 0.0f);
    QVERIFY(engine.load().blocks.load() > 90);
}

void TestEngine::overflowIsReportedExactly() {
    constexpr int kBlock = 256;
    OfflineBackend backend(format(kBlock, 1, 2));
    backend.setBlockSize(kBlock);
    backend.setInputs({countingSignal(48000 * 10, 0)});
    Engine engine;
    TrackConfig config;
    config.armed = true;
    const int id = engine.addTrack(config);
    auto capture = engine.captureStreams(id);
    const int64_t capacity = int64_t(capture->processed.capacity());
    backend.start(engine);
    engine.record(true);
    backend.run(48000 * 7); // nobody drains: the ring fills after `capacity` frames
    const uint64_t lost = capture->lostFrames.load();
    QCOMPARE(lost, uint64_t(48000 * 7 - capacity));
    std::vector<float> captured;
    drain(capture->processed, captured); // the disk side catches up: the gap closes
    backend.run(48000);
    drain(capture->processed, captured);
    const auto events = engine.pollEvents();
    const auto* overflow = findEvent(events, EngineEvent::Type::CaptureOverflow, id);
    QVERIFY(overflow);
    qInfo("ring %lld frames; overflow reported at %lld, %lld frames lost (counted %llu)", (long long)capacity,
          (long long)overflow->position, (long long)overflow->value, (unsigned long long)lost);
    QCOMPARE(overflow->position, capacity);
    QCOMPARE(overflow->value, int64_t(lost));
    const auto marks = drainMarks(*capture);
    QCOMPARE(marks.size(), size_t(2));
    QCOMPARE(marks[1].kind, CaptureMark::Kind::Overflow);
    QCOMPARE(marks[1].ringFrame, uint64_t(capacity));
    QCOMPARE(marks[1].frames, int64_t(lost));
    // What follows the gap is the input at its true position.
    QCOMPARE(captured[size_t(capacity)], countingSample(capacity + int64_t(lost), 0));
}

void TestEngine::latencyOffset() {
    StreamFormat f = format(256, 1, 2);
    f.inputLatencySeconds = 0.005;
    f.outputLatencySeconds = 0.010;
    OfflineBackend backend(f);
    Engine engine;
    TrackConfig config;
    config.armed = true;
    const int id = engine.addTrack(config);
    backend.start(engine);
    QCOMPARE(engine.roundTripFrames(), int64_t(720));
    QCOMPARE(engine.captureOffsetFrames(id), int64_t(720));
    engine.setPreampSettings(id, [] { PreampSettings s; s.model = Model::Tube; return s; }());
    const int tube = Preamp::latencyFor(Model::Tube, kRate);
    QVERIFY(tube > 0);
    QCOMPARE(engine.captureOffsetFrames(id), int64_t(720 + tube));
    engine.setMeasuredRoundTripFrames(1000);
    QCOMPARE(engine.captureOffsetFrames(id), int64_t(1000 + tube));
    QCOMPARE(engine.rawCaptureOffsetFrames(), int64_t(1000));
    auto capture = engine.captureStreams(id);
    engine.record(true);
    backend.run(1000);
    const auto marks = drainMarks(*capture);
    QVERIFY(!marks.empty());
    qInfo("round trip 720 (stream) / 1000 (measured); Tube adds %d; TakeStart mark align %lld raw %lld", tube,
          (long long)marks[0].alignFrames, (long long)marks[0].rawAlignFrames);
    QCOMPARE(marks[0].alignFrames, int64_t(1000 + tube));
    QCOMPARE(marks[0].rawAlignFrames, int64_t(1000));
    engine.setMeasuredRoundTripFrames(-1);
    QCOMPARE(engine.roundTripFrames(), int64_t(720));
}

void TestEngine::tracksAddedAndRemovedWhileRunning() {
    OfflineBackend backend(format(128, 4, 2));
    backend.setInputs({sine(440, kRate, 48000 * 4, 0.1), sine(550, kRate, 48000 * 4, 0.1)});
    Engine engine;
    backend.start(engine);
    engine.play();
    std::vector<int> ids;
    for (int round = 0; round < 20; ++round) {
        TrackConfig config;
        config.input = round % 4;
        config.stereo = round % 3 == 0 && round % 4 < 3;
        config.monitor = MonitorMode::Input;
        ids.push_back(engine.addTrack(config));
        backend.run(1000);
        if (round % 2) {
            QVERIFY(engine.removeTrack(ids.front()));
            ids.erase(ids.begin());
        }
        backend.run(1000);
        engine.pollEvents();
    }
    QCOMPARE(engine.trackIds().size(), ids.size());
    QVERIFY(!engine.removeTrack(9999));
    backend.stop();
    engine.pollEvents();
    qInfo("20 tracks added and 10 removed while running; %zu remain", ids.size());
}

void TestEngine::everyOutputSampleIsWritten() {
    // The backend fills its buffers with 1e9 before each call: none may survive,
    // on 6 outputs, with blocks up to 16x the prepared maximum.
    OfflineBackend backend(format(64, 2, 6));
    backend.setBlockSequence({64, 1024, 1, 63, 65, 500});
    backend.setInputs({sine(440, kRate, 48000, 0.5), sine(440, kRate, 48000, 0.5)});
    Engine engine;
    TrackConfig config;
    config.monitor = MonitorMode::Input;
    engine.addTrack(config);
    backend.start(engine);
    backend.run(48000);
    int64_t unwritten = 0, nonSilentExtra = 0;
    for (size_t c = 0; c < 6; ++c)
        for (float x : backend.outputs()[c]) {
            unwritten += !(std::fabs(x) <= 1.0f);
            nonSilentExtra += c >= 2 && x != 0.0f;
        }
    qInfo("6 outputs x 48000 frames: %lld samples left unwritten, %lld non-zero on outputs 3-6", (long long)unwritten,
          (long long)nonSilentExtra);
    QCOMPARE(unwritten, int64_t(0));
    QCOMPARE(nonSilentExtra, int64_t(0));
}

QTEST_GUILESS_MAIN(TestEngine)
#include "test_engine.moc"
