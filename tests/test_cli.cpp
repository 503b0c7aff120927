// The command line, driven as a user or a script drives it: the real
// `gainstage` executable run with QProcess on files made here with libsndfile.
// Checks exit codes and the one-line errors, the JSON contract of the report,
// the report's numbers against signals whose levels are known, and render's
// promises (same frames, channels and rate; latency compensated; bit-identical
// at the defaults; nothing half-written on failure).
//
// Timing is not asserted (that belongs in benchmarks); the render real-time
// factor is printed with qInfo().
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <ebur128.h>
#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "TestSignals.h"
#include "dsp/DspMath.h"

using namespace gainstage;

namespace {

using Channels = std::vector<std::vector<float>>;

struct Result {
    int exitCode = -1;
    QString out;
    QString err;
};

struct SoundFile {
    SF_INFO info{};
    Channels channels;
};

// Runs gainstage; `asUser` drops privileges in the child (so that a read-only
// folder is read-only even when the tests run as root).
Result runGainstage(const QStringList& arguments, bool asUnprivilegedUser = false) {
    QProcess process;
    if (asUnprivilegedUser && ::geteuid() == 0)
        process.setChildProcessModifier([] {
            if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(99);
        });
    process.start(QStringLiteral(GAINSTAGE_BINARY), arguments);
    if (!process.waitForFinished(120000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

bool writeSoundFile(const QString& path, const Channels& channels, int sampleRate, int format) {
    SF_INFO info{};
    info.samplerate = sampleRate;
    info.channels = static_cast<int>(channels.size());
    info.format = format;
    SNDFILE* file = sf_open(QFile::encodeName(path).constData(), SFM_WRITE, &info);
    if (!file) return false;
    sf_command(file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
    const size_t frames = channels.front().size();
    std::vector<float> interleaved(frames * channels.size());
    for (size_t n = 0; n < frames; ++n)
        for (size_t c = 0; c < channels.size(); ++c) interleaved[n * channels.size() + c] = channels[c][n];
    const bool ok = sf_writef_float(file, interleaved.data(), static_cast<sf_count_t>(frames)) == static_cast<sf_count_t>(frames);
    return sf_close(file) == 0 && ok;
}

SoundFile readSoundFile(const QString& path) {
    SoundFile sound;
    SNDFILE* file = sf_open(QFile::encodeName(path).constData(), SFM_READ, &sound.info);
    if (!file) return sound;
    std::vector<float> interleaved(static_cast<size_t>(sound.info.frames * sound.info.channels));
    sf_readf_float(file, interleaved.data(), sound.info.frames);
    sf_close(file);
    sound.channels.assign(static_cast<size_t>(sound.info.channels), std::vector<float>(static_cast<size_t>(sound.info.frames)));
    for (size_t n = 0; n < static_cast<size_t>(sound.info.frames); ++n)
        for (size_t c = 0; c < sound.channels.size(); ++c) sound.channels[c][n] = interleaved[n * sound.channels.size() + c];
    return sound;
}

constexpr int kWavFloat = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
constexpr int kWav24 = SF_FORMAT_WAV | SF_FORMAT_PCM_24;

QJsonObject parseJson(const QString& text) {
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) return {};
    return document.object();
}

QSet<QString> keySet(const QJsonObject& object) {
    const QStringList keys = object.keys();
    return QSet<QString>(keys.begin(), keys.end());
}

const QSet<QString> kTopKeys = {"file", "sample_rate", "channels", "frames", "lufs_integrated", "lufs_momentary_max", "lufs_short_term_max",
                                "channel_reports"};
const QSet<QString> kChannelKeys = {"sample_peak_dbfs", "true_peak_dbtp", "rms_dbfs", "clipped_samples", "window_status", "advice_db"};

// Every error is one line on stderr that starts with "gainstage: ".
#define VERIFY_ONE_LINE_ERROR(result)                                                                                              \
    do {                                                                                                                           \
        QVERIFY2((result).err.startsWith(QStringLiteral("gainstage: ")), qPrintable((result).err));                               \
        QVERIFY2((result).err.endsWith(QLatin1Char('\n')), qPrintable((result).err));                                              \
        QCOMPARE((result).err.count(QLatin1Char('\n')), 1);                                                                        \
    } while (false)

// Everything in `folder`, hidden temporaries included.
QStringList folderContents(const QString& folder) {
    return QDir(folder).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString path(const QString& name) const { return dir_.filePath(name); }

    // A 997 Hz sine (not a sub-multiple of the rate, so the peaks are sampled
    // at every phase) of `amplitude`, on every channel.
    QString makeSine(const QString& name, double amplitude, int channels = 1, double seconds = 2.0, int rate = 48000,
                     int format = kWavFloat) {
        const auto tone = test::sine(997.0, rate, static_cast<int>(seconds * rate), amplitude);
        const QString file = path(name);
        return writeSoundFile(file, Channels(static_cast<size_t>(channels), tone), rate, format) ? file : QString();
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QVERIFY2(QFile::exists(QStringLiteral(GAINSTAGE_BINARY)), GAINSTAGE_BINARY);
    }

    // ---- help and version ----

    void helpListsTheCommands() {
        const Result result = runGainstage({"--help"});
        QCOMPARE(result.exitCode, 0);
        QVERIFY(result.out.contains("Usage: gainstage"));
        QVERIFY(result.out.contains("analyze FILE"));
        QVERIFY(result.out.contains("render IN OUT"));
        QVERIFY(result.out.contains("help [COMMAND]"));
        QVERIFY(result.err.isEmpty());
        QCOMPARE(runGainstage({"-h"}).out, result.out);
        QCOMPARE(runGainstage({"help"}).out, result.out);
    }

    void versionPrintsTheVersion() {
        const Result result = runGainstage({"--version"});
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(QRegularExpression("^gainstage \\d+\\.\\d+\\.\\d+\\n$").match(result.out).hasMatch(), qPrintable(result.out));
    }

    void commandHelpListsItsOptions() {
        const Result viaHelp = runGainstage({"help", "render"});
        const Result viaOption = runGainstage({"render", "--help"});
        QCOMPARE(viaHelp.exitCode, 0);
        QCOMPARE(viaOption.exitCode, 0);
        QCOMPARE(viaHelp.out, viaOption.out);
        QVERIFY(viaHelp.out.startsWith("Usage: gainstage render IN OUT [options]"));
        for (const char* option : {"--source", "--model", "--gain", "--pad", "--low-cut", "--phase", "--input-z", "--trim",
                                   "--calibration", "--format", "--json", "--window"})
            QVERIFY2(viaHelp.out.contains(QLatin1String(option)), option);

        const Result analyze = runGainstage({"analyze", "--help"});
        QCOMPARE(analyze.exitCode, 0);
        QVERIFY(analyze.out.startsWith("Usage: gainstage analyze FILE [options]"));
        QVERIFY(analyze.out.contains("--window"));
        QVERIFY(analyze.out.contains("100 ms")); // says what a "peak" is
    }

    // ---- usage errors: exit 2 ----

    void unknownOptionIsUsageError_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("named");
        QTest::newRow("top level") << QStringList{"--frobnicate"} << "--frobnicate";
        QTest::newRow("analyze") << QStringList{"analyze", "x.wav", "--frobnicate"} << "--frobnicate";
        QTest::newRow("render") << QStringList{"render", "a.wav", "b.wav", "--loud"} << "--loud";
    }
    void unknownOptionIsUsageError() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, named);
        const Result result = runGainstage(arguments);
        QCOMPARE(result.exitCode, 2);
        VERIFY_ONE_LINE_ERROR(result);
        QVERIFY2(result.err.contains(named), qPrintable(result.err));
    }

    void unknownCommandIsUsageError() {
        const Result result = runGainstage({"mixdown", "x.wav"});
        QCOMPARE(result.exitCode, 2);
        VERIFY_ONE_LINE_ERROR(result);
        QVERIFY(result.err.contains("mixdown"));
        QVERIFY(result.err.contains("analyze"));
        QCOMPARE(runGainstage({"help", "mixdown"}).exitCode, 2);
    }

    void missingArgumentsAreUsageErrors() {
        for (const QStringList& arguments : {QStringList{"analyze"}, QStringList{"render", "in.wav"},
                                             QStringList{"analyze", "a.wav", "b.wav"}, QStringList{"render", "a.wav", "b.wav", "--gain"}}) {
            const Result result = runGainstage(arguments);
            QCOMPARE(result.exitCode, 2);
            VERIFY_ONE_LINE_ERROR(result);
        }
    }

    void gainOutsideTheSourceRangeIsUsageError_data() {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("gain");
        QTest::addColumn<QString>("allowed");
        QTest::newRow("mic above +60") << "mic" << "61" << "-20 to +60 dB";
        QTest::newRow("mic below -20") << "mic" << "-21" << "-20 to +60 dB";
        QTest::newRow("di above +40") << "di" << "45" << "-20 to +40 dB";
        QTest::newRow("di below -20") << "di" << "-20.5" << "-20 to +40 dB";
        QTest::newRow("not a number") << "mic" << "loud" << "-20 to +60 dB";
        QTest::newRow("infinite") << "mic" << "inf" << "-20 to +60 dB";
    }
    void gainOutsideTheSourceRangeIsUsageError() {
        QFETCH(QString, source);
        QFETCH(QString, gain);
        QFETCH(QString, allowed);
        const QString in = makeSine("gain-range.wav", 0.01);
        const QString out = path("gain-range-out.wav");
        const Result result = runGainstage({"render", in, out, "--source", source, "--gain", gain});
        QCOMPARE(result.exitCode, 2);
        VERIFY_ONE_LINE_ERROR(result);
        QVERIFY2(result.err.contains("--gain") && result.err.contains(allowed), qPrintable(result.err));
        QVERIFY(!QFile::exists(out));
    }

    void gainRangeDependsOnTheSource() {
        const QString in = makeSine("gain-source.wav", 0.001);
        QCOMPARE(runGainstage({"render", in, path("gain-source-mic.wav"), "--source", "mic", "--gain", "45"}).exitCode, 0);
        QCOMPARE(runGainstage({"render", in, path("gain-source-di.wav"), "--source", "di", "--gain", "45"}).exitCode, 2);
    }

    void badOptionValuesAreUsageErrors_data() {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("named");
        QTest::addColumn<QString>("allowed");
        QTest::newRow("low-cut 100") << QStringList{"--low-cut", "100"} << "--low-cut" << "OFF, 50, 80, 160 or 300";
        QTest::newRow("low-cut empty") << QStringList{"--low-cut="} << "--low-cut" << "OFF, 50, 80, 160 or 300";
        QTest::newRow("model") << QStringList{"--model", "fuzz"} << "--model" << "clean, tube or transformer";
        QTest::newRow("source") << QStringList{"--source", "line"} << "--source" << "mic or di";
        QTest::newRow("format") << QStringList{"--format", "mp3"} << "--format" << "pcm24 or float";
        QTest::newRow("input-z tiny") << QStringList{"--input-z", "5"} << "--input-z" << "50 to 10000000 ohms";
        QTest::newRow("input-z huge") << QStringList{"--source", "di", "--input-z", "2e7"} << "--input-z" << "50 to 10000000 ohms";
        QTest::newRow("trim") << QStringList{"--trim", "30"} << "--trim" << "-24 to +24 dB";
        QTest::newRow("calibration") << QStringList{"--calibration", "30"} << "--calibration" << "6 to 24 dBu";
        QTest::newRow("flag with value") << QStringList{"--pad=yes"} << "--pad" << "";
    }
    void badOptionValuesAreUsageErrors() {
        QFETCH(QStringList, options);
        QFETCH(QString, named);
        QFETCH(QString, allowed);
        const QString in = makeSine("bad-value.wav", 0.01);
        const Result result = runGainstage(QStringList{"render", in, path("bad-value-out.wav")} + options);
        QCOMPARE(result.exitCode, 2);
        VERIFY_ONE_LINE_ERROR(result);
        QVERIFY2(result.err.contains(named) && result.err.contains(allowed), qPrintable(result.err));
    }

    void badWindowIsUsageError_data() {
        QTest::addColumn<QString>("window");
        QTest::newRow("reversed") << "-3,-6";
        QTest::newRow("equal") << "-6,-6";
        QTest::newRow("one number") << "-6";
        QTest::newRow("three numbers") << "-6,-3,0";
        QTest::newRow("above full scale") << "-6,3";
        QTest::newRow("too low") << "-100,0";
        QTest::newRow("words") << "low,high";
        QTest::newRow("nan") << "nan,0";
    }
    void badWindowIsUsageError() {
        QFETCH(QString, window);
        const QString in = makeSine("window.wav", 0.5);
        for (const QStringList& arguments : {QStringList{"analyze", in, "--window", window},
                                             QStringList{"render", in, path("window-out.wav"), "--window=" + window}}) {
            const Result result = runGainstage(arguments);
            QCOMPARE(result.exitCode, 2);
            VERIFY_ONE_LINE_ERROR(result);
            QVERIFY2(result.err.contains("--window") && result.err.contains("LO < HI"), qPrintable(result.err));
        }
        QVERIFY(!QFile::exists(path("window-out.wav")));
    }

    void customWindowChangesStatusAndAdvice() {
        const QString in = makeSine("custom-window.wav", 0.5); // -6.02 dBFS
        const QJsonObject report = parseJson(runGainstage({"analyze", in, "--json", "--window", "-18,-12"}).out);
        const QJsonObject channel = report["channel_reports"].toArray().at(0).toObject();
        QCOMPARE(channel["window_status"].toString(), QStringLiteral("clipped")); // above the window's top
        QVERIFY(std::fabs(channel["advice_db"].toDouble() - (-15.0 + 6.02)) < 0.05);
    }

    // ---- input errors: exit 3 ----

    void missingInputIsInputError() {
        const QString missing = path("no-such-take.wav");
        for (const QStringList& arguments : {QStringList{"analyze", missing}, QStringList{"render", missing, path("missing-out.wav")}}) {
            const Result result = runGainstage(arguments);
            QCOMPARE(result.exitCode, 3);
            VERIFY_ONE_LINE_ERROR(result);
            QVERIFY2(result.err.contains(missing) && result.err.contains("no such file"), qPrintable(result.err));
        }
        QVERIFY(!QFile::exists(path("missing-out.wav")));
    }

    void textFileNamedWavIsInputError() {
        const QString fake = path("notes.wav");
        QFile file(fake);
        QVERIFY(file.open(QIODevice::WriteOnly));
        for (int i = 0; i < 50; ++i) file.write("Take 3: vocals, SM7B, gain at two o'clock.\n");
        file.close();
        const Result result = runGainstage({"analyze", fake});
        QCOMPARE(result.exitCode, 3);
        VERIFY_ONE_LINE_ERROR(result);
        QVERIFY2(result.err.contains(fake) && result.err.contains("not an audio file"), qPrintable(result.err));
        QCOMPARE(runGainstage({"render", fake, path("notes-out.wav")}).exitCode, 3);
        QVERIFY(!QFile::exists(path("notes-out.wav")));
    }

    // ---- output errors: exit 4, nothing left behind ----

    void outputInMissingFolderIsOutputError() {
        const QString in = makeSine("to-missing-folder.wav", 0.1);
        const QString out = path("no-such-folder/out.wav");
        const Result result = runGainstage({"render", in, out});
        QCOMPARE(result.exitCode, 4);
        VERIFY_ONE_LINE_ERROR(result);
        QVERIFY2(result.err.contains(out) && result.err.contains("does not exist"), qPrintable(result.err));
        QVERIFY(!QFile::exists(out));
    }

    void outputInReadOnlyFolderIsOutputError() {
        // A world-readable scratch folder, so an unprivileged child can read the input.
        QTemporaryDir scratch(QDir::tempPath() + QStringLiteral("/gainstage-ro-XXXXXX"));
        QVERIFY(scratch.isValid());
        ::chmod(QFile::encodeName(scratch.path()).constData(), 0755);
        const QString in = scratch.filePath("in.wav");
        QVERIFY(writeSoundFile(in, {test::sine(997.0, 48000, 48000, 0.1)}, 48000, kWavFloat));
        ::chmod(QFile::encodeName(in).constData(), 0644);
        const QString locked = scratch.filePath("locked");
        QVERIFY(QDir().mkdir(locked));
        ::chmod(QFile::encodeName(locked).constData(), 0555);

        const QString out = locked + QStringLiteral("/out.wav");
        const Result result = runGainstage({"render", in, out}, true);
        ::chmod(QFile::encodeName(locked).constData(), 0755); // so the scratch folder can be removed
        if (result.exitCode == 99) QSKIP("could not drop root privileges to test a read-only folder");
        QCOMPARE(result.exitCode, 4);
        VERIFY_ONE_LINE_ERROR(result);
        QVERIFY2(result.err.contains(out), qPrintable(result.err));
        QCOMPARE(folderContents(locked), QStringList());
    }

    void failedRenderKeepsTheExistingOutput() {
        const QString out = makeSine("keep-me.wav", 0.25);
        const QByteArray before = [&] {
            QFile file(out);
            return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
        }();
        QCOMPARE(runGainstage({"render", path("no-such-input.wav"), out}).exitCode, 3);
        QFile after(out);
        QVERIFY(after.open(QIODevice::ReadOnly));
        QCOMPARE(after.readAll(), before);
    }

    // ---- analyze ----

    void analyzeJsonHasExactlyTheDocumentedKeys() {
        const QString in = makeSine("keys.wav", 0.5);
        const Result result = runGainstage({"analyze", in, "--json"});
        QCOMPARE(result.exitCode, 0);
        QVERIFY(result.err.isEmpty());
        const QJsonObject report = parseJson(result.out);
        QCOMPARE(keySet(report), kTopKeys);
        QCOMPARE(report["file"].toString(), in);
        QCOMPARE(report["sample_rate"].toInt(), 48000);
        QCOMPARE(report["channels"].toInt(), 1);
        QCOMPARE(report["frames"].toInt(), 96000);
        const QJsonArray channels = report["channel_reports"].toArray();
        QCOMPARE(channels.size(), 1);
        QCOMPARE(keySet(channels.at(0).toObject()), kChannelKeys);
    }

    void analyzeHalfScaleSine() {
        const QString in = makeSine("half-scale.wav", 0.5);
        const QJsonObject channel = parseJson(runGainstage({"analyze", in, "--json"}).out)["channel_reports"].toArray().at(0).toObject();
        QVERIFY2(std::fabs(channel["sample_peak_dbfs"].toDouble() - (-6.02)) <= 0.01, qPrintable(QString::number(channel["sample_peak_dbfs"].toDouble())));
        QVERIFY2(std::fabs(channel["true_peak_dbtp"].toDouble() - (-6.02)) <= 0.05, qPrintable(QString::number(channel["true_peak_dbtp"].toDouble())));
        QVERIFY2(std::fabs(channel["rms_dbfs"].toDouble() - (-9.03)) <= 0.02, qPrintable(QString::number(channel["rms_dbfs"].toDouble())));
        QCOMPARE(channel["clipped_samples"].toInt(), 0);
        QCOMPARE(channel["window_status"].toString(), QStringLiteral("in_window"));
        QVERIFY2(std::fabs(channel["advice_db"].toDouble() - 3.02) <= 0.05, qPrintable(QString::number(channel["advice_db"].toDouble())));
    }

    void analyzeTextIsATableWithAdviceInWords() {
        const QString quiet = makeSine("quiet.wav", 0.1); // -20 dBFS: 17 dB below the -3 dBTP target
        const Result result = runGainstage({"analyze", quiet});
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.out.contains("raise Gain by 17.0 dB"), qPrintable(result.out));
        QVERIFY(result.out.contains("Sample peak") && result.out.contains("True peak") && result.out.contains("LUFS"));
        QVERIFY(result.out.contains("-20.0 dBFS"));
        QVERIFY(runGainstage({"analyze", makeSine("in-window.wav", 0.5)}).out.contains("peaks are in the window"));
        const Result hot = runGainstage({"analyze", makeSine("hot.wav", 0.5), "--window", "-20,-10"}); // target -15 dBTP
        QVERIFY2(hot.out.contains("lower Gain by 9.0 dB"), qPrintable(hot.out));
    }

    void analyzeSilenceGivesNulls() {
        const QString in = path("silence.wav");
        QVERIFY(writeSoundFile(in, {std::vector<float>(48000 * 4, 0.0f)}, 48000, kWav24));
        const Result result = runGainstage({"analyze", in, "--json"});
        QCOMPARE(result.exitCode, 0);
        const QJsonObject report = parseJson(result.out);
        QCOMPARE(keySet(report), kTopKeys);
        for (const char* key : {"lufs_integrated", "lufs_momentary_max", "lufs_short_term_max"}) QVERIFY2(report[key].isNull(), key);
        const QJsonObject channel = report["channel_reports"].toArray().at(0).toObject();
        QCOMPARE(keySet(channel), kChannelKeys);
        for (const char* key : {"sample_peak_dbfs", "true_peak_dbtp", "rms_dbfs", "advice_db"}) QVERIFY2(channel[key].isNull(), key);
        QCOMPARE(channel["clipped_samples"].toInt(), 0);
        QCOMPARE(channel["window_status"].toString(), QStringLiteral("low"));

        const Result text = runGainstage({"analyze", in});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("no signal"));
    }

    void analyzeEmptyFileDoesNotCrash() {
        const QString in = path("empty.wav");
        SF_INFO info{};
        info.samplerate = 48000;
        info.channels = 1;
        info.format = kWav24;
        sf_close(sf_open(QFile::encodeName(in).constData(), SFM_WRITE, &info));
        const Result result = runGainstage({"analyze", in, "--json"});
        QCOMPARE(result.exitCode, 0);
        QCOMPARE(parseJson(result.out)["frames"].toInt(), 0);
    }

    void analyzeFullScaleSamplesReadAsClipped() {
        auto take = test::sine(997.0, 48000, 48000, 0.25);
        for (int n = 24000; n < 24004; ++n) take[static_cast<size_t>(n)] = 1.0f;
        const QString in = path("clipped.wav");
        QVERIFY(writeSoundFile(in, {take}, 48000, kWavFloat));
        const QJsonObject channel = parseJson(runGainstage({"analyze", in, "--json"}).out)["channel_reports"].toArray().at(0).toObject();
        QCOMPARE(channel["window_status"].toString(), QStringLiteral("clipped"));
        QVERIFY2(channel["clipped_samples"].toInt() >= 4, qPrintable(QString::number(channel["clipped_samples"].toInt())));
        QVERIFY(channel["advice_db"].toDouble() < 0.0);
    }

    void analyzeStereoGivesTwoChannelReports() {
        const QString in = path("stereo.wav");
        QVERIFY(writeSoundFile(in, {test::sine(997.0, 44100, 88200, 0.5), test::sine(997.0, 44100, 88200, 0.05)}, 44100, kWav24));
        const QJsonObject report = parseJson(runGainstage({"analyze", in, "--json"}).out);
        QCOMPARE(report["channels"].toInt(), 2);
        QCOMPARE(report["sample_rate"].toInt(), 44100);
        const QJsonArray channels = report["channel_reports"].toArray();
        QCOMPARE(channels.size(), 2);
        QCOMPARE(channels.at(0).toObject()["window_status"].toString(), QStringLiteral("in_window"));
        QCOMPARE(channels.at(1).toObject()["window_status"].toString(), QStringLiteral("low"));
        QVERIFY(std::fabs(channels.at(1).toObject()["sample_peak_dbfs"].toDouble() - (-26.02)) <= 0.01);
    }

    // EBU Tech 3341 case 1: a 1 kHz sine at -23 dBFS on both channels is -23.0 LUFS (+-0.1);
    // one channel of a 0 dBFS sine is -3.01 LUFS (BS.1770's calibration).
    void analyzeLoudnessOfKnownSignals() {
        const QString stereo = makeSine("ebu-case1.wav", std::pow(10.0, -23.0 / 20.0), 2, 20.0);
        const QJsonObject report = parseJson(runGainstage({"analyze", stereo, "--json"}).out);
        QVERIFY2(std::fabs(report["lufs_integrated"].toDouble() - (-23.0)) <= 0.1, qPrintable(QString::number(report["lufs_integrated"].toDouble())));
        QVERIFY(std::fabs(report["lufs_momentary_max"].toDouble() - (-23.0)) <= 0.1);
        QVERIFY(std::fabs(report["lufs_short_term_max"].toDouble() - (-23.0)) <= 0.1);

        const QString mono = makeSine("full-scale-mono.wav", 1.0, 1, 5.0);
        const QJsonObject monoReport = parseJson(runGainstage({"analyze", mono, "--json"}).out);
        QVERIFY2(std::fabs(monoReport["lufs_integrated"].toDouble() - (-3.01)) <= 0.1, qPrintable(QString::number(monoReport["lufs_integrated"].toDouble())));
    }

    // libebur128 is the reference implementation (REFERENCE.md). The maxima are
    // taken at every 100 ms, and windows reaching before the start of the file
    // count that time as silence, as libebur128 does.
    void analyzeLoudnessMatchesLibebur128_data() {
        QTest::addColumn<int>("channels");
        QTest::addColumn<double>("seconds");
        QTest::newRow("stereo, 7.3 s, changing level") << 2 << 7.3;
        QTest::newRow("mono, 1 s (shorter than the 3 s short-term window)") << 1 << 1.0;
    }
    void analyzeLoudnessMatchesLibebur128() {
        QFETCH(int, channels);
        QFETCH(double, seconds);
        const int rate = 48000;
        const int frames = static_cast<int>(seconds * rate);
        Channels take;
        for (int c = 0; c < channels; ++c) {
            auto signal = test::whiteNoise(frames, 0.3, 11 + static_cast<uint32_t>(c));
            const auto tone = test::sine(220.0 * (c + 1), rate, frames, 0.2);
            for (int n = 0; n < frames; ++n) // a phrase that swells and fades every 2 s, as a voice does
                signal[static_cast<size_t>(n)] = (signal[static_cast<size_t>(n)] + tone[static_cast<size_t>(n)]) *
                                                 static_cast<float>(0.55 - 0.45 * std::cos(2.0 * kPi * n / (2.0 * rate)));
            take.push_back(signal);
        }
        const QString in = path(QStringLiteral("ebur128-%1.wav").arg(channels));
        QVERIFY(writeSoundFile(in, take, rate, kWavFloat));

        ebur128_state* state = ebur128_init(static_cast<unsigned>(channels), rate, EBUR128_MODE_M | EBUR128_MODE_S | EBUR128_MODE_I);
        double maxMomentary = -HUGE_VAL, maxShortTerm = -HUGE_VAL, value = 0.0;
        std::vector<float> interleaved(static_cast<size_t>(rate / 10 * channels));
        for (int start = 0; start + rate / 10 <= frames; start += rate / 10) {
            for (int n = 0; n < rate / 10; ++n)
                for (int c = 0; c < channels; ++c)
                    interleaved[static_cast<size_t>(n * channels + c)] = take[static_cast<size_t>(c)][static_cast<size_t>(start + n)];
            ebur128_add_frames_float(state, interleaved.data(), static_cast<size_t>(rate / 10));
            if (ebur128_loudness_momentary(state, &value) == EBUR128_SUCCESS) maxMomentary = std::max(maxMomentary, value);
            if (ebur128_loudness_shortterm(state, &value) == EBUR128_SUCCESS) maxShortTerm = std::max(maxShortTerm, value);
        }
        double integrated = -HUGE_VAL;
        ebur128_loudness_global(state, &integrated);
        ebur128_destroy(&state);

        const QJsonObject report = parseJson(runGainstage({"analyze", in, "--json"}).out);
        const auto close = [](const QJsonValue& ours, double reference) { return ours.isDouble() && std::fabs(ours.toDouble() - reference) <= 0.1; };
        QVERIFY2(close(report["lufs_integrated"], integrated), qPrintable(QString("%1 vs %2").arg(report["lufs_integrated"].toDouble()).arg(integrated)));
        QVERIFY2(close(report["lufs_momentary_max"], maxMomentary), qPrintable(QString("%1 vs %2").arg(report["lufs_momentary_max"].toDouble()).arg(maxMomentary)));
        QVERIFY2(close(report["lufs_short_term_max"], maxShortTerm), qPrintable(QString("%1 vs %2").arg(report["lufs_short_term_max"].toDouble()).arg(maxShortTerm)));
    }

    // ---- render ----

    void renderKeepsFramesChannelsAndRate_data() {
        QTest::addColumn<QString>("model");
        QTest::newRow("clean") << "clean";
        QTest::newRow("tube") << "tube";
        QTest::newRow("transformer") << "transformer";
    }
    void renderKeepsFramesChannelsAndRate() {
        QFETCH(QString, model);
        const int frames = 44100 + 4096 * 3 + 17; // not a multiple of the block size
        const QString in = path("shape-in.wav");
        QVERIFY(writeSoundFile(in, {test::sine(220.0, 44100, frames, 0.1), test::whiteNoise(frames, 0.05, 7)}, 44100, kWav24));
        const QString out = path("shape-out-" + model + ".wav");
        const Result result = runGainstage({"render", in, out, "--model", model});
        QCOMPARE(result.exitCode, 0);
        QVERIFY(result.err.isEmpty());
        const SoundFile written = readSoundFile(out);
        QCOMPARE(written.info.frames, static_cast<sf_count_t>(frames));
        QCOMPARE(written.info.channels, 2);
        QCOMPARE(written.info.samplerate, 44100);
        QCOMPARE(folderContents(dir_.path()).filter(".partial"), QStringList());
    }

    void renderAtDefaultsIsBitIdenticalInFloat() {
        const int frames = 48000 * 2 + 123;
        const Channels input = {test::whiteNoise(frames, 0.25, 1), test::sine(440.0, 48000, frames, 0.5)};
        const QString in = path("identity-in.wav");
        QVERIFY(writeSoundFile(in, input, 48000, kWavFloat));
        const QString out = path("identity-out.wav");
        QCOMPARE(runGainstage({"render", in, out, "--format", "float"}).exitCode, 0);
        const SoundFile written = readSoundFile(out);
        QCOMPARE(written.channels.size(), input.size());
        for (size_t c = 0; c < input.size(); ++c) QVERIFY2(written.channels[c] == input[c], qPrintable(QString("channel %1 differs").arg(c)));
    }

    void renderGainRaisesTheLevel() {
        const QString in = makeSine("gain-in.wav", 0.05);
        const QString out = path("gain-out.wav");
        QCOMPARE(runGainstage({"render", in, out, "--gain", "6", "--format", "float"}).exitCode, 0);
        const SoundFile before = readSoundFile(in);
        const SoundFile after = readSoundFile(out);
        const int settled = 4800; // past the first 100 ms, whatever the smoothing
        const int count = static_cast<int>(before.info.frames) - settled;
        const double change = test::rmsDb(after.channels[0].data() + settled, count) - test::rmsDb(before.channels[0].data() + settled, count);
        QVERIFY2(std::fabs(change - 6.0) <= 0.01, qPrintable(QString::number(change, 'f', 4)));
    }

    void renderOptionsAllRun() {
        const QString in = makeSine("options-in.wav", 0.05, 2);
        const QString out = path("options-out.wav");
        const Result result = runGainstage({"render", in, out, "--source", "di", "--model", "transformer", "--gain", "12", "--pad",
                                            "--low-cut", "80", "--phase", "--input-z", "250000", "--trim", "-3", "--calibration", "+12"});
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.out.contains("Transformer") && result.out.contains("Low Cut 80 Hz"), qPrintable(result.out));
        QCOMPARE(readSoundFile(out).info.frames, static_cast<sf_count_t>(96000));
    }

    void renderTubeWithGain() {
        const QString in = makeSine("tube-in.wav", 0.01);
        const QString out = path("tube-out.wav");
        const Result result = runGainstage({"render", in, out, "--model", "tube", "--gain", "20", "--json"});
        QCOMPARE(result.exitCode, 0);
        const SoundFile written = readSoundFile(out);
        QCOMPARE(written.info.frames, static_cast<sf_count_t>(96000));
        for (const float x : written.channels[0]) QVERIFY(std::isfinite(x));
        // 20 dB of Gain on -40 dBFS: about -20 dBFS, whatever the tube adds.
        const double peak = parseJson(result.out)["channel_reports"].toArray().at(0).toObject()["sample_peak_dbfs"].toDouble();
        QVERIFY2(peak > -23.0 && peak < -17.0, qPrintable(QString::number(peak)));
    }

    // A click in IN lands on the same frame in OUT: the model's latency is compensated.
    void renderCompensatesLatency_data() {
        renderKeepsFramesChannelsAndRate_data();
    }
    void renderCompensatesLatency() {
        QFETCH(QString, model);
        const int frames = 48000;
        std::vector<float> clicks(frames, 0.0f);
        for (const int at : {9000, 24011, 40007}) { // three short bipolar clicks, low level
            clicks[static_cast<size_t>(at)] = 0.02f;
            clicks[static_cast<size_t>(at + 1)] = -0.02f;
        }
        const auto texture = test::whiteNoise(frames, 0.002, 3); // keeps the correlation peak unique
        for (int n = 0; n < frames; ++n) clicks[static_cast<size_t>(n)] += texture[static_cast<size_t>(n)];
        const QString in = path("clicks-in.wav");
        QVERIFY(writeSoundFile(in, {clicks}, 48000, kWavFloat));
        const QString out = path("clicks-out-" + model + ".wav");
        QCOMPARE(runGainstage({"render", in, out, "--model", model, "--format", "float"}).exitCode, 0);
        const SoundFile written = readSoundFile(out);
        QCOMPARE(written.info.frames, static_cast<sf_count_t>(frames));
        const int lag = test::bestAlignmentLag(clicks.data(), written.channels[0].data(), frames, 256);
        QVERIFY2(std::abs(lag) <= 1, qPrintable(QString("%1 is %2 samples late").arg(model).arg(lag)));
    }

    void renderJsonIsTheAnalyzeReportOfTheOutput() {
        const QString in = makeSine("json-in.wav", 0.1, 2);
        const QString out = path("json-out.wav");
        const Result result = runGainstage({"render", in, out, "--gain", "6", "--json"});
        QCOMPARE(result.exitCode, 0);
        const QJsonObject report = parseJson(result.out);
        QCOMPARE(keySet(report), kTopKeys);
        QCOMPARE(report["file"].toString(), out);
        QCOMPARE(report["channels"].toInt(), 2);
        const QJsonArray channels = report["channel_reports"].toArray();
        QCOMPARE(channels.size(), 2);
        for (const auto& channel : channels) {
            QCOMPARE(keySet(channel.toObject()), kChannelKeys);
            QVERIFY(std::fabs(channel.toObject()["sample_peak_dbfs"].toDouble() - (-20.0 + 6.0)) <= 0.05);
        }
        // The same numbers analyze gives for OUT.
        QCOMPARE(parseJson(runGainstage({"analyze", out, "--json"}).out), report);
    }

    void renderWritesTheRequestedFormat_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("subtype");
        QTest::newRow("pcm24") << "pcm24" << static_cast<int>(SF_FORMAT_PCM_24);
        QTest::newRow("float") << "float" << static_cast<int>(SF_FORMAT_FLOAT);
    }
    void renderWritesTheRequestedFormat() {
        QFETCH(QString, format);
        QFETCH(int, subtype);
        const QString in = makeSine("format-in.wav", 0.1, 1, 0.5, 48000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
        const QString out = path("format-out-" + format + ".wav");
        QCOMPARE(runGainstage({"render", in, out, "--format", format}).exitCode, 0);
        const SoundFile written = readSoundFile(out);
        const int container = written.info.format & SF_FORMAT_TYPEMASK; // libsndfile calls an extensible WAV "WAVEX"
        QVERIFY2(container == SF_FORMAT_WAV || container == SF_FORMAT_WAVEX, qPrintable(QString::number(container, 16)));
        QCOMPARE(written.info.format & SF_FORMAT_SUBMASK, subtype);
    }

    void renderDefaultFormatIsPcm24() {
        const QString in = makeSine("default-format-in.wav", 0.1);
        const QString out = path("default-format-out.wav");
        QCOMPARE(runGainstage({"render", in, out}).exitCode, 0);
        QCOMPARE(readSoundFile(out).info.format & SF_FORMAT_SUBMASK, static_cast<int>(SF_FORMAT_PCM_24));
    }

    void renderNewFileIsReadableByOthers() {
        const QString in = makeSine("mode-in.wav", 0.1);
        const QString out = path("mode-out.wav");
        QCOMPARE(runGainstage({"render", in, out}).exitCode, 0);
        struct stat status{};
        QCOMPARE(::stat(QFile::encodeName(out).constData(), &status), 0);
        const mode_t mask = ::umask(0); // the child inherited this umask
        ::umask(mask);
        QCOMPARE(status.st_mode & 0777, 0666 & ~mask); // as any new file, not QTemporaryFile's 0600
    }

    // Not a timed assertion: the number is for the README and for spotting regressions by eye.
    void renderSpeed() {
        const QString in = makeSine("minute.wav", 0.1, 1, 60.0, 48000, kWav24);
        const QString out = path("minute-out.wav");
        QElapsedTimer timer;
        timer.start();
        const Result result = runGainstage({"render", in, out, "--model", "tube", "--gain", "12"});
        const double seconds = timer.elapsed() / 1000.0;
        QCOMPARE(result.exitCode, 0);
        QCOMPARE(readSoundFile(out).info.frames, static_cast<sf_count_t>(60 * 48000));
        qInfo("render --model tube, 60 s mono 48 kHz: %.2f s wall clock including file I/O and analysis, %.0fx real time", seconds,
              60.0 / seconds);
        const QString line = result.out.section('\n', 2, 2);
        qInfo("gainstage's own measure (preamp only): %s", qPrintable(line.simplified()));
    }

    // ---- the GUI ----

    void noArgumentsOpensTheStudioWindow() {
        // A private HOME: the window starts an untitled session in the user's
        // data folder, and a test must not leave one in the real user's.
        QTemporaryDir home;
        QVERIFY(home.isValid());
        QProcess process;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert("QT_QPA_PLATFORM", "offscreen");
        environment.insert("HOME", home.path());
        environment.insert("XDG_CONFIG_HOME", home.path() + QStringLiteral("/config"));
        environment.insert("XDG_DATA_HOME", home.path() + QStringLiteral("/data"));
        process.setProcessEnvironment(environment);
        process.start(QStringLiteral(GAINSTAGE_BINARY), {});
        QVERIFY(process.waitForStarted());
        // The window's event loop keeps running; the command line would have exited at once.
        QVERIFY2(!process.waitForFinished(1500), qPrintable(QString::fromUtf8(process.readAllStandardError())));
        process.kill();
        process.waitForFinished();
        // It opened an untitled session, and it did so under that HOME.
        QDirIterator sessions(home.path() + QStringLiteral("/data"), QDir::Dirs | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        bool untitled = false;
        while (sessions.hasNext()) {
            const QString folder = sessions.next();
            untitled = untitled || folder.contains(QStringLiteral("/Untitled/Session "));
        }
        QVERIFY2(untitled, "no untitled session folder under the test's HOME");
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
