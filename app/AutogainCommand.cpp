// `gainstage autogain FILE`: runs the Auto Gain algorithm on a file as if it
// were the input a user just performed into, renders the file through the
// preamp at the Gain it found, and reports both peaks and the advice. [main thread]
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

#include "app/CliCommand.h"
#include "app/CliValues.h"
#include "core/GainAdvice.h"
#include "core/OfflineRender.h"
#include "dsp/AutoGain.h"

namespace gainstage::cli {

namespace {

const QString kModel = QStringLiteral("model");
const QString kSource = QStringLiteral("source");
const QString kTarget = QStringLiteral("target");

void defineAutogainOptions(QCommandLineParser& parser) {
    parser.addOption({kModel, QStringLiteral("Preamp model: clean, tube or transformer (default clean)."),
                      QStringLiteral("clean|tube|transformer")});
    parser.addOption({kSource, QStringLiteral("What FILE is: mic or di (default mic). Sets the Gain range (-20..+60 mic, "
                                              "-20..+40 di)."),
                      QStringLiteral("mic|di")});
    parser.addOption({kTarget, QStringLiteral("Where the loudest true peak should land, in dBTP, inside the window (default -3)."),
                      QStringLiteral("DB")});
    addReportOptions(parser);
}

// The file's true peak after the preamp with `settings`, rendered by the same
// offline path `render` uses and measured by the `analyze` code (BS.1770-4).
double renderedPeakDb(const AudioData& audio, const PreampSettings& settings, LevelWindow window) {
    const FileReport report = analyzeAudio(renderThroughPreamp(audio, settings).audio, QString(), window);
    double peak = -INFINITY;
    for (const ChannelReport& c : report.channelReports) peak = std::max(peak, c.truePeakDb);
    return peak;
}

QJsonValue number(double value) {
    return std::isfinite(value) ? QJsonValue(std::round(value * 100.0) / 100.0) : QJsonValue(QJsonValue::Null);
}

QString dbText(double value, const char* unit) {
    return std::isfinite(value) ? QStringLiteral("%1 %2").arg(value, 0, 'f', 2).arg(QLatin1String(unit)) : QStringLiteral("silence");
}

int runAutogain(const QCommandLineParser& parser, QTextStream& out) {
    const QString file = positionalArguments(parser, QStringLiteral("autogain"), {QStringLiteral("FILE")}).first();
    PreampSettings settings;
    if (parser.isSet(kSource))
        settings.source = parseChoice<Source>(kSource, parser.value(kSource), {{"mic", Source::Mic}, {"di", Source::DI}});
    settings.inputImpedanceOhms = defaultInputImpedanceOhms(settings.source);
    if (parser.isSet(kModel))
        settings.model = parseChoice<Model>(kModel, parser.value(kModel),
                                            {{"clean", Model::Clean}, {"tube", Model::Tube}, {"transformer", Model::Transformer}});
    const LevelWindow window = windowOption(parser);
    AutoGainOptions options;
    options.windowLowDb = window.lowDb;
    options.windowHighDb = window.highDb;
    options.targetDbtp = std::clamp(-3.0f, window.lowDb, window.highDb);
    if (parser.isSet(kTarget))
        options.targetDbtp = static_cast<float>(parseNumberInRange(kTarget, parser.value(kTarget), window.lowDb, window.highDb,
                                                                   QStringLiteral("dBTP"), QStringLiteral(" (inside the window)")));
    const AudioData audio = readInputOrFail(file);

    const AutoGainOutcome result = AutoGain::run(audio.channels, audio.sampleRate, settings, options);
    PreampSettings rendered = settings;
    rendered.gainDb = result.gainDb;
    const double renderedPeak = renderedPeakDb(audio, rendered, window);
    const bool predicted = result.result == AutoGainResult::Success || result.result == AutoGainResult::TooQuiet ||
                           result.result == AutoGainResult::TooLoud;

    GainAdviceLevels levels;
    levels.rawSamplePeakDb = result.rawSamplePeakDb;
    levels.rawPeakDb = result.rawTruePeakDb;
    levels.trackPeakDb = static_cast<float>(renderedPeak);
    levels.virtualGainDb = result.gainDb;
    levels.window = window;
    const std::vector<GainAdvice> advice = adviseGain(levels);

    if (wantsJson(parser)) {
        QJsonArray adviceJson;
        for (const GainAdvice& a : advice)
            adviceJson.append(QJsonObject{{QStringLiteral("kind"), QString::fromLatin1(gainAdviceKindName(a.kind))},
                                          {QStringLiteral("db"), number(a.db)},
                                          {QStringLiteral("text"), a.text}});
        const QJsonObject json{{QStringLiteral("result"), QString::fromLatin1(autoGainResultName(result.result))},
                               {QStringLiteral("gain_db"), number(result.gainDb)},
                               {QStringLiteral("predicted_peak_dbtp"), predicted ? number(result.predictedPeakDbtp) : QJsonValue()},
                               {QStringLiteral("rendered_peak_dbtp"), number(renderedPeak)},
                               {QStringLiteral("advice"), adviceJson}};
        out << QJsonDocument(json).toJson(QJsonDocument::Indented);
        return kExitOk;
    }
    out << QStringLiteral("File: %1\n").arg(file);
    out << QStringLiteral("Result: %1\n").arg(QString::fromLatin1(autoGainResultName(result.result)));
    out << QStringLiteral("Gain: %1%2 dB\n").arg(result.gainDb >= 0 ? "+" : "").arg(double(result.gainDb), 0, 'f', 2);
    out << QStringLiteral("Predicted peak: %1\n").arg(predicted ? dbText(result.predictedPeakDbtp, "dBTP") : QStringLiteral("-"));
    out << QStringLiteral("Rendered peak: %1 (the whole file through the preamp at that Gain)\n").arg(dbText(renderedPeak, "dBTP"));
    out << QString::fromStdString(result.message) << '\n';
    for (const GainAdvice& a : advice) out << QStringLiteral("Advice: %1\n").arg(a.text);
    return kExitOk;
}

} // namespace

Command autogainCommand() {
    return Command{
        QStringLiteral("autogain"),
        QStringLiteral("FILE"),
        QStringLiteral("Find the preamp Gain that puts a take's loudest true peak at the target"),
        QStringLiteral("Runs Auto Gain on FILE as if it were the input: renders it through the preamp (the model's\n"
                       "real curve) at candidate Gains until the loudest true peak lands at the target, leaving out\n"
                       "stray transients (under 5 ms, more than 6 dB over everything else). Prints the result, the\n"
                       "Gain, the predicted peak, the true peak of the whole file rendered at that Gain, and advice."),
        QStringLiteral("Result: success, input_clipped (raw peaks at or above -0.1 dBFS), too_quiet (even at the maximum\n"
                       "Gain), too_loud (even at the minimum Gain), no_signal.\n"
                       "--json prints one object: result, gain_db, predicted_peak_dbtp, rendered_peak_dbtp (null for\n"
                       "silence), advice (an array of {kind, db, text}).\n"
                       "Exit codes: 0 done (whatever the result), 2 bad usage, 3 FILE is missing, unreadable or not audio.\n"),
        defineAutogainOptions,
        runAutogain,
    };
}

} // namespace gainstage::cli
