// `gainstage render IN OUT`: offline re-amping through the virtual preamp,
// then the level report of what was written. [main thread]
#include <QElapsedTimer>
#include <QFileInfo>

#include <algorithm>

#include "app/CliCommand.h"
#include "app/CliValues.h"
#include "core/OfflineRender.h"
#include "dsp/InputImpedance.h"
#include "dsp/PreampSettings.h"

namespace gainstage::cli {

namespace {

constexpr double kTrimLimitDb = 24.0;
constexpr double kCalibrationMinDbu = 6.0;
constexpr double kCalibrationMaxDbu = 24.0;

const QString kSource = QStringLiteral("source");
const QString kModel = QStringLiteral("model");
const QString kGain = QStringLiteral("gain");
const QString kPad = QStringLiteral("pad");
const QString kLowCut = QStringLiteral("low-cut");
const QString kPhase = QStringLiteral("phase");
const QString kInputZ = QStringLiteral("input-z");
const QString kTrim = QStringLiteral("trim");
const QString kCalibration = QStringLiteral("calibration");
const QString kFormat = QStringLiteral("format");

void defineRenderOptions(QCommandLineParser& parser) {
    parser.addOption({kSource, QStringLiteral("What was recorded: mic or di (default mic). Sets the Gain range and the "
                                              "default Input Z."),
                      QStringLiteral("mic|di")});
    parser.addOption({kModel, QStringLiteral("Preamp model: clean, tube or transformer (default clean)."),
                      QStringLiteral("clean|tube|transformer")});
    parser.addOption({kGain, QStringLiteral("Gain in dB (default 0): -20 to +60 for mic, -20 to +40 for di."),
                      QStringLiteral("DB")});
    parser.addOption({kPad, QStringLiteral("Engage the -20 dB Pad before the Gain.")});
    parser.addOption({kLowCut, QStringLiteral("Low Cut: OFF, or 50, 80, 160 or 300 Hz at 18 dB/oct (default OFF)."),
                      QStringLiteral("OFF|50|80|160|300")});
    parser.addOption({kPhase, QStringLiteral("Invert the Phase (polarity).")});
    parser.addOption({kInputZ,
                      QStringLiteral("Input Z: the load on the source in ohms, 50 to 10000000 (default 1200 for mic, "
                                     "1000000 for di, the interface's own, which changes nothing)."),
                      QStringLiteral("OHMS")});
    parser.addOption({kTrim, QStringLiteral("Output trim in dB, -24 to +24 (default 0)."), QStringLiteral("DB")});
    parser.addOption({kCalibration,
                      QStringLiteral("Calibration: 0 dBFS = DBU dBu, +6 to +24 (default +18). A higher value drives "
                                     "the model harder at the same digital level."),
                      QStringLiteral("DBU")});
    parser.addOption({kFormat, QStringLiteral("OUT sample format: pcm24 or float (default pcm24)."),
                      QStringLiteral("pcm24|float")});
    addReportOptions(parser);
}

Source sourceOption(const QCommandLineParser& parser) {
    if (!parser.isSet(kSource)) return Source::Mic;
    return parseChoice<Source>(kSource, parser.value(kSource), {{"mic", Source::Mic}, {"di", Source::DI}});
}

Model modelOption(const QCommandLineParser& parser) {
    if (!parser.isSet(kModel)) return Model::Clean;
    return parseChoice<Model>(kModel, parser.value(kModel),
                              {{"clean", Model::Clean}, {"tube", Model::Tube}, {"transformer", Model::Transformer}});
}

LowCut lowCutOption(const QCommandLineParser& parser) {
    if (!parser.isSet(kLowCut)) return LowCut::Off;
    return parseChoice<LowCut>(kLowCut, parser.value(kLowCut),
                               {{"OFF", LowCut::Off}, {"50", LowCut::Hz50}, {"80", LowCut::Hz80}, {"160", LowCut::Hz160},
                                {"300", LowCut::Hz300}});
}

double numberOption(const QCommandLineParser& parser, const QString& name, double fallback, double minimum, double maximum,
                    const QString& unit, const QString& context = QString()) {
    return parser.isSet(name) ? parseNumberInRange(name, parser.value(name), minimum, maximum, unit, context) : fallback;
}

QString sourceContext(Source source) {
    return source == Source::Mic ? QStringLiteral(" for --source mic") : QStringLiteral(" for --source di");
}

double gainOption(const QCommandLineParser& parser, Source source) {
    const GainRange range = gainRangeFor(source);
    return numberOption(parser, kGain, 0.0, range.minDb, range.maxDb, QStringLiteral("dB"), sourceContext(source));
}

// The range the input stage models (dsp/InputImpedance.h), for either source:
// loading a dynamic mic lightly or a pickup heavily are both things to try.
double inputZOption(const QCommandLineParser& parser, Source source) {
    return numberOption(parser, kInputZ, defaultInputImpedanceOhms(source), kMinInputImpedanceOhms, kMaxInputImpedanceOhms,
                        QStringLiteral("ohms"));
}

PreampSettings settingsOption(const QCommandLineParser& parser) {
    PreampSettings settings;
    settings.source = sourceOption(parser);
    settings.model = modelOption(parser);
    settings.gainDb = static_cast<float>(gainOption(parser, settings.source));
    settings.pad = parser.isSet(kPad);
    settings.lowCut = lowCutOption(parser);
    settings.phaseInverted = parser.isSet(kPhase);
    settings.inputImpedanceOhms = static_cast<float>(inputZOption(parser, settings.source));
    settings.outputTrimDb = static_cast<float>(numberOption(parser, kTrim, 0.0, -kTrimLimitDb, kTrimLimitDb, QStringLiteral("dB")));
    settings.calibrationDbu = static_cast<float>(
        numberOption(parser, kCalibration, kDefaultCalibrationDbu, kCalibrationMinDbu, kCalibrationMaxDbu, QStringLiteral("dBu")));
    return settings;
}

SampleFormat formatOption(const QCommandLineParser& parser) {
    if (!parser.isSet(kFormat)) return SampleFormat::Pcm24;
    return parseChoice<SampleFormat>(kFormat, parser.value(kFormat), {{"pcm24", SampleFormat::Pcm24}, {"float", SampleFormat::Float32}});
}

// render only writes WAV; a .flac or .mp3 name would be a WAV in disguise.
void checkOutputName(const QString& path) {
    if (QFileInfo(path).suffix().compare(QLatin1String("wav"), Qt::CaseInsensitive) != 0)
        failUsage(QStringLiteral("render: OUT '%1' must end in .wav (render writes WAV, RF64 past 4 GiB)").arg(path));
}

void checkOutputWritableOrFail(const QString& path) {
    AudioFileError error;
    if (!checkOutputWritable(path, error)) throw CliFailure{kExitCannotWrite, error.message};
}

void writeOutputOrFail(const QString& path, const AudioData& audio, SampleFormat format) {
    AudioFileError error;
    if (!writeAudioFileAtomically(path, audio, format, error)) throw CliFailure{kExitCannotWrite, error.message};
}

QString modelName(Model model) {
    switch (model) {
    case Model::Clean: return QStringLiteral("Clean");
    case Model::Tube: return QStringLiteral("Tube");
    case Model::Transformer: return QStringLiteral("Transformer");
    }
    return QString();
}

QString describeSettings(const PreampSettings& s, SampleFormat format) {
    const float lowCut = lowCutHz(s.lowCut);
    return QStringLiteral("%1, %2, Gain %3 dB, Pad %4, Low Cut %5, Phase %6, Input Z %7 ohms, Trim %8 dB, 0 dBFS = %9 dBu, %10")
        .arg(modelName(s.model), s.source == Source::Mic ? QStringLiteral("mic") : QStringLiteral("DI"))
        .arg(s.gainDb, 0, 'f', 1)
        .arg(s.pad ? QStringLiteral("on") : QStringLiteral("off"))
        .arg(lowCut > 0.0f ? QStringLiteral("%1 Hz").arg(lowCut) : QStringLiteral("off"))
        .arg(s.phaseInverted ? QStringLiteral("inverted") : QStringLiteral("normal"))
        .arg(s.inputImpedanceOhms, 0, 'f', 0)
        .arg(s.outputTrimDb, 0, 'f', 1)
        .arg(s.calibrationDbu, 0, 'f', 1)
        .arg(format == SampleFormat::Float32 ? QStringLiteral("32-bit float") : QStringLiteral("24-bit PCM"));
}

QString describeRun(const AudioData& audio, int latency, qint64 elapsedMs) {
    const double audioSeconds = audio.sampleRate > 0.0 ? static_cast<double>(audio.numFrames()) / audio.sampleRate : 0.0;
    const double renderSeconds = std::max<qint64>(elapsedMs, 1) / 1000.0;
    return QStringLiteral("Latency   %1 samples, compensated; %2 s of audio rendered in %3 s (%4x real time)\n")
        .arg(latency)
        .arg(audioSeconds, 0, 'f', 2)
        .arg(renderSeconds, 0, 'f', 2)
        .arg(audioSeconds / renderSeconds, 0, 'f', 0);
}

int runRender(const QCommandLineParser& parser, QTextStream& out) {
    const QStringList files = positionalArguments(parser, QStringLiteral("render"), {QStringLiteral("IN"), QStringLiteral("OUT")});
    const QString& inPath = files[0];
    const QString& outPath = files[1];
    // Every usage error before any file is touched.
    const PreampSettings settings = settingsOption(parser);
    const SampleFormat format = formatOption(parser);
    const LevelWindow window = windowOption(parser);
    const bool json = wantsJson(parser);
    checkOutputName(outPath);

    AudioData input = readInputOrFail(inPath);
    checkOutputWritableOrFail(outPath); // before the long work, not after it

    QElapsedTimer timer;
    timer.start();
    const RenderResult rendered = renderThroughPreamp(std::move(input), settings);
    const qint64 elapsedMs = timer.elapsed();
    writeOutputOrFail(outPath, rendered.audio, format);

    // The report is of what OUT holds (24-bit quantised and clipped, or float),
    // so it is read back rather than taken from memory.
    const AudioData written = readInputOrFail(outPath);
    if (!json) {
        out << QStringLiteral("Rendered  '%1' to '%2'\n").arg(inPath, outPath);
        out << QStringLiteral("Preamp    %1\n").arg(describeSettings(settings, format));
        out << describeRun(rendered.audio, rendered.latencySamples, elapsedMs) << '\n';
    }
    printReport(analyzeAudio(written, outPath, window), json, out);
    return kExitOk;
}

} // namespace

Command renderCommand() {
    return Command{
        QStringLiteral("render"),
        QStringLiteral("IN OUT"),
        QStringLiteral("Re-amp a recording through the virtual preamp into a new WAV file"),
        QStringLiteral("Runs every channel of IN through its own virtual preamp (Input Z -> Pad -> Gain -> model ->\n"
                       "Low Cut -> Phase -> trim) and writes OUT, a WAV file with exactly IN's frames, channels and\n"
                       "sample rate. The model's latency is compensated, so OUT lines up with IN sample for sample.\n"
                       "OUT is written to a temporary file and renamed into place when complete: a failed or\n"
                       "interrupted render leaves no half-written file. Then prints the analyze report of OUT."),
        QStringLiteral("With the defaults (mic, clean, Gain 0 dB, no Pad, Low Cut off, trim 0 dB) OUT equals IN;\n"
                       "with --format float it is bit-identical.\n\n") +
            reportDetails() +
            QStringLiteral("\nExit codes: 0 done, 2 bad usage, 3 IN is missing, unreadable or not audio, 4 OUT cannot be\n"
                           "written (its folder is missing or read-only, or the disk is full); nothing half-written is left.\n"),
        defineRenderOptions,
        runRender,
    };
}

} // namespace gainstage::cli
