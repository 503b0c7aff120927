// `gainstage record` through the Virtual backend (no JACK server, no sound
// card): exit codes, the files and their length, the demo material audible in
// them, the JSON report's keys, option validation, an unknown device, and a
// SIGTERM mid-take that still leaves a finalised, readable take.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

#include "core/AudioFile.h"
#include "core/FileAnalysis.h"
#include "core/Session.h"

using namespace gainstage;

namespace {

struct Run {
    int exitCode = -1;
    QString out, err;
};

QProcessEnvironment isolatedEnvironment(const QString& home) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home); // no stored calibration leaks in or out
    env.insert(QStringLiteral("JACK_DEFAULT_SERVER"), QStringLiteral("gs-none-%1").arg(QCoreApplication::applicationPid()));
    env.insert(QStringLiteral("JACK_NO_START_SERVER"), QStringLiteral("1"));
    return env;
}

Run runGainstage(const QStringList& arguments, const QString& home, int timeoutMs = 60000) {
    QProcess process;
    process.setProcessEnvironment(isolatedEnvironment(home));
    process.start(QStringLiteral(GAINSTAGE_BINARY), arguments);
    Run run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = QStringLiteral("timed out");
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

} // namespace

class TestCliRecord : public QObject {
    Q_OBJECT

private slots:
    void recordsTheDemoThroughTheVirtualDevice() {
        QTemporaryDir dir;
        const QString session = dir.path() + QStringLiteral("/take");
        const double seconds = 2.0;
        const Run run = runGainstage({QStringLiteral("record"), QStringLiteral("--session"), session, QStringLiteral("--seconds"),
                                   QString::number(seconds), QStringLiteral("--inputs"), QStringLiteral("1,2"), QStringLiteral("--json")},
                                  dir.path());
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains(QStringLiteral("Opened Virtual 'Demo'")), qPrintable(run.err));
        const QJsonObject report = QJsonDocument::fromJson(run.out.toUtf8()).object();
        for (const char* key : {"session", "device", "sample_rate", "stopped_by", "xruns", "messages", "takes"})
            QVERIFY2(report.contains(QLatin1String(key)), key);
        QCOMPARE(report.value(QStringLiteral("stopped_by")).toString(), QStringLiteral("time"));
        const QJsonArray takes = report.value(QStringLiteral("takes")).toArray();
        QCOMPARE(takes.size(), 2);
        for (const auto& value : takes) {
            const QJsonObject take = value.toObject();
            for (const char* key : {"track", "file", "frames", "seconds", "sample_peak_dbfs", "true_peak_dbtp", "share_in_window", "clips",
                                    "xruns", "lufs_integrated", "verdict", "timeline_start", "analysis"})
                QVERIFY2(take.contains(QLatin1String(key)), key);
            const QString path = session + QLatin1Char('/') + take.value(QStringLiteral("file")).toString();
            AudioFileError error;
            const auto audio = readAudioFile(path, error);
            QVERIFY2(audio, qPrintable(error.message));
            const long long expected = std::llround(seconds * 48000);
            qInfo("%s: %lld frames (expected %lld +- 256), peak %.1f dBFS, verdict '%s'", qPrintable(take.value(QStringLiteral("file")).toString()),
                  audio->numFrames(), expected, take.value(QStringLiteral("sample_peak_dbfs")).toDouble(),
                  qPrintable(take.value(QStringLiteral("verdict")).toString()));
            QVERIFY(std::llabs(audio->numFrames() - expected) <= 256);
            QCOMPARE(take.value(QStringLiteral("frames")).toInteger(), audio->numFrames());
            const FileReport analysis = analyzeAudio(*audio, path);
            // The demo material peaks at -15/-14 dBFS: clearly audible, not silence.
            QVERIFY2(analysis.channelReports[0].samplePeakDb > -24.0, qPrintable(QString::number(analysis.channelReports[0].samplePeakDb)));
            QCOMPARE(take.value(QStringLiteral("sample_peak_dbfs")).toDouble(), std::round(analysis.channelReports[0].samplePeakDb * 100.0) / 100.0);
        }
        SessionLoadResult loaded = Session::load(session);
        QVERIFY2(loaded.ok(), qPrintable(loaded.error));
        QCOMPARE(loaded.session->tracks.size(), size_t{2});
        QCOMPARE(loaded.session->takes.size(), size_t{2});
        QVERIFY(!QFile::exists(session + QStringLiteral("/.recording")));
    }

    void badOptionsExitTwo_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("no session") << QStringList{QStringLiteral("--seconds"), QStringLiteral("1")} << QStringLiteral("--session");
        QTest::newRow("no seconds") << QStringList{QStringLiteral("--session"), QStringLiteral("S")} << QStringLiteral("--seconds");
        QTest::newRow("negative seconds") << QStringList{QStringLiteral("--session"), QStringLiteral("S"), QStringLiteral("--seconds"), QStringLiteral("-1")} << QStringLiteral("--seconds");
        QTest::newRow("inputs 0") << QStringList{QStringLiteral("--session"), QStringLiteral("S"), QStringLiteral("--seconds"), QStringLiteral("1"), QStringLiteral("--inputs"), QStringLiteral("0")} << QStringLiteral("--inputs");
        QTest::newRow("inputs twice") << QStringList{QStringLiteral("--session"), QStringLiteral("S"), QStringLiteral("--seconds"), QStringLiteral("1"), QStringLiteral("--inputs"), QStringLiteral("1,1")} << QStringLiteral("--inputs");
        QTest::newRow("model") << QStringList{QStringLiteral("--session"), QStringLiteral("S"), QStringLiteral("--seconds"), QStringLiteral("1"), QStringLiteral("--model"), QStringLiteral("fuzz")} << QStringLiteral("transformer");
        QTest::newRow("gain di") << QStringList{QStringLiteral("--session"), QStringLiteral("S"), QStringLiteral("--seconds"), QStringLiteral("1"), QStringLiteral("--source"), QStringLiteral("di"), QStringLiteral("--gain"), QStringLiteral("50")} << QStringLiteral("--gain");
        QTest::newRow("rate for device") << QStringList{QStringLiteral("--session"), QStringLiteral("S"), QStringLiteral("--seconds"), QStringLiteral("1"), QStringLiteral("--device"), QStringLiteral("Virtual:Demo"), QStringLiteral("--rate"), QStringLiteral("22050")} << QStringLiteral("48000");
        QTest::newRow("buffer for device") << QStringList{QStringLiteral("--session"), QStringLiteral("S"), QStringLiteral("--seconds"), QStringLiteral("1"), QStringLiteral("--device"), QStringLiteral("Virtual:Demo"), QStringLiteral("--buffer"), QStringLiteral("100")} << QStringLiteral("--buffer");
        QTest::newRow("unknown option") << QStringList{QStringLiteral("--session"), QStringLiteral("S"), QStringLiteral("--seconds"), QStringLiteral("1"), QStringLiteral("--loud")} << QStringLiteral("--loud");
    }

    void badOptionsExitTwo() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        for (QString& a : arguments)
            if (a == QLatin1String("S")) a = dir.path() + QStringLiteral("/s");
        const Run run = runGainstage(QStringList{QStringLiteral("record")} + arguments, dir.path());
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.startsWith(QStringLiteral("gainstage: ")) && run.err.contains(mentions), qPrintable(run.err));
        QVERIFY(!QFile::exists(dir.path() + QStringLiteral("/s/session.json")));
    }

    void unknownDeviceExitsFiveWithTheList() {
        QTemporaryDir dir;
        const Run run = runGainstage({QStringLiteral("record"), QStringLiteral("--session"), dir.path() + QStringLiteral("/s"), QStringLiteral("--seconds"),
                                   QStringLiteral("1"), QStringLiteral("--device"), QStringLiteral("no such")},
                                  dir.path());
        qInfo().noquote() << run.err.trimmed();
        QCOMPARE(run.exitCode, 5);
        QVERIFY(run.err.contains(QStringLiteral("no such device 'no such'")));
        QVERIFY(run.err.contains(QStringLiteral("'Virtual:Demo'")));
    }

    void sigtermMidTakeFinalisesTheFile() {
        QTemporaryDir dir;
        const QString session = dir.path() + QStringLiteral("/s");
        QProcess process;
        process.setProcessEnvironment(isolatedEnvironment(dir.path()));
        process.start(QStringLiteral(GAINSTAGE_BINARY), {QStringLiteral("record"), QStringLiteral("--session"), session, QStringLiteral("--seconds"),
                                                         QStringLiteral("60"), QStringLiteral("--json")});
        QVERIFY(process.waitForStarted(10000));
        // Wait until audio is on disk, then stop it as a service manager would.
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 20000 && QFileInfo(session + QStringLiteral("/audio/Input 1-1.wav")).size() < 48000 * 3 * 2)
            QTest::qWait(50);
        QVERIFY2(QFileInfo(session + QStringLiteral("/audio/Input 1-1.wav")).size() > 0, "no audio was written");
        const qint64 signalledAt = timer.elapsed();
        ::kill(static_cast<pid_t>(process.processId()), SIGTERM);
        QVERIFY(process.waitForFinished(15000));
        qInfo("SIGTERM after %.2f s: exited in %.2f s with %d", signalledAt / 1000.0, (timer.elapsed() - signalledAt) / 1000.0, process.exitCode());
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        const QJsonObject report = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
        QCOMPARE(report.value(QStringLiteral("stopped_by")).toString(), QStringLiteral("signal"));
        AudioFileError error;
        const auto audio = readAudioFile(session + QStringLiteral("/audio/Input 1-1.wav"), error);
        QVERIFY2(audio, qPrintable(error.message));
        QVERIFY(audio->numFrames() >= 2 * 48000);
        QVERIFY(!QFile::exists(session + QStringLiteral("/.recording")));
        SessionLoadResult loaded = Session::load(session);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded.session->takes.size(), size_t{1});
        QCOMPARE(loaded.session->takes[0].frames, static_cast<int64_t>(audio->numFrames()));
    }
};

QTEST_GUILESS_MAIN(TestCliRecord)
#include "test_cli_record.moc"
