// The monitor options of `gainstage render` and `gainstage monitor-models`,
// driven as a user drives them: the real executable with QProcess, on files
// made here with libsndfile. Exit codes and one-line errors, the JSON contract,
// true bypass (bit-identical), latency compensation, and the preamp first.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "TestSignals.h"

using namespace gainstage;

namespace {

using Channels = std::vector<std::vector<float>>;

struct Result {
    int exitCode = -1;
    QString out, err;
};

Result run(const QStringList& arguments) {
    QProcess process;
    process.start(QStringLiteral(GAINSTAGE_BINARY), arguments);
    if (!process.waitForFinished(120000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

bool writeFloat(const QString& path, const Channels& channels, int rate) {
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = static_cast<int>(channels.size());
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* f = sf_open(path.toLocal8Bit().constData(), SFM_WRITE, &info);
    if (!f) return false;
    const size_t frames = channels.front().size();
    std::vector<float> interleaved(frames * channels.size());
    for (size_t n = 0; n < frames; ++n)
        for (size_t c = 0; c < channels.size(); ++c) interleaved[n * channels.size() + c] = channels[c][n];
    sf_writef_float(f, interleaved.data(), static_cast<sf_count_t>(frames));
    sf_close(f);
    return true;
}

Channels readFloat(const QString& path, int* rate = nullptr) {
    SF_INFO info{};
    SNDFILE* f = sf_open(path.toLocal8Bit().constData(), SFM_READ, &info);
    if (!f) return {};
    std::vector<float> interleaved(static_cast<size_t>(info.frames * info.channels));
    sf_readf_float(f, interleaved.data(), info.frames);
    sf_close(f);
    Channels channels(static_cast<size_t>(info.channels), std::vector<float>(static_cast<size_t>(info.frames)));
    for (size_t n = 0; n < static_cast<size_t>(info.frames); ++n)
        for (size_t c = 0; c < channels.size(); ++c) channels[c][n] = interleaved[n * channels.size() + c];
    if (rate) *rate = info.samplerate;
    return channels;
}

} // namespace

class TestCliMonitor : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString stereo_, impulse_;
    Channels stereoData_;

    QString path(const char* name) const { return dir_.filePath(QLatin1String(name)); }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        stereo_ = path("stereo.wav");
        stereoData_ = {test::whiteNoise(48000, 0.2, 1), test::whiteNoise(48000, 0.2, 2)};
        QVERIFY(writeFloat(stereo_, stereoData_, 48000));
        impulse_ = path("impulse.wav");
        Channels impulse(2, std::vector<float>(48000, 0.0f));
        impulse[0][20000] = 0.5f;
        impulse[1][20000] = 0.5f;
        QVERIFY(writeFloat(impulse_, impulse, 48000));
    }

    void flatAndHeadphonesNoneAreBitIdentical() {
        for (const QStringList& options : {QStringList{QStringLiteral("--monitor"), QStringLiteral("flat")},
                                           QStringList{QStringLiteral("--headphones"), QStringLiteral("none")},
                                           QStringList{QStringLiteral("--monitor"), QStringLiteral("flat"), QStringLiteral("--amp-gain"),
                                                       QStringLiteral("20")}}) {
            const QString out = path("bypass.wav");
            const Result r = run(QStringList{QStringLiteral("render"), stereo_, out, QStringLiteral("--format"), QStringLiteral("float")} + options);
            QCOMPARE(r.exitCode, 0);
            QVERIFY(readFloat(out) == stereoData_);
        }
    }

    void everyModelRendersAlignedWithTheInput_data() {
        QTest::addColumn<QStringList>("options");
        for (const char* model : {"nearfield", "cube", "hifi", "laptop", "phone"})
            QTest::newRow(model) << QStringList{QStringLiteral("--monitor"), QLatin1String(model)};
        QTest::newRow("headphones default") << QStringList{QStringLiteral("--headphones"), QStringLiteral("default")};
        QTest::newRow("custom crossfeed") << QStringList{QStringLiteral("--crossfeed"), QStringLiteral("900,8")};
        QTest::newRow("tube preamp then cube") << QStringList{QStringLiteral("--model"), QStringLiteral("tube"), QStringLiteral("--gain"),
                                                              QStringLiteral("20"), QStringLiteral("--monitor"), QStringLiteral("cube")};
        QTest::newRow("amp options") << QStringList{QStringLiteral("--monitor"), QStringLiteral("hifi"), QStringLiteral("--amp-power"),
                                                    QStringLiteral("10"), QStringLiteral("--amp-zout"), QStringLiteral("3.3"),
                                                    QStringLiteral("--amp-gain"), QStringLiteral("6")};
    }
    void everyModelRendersAlignedWithTheInput() {
        QFETCH(QStringList, options);
        const QString out = path("model.wav");
        const Result r = run(QStringList{QStringLiteral("render"), impulse_, out, QStringLiteral("--format"), QStringLiteral("float")} + options);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(QStringLiteral("Monitor ")));
        int rate = 0;
        const Channels audio = readFloat(out, &rate);
        QCOMPARE(rate, 48000);
        QCOMPARE(audio.size(), size_t(2));
        QCOMPARE(audio[0].size(), size_t(48000));
        // The impulse's response starts where the impulse was: nothing before it
        // (latency compensated exactly, the filters are causal), something right at it.
        const auto& left = audio[0];
        double before = 0.0;
        for (int n = 0; n < 19990; ++n) before = std::max(before, static_cast<double>(std::fabs(left[static_cast<size_t>(n)])));
        double at = 0.0;
        for (int n = 20000; n < 20010; ++n) at = std::max(at, static_cast<double>(std::fabs(left[static_cast<size_t>(n)])));
        QVERIFY2(before < 1e-4, qPrintable(QString::number(before)));
        QVERIFY(at > 1e-3);
    }

    void headphonesFeedTheOtherEar() {
        const QString in = path("left.wav"), out = path("left-out.wav");
        QVERIFY(writeFloat(in, {test::sine(200.0, 48000, 48000, 0.3), std::vector<float>(48000, 0.0f)}, 48000));
        QCOMPARE(run({QStringLiteral("render"), in, out, QStringLiteral("--headphones"), QStringLiteral("meier"), QStringLiteral("--format"),
                      QStringLiteral("float")})
                     .exitCode,
                 0);
        const Channels audio = readFloat(out);
        const double direct = test::rmsDb(audio[0].data() + 24000, 24000), cross = test::rmsDb(audio[1].data() + 24000, 24000);
        qInfo("Meier at 200 Hz: direct %.1f dBFS, cross %.1f dBFS", direct, cross);
        QVERIFY(cross > direct - 12.0 && cross < direct - 6.0);
    }

    void badValuesExitTwoNamingTheOption_data() {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("named");
        QTest::newRow("model") << QStringList{QStringLiteral("--monitor"), QStringLiteral("tv")} << QStringLiteral("--monitor");
        QTest::newRow("power") << QStringList{QStringLiteral("--monitor"), QStringLiteral("cube"), QStringLiteral("--amp-power"),
                                              QStringLiteral("5000")}
                               << QStringLiteral("--amp-power");
        QTest::newRow("zout") << QStringList{QStringLiteral("--monitor"), QStringLiteral("cube"), QStringLiteral("--amp-zout"), QStringLiteral("-1")}
                              << QStringLiteral("--amp-zout");
        QTest::newRow("gain") << QStringList{QStringLiteral("--monitor"), QStringLiteral("cube"), QStringLiteral("--amp-gain"), QStringLiteral("x")}
                              << QStringLiteral("--amp-gain");
        QTest::newRow("amp without monitor") << QStringList{QStringLiteral("--amp-gain"), QStringLiteral("3")} << QStringLiteral("--amp-gain");
        QTest::newRow("headphones") << QStringList{QStringLiteral("--headphones"), QStringLiteral("loud")} << QStringLiteral("--headphones");
        QTest::newRow("crossfeed cutoff") << QStringList{QStringLiteral("--crossfeed"), QStringLiteral("250,4")} << QStringLiteral("--crossfeed");
        QTest::newRow("crossfeed feed") << QStringList{QStringLiteral("--crossfeed"), QStringLiteral("700,16")} << QStringLiteral("--crossfeed");
        QTest::newRow("crossfeed form") << QStringList{QStringLiteral("--crossfeed"), QStringLiteral("700")} << QStringLiteral("--crossfeed");
        QTest::newRow("both outputs") << QStringList{QStringLiteral("--monitor"), QStringLiteral("cube"), QStringLiteral("--headphones"),
                                                     QStringLiteral("default")}
                                      << QStringLiteral("--headphones");
        QTest::newRow("crossfeed and preset") << QStringList{QStringLiteral("--headphones"), QStringLiteral("default"), QStringLiteral("--crossfeed"),
                                                             QStringLiteral("700,4")}
                                              << QStringLiteral("--crossfeed");
    }
    void badValuesExitTwoNamingTheOption() {
        QFETCH(QStringList, options);
        QFETCH(QString, named);
        const QString out = path("never.wav");
        const Result r = run(QStringList{QStringLiteral("render"), stereo_, out} + options);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.startsWith(QStringLiteral("gainstage: ")) && r.err.contains(named), qPrintable(r.err));
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY(!QFile::exists(out));
    }

    void monitorModelsJson() {
        const Result r = run({QStringLiteral("monitor-models"), QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(r.out.toUtf8(), &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        const QJsonArray models = document.object().value(QStringLiteral("models")).toArray();
        QCOMPARE(models.size(), 6);
        QStringList ids;
        for (const auto& value : models) {
            const QJsonObject m = value.toObject();
            ids << m.value(QStringLiteral("id")).toString();
            for (const char* key : {"name", "enclosure", "bypass", "low_hz", "high_hz", "sensitivity_db_spl", "nominal_ohms",
                                    "min_impedance_ohms", "max_impedance_ohms", "max_impedance_hz", "port_hz", "amp_power_w",
                                    "amp_output_ohms", "damping_factor", "max_spl_db", "mono"})
                QVERIFY2(m.contains(QLatin1String(key)), key);
        }
        QCOMPARE(ids, (QStringList{"flat", "nearfield", "cube", "hifi", "laptop", "phone"}));
        const QJsonObject hifi = models.at(3).toObject();
        QCOMPARE(hifi.value(QStringLiteral("enclosure")).toString(), QStringLiteral("ported"));
        QVERIFY(std::fabs(hifi.value(QStringLiteral("low_hz")).toDouble() - 33.0) < 1.0);
        QVERIFY(models.at(0).toObject().value(QStringLiteral("low_hz")).isNull());
        QVERIFY(models.at(5).toObject().value(QStringLiteral("mono")).toBool());

        const Result plain = run({QStringLiteral("monitor-models")});
        QCOMPARE(plain.exitCode, 0);
        QVERIFY(plain.out.contains(QStringLiteral("nearfield")) && plain.out.contains(QStringLiteral("ported")));
        QCOMPARE(run({QStringLiteral("monitor-models"), QStringLiteral("extra")}).exitCode, 2);
        QCOMPARE(run({QStringLiteral("monitor-models"), QStringLiteral("--bogus")}).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestCliMonitor)
#include "test_cli_monitor.moc"
