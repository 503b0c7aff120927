// resources/speakers/*.json mirrors dsp/SpeakerParameters.h's kSpeakerCatalog
// (see that header for why the data lives in dsp/ as constexpr): every model
// has exactly one file and every value in it equals the table's, read with
// Qt's QJsonDocument, so the two cannot drift apart.
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include "dsp/SpeakerParameters.h"

using namespace gainstage;

namespace {

QString text(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

QString enclosureName(SpeakerEnclosure e) {
    switch (e) {
    case SpeakerEnclosure::Sealed: return QStringLiteral("sealed");
    case SpeakerEnclosure::Ported: return QStringLiteral("ported");
    case SpeakerEnclosure::FreeAir: return QStringLiteral("free-air");
    case SpeakerEnclosure::Flat: break;
    }
    return QStringLiteral("flat");
}

} // namespace

class TestMonitorCatalog : public QObject {
    Q_OBJECT

private slots:
    void oneFilePerModel() {
        const QDir dir(QStringLiteral(GAINSTAGE_SOURCE_DIR "/resources/speakers"));
        QStringList expected;
        for (const auto& p : kSpeakerCatalog) expected << text(p.id) + QStringLiteral(".json");
        expected.sort();
        QCOMPARE(dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name), expected);
    }

    void jsonEqualsTable_data() {
        QTest::addColumn<int>("index");
        for (int i = 0; i < kSpeakerModelCount; ++i) QTest::newRow(std::string(kSpeakerCatalog[static_cast<size_t>(i)].id).c_str()) << i;
    }
    void jsonEqualsTable() {
        QFETCH(int, index);
        const SpeakerParameters& p = kSpeakerCatalog[static_cast<size_t>(index)];
        QFile file(QStringLiteral(GAINSTAGE_SOURCE_DIR "/resources/speakers/") + text(p.id) + QStringLiteral(".json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        const QJsonObject o = document.object();
        auto number = [&](const char* group, const char* key) {
            const QJsonValue v = group ? o.value(QLatin1String(group)).toObject().value(QLatin1String(key)) : o.value(QLatin1String(key));
            if (!v.isDouble()) qWarning("%s: %s.%s missing or not a number", std::string(p.id).c_str(), group ? group : "", key);
            return v.toDouble(std::nan(""));
        };
        QCOMPARE(o.value(QStringLiteral("id")).toString(), text(p.id));
        QCOMPARE(o.value(QStringLiteral("name")).toString(), text(p.name));
        QCOMPARE(o.value(QStringLiteral("enclosure")).toString(), enclosureName(p.enclosure));
        QCOMPARE(o.value(QStringLiteral("mono")).toBool(), p.mono);
        const struct {
            const char* group;
            const char* key;
            double value;
        } fields[] = {
            {"driver", "re_ohms", p.reOhms},          {"driver", "le_mh", p.leMilliHenry},    {"driver", "fs_hz", p.fsHz},
            {"driver", "qms", p.qms},                 {"driver", "qes", p.qes},               {"driver", "vas_litres", p.vasLitres},
            {"driver", "bl_tm", p.blTm},              {"driver", "sd_cm2", p.sdCm2},          {"driver", "xmax_mm", p.xmaxMm},
            {"box", "litres", p.boxLitres},           {"box", "port_hz", p.portHz},           {"box", "ql", p.boxQl},
            {nullptr, "nominal_ohms", p.nominalOhms}, {nullptr, "sensitivity_db_spl_1w_1m", p.sensitivityDbSpl},
            {"baffle", "width_cm", p.baffleWidthCm},  {"baffle", "step_db", p.baffleStepDb},  {"top", "hz", p.topHz},
            {"top", "q", p.topQ},                     {"breakup", "hz", p.breakupHz},         {"breakup", "q", p.breakupQ},
            {"breakup", "db", p.breakupDb},           {"cabinet", "hz", p.cabinetHz},         {"cabinet", "q", p.cabinetQ},
            {"cabinet", "db", p.cabinetDb},           {"tweeter", "crossover_hz", p.crossoverHz}, {"tweeter", "level_db", p.tweeterDb},
            {"tweeter", "fs_hz", p.tweeterFsHz},      {"tweeter", "q", p.tweeterQ},           {"limiter", "threshold_db", p.compressorThresholdDb},
            {"limiter", "ratio", p.compressorRatio},  {"amp", "power_w", p.ampPowerW},        {"amp", "output_ohms", p.ampOutputOhms},
            {"stated_minus_3db_hz", "low", p.statedLowHz}, {"stated_minus_3db_hz", "high", p.statedHighHz},
        };
        for (const auto& f : fields) {
            const double fromJson = number(f.group, f.key);
            QVERIFY2(fromJson == f.value, qPrintable(QStringLiteral("%1: %2.%3 is %4 in JSON, %5 in dsp/SpeakerParameters.h")
                                                         .arg(text(p.id), QLatin1String(f.group ? f.group : ""), QLatin1String(f.key))
                                                         .arg(fromJson)
                                                         .arg(f.value)));
        }
    }
};

QTEST_GUILESS_MAIN(TestMonitorCatalog)
#include "test_monitor_catalog.moc"
