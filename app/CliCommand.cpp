// What the sub-commands share: report options, input reading, report output. [main thread]
#include "app/CliCommand.h"

#include <QJsonDocument>

#include "app/CliValues.h"
#include "core/ReportFormat.h"

namespace gainstage::cli {

namespace {

const QString kJson = QStringLiteral("json");
const QString kWindow = QStringLiteral("window");

} // namespace

void addReportOptions(QCommandLineParser& parser) {
    parser.addOption({kJson, QStringLiteral("Print the report as one JSON object instead of a table.")});
    parser.addOption({kWindow,
                      QStringLiteral("The recording level window in dBFS (default -6,0). LO and HI are numbers with "
                                     "-60 <= LO < HI <= 0."),
                      QStringLiteral("LO,HI")});
}

bool wantsJson(const QCommandLineParser& parser) {
    return parser.isSet(kJson);
}

LevelWindow windowOption(const QCommandLineParser& parser) {
    return parser.isSet(kWindow) ? parseWindow(kWindow, parser.value(kWindow)) : LevelWindow{};
}

void printReport(const FileReport& report, bool json, QTextStream& out) {
    if (json) out << QJsonDocument(reportToJson(report)).toJson(QJsonDocument::Indented);
    else out << reportToText(report);
}

QString reportDetails() {
    return QStringLiteral(
        "Per channel: sample peak (dBFS), true peak (dBTP, ITU-R BS.1770-4), RMS of the whole channel (dBFS),\n"
        "clipped samples (runs of 3 or more samples at full scale, |x| >= 32767/32768, or any sample above\n"
        "1.0 in a float file), the share of peaks "
        "in the window, the window status and the advice.\n"
        "Peaks are the true peaks of consecutive 100 ms blocks, counting only blocks within 20 dB of the\n"
        "channel's loudest, so pauses do not count.\n"
        "Status: 'clipped' if any sample clipped or the true peak is above HI; 'in_window' if the true peak is\n"
        "within LO..HI (read to 0.1 dB, as a meter shows it); 'low' otherwise.\n"
        "Advice: the Gain change in dB that puts the channel's true peak in the middle of the window (-3 dBTP\n"
        "for the default window).\n"
        "For the whole file: integrated loudness, and the maximum momentary (400 ms) and short-term (3 s)\n"
        "loudness, in LUFS across all channels (EBU R128 / ITU-R BS.1770-4).\n"
        "With --json, silence and files too short to measure give null for those levels and for the advice.\n");
}

QStringList positionalArguments(const QCommandLineParser& parser, const QString& command, const QStringList& names) {
    const QStringList given = parser.positionalArguments();
    if (given.size() < names.size())
        failUsage(QStringLiteral("%1: missing %2; usage: gainstage %1 %3 [options]")
                      .arg(command, names.mid(given.size()).join(QStringLiteral(" and ")), names.join(QLatin1Char(' '))));
    if (given.size() > names.size())
        failUsage(QStringLiteral("%1: unexpected argument '%2'; usage: gainstage %1 %3 [options]")
                      .arg(command, given.at(names.size()), names.join(QLatin1Char(' '))));
    return given;
}

AudioData readInputOrFail(const QString& path) {
    AudioFileError error;
    auto audio = readAudioFile(path, error);
    if (!audio) throw CliFailure{kExitBadInput, error.message};
    return std::move(*audio);
}

} // namespace gainstage::cli
