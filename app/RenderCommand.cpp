// `gainstage render IN OUT`: offline re-amping through the virtual preamp,
// then the level report of what was written. [main thread]
#include <QElapsedTimer>
#include <QFileInfo>

#include <algorithm>
#include <optional>

#include "app/CliCommand.h"
#include "app/CliValues.h"
#include "core/OfflineRender.h"
#include "dsp/InputImpedance.h"
#include "dsp/MonitorChain.h"
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
const QString kMonitor = QStringLiteral("monitor");
const QString kAmpPower = QStringLiteral("amp-power");
const QString kAmpZout = QStringLiteral("amp-zout");
const QString kAmpGain = QStringLiteral("amp-gain");
const QString kHeadphones = QStringLiteral("headphones");
const QString kCrossfeed = QStringLiteral("crossfeed");

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
    parser.addOption({kMonitor,
                      QStringLiteral("After the preamp, hear it through a power amp and speaker: flat (a true bypass), "
                                     "nearfield, cube, hifi, laptop or phone (see 'gainstage monitor-models')."),
                      QStringLiteral("MODEL")});
    parser.addOption({kAmpPower, QStringLiteral("With --monitor: the amp's rated power in W into the speaker's nominal "
                                                "load, 0.1 to 2000 (default: the model's usual amp)."),
                      QStringLiteral("W")});
    parser.addOption({kAmpZout, QStringLiteral("With --monitor: the amp's output impedance in ohms, 0 to 10 (damping factor = "
                                               "nominal load / Zout; default: the model's usual amp)."),
                      QStringLiteral("OHMS")});
    parser.addOption({kAmpGain, QStringLiteral("With --monitor: the amp's gain in dB, -40 to +40 (default 0: a full-scale sine "
                                               "peak drives it to rated power; the level is taken back out after the speaker)."),
                      QStringLiteral("DB")});
    parser.addOption({kHeadphones, QStringLiteral("After the preamp, hear it on headphones with a crossfeed preset: default "
                                                  "(700 Hz, 4.5 dB), chumoy (700 Hz, 6 dB), meier (650 Hz, 9.5 dB) or none."),
                      QStringLiteral("default|chumoy|meier|none")});
    parser.addOption({kCrossfeed, QStringLiteral("A custom headphone crossfeed: cutoff 300 to 2000 Hz, feed 1 to 15 dB "
                                                 "(implies headphones)."),
                      QStringLiteral("HZ,DB")});
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

// --monitor / --headphones / --crossfeed and the amp options, checked against
// each other: speakers and headphones are alternatives, the amp needs speakers.
std::optional<MonitorSettings> monitorOption(const QCommandLineParser& parser) {
    const bool speakers = parser.isSet(kMonitor);
    const bool headphones = parser.isSet(kHeadphones) || parser.isSet(kCrossfeed);
    if (speakers && headphones)
        failUsage(QStringLiteral("--monitor and %1 are alternatives (speakers or headphones); use one")
                      .arg(parser.isSet(kHeadphones) ? optionLabel(kHeadphones) : optionLabel(kCrossfeed)));
    for (const QString& amp : {kAmpPower, kAmpZout, kAmpGain})
        if (parser.isSet(amp) && !speakers)
            failUsage(QStringLiteral("%1 needs --monitor MODEL (the amp drives a speaker; headphones have none)").arg(optionLabel(amp)));
    if (!speakers && !headphones) return std::nullopt;

    MonitorSettings settings;
    if (speakers) {
        settings.output = MonitorOutput::Speakers;
        settings.speaker = parseChoice<SpeakerId>(kMonitor, parser.value(kMonitor),
                                                  {{"flat", SpeakerId::Flat}, {"nearfield", SpeakerId::NearField}, {"cube", SpeakerId::Cube},
                                                   {"hifi", SpeakerId::HiFi}, {"laptop", SpeakerId::Laptop}, {"phone", SpeakerId::Phone}});
        settings.ampPowerW = static_cast<float>(numberOption(parser, kAmpPower, 0.0, kAmpMinPowerW, kAmpMaxPowerW, QStringLiteral("W")));
        settings.ampOutputOhms =
            static_cast<float>(numberOption(parser, kAmpZout, -1.0, kAmpMinOutputOhms, kAmpMaxOutputOhms, QStringLiteral("ohms")));
        settings.ampGainDb = static_cast<float>(numberOption(parser, kAmpGain, 0.0, kAmpMinGainDb, kAmpMaxGainDb, QStringLiteral("dB")));
        return settings;
    }
    settings.output = MonitorOutput::Headphones;
    if (parser.isSet(kCrossfeed)) {
        if (parser.isSet(kHeadphones))
            failUsage(QStringLiteral("--crossfeed sets a custom crossfeed and implies headphones; drop --headphones '%1'")
                          .arg(parser.value(kHeadphones)));
        const QString text = parser.value(kCrossfeed);
        const QStringList parts = text.split(QLatin1Char(','));
        if (parts.size() != 2)
            failUsage(QStringLiteral("--crossfeed '%1' is not allowed; use HZ,DB with HZ 300 to 2000 and DB 1 to 15, e.g. 700,4.5").arg(text));
        settings.crossfeed = CrossfeedPreset::Custom;
        settings.customCrossfeed.cutoffHz = static_cast<float>(
            parseNumberInRange(kCrossfeed, parts[0].trimmed(), kCrossfeedMinHz, kCrossfeedMaxHz, QStringLiteral("Hz"), QStringLiteral(" (cutoff)")));
        settings.customCrossfeed.feedDb = static_cast<float>(
            parseNumberInRange(kCrossfeed, parts[1].trimmed(), kCrossfeedMinDb, kCrossfeedMaxDb, QStringLiteral("dB"), QStringLiteral(" (feed)")));
        return settings;
    }
    settings.crossfeed = parseChoice<CrossfeedPreset>(kHeadphones, parser.value(kHeadphones),
                                                      {{"default", CrossfeedPreset::Default}, {"chumoy", CrossfeedPreset::ChuMoy},
                                                       {"meier", CrossfeedPreset::Meier}, {"none", CrossfeedPreset::None}});
    return settings;
}

QString describeMonitor(const MonitorSettings& s) {
    if (s.output == MonitorOutput::Headphones) {
        if (s.crossfeed == CrossfeedPreset::None) return QStringLiteral("headphones, no crossfeed (a true bypass)");
        const CrossfeedSetting c = s.crossfeed == CrossfeedPreset::Custom ? s.customCrossfeed : crossfeedPresetSetting(s.crossfeed);
        return QStringLiteral("headphones, crossfeed %1 Hz / %2 dB").arg(c.cutoffHz, 0, 'f', 0).arg(c.feedDb, 0, 'f', 1);
    }
    const SpeakerParameters& p = speakerParameters(s.speaker);
    if (s.speaker == SpeakerId::Flat) return QStringLiteral("flat (a true bypass)");
    const ResolvedAmp amp = resolveAmp(s);
    return QStringLiteral("%1 (%2 dB SPL/W/m), amp %3 W into %4 ohms (%5 V peak), Zout %6 ohms (damping factor %7), gain %8 dB")
        .arg(QString::fromUtf8(p.name.data(), static_cast<qsizetype>(p.name.size())))
        .arg(p.sensitivityDbSpl, 0, 'f', 0)
        .arg(amp.powerW, 0, 'g', 4)
        .arg(amp.loadOhms, 0, 'g', 3)
        .arg(ampRailVolts(amp.powerW, amp.loadOhms), 0, 'f', 1)
        .arg(amp.outputOhms, 0, 'g', 3)
        .arg(amp.outputOhms > 0.0 ? QString::number(dampingFactor(amp.loadOhms, amp.outputOhms), 'f', 0) : QStringLiteral("infinite"))
        .arg(s.ampGainDb, 0, 'f', 1);
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
    const std::optional<MonitorSettings> monitor = monitorOption(parser);
    const SampleFormat format = formatOption(parser);
    const LevelWindow window = windowOption(parser);
    const bool json = wantsJson(parser);
    checkOutputName(outPath);

    AudioData input = readInputOrFail(inPath);
    checkOutputWritableOrFail(outPath); // before the long work, not after it

    QElapsedTimer timer;
    timer.start();
    const RenderResult rendered = renderThroughChain(std::move(input), settings, monitor);
    const qint64 elapsedMs = timer.elapsed();
    writeOutputOrFail(outPath, rendered.audio, format);

    // The report is of what OUT holds (24-bit quantised and clipped, or float),
    // so it is read back rather than taken from memory.
    const AudioData written = readInputOrFail(outPath);
    if (!json) {
        out << QStringLiteral("Rendered  '%1' to '%2'\n").arg(inPath, outPath);
        out << QStringLiteral("Preamp    %1\n").arg(describeSettings(settings, format));
        if (monitor) out << QStringLiteral("Monitor   %1\n").arg(describeMonitor(*monitor));
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
                       "With --monitor or --headphones the preamp's output then goes through the monitor section (a power\n"
                       "amp and speaker model, or headphone crossfeed), as it would be heard; its latency is compensated too.\n"
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
