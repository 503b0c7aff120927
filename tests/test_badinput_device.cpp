// Device settings the device cannot take: `gainstage record` (and
// `calibrate`) with an unsupported rate or buffer, and a device that does not
// exist (or vanished since the last run). Each exits non-zero with one line
// naming the value and what to use instead, before anything is written: an
// existing session folder is left byte for byte as it was, and a new one is
// not even created.
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "core/Session.h"

using namespace gainstage;

namespace {

QString gainstageBinary() {
    return QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../bin/gainstage"));
}

struct Run {
    int exitCode = -1;
    QString out, err;
};

Run runGainstage(const QStringList& arguments) {
    QProcess process;
    process.start(gainstageBinary(), arguments);
    Run run;
    if (!process.waitForStarted(10000) || !process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished(5000);
        run.err = QStringLiteral("did not run: %1").arg(process.errorString());
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromLocal8Bit(process.readAllStandardOutput());
    run.err = QString::fromLocal8Bit(process.readAllStandardError());
    return run;
}

// Every entry under `root` with its size, modification time and, for files,
// its bytes: equal snapshots mean nothing was created, removed or changed.
QStringList snapshot(const QString& root) {
    QStringList entries;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QFileInfo info(path);
        QByteArray bytes;
        if (info.isFile()) {
            QFile file(path);
            if (file.open(QIODevice::ReadOnly)) bytes = file.readAll();
        }
        entries << QStringLiteral("%1 %2 %3 %4").arg(path).arg(info.size()).arg(info.lastModified().toMSecsSinceEpoch()).arg(qHash(bytes));
    }
    entries.sort();
    return entries;
}

} // namespace

class TestBadInputDevice : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY2(QFileInfo(gainstageBinary()).isExecutable(),
                 qPrintable(QStringLiteral("%1 is missing: build the gainstage target first").arg(gainstageBinary())));
    }

    void refusedBeforeAnythingIsWritten_data() {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QStringList>("message"); // every part must be in the one line on stderr
        const QString device = QStringLiteral("Virtual:Demo");
        QTest::newRow("rate 12345") << QStringList{"--device", device, "--rate", "12345"} << 2
                                    << QStringList{"--rate 12345 is not supported by Virtual:Demo", "use 44100, 48000"};
        QTest::newRow("rate 12345, default device") << QStringList{"--rate", "12345"} << 2
                                                    << QStringList{"--rate 12345 is not", "use 44100, 48000"};
        QTest::newRow("rate 1e9") << QStringList{"--device", device, "--rate", "1e9"} << 2
                                  << QStringList{"--rate 1e9 is out of range", "use 8000 to 384000 Hz"};
        QTest::newRow("rate 48000.5") << QStringList{"--device", device, "--rate", "48000.5"} << 2
                                      << QStringList{"--rate '48000.5' is not allowed", "whole number of Hz"};
        QTest::newRow("buffer 7") << QStringList{"--device", device, "--buffer", "7"} << 2
                                  << QStringList{"--buffer 7 is out of range", "use 32 to 4096 frames"};
        QTest::newRow("buffer 100000") << QStringList{"--device", device, "--buffer", "100000"} << 2
                                       << QStringList{"--buffer 100000 is out of range", "use 32 to 4096 frames"};
        QTest::newRow("buffer 100") << QStringList{"--device", device, "--buffer", "100"} << 2
                                    << QStringList{"--buffer 100 is not supported by Virtual:Demo", "use 32, 64"};
        QTest::newRow("buffer 100, default device") << QStringList{"--buffer", "100"} << 2
                                                    << QStringList{"--buffer 100 is not allowed", "power of two from 32 to 4096"};
        QTest::newRow("no such device") << QStringList{"--device", "ALSA:NoSuchCard"} << 5
                                        << QStringList{"record: no such device 'ALSA:NoSuchCard'", "the devices are", "'Virtual:Demo'"};
        QTest::newRow("vanished device, by name") << QStringList{"--device", "USB Audio CODEC"} << 5
                                                  << QStringList{"record: no such device 'USB Audio CODEC'", "'Virtual:Demo'"};
    }
    // Into an existing session (left exactly as it was) and into a new folder
    // (not created).
    void refusedBeforeAnythingIsWritten() {
        QFETCH(QStringList, options);
        QFETCH(int, exitCode);
        QFETCH(QStringList, message);
        QTemporaryDir dir;
        const QString existing = dir.filePath(QStringLiteral("song"));
        Session session;
        session.name = QStringLiteral("Song");
        session.devices[QStringLiteral("ALSA:USB Audio CODEC")] = DeviceSettings{44100, 128};
        QString error;
        QVERIFY2(session.save(existing, error), qPrintable(error));
        const QStringList before = snapshot(existing);
        const QString fresh = dir.filePath(QStringLiteral("new-song"));

        for (const QString& folder : {existing, fresh}) {
            const Run run = runGainstage(QStringList{QStringLiteral("record"), QStringLiteral("--session"), folder, QStringLiteral("--seconds"),
                                                     QStringLiteral("0.5")} + options);
            if (folder == existing) qInfo().noquote() << QTest::currentDataTag() << "-> exit" << run.exitCode << run.err.trimmed();
            QCOMPARE(run.exitCode, exitCode);
            QVERIFY2(run.err.startsWith(QStringLiteral("gainstage: ")), qPrintable(run.err));
            QCOMPARE(run.err.count(QLatin1Char('\n')), 1);
            for (const QString& part : message) QVERIFY2(run.err.contains(part), qPrintable(run.err));
        }
        QCOMPARE(snapshot(existing), before);
        QVERIFY2(!QFileInfo::exists(fresh), "a refused record must not create the session folder");
    }

    // calibrate with a device that is not there: the same exit code and list.
    void calibrateNoSuchDevice() {
        const Run run = runGainstage({QStringLiteral("calibrate"), QStringLiteral("--device"), QStringLiteral("ALSA:NoSuchCard")});
        qInfo().noquote() << "calibrate --device ALSA:NoSuchCard -> exit" << run.exitCode << run.err.trimmed();
        QCOMPARE(run.exitCode, 5);
        QVERIFY2(run.err.contains(QStringLiteral("NoSuchCard")), qPrintable(run.err));
        QVERIFY2(run.err.contains(QStringLiteral("Virtual:Demo")), qPrintable(run.err));
        QCOMPARE(run.err.count(QLatin1Char('\n')), 1);
    }
};

QTEST_GUILESS_MAIN(TestBadInputDevice)
#include "test_badinput_device.moc"
