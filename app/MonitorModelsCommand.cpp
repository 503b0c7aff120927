// `gainstage monitor-models [--json]`: the speaker models of the monitor
// section with their key figures, computed from each model's physical data
// (dsp/SpeakerParameters.h) the same way the models are built. [main thread]
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

#include "app/CliCommand.h"
#include "app/CliValues.h"
#include "dsp/MonitorChain.h"
#include "dsp/PowerAmp.h"
#include "dsp/SpeakerModel.h"

namespace gainstage::cli {

namespace {

const QString kJson = QStringLiteral("json");

QString text(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

QString enclosureName(SpeakerEnclosure e) {
    switch (e) {
    case SpeakerEnclosure::Sealed: return QStringLiteral("sealed");
    case SpeakerEnclosure::Ported: return QStringLiteral("ported");
    case SpeakerEnclosure::FreeAir: return QStringLiteral("free-air");
    case SpeakerEnclosure::Flat: break;
    }
    return QStringLiteral("none");
}

double rounded(double v, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(v * scale) / scale;
}

QJsonObject modelJson(const SpeakerParameters& p) {
    QJsonObject o;
    o.insert(QStringLiteral("id"), text(p.id));
    o.insert(QStringLiteral("name"), text(p.name));
    o.insert(QStringLiteral("enclosure"), enclosureName(p.enclosure));
    const bool flat = p.enclosure == SpeakerEnclosure::Flat;
    o.insert(QStringLiteral("bypass"), flat);
    if (flat) {
        for (const char* key : {"low_hz", "high_hz", "sensitivity_db_spl", "nominal_ohms", "min_impedance_ohms", "max_impedance_ohms",
                                "max_impedance_hz", "amp_power_w", "amp_output_ohms", "damping_factor", "max_spl_db", "port_hz"})
            o.insert(QLatin1String(key), QJsonValue::Null);
        o.insert(QStringLiteral("mono"), false);
        return o;
    }
    const SpeakerFigures f = speakerFigures(p, p.ampOutputOhms);
    o.insert(QStringLiteral("low_hz"), rounded(f.lowHz, 1));
    o.insert(QStringLiteral("high_hz"), rounded(f.highHz, 0));
    o.insert(QStringLiteral("sensitivity_db_spl"), p.sensitivityDbSpl);
    o.insert(QStringLiteral("nominal_ohms"), p.nominalOhms);
    o.insert(QStringLiteral("min_impedance_ohms"), rounded(f.minImpedanceOhms, 2));
    o.insert(QStringLiteral("max_impedance_ohms"), rounded(f.maxImpedanceOhms, 1));
    o.insert(QStringLiteral("max_impedance_hz"), rounded(f.maxImpedanceHz, 0));
    o.insert(QStringLiteral("port_hz"), p.enclosure == SpeakerEnclosure::Ported ? QJsonValue(p.portHz) : QJsonValue::Null);
    o.insert(QStringLiteral("amp_power_w"), p.ampPowerW);
    o.insert(QStringLiteral("amp_output_ohms"), p.ampOutputOhms);
    o.insert(QStringLiteral("damping_factor"), rounded(dampingFactor(p.nominalOhms, p.ampOutputOhms), 0));
    o.insert(QStringLiteral("max_spl_db"), rounded(listeningLevelDbSpl(p.sensitivityDbSpl, p.ampPowerW, 0.0, 0.0), 1));
    o.insert(QStringLiteral("mono"), p.mono);
    return o;
}

void defineOptions(QCommandLineParser& parser) {
    parser.addOption({kJson, QStringLiteral("Print one JSON object: {\"models\": [...]}.")});
}

int run(const QCommandLineParser& parser, QTextStream& out) {
    const QStringList extra = parser.positionalArguments();
    if (!extra.isEmpty() && !(extra.size() == 1 && extra.first().isEmpty()))
        failUsage(QStringLiteral("monitor-models: unexpected argument '%1'; usage: gainstage monitor-models [--json]").arg(extra.first()));
    if (parser.isSet(kJson)) {
        QJsonArray models;
        for (const auto& p : kSpeakerCatalog) models.append(modelJson(p));
        QJsonObject root;
        root.insert(QStringLiteral("models"), models);
        out << QJsonDocument(root).toJson(QJsonDocument::Indented);
        return kExitOk;
    }
    out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8\n")
               .arg(QStringLiteral("model"), -10)
               .arg(QStringLiteral("enclosure"), -9)
               .arg(QStringLiteral("-3 dB points"), -17)
               .arg(QStringLiteral("dB SPL/W/m"), 10)
               .arg(QStringLiteral("impedance"), -28)
               .arg(QStringLiteral("usual amp"), -26)
               .arg(QStringLiteral("max SPL"), 7)
               .arg(QStringLiteral("name"));
    for (const auto& p : kSpeakerCatalog) {
        if (p.enclosure == SpeakerEnclosure::Flat) {
            out << QStringLiteral("%1 %2\n").arg(text(p.id), -10).arg(QStringLiteral("no amp, no speaker: a true bypass"));
            continue;
        }
        const SpeakerFigures f = speakerFigures(p, p.ampOutputOhms);
        const QString band = QStringLiteral("%1 Hz-%2 kHz").arg(f.lowHz, 0, 'f', 0).arg(f.highHz / 1000.0, 0, 'f', 1);
        const QString impedance = QStringLiteral("%1 ohm (min %2, peak %3 @ %4 Hz)")
                                      .arg(p.nominalOhms, 0, 'g', 3)
                                      .arg(f.minImpedanceOhms, 0, 'f', 1)
                                      .arg(f.maxImpedanceOhms, 0, 'f', 0)
                                      .arg(f.maxImpedanceHz, 0, 'f', 0);
        const QString amp = QStringLiteral("%1 W, Zout %2 (DF %3)")
                                .arg(p.ampPowerW, 0, 'g', 4)
                                .arg(p.ampOutputOhms, 0, 'g', 2)
                                .arg(dampingFactor(p.nominalOhms, p.ampOutputOhms), 0, 'f', 0);
        out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8%9\n")
                   .arg(text(p.id), -10)
                   .arg(enclosureName(p.enclosure), -9)
                   .arg(band, -17)
                   .arg(p.sensitivityDbSpl, 10, 'f', 0)
                   .arg(impedance, -28)
                   .arg(amp, -26)
                   .arg(listeningLevelDbSpl(p.sensitivityDbSpl, p.ampPowerW, 0.0, 0.0), 7, 'f', 0)
                   .arg(text(p.name))
                   .arg(p.mono ? QStringLiteral(" (mono)") : QString());
    }
    return kExitOk;
}

} // namespace

Command monitorModelsCommand() {
    return Command{
        QStringLiteral("monitor-models"),
        QString(),
        QStringLiteral("The speaker models of the monitor section and their key figures"),
        QStringLiteral("Lists the models that 'gainstage render --monitor MODEL' offers: enclosure, -3 dB points (re the\n"
                       "300 Hz-3 kHz mean), sensitivity, impedance, the amp each usually has and the loudest it gets."),
        QStringLiteral("Max SPL is at 1 m with the model's usual amp at rated power. The -3 dB points include that amp's\n"
                       "output impedance.\n\nExit codes: 0 done, 2 bad usage.\n"),
        defineOptions,
        run,
    };
}

} // namespace gainstage::cli
