// Unusual and broken audio files, through readAudioFile and through the
// command line (`gainstage analyze`, `gainstage render`): an unknown format,
// 0- and 1-frame files, 8-bit, 64-bit float, 32 channels, headers that claim
// far more than the file holds, absurd rates and channel counts; and a clip
// recorded at 44.1 kHz in a 48 kHz session, which the Recorder does not play
// and says so. Each row checks the exit code and the words of the message.
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sndfile.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/AudioFile.h"
#include "core/Engine.h"
#include "core/OfflineBackend.h"
#include "core/Recorder.h"
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

// Writes `frames` frames of a 0.5-amplitude ramp pattern (sample n of channel
// c is 0.5 * ((n + c) % 4 - 1.5) / 1.5) with libsndfile in `format`.
bool writeFile(const QString& path, int format, int channels, int rate, int64_t frames) {
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    SNDFILE* file = sf_open(QFile::encodeName(path).constData(), SFM_WRITE, &info);
    if (!file) return false;
    std::vector<double> data(static_cast<size_t>(frames * channels));
    for (int64_t n = 0; n < frames; ++n)
        for (int c = 0; c < channels; ++c) data[static_cast<size_t>(n * channels + c)] = 0.5 * (((n + c) % 4) - 1.5) / 1.5;
    const sf_count_t written = sf_writef_double(file, data.data(), frames);
    sf_close(file);
    return written == frames;
}

void writeBytes(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(bytes);
}

// A canonical 44-byte PCM WAV header with the given fields, then `payload`.
QByteArray wavHeader(int channels, uint32_t rate, int bits, uint32_t dataBytes, const QByteArray& payload) {
    QByteArray out;
    auto u32 = [&](uint32_t v) { for (int i = 0; i < 4; ++i) out.append(static_cast<char>((v >> (8 * i)) & 0xff)); };
    auto u16 = [&](uint16_t v) { for (int i = 0; i < 2; ++i) out.append(static_cast<char>((v >> (8 * i)) & 0xff)); };
    const uint16_t align = static_cast<uint16_t>(channels * bits / 8);
    out.append("RIFF");
    u32(0xFFFFFFF8u);
    out.append("WAVEfmt ");
    u32(16);
    u16(1);
    u16(static_cast<uint16_t>(channels));
    u32(rate);
    u32(rate * align);
    u16(align);
    u16(static_cast<uint16_t>(bits));
    out.append("data");
    u32(dataBytes);
    out.append(payload);
    return out;
}

} // namespace

class TestBadInputAudio : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    QString path(const QString& name) const { return dir_.filePath(name); }

private slots:
    void initTestCase() {
        QVERIFY2(QFileInfo(gainstageBinary()).isExecutable(),
                 qPrintable(QStringLiteral("%1 is missing: build the gainstage target first").arg(gainstageBinary())));
        writeBytes(path(QStringLiteral("text.wav")), "This is a text file that someone named .wav\n");
        QVERIFY(writeFile(path(QStringLiteral("zero.wav")), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 48000, 0));
        QVERIFY(writeFile(path(QStringLiteral("one.wav")), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 48000, 1));
        QVERIFY(writeFile(path(QStringLiteral("u8.wav")), SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 1, 48000, 4800));
        QVERIFY(writeFile(path(QStringLiteral("double.wav")), SF_FORMAT_WAV | SF_FORMAT_DOUBLE, 2, 48000, 4800));
        QVERIFY(writeFile(path(QStringLiteral("ch32.wav")), SF_FORMAT_WAV | SF_FORMAT_PCM_24, 32, 48000, 4800));
        QVERIFY(writeFile(path(QStringLiteral("ch65.wav")), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 65, 48000, 10));
        QVERIFY(writeFile(path(QStringLiteral("r44k.wav")), SF_FORMAT_WAV | SF_FORMAT_PCM_24, 1, 44100, 4410));
        // Headers that lie: 4 GiB of data in a 60-byte file; a 2 GHz rate.
        writeBytes(path(QStringLiteral("claims4g.wav")), wavHeader(2, 48000, 16, 0xFFFFFFF0u, QByteArray(16, '\0')));
        writeBytes(path(QStringLiteral("rate2g.wav")), wavHeader(1, 2000000000u, 16, 16, QByteArray(16, '\0')));
        writeBytes(path(QStringLiteral("truncated.wav")), wavHeader(1, 48000, 16, 100, QByteArray()).left(20));
    }

    // readAudioFile and `gainstage analyze` on each file: the frames and
    // channels it holds, or the exit code and the message.
    void analyzeEachFile_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message"); // in stderr (and readAudioFile's error); empty when it reads
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("frames");
        const QString notAudio = QStringLiteral("not an audio file Gainstage can read");
        QTest::newRow("text named .wav") << "text.wav" << 3 << notAudio << 0 << 0;
        QTest::newRow("truncated header") << "truncated.wav" << 3 << notAudio << 0 << 0;
        QTest::newRow("0 frames") << "zero.wav" << 0 << QString() << 1 << 0;
        QTest::newRow("1 frame") << "one.wav" << 0 << QString() << 1 << 1;
        QTest::newRow("8-bit") << "u8.wav" << 0 << QString() << 1 << 4800;
        QTest::newRow("64-bit float") << "double.wav" << 0 << QString() << 2 << 4800;
        QTest::newRow("32 channels") << "ch32.wav" << 0 << QString() << 32 << 4800;
        QTest::newRow("header claims 4 GiB") << "claims4g.wav" << 0 << QString() << 2 << 4;
        QTest::newRow("65 channels") << "ch65.wav" << 3 << QStringLiteral("it has 65 channels; Gainstage reads up to 64") << 0 << 0;
        QTest::newRow("2 GHz rate") << "rate2g.wav" << 3 << QStringLiteral("its sample rate is 2000000000 Hz; Gainstage reads 8000 to 768000 Hz") << 0 << 0;
    }
    void analyzeEachFile() {
        QFETCH(QString, file);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QFETCH(int, channels);
        QFETCH(int, frames);
        AudioFileError error;
        const auto audio = readAudioFile(path(file), error);
        const Run run = runGainstage({QStringLiteral("analyze"), path(file), QStringLiteral("--json")});
        qInfo().noquote() << QTest::currentDataTag() << "-> exit" << run.exitCode << (run.exitCode ? run.err.trimmed() : QString());
        QCOMPARE(run.exitCode, exitCode);
        if (message.isEmpty()) {
            QVERIFY2(audio, qPrintable(error.message));
            QCOMPARE(audio->numChannels(), channels);
            QCOMPARE(audio->numFrames(), static_cast<long long>(frames));
            const QJsonObject report = QJsonDocument::fromJson(run.out.toUtf8()).object();
            QCOMPARE(report.value(QStringLiteral("channels")).toInt(), channels);
            QCOMPARE(report.value(QStringLiteral("frames")).toInt(), frames);
            QVERIFY(run.err.isEmpty());
            // The ramp pattern survives every format (8-bit to within its step).
            if (frames >= 4) {
                const float expected = static_cast<float>(0.5 * (1 - 1.5) / 1.5); // n = 1, c = 0
                QVERIFY2(std::abs(audio->channels[0][1] - expected) < 1.0f / 64.0f || file == QLatin1String("claims4g.wav"),
                         qPrintable(QString::number(audio->channels[0][1])));
            }
        } else {
            QVERIFY(!audio);
            QVERIFY2(error.message.contains(message), qPrintable(error.message));
            QVERIFY2(error.message.contains(path(file)), qPrintable(error.message));
            QVERIFY2(run.err.startsWith(QStringLiteral("gainstage: cannot read '%1'").arg(path(file))), qPrintable(run.err));
            QVERIFY2(run.err.contains(message), qPrintable(run.err));
            QCOMPARE(run.err.count(QLatin1Char('\n')), 1);
            QVERIFY(run.out.isEmpty());
        }
    }

    // A file longer than the import limit is refused with a message, not read
    // until memory runs out; the limit counts the samples actually decoded.
    void importLimitIsKept() {
        AudioFileError error;
        QVERIFY(!readAudioFile(path(QStringLiteral("ch32.wav")), error, 32 * 4799));
        QVERIFY2(error.message.contains(QStringLiteral("longer than Gainstage loads at once")), qPrintable(error.message));
        QVERIFY2(error.message.contains(QStringLiteral("split it into shorter files")), qPrintable(error.message));
        QVERIFY(readAudioFile(path(QStringLiteral("ch32.wav")), error, 32 * 4800));
    }

    // `gainstage render` on each: OUT has IN's frames and channels, or the
    // exit code and message of analyze, and no OUT is left behind.
    void renderEachFile_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("frames");
        QTest::newRow("text named .wav") << "text.wav" << 3 << 0 << 0;
        QTest::newRow("0 frames") << "zero.wav" << 0 << 1 << 0;
        QTest::newRow("1 frame") << "one.wav" << 0 << 1 << 1;
        QTest::newRow("8-bit") << "u8.wav" << 0 << 1 << 4800;
        QTest::newRow("64-bit float") << "double.wav" << 0 << 2 << 4800;
        QTest::newRow("32 channels") << "ch32.wav" << 0 << 32 << 4800;
        QTest::newRow("2 GHz rate") << "rate2g.wav" << 3 << 0 << 0;
    }
    void renderEachFile() {
        QFETCH(QString, file);
        QFETCH(int, exitCode);
        QFETCH(int, channels);
        QFETCH(int, frames);
        const QString out = path(QStringLiteral("out-%1").arg(file));
        QFile::remove(out);
        const Run run = runGainstage({QStringLiteral("render"), path(file), out, QStringLiteral("--model"), QStringLiteral("tube"), QStringLiteral("--json")});
        qInfo().noquote() << QTest::currentDataTag() << "-> exit" << run.exitCode << (run.exitCode ? run.err.trimmed() : QString());
        QCOMPARE(run.exitCode, exitCode);
        if (exitCode != 0) {
            QVERIFY2(run.err.startsWith(QStringLiteral("gainstage: cannot read '%1'").arg(path(file))), qPrintable(run.err));
            QVERIFY(!QFileInfo::exists(out));
            return;
        }
        AudioFileError error;
        const auto written = readAudioFile(out, error);
        QVERIFY2(written, qPrintable(error.message));
        QCOMPARE(written->numChannels(), channels);
        QCOMPARE(written->numFrames(), static_cast<long long>(frames));
        QCOMPARE(written->sampleRate, 48000.0);
    }

    // A 44.1 kHz take in a session played at 48 kHz: the Recorder does not play
    // it (it would be at the wrong speed and pitch) and says which clip, at
    // what rate, and the device's rate; nothing crashes, the other work goes on.
    void takeAtAnotherRateIsNotPlayed() {
        QTemporaryDir session;
        QVERIFY(QDir().mkpath(session.filePath(QStringLiteral("audio"))));
        QVERIFY(QFile::copy(path(QStringLiteral("r44k.wav")), session.filePath(QStringLiteral("audio/Guitar-1.wav"))));
        Session s;
        s.name = QStringLiteral("Rates");
        s.sampleRate = 44100;
        SessionTrack track;
        track.id = QStringLiteral("t1");
        track.name = QStringLiteral("Guitar");
        track.clips.push_back(Clip{QStringLiteral("audio/Guitar-1.wav"), 0, 4410, 0, false});
        s.tracks.push_back(track);
        // A file copied in by hand has no take record: its header is asked.
        QVERIFY(QFile::copy(path(QStringLiteral("r44k.wav")), session.filePath(QStringLiteral("audio/Loop.wav"))));
        SessionTrack loop;
        loop.id = QStringLiteral("t2");
        loop.name = QStringLiteral("Loop");
        loop.clips.push_back(Clip{QStringLiteral("audio/Loop.wav"), 0, 4410, 0, false});
        s.tracks.push_back(loop);
        TakeRecord take;
        take.file = QStringLiteral("audio/Guitar-1.wav");
        take.trackId = QStringLiteral("t1");
        take.sampleRate = 44100;
        take.frames = 4410;
        s.takes.push_back(take);
        QString error;
        QVERIFY2(s.save(session.path(), error), qPrintable(error));

        StreamFormat format;
        format.sampleRate = 48000;
        format.maxBlockFrames = 256;
        format.inputChannels = 1;
        format.outputChannels = 2;
        Engine engine;
        OfflineBackend backend(format);
        backend.start(engine);
        Recorder recorder(engine);
        QString notice;
        QVERIFY2(recorder.openSession(session.path(), notice, error), qPrintable(error));
        QVERIFY2(recorder.preparePlayback(error), qPrintable(error));
        const QStringList messages = recorder.takeMessages();
        qInfo().noquote() << "44.1 kHz take at 48 kHz ->" << messages;
        QCOMPARE(messages.size(), qsizetype(2));
        QVERIFY2(messages.first().contains(QStringLiteral("Guitar does not play audio/Guitar-1.wav")), qPrintable(messages.first()));
        QVERIFY2(messages.last().contains(QStringLiteral("Loop does not play audio/Loop.wav")), qPrintable(messages.last()));
        for (const QString& message : messages)
            QVERIFY2(message.contains(QStringLiteral("recorded at 44100 Hz and the device runs at 48000 Hz")), qPrintable(message));

        // Recording a new take there is refused too, with both rates named.
        const QString id = recorder.addTrack(QStringLiteral("Vocal"), 0, false, PreampSettings{});
        QVERIFY(recorder.setArmed(id, true));
        QVERIFY(!recorder.startTake(error));
        qInfo().noquote() << "record at 48 kHz into a 44.1 kHz session ->" << error;
        QVERIFY2(error.contains(QStringLiteral("44100 Hz")) && error.contains(QStringLiteral("48000 Hz")), qPrintable(error));
        backend.stop();
    }
};

QTEST_GUILESS_MAIN(TestBadInputAudio)
#include "test_badinput_audio.moc"
