// `gainstage autogain FILE` (issue 5): the JSON contract, the result codes on
// files made here, and the exit codes on bad input.
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <cmath>

#include "TestSignals.h"
#include "core/AudioFile.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

struct Result {
    int exitCode = -1;
    QByteArray out;
    QString err;
};

Result run(const QStringList& arguments) {
    QProcess process;
    process.start(QStringLiteral(GAINSTAGE_BINARY), arguments);
    if (!process.waitForFinished(120000)) process.kill();
    return {process.exitCode(), process.readAllStandardOutput(), QString::fromUtf8(process.readAllStandardError())};
}

// A sung-ish tone with vibrato and a decaying envelope per note, peak at `peakDb` (sample peak).
QString writeTake(const QString& path, double peakDb, bool clip = false) {
    constexpr double kRate = 48000.0;
    std::vector<float> x(size_t(kRate * 3));
    for (size_t i = 0; i < x.size(); ++i) {
        const double t = double(i) / kRate;
        const double note = std::fmod(t, 0.75);
        const double env = std::exp(-note * 2.0) * std::min(1.0, note / 0.02);
        x[i] = float(env * (std::sin(2 * M_PI * 220.0 * t + 0.3 * std::sin(2 * M_PI * 5.0 * t)) + 0.3 * std::sin(2 * M_PI * 660.0 * t)));
    }
    const double peak = peakDb - 20.0 * std::log10(double(*std::max_element(x.begin(), x.end(), [](float a, float b) { return std::fabs(a) < std::fabs(b); })) * 1.0);
    for (float& v : x) {
        v = float(v * std::pow(10.0, peak / 20.0));
        if (clip) v = std::clamp(v, -1.0f, 1.0f);
    }
    AudioData audio;
    audio.sampleRate = kRate;
    audio.channels.push_back(std::move(x));
    AudioFileError error;
    if (!writeAudioFileAtomically(path, audio, SampleFormat::Float32, error)) qFatal("%s", qPrintable(error.message));
    return path;
}

QJsonObject json(const Result& r) {
    return QJsonDocument::fromJson(r.out).object();
}

} // namespace

class TestCliAutogain : public QObject {
    Q_OBJECT

private slots:
    void jsonKeysAndSuccess();
    void resultCodes();
    void textOutput();
    void exitCodesOnBadInput();
    void recordWithAutoGain();
    void recordWithClipGuard();

private:
    QTemporaryDir dir_;
};

void TestCliAutogain::jsonKeysAndSuccess() {
    const QString file = writeTake(dir_.filePath("vocal.wav"), -28.0);
    for (const char* model : {"clean", "tube", "transformer"}) {
        const Result r = run({"autogain", file, "--model", model, "--json", "--target", "-4"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = json(r);
        QStringList keys = o.keys();
        keys.sort();
        QCOMPARE(keys, (QStringList{"advice", "gain_db", "predicted_peak_dbtp", "rendered_peak_dbtp", "result"}));
        QCOMPARE(o["result"].toString(), QStringLiteral("success"));
        QVERIFY(o["advice"].isArray());
        qInfo("%s: gain %.2f dB, predicted %.2f, rendered %.2f dBTP", model, o["gain_db"].toDouble(), o["predicted_peak_dbtp"].toDouble(),
              o["rendered_peak_dbtp"].toDouble());
        QVERIFY(std::fabs(o["rendered_peak_dbtp"].toDouble() + 4.0) <= 0.5);
        QVERIFY(std::fabs(o["predicted_peak_dbtp"].toDouble() - o["rendered_peak_dbtp"].toDouble()) <= 0.5);
        QVERIFY(o["gain_db"].toDouble() > 20.0 && o["gain_db"].toDouble() < 28.0);
        QVERIFY(o["advice"].toArray().isEmpty()); // in the window: nothing to advise
    }
}

void TestCliAutogain::resultCodes() {
    {
        const Result r = run({"autogain", writeTake(dir_.filePath("clipped.wav"), 6.0, true), "--json"});
        const QJsonObject o = json(r);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(o["result"].toString(), QStringLiteral("input_clipped"));
        QVERIFY(o["predicted_peak_dbtp"].isNull());
        const QJsonArray advice = o["advice"].toArray();
        QCOMPARE(advice.size(), 1);
        QCOMPARE(advice[0].toObject()["kind"].toString(), QStringLiteral("interface_clipping"));
        QVERIFY(advice[0].toObject().contains("db") && advice[0].toObject().contains("text"));
    }
    {
        const Result r = run({"autogain", writeTake(dir_.filePath("quiet.wav"), -62.0), "--source", "di", "--json"});
        const QJsonObject o = json(r);
        QCOMPARE(o["result"].toString(), QStringLiteral("too_quiet"));
        QCOMPARE(o["gain_db"].toDouble(), 40.0); // tried the maximum DI Gain
        QVERIFY(o["rendered_peak_dbtp"].toDouble() < -15.0);
        QStringList kinds;
        for (const auto& a : o["advice"].toArray()) kinds << a.toObject()["kind"].toString();
        QCOMPARE(kinds, (QStringList{"interface_gain_up", "raise_gain"}));
    }
    {
        const Result r = run({"autogain", writeTake(dir_.filePath("silence.wav"), -120.0), "--json"});
        const QJsonObject o = json(r);
        QCOMPARE(o["result"].toString(), QStringLiteral("no_signal"));
        QVERIFY(o["predicted_peak_dbtp"].isNull());
    }
}

void TestCliAutogain::textOutput() {
    const Result r = run({"autogain", writeTake(dir_.filePath("text.wav"), -30.0), "--model", "tube"});
    QCOMPARE(r.exitCode, 0);
    const QString text = QString::fromUtf8(r.out);
    for (const char* line : {"Result: success", "Gain: +", "Predicted peak: ", "Rendered peak: ", "Gain set to"})
        QVERIFY2(text.contains(QLatin1String(line)), line);
}

void TestCliAutogain::exitCodesOnBadInput() {
    const QString good = writeTake(dir_.filePath("good.wav"), -20.0);
    QFile notAudio(dir_.filePath("notes.wav"));
    QVERIFY(notAudio.open(QIODevice::WriteOnly));
    notAudio.write("these are not samples");
    notAudio.close();
    const struct {
        QStringList arguments;
        int exitCode;
        const char* mentions;
    } cases[] = {
        {{"autogain", dir_.filePath("missing.wav")}, 3, "missing.wav"},
        {{"autogain", notAudio.fileName()}, 3, "notes.wav"},
        {{"autogain"}, 2, "FILE"},
        {{"autogain", good, "--model", "fuzz"}, 2, "--model"},
        {{"autogain", good, "--source", "line"}, 2, "--source"},
        {{"autogain", good, "--target", "3"}, 2, "--target"},
        {{"autogain", good, "--target", "-7"}, 2, "--target"},
        {{"autogain", good, "--target", "loud"}, 2, "--target"},
        {{"autogain", good, good}, 2, "unexpected"},
    };
    for (const auto& c : cases) {
        const Result r = run(c.arguments);
        qInfo("%s -> %d: %s", qPrintable(c.arguments.join(' ').replace(dir_.path(), "DIR")), r.exitCode, qPrintable(r.err.trimmed()));
        QCOMPARE(r.exitCode, c.exitCode);
        QVERIFY(r.err.startsWith("gainstage: "));
        QVERIFY2(r.err.contains(QLatin1String(c.mentions)), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }
}

// `gainstage record --auto-gain SECONDS` on the Virtual device (its demo vocal on
// input 1): it listens first, sets the Gain through the Recorder (so the session
// stores it), then records.
void TestCliAutogain::recordWithAutoGain() {
    const QString session = dir_.filePath(QStringLiteral("session"));
    const Result r = run({"record", "--session", session, "--seconds", "1", "--device", "Virtual:Demo", "--auto-gain", "3", "--json"});
    qInfo("exit %d; stderr:\n%s", r.exitCode, qPrintable(r.err.trimmed()));
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.err.contains(QStringLiteral("Auto Gain: play your loudest part now; listening for 3.0 s")));
    const QRegularExpression line(QStringLiteral("Input 1: Gain set to ([+-][0-9.]+) dB"));
    const auto match = line.match(r.err);
    QVERIFY2(match.hasMatch(), qPrintable(r.err));
    const double gain = match.captured(1).toDouble();
    const QJsonObject report = json(r);
    QCOMPARE(report["takes"].toArray().size(), 1);
    const double takePeak = report["takes"].toArray()[0].toObject()["true_peak_dbtp"].toDouble();
    // The session keeps the Gain Auto Gain chose.
    QFile file(session + QStringLiteral("/session.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    const QJsonObject track = QJsonDocument::fromJson(text).object()["tracks"].toArray()[0].toObject();
    const double stored = track["preamp"].toObject()["gainDb"].toDouble();
    qInfo("Auto Gain chose %+.1f dB; the session stores %+.2f dB; the 1 s take after it peaks at %.2f dBTP", gain, stored, takePeak);
    QVERIFY(std::fabs(stored - gain) < 0.06);
    QVERIFY(std::fabs(gain) > 0.5); // the demo is not already at the target with 0 dB
    QVERIFY(takePeak <= 0.0);

    const Result bad = run({"record", "--session", session, "--seconds", "1", "--device", "Virtual:Demo", "--auto-gain", "2"});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY(bad.err.contains(QStringLiteral("--auto-gain")));
}

// `record --clip-guard`: the demo vocal at +30 dB of Gain is far too hot; the
// take stays under the ceiling and its report says how often Clip Guard acted.
void TestCliAutogain::recordWithClipGuard() {
    QJsonObject takes[2];
    for (int guard = 0; guard < 2; ++guard) {
        QStringList arguments{"record", "--session", dir_.filePath(QStringLiteral("guard%1").arg(guard)), "--seconds", "2", "--device",
                              "Virtual:Demo", "--gain", "30", "--json"};
        if (guard) arguments << "--clip-guard";
        const Result r = run(arguments);
        QCOMPARE(r.exitCode, 0);
        takes[guard] = json(r)["takes"].toArray()[0].toObject();
    }
    const QJsonObject activity = takes[1]["clip_guard"].toObject();
    qInfo("+30 dB: without Clip Guard %.2f dBTP, %d clips; with it %.2f dBTP, %d clips, engaged %lld times, up to %.2f dB",
          takes[0]["true_peak_dbtp"].toDouble(), takes[0]["clips"].toInt(), takes[1]["true_peak_dbtp"].toDouble(), takes[1]["clips"].toInt(),
          (long long)activity["engagements"].toInteger(), activity["max_reduction_db"].toDouble());
    QVERIFY(takes[0]["clip_guard"].isNull());
    QVERIFY(takes[0]["true_peak_dbtp"].toDouble() > 0.0);
    QVERIFY(activity["engagements"].toInteger() > 0);
    QVERIFY(activity["max_reduction_db"].toDouble() > 3.0);
    QVERIFY(activity["samples_active"].toInteger() > 0);
    QVERIFY(takes[1]["true_peak_dbtp"].toDouble() <= -0.3 + 0.1);
    QCOMPARE(takes[1]["clips"].toInt(), 0);
}

QTEST_GUILESS_MAIN(TestCliAutogain)
#include "test_cli_autogain.moc"
