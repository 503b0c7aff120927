// `gainstage analyze FILE`: the level report of a recording. [main thread]
#include "app/CliCommand.h"
#include "app/CliValues.h"

namespace gainstage::cli {

namespace {

void defineAnalyzeOptions(QCommandLineParser& parser) {
    addReportOptions(parser);
}

int runAnalyze(const QCommandLineParser& parser, QTextStream& out) {
    const QString file = positionalArguments(parser, QStringLiteral("analyze"), {QStringLiteral("FILE")}).first();
    const LevelWindow window = windowOption(parser); // usage errors before touching the file
    const AudioData audio = readInputOrFail(file);
    printReport(analyzeAudio(audio, file, window), wantsJson(parser), out);
    return kExitOk;
}

} // namespace

Command analyzeCommand() {
    return Command{
        QStringLiteral("analyze"),
        QStringLiteral("FILE"),
        QStringLiteral("Peaks, true peak, RMS, clips, loudness and Gain advice for a recording"),
        QStringLiteral("Reports, per channel, where the peaks of FILE sit against the recording level window\n"
                       "and how much to change Gain to put them in it, and the loudness of the whole file."),
        reportDetails() + QStringLiteral("\nExit codes: 0 done, 2 bad usage, 3 FILE is missing, unreadable or not audio.\n"),
        defineAnalyzeOptions,
        runAnalyze,
    };
}

} // namespace gainstage::cli
