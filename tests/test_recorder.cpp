// The Recorder on the OfflineBackend (no device): takes are bit-exact in the
// file, placed where the performer heard them, saved with the journal gone; a
// second take gets a new file; the take report agrees with the analysis of the
// file; a full disk stops the take within 1 s with earlier audio intact; forced
// xruns are counted exactly and stored with the take. Figures go to qInfo().
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "TestSignals.h"
#include "core/AudioFile.h"
#include "core/Engine.h"
#include "core/FileAnalysis.h"
#include "core/OfflineBackend.h"
#include "core/Recorder.h"
#include "core/RecordingJournal.h"
#include "core/ReportFormat.h"
#include "core/Session.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

constexpr int kRate = 48000;
constexpr int kBlock = 256;
constexpr int kInputs = 3;

StreamFormat offlineFormat() {
    StreamFormat format;
    format.sampleRate = kRate;
    format.maxBlockFrames = kBlock;
    format.inputChannels = kInputs;
    format.outputChannels = 2;
    format.inputLatencySeconds = 0.002;  // 96 frames
    format.outputLatencySeconds = 0.003; // 144 frames: 240 in all
    return format;
}

std::vector<std::vector<float>> countingInputs(int64_t frames) {
    std::vector<std::vector<float>> planar(kInputs, std::vector<float>(static_cast<size_t>(frames)));
    for (int c = 0; c < kInputs; ++c)
        for (int64_t n = 0; n < frames; ++n) planar[size_t(c)][size_t(n)] = countingSample24(n, c);
    return planar;
}

// Runs `frames` through the engine in slices, giving the disk thread time so
// the capture rings never fill (the offline backend is far faster than real
// time), and polling the recorder like a main loop would.
void runPaced(OfflineBackend& backend, Recorder& recorder, int64_t frames, const std::function<bool()>& stopWhen = {}) {
    constexpr int64_t kSlice = 4800;
    for (int64_t done = 0; done < frames; done += kSlice) {
        backend.run(std::min(kSlice, frames - done));
        recorder.poll();
        if (stopWhen && stopWhen()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

// The offline stream moves only when this thread runs it: punch out, run one
// block so the engine answers, then let the Recorder finish the take.
bool stopOffline(OfflineBackend& backend, Engine& engine, Recorder& recorder, QString& error) {
    engine.record(false);
    backend.run(kBlock);
    return recorder.stopTake(error);
}

// Reads every sample of a take; fails the test if unreadable.
AudioData readTake(const QString& path) {
    AudioFileError error;
    auto audio = readAudioFile(path, error);
    if (!audio) qWarning().noquote() << error.message;
    return audio ? *audio : AudioData{};
}

} // namespace

class TestRecorder : public QObject {
    Q_OBJECT

private slots:
    // Mono and stereo tracks through Clean at 0 dB: every sample of the file is
    // the input sample it should be; clips sit at recording start - capture offset.
    void monoAndStereoAreBitExactAndAligned() {
        QTemporaryDir dir;
        Engine engine;
        OfflineBackend backend(offlineFormat());
        constexpr int64_t kTotal = 12 * kRate;
        backend.setInputs(countingInputs(kTotal));
        backend.setKeepOutputs(false);
        backend.start(engine);

        Recorder recorder(engine);
        QString notice, error;
        QVERIFY2(recorder.openSession(dir.path() + QStringLiteral("/song"), notice, error), qPrintable(error));
        const QString mono = recorder.addTrack(QStringLiteral("Vocal"), 0, false, PreampSettings{});
        const QString stereo = recorder.addTrack(QStringLiteral("Keys"), 1, true, PreampSettings{});
        QVERIFY(recorder.setArmed(mono, true) && recorder.setArmed(stereo, true));

        constexpr int64_t kStart = 48000; // the playhead at 1 s
        engine.locate(kStart);
        backend.run(kBlock);
        QCOMPARE(engine.position(), kStart);

        const int64_t firstDeviceFrame = backend.framesProcessed();
        QVERIFY2(recorder.startTake(error), qPrintable(error));
        QVERIFY2(RecordingJournal::exists(recorder.folder()), "the journal must exist before audio flows");
        const int64_t recordFrames = 10 * kRate;
        runPaced(backend, recorder, recordFrames);
        QVERIFY2(stopOffline(backend, engine, recorder, error), qPrintable(error));
        QVERIFY(!RecordingJournal::exists(recorder.folder()));

        const int64_t offset = engine.captureOffsetFrames(recorder.engineTrackId(mono));
        QCOMPARE(offset, int64_t{240});
        QCOMPARE(recorder.lastTakes().size(), size_t{2});
        int64_t differ = 0, compared = 0;
        for (const RecordedTake& take : recorder.lastTakes()) {
            const AudioData audio = readTake(recorder.folder() + QLatin1Char('/') + take.file);
            QCOMPARE(audio.numChannels(), take.channels);
            QCOMPARE(audio.numFrames(), take.frames);
            QVERIFY2(take.frames >= recordFrames && take.frames <= recordFrames + kBlock, qPrintable(QString::number(take.frames)));
            const int firstInput = take.trackId == mono ? 0 : 1;
            for (int c = 0; c < audio.numChannels(); ++c)
                for (int64_t n = 0; n < audio.numFrames(); ++n) {
                    ++compared;
                    differ += audio.channels[size_t(c)][size_t(n)] != countingSample24(firstDeviceFrame + n, firstInput + c);
                }
            QCOMPARE(take.recordedAt, kStart);
            QCOMPARE(take.alignFrames, offset);
            QCOMPARE(take.clipPosition, kStart - offset);
            QVERIFY(take.xruns.empty());
        }
        qInfo("bit-exact: %lld samples compared, %lld differ; clip offset %lld frames (start %lld - capture offset %lld)",
              static_cast<long long>(compared), static_cast<long long>(differ), static_cast<long long>(kStart - offset),
              static_cast<long long>(kStart), static_cast<long long>(offset));
        QCOMPARE(differ, int64_t{0});

        // What was saved: the clips at the compensated position, the takes with their reports.
        SessionLoadResult loaded = Session::load(recorder.folder());
        QVERIFY2(loaded.ok(), qPrintable(loaded.error));
        QCOMPARE(loaded.session->tracks.size(), size_t{2});
        for (const SessionTrack& track : loaded.session->tracks) {
            QCOMPARE(track.clips.size(), size_t{1});
            QCOMPARE(track.clips[0].timelineOffset, kStart - offset);
            QCOMPARE(track.clips[0].sourceOffset, int64_t{0});
        }
        QCOMPARE(loaded.session->takes.size(), size_t{2});
        for (const TakeRecord& take : loaded.session->takes) {
            QCOMPARE(take.timelineStart, kStart - offset);
            QVERIFY(take.report.contains(QStringLiteral("verdict")));
            QVERIFY(take.report.contains(QStringLiteral("true_peak_dbtp")));
        }
        backend.stop();
    }

    // A take from timeline 0: the first `offset` frames were heard before the
    // timeline began; the clip starts at 0 and skips them.
    void takeAtZeroSkipsTheCompensation() {
        QTemporaryDir dir;
        Engine engine;
        OfflineBackend backend(offlineFormat());
        backend.setInputs(countingInputs(3 * kRate));
        backend.start(engine);
        Recorder recorder(engine);
        QString notice, error;
        QVERIFY(recorder.openSession(dir.path(), notice, error));
        const QString id = recorder.addTrack(QStringLiteral("Vocal"), 0, false, PreampSettings{});
        recorder.setArmed(id, true);
        QVERIFY2(recorder.startTake(error), qPrintable(error));
        runPaced(backend, recorder, kRate);
        QVERIFY2(stopOffline(backend, engine, recorder, error), qPrintable(error));
        const SessionTrack& track = recorder.session().tracks.front();
        QCOMPARE(track.clips.size(), size_t{1});
        QCOMPARE(track.clips[0].timelineOffset, int64_t{0});
        QCOMPARE(track.clips[0].sourceOffset, int64_t{240});
        QCOMPARE(track.clips[0].length, recorder.lastTakes()[0].frames - 240);
        backend.stop();
    }

    // The second take of a track is a new file and a second clip; nothing is overwritten.
    void secondTakeGetsANewFile() {
        QTemporaryDir dir;
        Engine engine;
        OfflineBackend backend(offlineFormat());
        backend.setInputs(countingInputs(6 * kRate));
        backend.start(engine);
        QStringList files;
        for (int round = 0; round < 2; ++round) {
            // A fresh Recorder the second time: the session is reopened from disk.
            Recorder recorder(engine);
            QString notice, error;
            QVERIFY2(recorder.openSession(dir.path(), notice, error), qPrintable(error));
            const QString id = recorder.addTrack(QStringLiteral("Gtr/DI"), 0, false, PreampSettings{});
            recorder.setArmed(id, true);
            QVERIFY2(recorder.startTake(error), qPrintable(error));
            runPaced(backend, recorder, kRate);
            QVERIFY2(stopOffline(backend, engine, recorder, error), qPrintable(error));
            files << recorder.lastTakes()[0].file;
            QCOMPARE(recorder.session().tracks.size(), size_t{1});
            QCOMPARE(recorder.session().tracks[0].clips.size(), size_t(round + 1));
            QCOMPARE(recorder.session().takes.size(), size_t(round + 1));
            engine.setCaptureHook(nullptr);
            for (int t : engine.trackIds()) engine.removeTrack(t);
        }
        qInfo() << "take files:" << files;
        QCOMPARE(files.size(), 2);
        QVERIFY(files[0] != files[1]);
        for (const QString& file : files) QVERIFY(QFile::exists(dir.path() + QLatin1Char('/') + file));
        QVERIFY(!RecordingJournal::exists(dir.path()));
        backend.stop();
    }

    // The take report's figures are the analysis of the recorded file.
    void takeReportAgreesWithAnalyze() {
        QTemporaryDir dir;
        Engine engine;
        OfflineBackend backend(offlineFormat());
        // A 440 Hz tone at -4 dBFS with three short bursts over full scale.
        const int64_t frames = 4 * kRate;
        std::vector<std::vector<float>> inputs(kInputs, std::vector<float>(size_t(frames), 0.0f));
        inputs[0] = sine(440.0, kRate, int(frames), std::pow(10.0, -4.0 / 20.0));
        for (int burst = 0; burst < 3; ++burst)
            for (int i = 0; i < 10; ++i) inputs[0][size_t(kRate / 2 + burst * kRate + i)] = 1.0f;
        inputs[1] = sine(440.0, kRate, int(frames), std::pow(10.0, -20.0 / 20.0));
        backend.setInputs(inputs);
        backend.start(engine);
        Recorder recorder(engine);
        QString notice, error;
        QVERIFY(recorder.openSession(dir.path(), notice, error));
        const QString hot = recorder.addTrack(QStringLiteral("Hot"), 0, false, PreampSettings{});
        const QString low = recorder.addTrack(QStringLiteral("Low"), 1, false, PreampSettings{});
        recorder.setArmed(hot, true);
        recorder.setArmed(low, true);
        QVERIFY2(recorder.startTake(error), qPrintable(error));
        runPaced(backend, recorder, frames - kRate / 4);
        QVERIFY2(stopOffline(backend, engine, recorder, error), qPrintable(error));
        for (const RecordedTake& take : recorder.lastTakes()) {
            QVERIFY(take.hasReport);
            const QString path = recorder.folder() + QLatin1Char('/') + take.file;
            const FileReport reference = analyzeAudio(readTake(path), take.file);
            QCOMPARE(reportToJson(take.report.analysis), reportToJson(reference));
            QCOMPARE(take.report.samplePeakDb(), reference.channelReports[0].samplePeakDb);
            QCOMPARE(take.report.truePeakDb(), reference.channelReports[0].truePeakDb);
            QCOMPARE(take.report.analysis.lufsIntegrated, reference.lufsIntegrated);
            qInfo().noquote() << take.report.toText().trimmed();
        }
        const TakeReport& hotReport = recorder.lastTakes()[0].report;
        QCOMPARE(hotReport.clipRuns, 3);
        QVERIFY2(hotReport.verdict.startsWith(QStringLiteral("Clipped 3x (first at 0:00.")), qPrintable(hotReport.verdict));
        QVERIFY(hotReport.verdict.contains(QStringLiteral("lower Gain by")));
        const TakeReport& lowReport = recorder.lastTakes()[1].report;
        QCOMPARE(lowReport.clipRuns, 0);
        QVERIFY2(lowReport.verdict.startsWith(QStringLiteral("Low: raise Gain by 17.0 dB")), qPrintable(lowReport.verdict));
        backend.stop();
    }

    // engine.injectOverruns(N) on a backend that reports late calls: exactly N
    // xruns, stored with the take at their positions.
    void forcedXrunsAreCountedExactly() {
        QTemporaryDir dir;
        Engine engine;
        OfflineBackend backend(offlineFormat());
        backend.setInputs(countingInputs(4 * kRate));
        backend.setReportOverruns(true);
        backend.start(engine);
        Recorder recorder(engine);
        QString notice, error;
        QVERIFY(recorder.openSession(dir.path(), notice, error));
        const QString id = recorder.addTrack(QStringLiteral("Vocal"), 0, false, PreampSettings{});
        recorder.setArmed(id, true);
        const int64_t takeStartFrame = backend.framesProcessed();
        QVERIFY2(recorder.startTake(error), qPrintable(error));
        backend.run(kRate / 2);
        const uint64_t before = engine.xrunCount();
        const size_t reportedBefore = backend.reportedOverrunFrames().size();
        constexpr int kForced = 5;
        std::vector<int64_t> forcedAt;
        for (int i = 0; i < kForced; ++i) {
            forcedAt.push_back(backend.framesProcessed());
            engine.injectOverruns(1);
            backend.run(kBlock * 40);
        }
        runPaced(backend, recorder, kRate / 2);
        QVERIFY2(stopOffline(backend, engine, recorder, error), qPrintable(error));
        const RecordedTake& take = recorder.lastTakes()[0];
        const std::vector<int64_t>& reported = backend.reportedOverrunFrames();
        qInfo("forced %d overruns; the device reported %zu in the take (%zu before the first was forced); engine counted %llu from there, "
              "take stores %zu at %s", kForced, reported.size(), reportedBefore, static_cast<unsigned long long>(engine.xrunCount() - before), take.xruns.size(),
              qPrintable([&] { QStringList p; for (auto x : take.xruns) p << QString::number(x); return p.join(QLatin1Char(',')); }()));
        // Every forced late call is reported on the call after it. A slow machine
        // (a sanitizer build) may add real late calls of its own: those are
        // xruns too, and must be counted and marked just the same, none more.
        for (int64_t forced : forcedAt)
            QVERIFY2(std::find(reported.begin(), reported.end(), forced + kBlock) != reported.end(),
                     qPrintable(QStringLiteral("the call forced late at frame %1 was not reported").arg(forced)));
        QCOMPARE(engine.xrunCount() - before, static_cast<uint64_t>(reported.size() - reportedBefore));
        const int expected = static_cast<int>(reported.size()); // the take began with the stream
        QCOMPARE(int(take.xruns.size()), expected);
        QCOMPARE(take.report.xruns, expected);
        // Each mark lies exactly where the device reported it, in take frames.
        for (size_t i = 0; i < reported.size(); ++i) QCOMPARE(take.xruns[i], reported[i] - takeStartFrame);
        SessionLoadResult loaded = Session::load(dir.path());
        QVERIFY(loaded.ok());
        QCOMPARE(int(loaded.session->takes[0].xruns.size()), expected);
        backend.stop();
    }

    // A small tmpfs fills up mid-take: the take stops within 1 s, with the
    // words, and every frame written before is the right one.
    void diskFullStopsWithinOneSecond() {
        QTemporaryDir dir;
        const QString mountPoint = dir.path() + QStringLiteral("/small");
        QVERIFY(QDir().mkpath(mountPoint));
        if (::mount("tmpfs", QFile::encodeName(mountPoint).constData(), "tmpfs", 0, "size=1m") != 0)
            QSKIP(qPrintable(QStringLiteral("cannot mount a tmpfs here (%1); the disk-full test needs root").arg(QString::fromLocal8Bit(strerror(errno)))));
        struct Unmount {
            QByteArray path;
            ~Unmount() { ::umount2(path.constData(), MNT_DETACH); }
        } unmount{QFile::encodeName(mountPoint)};

        Engine engine;
        OfflineBackend backend(offlineFormat());
        backend.setInputs(countingInputs(30 * kRate));
        backend.start(engine);
        Recorder recorder(engine);
        QString notice, error;
        QVERIFY2(recorder.openSession(mountPoint + QStringLiteral("/song"), notice, error), qPrintable(error));
        const QString id = recorder.addTrack(QStringLiteral("Vocal"), 0, false, PreampSettings{});
        recorder.setArmed(id, true);
        const double before = recorder.remainingRecordSeconds();
        qInfo("record time left on the 1 MiB tmpfs: %.1f s", before);
        QVERIFY(before > 1.0 && before < 10.0);
        QVERIFY(recorder.lowSpace());
        const int64_t firstDeviceFrame = backend.framesProcessed();
        QVERIFY2(recorder.startTake(error), qPrintable(error));
        QStringList messages;
        // Real-time pace: the 1 s rule is about wall-clock time.
        for (int i = 0; i < 2000 && recorder.isRecording(); ++i) {
            backend.run(480);
            recorder.poll();
            messages << recorder.takeMessages();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        messages << recorder.takeMessages();
        QVERIFY2(!recorder.isRecording(), "the take never stopped");
        QVERIFY(recorder.lastTakeStoppedByDiskError());
        QVERIFY(!engine.isRecording());
        qInfo().noquote() << "messages:" << messages.join(QStringLiteral(" | "));
        qInfo("disk full -> punched out in %.3f s", recorder.diskFailureStopSeconds());
        QVERIFY(recorder.diskFailureStopSeconds() >= 0.0 && recorder.diskFailureStopSeconds() < 1.0);
        bool said = false;
        for (const QString& m : messages) said = said || (m.startsWith(QStringLiteral("The disk is full: recording stopped at ")) &&
                                                          m.contains(QStringLiteral("everything before that is saved")));
        QVERIFY2(said, qPrintable(messages.join(QLatin1Char('\n'))));

        // Monitoring goes on: the stream still runs and the engine still processes.
        const int64_t processed = backend.framesProcessed();
        backend.run(kBlock * 4);
        QCOMPARE(backend.framesProcessed(), processed + kBlock * 4);

        const RecordedTake& take = recorder.lastTakes()[0];
        QVERIFY(take.failed);
        const AudioData audio = readTake(mountPoint + QStringLiteral("/song/") + take.file);
        QVERIFY(audio.numFrames() > kRate);
        int64_t differ = 0;
        for (int64_t n = 0; n < audio.numFrames(); ++n) differ += audio.channels[0][size_t(n)] != countingSample24(firstDeviceFrame + n, 0);
        qInfo("kept %.2f s before the disk filled; %lld samples differ", audio.numFrames() / double(kRate), static_cast<long long>(differ));
        QCOMPARE(differ, int64_t{0});
        backend.stop();
    }
};

QTEST_GUILESS_MAIN(TestRecorder)
#include "test_recorder.moc"
