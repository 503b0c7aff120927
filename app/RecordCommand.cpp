// `gainstage record`: a take from the command line, one armed track per input,
// through the same Recorder the studio window uses. [main thread]
//
// SIGINT/SIGTERM only set an atomic flag (async-signal-safe); the main loop
// polls it every 20 ms and stops the take the normal way, so the files are
// finalised and the session saved.
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <set>
#include <thread>

#include "app/CliCommand.h"
#include "app/CliValues.h"
#include "core/AutoGainSession.h"
#include "core/AudioBackend.h"
#include "core/Calibration.h"
#include "core/DiskWriter.h"
#include "core/Engine.h"
#include "core/Recorder.h"
#include "core/RecordingJournal.h"
#include "core/Session.h"

namespace gainstage::cli {

namespace {

const QString kSession = QStringLiteral("session");
const QString kSeconds = QStringLiteral("seconds");
const QString kDevice = QStringLiteral("device");
const QString kRate = QStringLiteral("rate");
const QString kBuffer = QStringLiteral("buffer");
const QString kInputs = QStringLiteral("inputs");
const QString kSource = QStringLiteral("source");
const QString kModel = QStringLiteral("model");
const QString kGain = QStringLiteral("gain");
const QString kKeepRaw = QStringLiteral("keep-raw");
const QString kAutoGain = QStringLiteral("auto-gain");
const QString kClipGuard = QStringLiteral("clip-guard");

constexpr int kExitNoSuchDevice = 5;
constexpr double kMaxSeconds = 24.0 * 3600.0;
constexpr int kMaxInputs = 64;

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void onInterrupt(int) { g_interrupted.store(true, std::memory_order_relaxed); }

void installStopHandlers() {
    struct sigaction action {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

void defineRecordOptions(QCommandLineParser& parser) {
    parser.addOption({kSession, QStringLiteral("The session folder (created if missing; an interrupted recording in it is recovered)."), QStringLiteral("DIR")});
    parser.addOption({kSeconds, QStringLiteral("How long to record, in seconds (more than 0, up to 86400)."), QStringLiteral("S")});
    parser.addOption({kDevice, QStringLiteral("The device, as 'gainstage devices' names it (e.g. JACK:system or Virtual:Demo). "
                                              "Default: the default device, or the Virtual one when there is none."),
                      QStringLiteral("NAME")});
    parser.addOption({kRate, QStringLiteral("Sample rate in Hz (default: the device's)."), QStringLiteral("HZ")});
    parser.addOption({kBuffer, QStringLiteral("Buffer size in frames (default: the device's)."), QStringLiteral("FRAMES")});
    parser.addOption({kInputs, QStringLiteral("The inputs to record, 1-based, comma-separated (default 1): one armed mono track each."),
                      QStringLiteral("1,2,...")});
    parser.addOption({kSource, QStringLiteral("mic or di (default mic): sets the Gain range and the input impedance."), QStringLiteral("SOURCE")});
    parser.addOption({kModel, QStringLiteral("Preamp model: clean, tube or transformer (default clean)."), QStringLiteral("MODEL")});
    parser.addOption({kGain, QStringLiteral("Gain in dB (default 0): -20 to +60 for mic, -20 to +40 for di."), QStringLiteral("DB")});
    parser.addOption({kKeepRaw, QStringLiteral("Also keep the raw input of every track next to its take, for re-amping.")});
    parser.addOption({kAutoGain, QStringLiteral("Before recording, listen SECONDS (3 to 15) while you play your loudest part, and "
                                                "set each track's Gain with Auto Gain so its loudest true peak lands at -3 dBTP."),
                      QStringLiteral("SECONDS")});
    parser.addOption({kClipGuard, QStringLiteral("Clip Guard on every track: after the preamp, hold what is recorded under -0.3 dBTP "
                                                 "(no latency; untouched below it). The take report says how often it acted.")});
    addReportOptions(parser);
}

std::vector<int> parseInputs(const QString& text) {
    std::vector<int> inputs;
    std::set<int> seen;
    for (const QString& part : text.split(QLatin1Char(','))) {
        bool ok = false;
        const int value = part.trimmed().toInt(&ok);
        if (!ok || value < 1 || value > kMaxInputs)
            failUsage(QStringLiteral("--inputs '%1' is not allowed; use input numbers from 1 to %2 separated by commas, e.g. 1,2").arg(text).arg(kMaxInputs));
        if (!seen.insert(value).second) failUsage(QStringLiteral("--inputs '%1' names input %2 twice").arg(text).arg(value));
        inputs.push_back(value);
    }
    return inputs;
}

QString deviceList(const std::vector<AudioDeviceInfo>& devices) {
    QStringList names;
    for (const auto& device : devices) names << QStringLiteral("'%1'").arg(device.fullName());
    return names.join(QStringLiteral(", "));
}

const AudioDeviceInfo* findDevice(const std::vector<AudioDeviceInfo>& devices, const QString& spec) {
    for (const auto& device : devices)
        if (device.fullName().compare(spec, Qt::CaseInsensitive) == 0) return &device;
    for (const auto& device : devices)
        if (device.name.compare(spec, Qt::CaseInsensitive) == 0) return &device;
    return nullptr;
}

QString joinInts(const std::vector<int>& values) {
    QStringList parts;
    for (int v : values) parts << QString::number(v);
    return parts.join(QStringLiteral(", "));
}

int runRecord(const QCommandLineParser& parser, QTextStream& out) {
    if (!parser.positionalArguments().isEmpty() && !parser.positionalArguments().first().isEmpty())
        failUsage(QStringLiteral("record: unexpected argument '%1'; see 'gainstage record --help'").arg(parser.positionalArguments().first()));
    if (!parser.isSet(kSession) || parser.value(kSession).isEmpty())
        failUsage(QStringLiteral("record: --session DIR is required (the session folder)"));
    if (!parser.isSet(kSeconds)) failUsage(QStringLiteral("record: --seconds S is required (how long to record)"));
    const double seconds = parseNumberInRange(kSeconds, parser.value(kSeconds), 0.001, kMaxSeconds, QStringLiteral("s"));
    const double autoGainSeconds = parser.isSet(kAutoGain)
                                       ? parseNumberInRange(kAutoGain, parser.value(kAutoGain), AutoGainSession::kMinSeconds,
                                                            AutoGainSession::kMaxSeconds, QStringLiteral("s"))
                                       : 0.0;
    const bool json = wantsJson(parser);
    const LevelWindow window = windowOption(parser);

    PreampSettings preamp;
    if (parser.isSet(kSource)) preamp.source = parseChoice<Source>(kSource, parser.value(kSource), {{"mic", Source::Mic}, {"di", Source::DI}});
    preamp.inputImpedanceOhms = defaultInputImpedanceOhms(preamp.source);
    if (parser.isSet(kModel))
        preamp.model = parseChoice<Model>(kModel, parser.value(kModel), {{"clean", Model::Clean}, {"tube", Model::Tube}, {"transformer", Model::Transformer}});
    if (parser.isSet(kGain)) {
        const GainRange range = gainRangeFor(preamp.source);
        preamp.gainDb = static_cast<float>(parseNumberInRange(kGain, parser.value(kGain), range.minDb, range.maxDb, QStringLiteral("dB"),
                                                              preamp.source == Source::Mic ? QStringLiteral(" for --source mic") : QStringLiteral(" for --source di")));
    }
    const std::vector<int> inputs = parser.isSet(kInputs) ? parseInputs(parser.value(kInputs)) : std::vector<int>{1};
    int rate = 0, buffer = 0;
    if (parser.isSet(kRate)) rate = static_cast<int>(parseNumberInRange(kRate, parser.value(kRate), 8000, 384000, QStringLiteral("Hz")));
    if (parser.isSet(kBuffer)) buffer = static_cast<int>(parseNumberInRange(kBuffer, parser.value(kBuffer), kMinBufferFrames, kMaxBufferFrames, QStringLiteral("frames")));
    if (parser.isSet(kRate) && parser.value(kRate).toDouble() != rate) failUsage(QStringLiteral("--rate '%1' is not allowed; use a whole number of Hz").arg(parser.value(kRate)));
    if (parser.isSet(kBuffer) && parser.value(kBuffer).toDouble() != buffer)
        failUsage(QStringLiteral("--buffer '%1' is not allowed; use a whole number of frames").arg(parser.value(kBuffer)));
    const int highestInput = *std::max_element(inputs.begin(), inputs.end());

    AudioDeviceRequest request;
    request.sampleRate = rate;
    request.bufferFrames = buffer;
    request.inputChannels = highestInput;
    if (parser.isSet(kDevice)) {
        const QString spec = parser.value(kDevice);
        const std::vector<AudioDeviceInfo> devices = listAudioDevices();
        const AudioDeviceInfo* device = findDevice(devices, spec);
        if (!device) throw CliFailure{kExitNoSuchDevice, QStringLiteral("record: no such device '%1'; the devices are %2").arg(spec, deviceList(devices))};
        request.setDevice(device->fullName());
        if (rate > 0 && std::find(device->sampleRates.begin(), device->sampleRates.end(), rate) == device->sampleRates.end())
            failUsage(QStringLiteral("--rate %1 is not supported by %2; use %3").arg(rate).arg(device->fullName(), joinInts(device->sampleRates)));
        if (buffer > 0 && std::find(device->bufferSizes.begin(), device->bufferSizes.end(), buffer) == device->bufferSizes.end())
            failUsage(QStringLiteral("--buffer %1 is not supported by %2; use %3").arg(buffer).arg(device->fullName(), joinInts(device->bufferSizes)));
        if (device->hostApi != kVirtualHostApi && highestInput > device->inputs)
            failUsage(QStringLiteral("--inputs: %1 has %2 inputs; input %3 does not exist").arg(device->fullName()).arg(device->inputs).arg(highestInput));
    } else if (rate > 0 && std::find(kProbedSampleRates.begin(), kProbedSampleRates.end(), rate) == kProbedSampleRates.end()) {
        failUsage(QStringLiteral("--rate %1 is not allowed; use 44100, 48000, 88200, 96000 or 192000").arg(rate));
    } else if (buffer > 0 && (buffer & (buffer - 1)) != 0) {
        failUsage(QStringLiteral("--buffer %1 is not allowed; use a power of two from %2 to %3").arg(buffer).arg(kMinBufferFrames).arg(kMaxBufferFrames));
    }

    auto say = [&](const QString& line) {
        // With --json stdout holds only the report.
        if (json) std::fprintf(stderr, "%s\n", line.toLocal8Bit().constData());
        else out << line << '\n', out.flush();
    };

    Engine engine;
    Recorder::Options options;
    options.window = window;
    Recorder recorder(engine, options);
    QString notice, error;
    if (!recorder.openSession(parser.value(kSession), notice, error))
        throw CliFailure{kExitBadInput, QStringLiteral("record: cannot open the session '%1': %2").arg(parser.value(kSession), error)};
    if (!notice.isEmpty()) say(notice);
    const bool keepRaw = parser.isSet(kKeepRaw);
    std::set<QString> armedIds;
    for (const int input : inputs) {
        const QString id = recorder.addTrack(QStringLiteral("Input %1").arg(input), input - 1, false, preamp, keepRaw);
        recorder.setArmed(id, true);
        armedIds.insert(id);
    }
    // --inputs says which tracks record this time: a track armed by an earlier
    // run would otherwise record again over its input instead of playing its take.
    for (const SessionTrack& track : recorder.session().tracks)
        if (!armedIds.count(track.id)) recorder.setArmed(track.id, false);

    QString opened;
    std::unique_ptr<AudioBackend> backend = openAudioBackend(request, engine, opened, error);
    if (!backend) throw CliFailure{kExitNoSuchDevice, QStringLiteral("record: %1; the devices are %2").arg(error, deviceList(listAudioDevices()))};
    for (const QString& line : opened.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) say(line);
    const QString deviceName = backend->device().fullName();
    const int deviceRate = static_cast<int>(std::lround(backend->format().sampleRate));
    if (const auto calibrated = storedRoundTripFrames(deviceName, deviceRate)) {
        engine.setMeasuredRoundTripFrames(*calibrated);
        say(QStringLiteral("Using the calibrated round trip of %1: %2 frames").arg(deviceName).arg(*calibrated));
    }
    const double left = recorder.remainingRecordSeconds();
    if (left < seconds) {
        backend->close();
        throw CliFailure{kExitCannotWrite, QStringLiteral("record: only %1 s of recording fit on the disk of %2; free some space")
                                               .arg(QString::number(left, 'f', 1), recorder.folder())};
    }
    if (left < Recorder::kLowSpaceSeconds) say(QStringLiteral("Warning: only %1 of recording time left on this disk").arg(DiskWriter::formatTime(std::llround(left * deviceRate), deviceRate)));

    if (parser.isSet(kClipGuard))
        for (const QString& id : armedIds)
            if (Track* track = engine.track(recorder.engineTrackId(id))) track->clipGuardOn.store(true);
    g_interrupted.store(false);
    installStopHandlers();
    // --auto-gain: listen on every armed track's raw input, then set its Gain
    // through the Recorder (so the session and the take metadata get it too).
    bool skipTake = false;
    if (autoGainSeconds > 0.0) {
        say(QStringLiteral("Auto Gain: play your loudest part now; listening for %1 s").arg(autoGainSeconds, 0, 'f', 1));
        struct Listening {
            QString id;
            int input;
            std::unique_ptr<AutoGainSession> session;
        };
        std::vector<Listening> listening;
        for (const int input : inputs) {
            const QString id = recorder.addTrack(QStringLiteral("Input %1").arg(input), input - 1, false, preamp, keepRaw);
            if (Track* track = engine.track(recorder.engineTrackId(id))) {
                listening.push_back({id, input, std::make_unique<AutoGainSession>(track->rawTap(), backend->format().sampleRate)});
                listening.back().session->start(autoGainSeconds);
            }
        }
        for (bool done = false; !done;) {
            done = true;
            for (auto& l : listening) done = l.session->poll() || !l.session->isListening() ? done : false;
            if (g_interrupted.load(std::memory_order_relaxed)) {
                for (auto& l : listening) l.session->cancel();
                skipTake = true;
                break;
            }
            if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        for (auto& l : listening) {
            const AutoGainOutcome outcome = l.session->analyse(preamp);
            say(QStringLiteral("Input %1: %2").arg(l.input).arg(QString::fromStdString(outcome.message)));
            if (outcome.result == AutoGainResult::Success) recorder.addTrack(QStringLiteral("Input %1").arg(l.input), l.input - 1, false, outcome.after, keepRaw);
        }
    }
    if (skipTake) {
        // Ctrl-C while listening: nothing is recorded.
    } else if (!recorder.startTake(error)) {
        backend->close();
        throw CliFailure{kExitCannotWrite, QStringLiteral("record: %1").arg(error)};
    }
    const int64_t wanted = std::llround(seconds * deviceRate);
    const int64_t startPosition = engine.position();
    QString stoppedBy = QStringLiteral("time");
    if (skipTake) stoppedBy = QStringLiteral("signal");
    while (recorder.isRecording()) {
        recorder.poll();
        for (const QString& message : recorder.takeMessages()) say(message);
        if (!recorder.isRecording()) break;
        if (g_interrupted.load(std::memory_order_relaxed)) {
            stoppedBy = QStringLiteral("signal");
            break;
        }
        if (engine.position() - startPosition >= wanted) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(engine.position() - startPosition + deviceRate / 20 >= wanted ? 1 : 20));
    }
    bool saved = true;
    if (recorder.isRecording()) saved = recorder.stopTake(error);
    if (recorder.lastTakeStoppedByDiskError()) stoppedBy = QStringLiteral("disk_full");
    if (recorder.lastTakeStoppedByDeviceLoss()) stoppedBy = QStringLiteral("device_lost");
    engine.stop();
    engine.fadeOutAndWait(std::chrono::milliseconds(300));
    backend->close();
    recorder.poll();
    QStringList messages = recorder.takeMessages();
    if (!saved) messages << error;
    for (const QString& message : messages) say(message);

    if (json) {
        QJsonArray takes;
        for (const RecordedTake& take : recorder.lastTakes()) {
            if (!take.hasReport) continue;
            QJsonObject object = take.report.toJson();
            object.insert(QStringLiteral("timeline_start"), static_cast<qint64>(std::max<int64_t>(0, take.clipPosition)));
            takes.append(object);
        }
        QJsonObject report{{QStringLiteral("session"), recorder.folder()},
                           {QStringLiteral("device"), deviceName},
                           {QStringLiteral("sample_rate"), deviceRate},
                           {QStringLiteral("stopped_by"), stoppedBy},
                           {QStringLiteral("xruns"), static_cast<qint64>(engine.xrunCount())},
                           {QStringLiteral("messages"), QJsonArray::fromStringList(messages)},
                           {QStringLiteral("takes"), takes}};
        out << QJsonDocument(report).toJson(QJsonDocument::Indented);
    } else {
        for (const RecordedTake& take : recorder.lastTakes())
            if (take.hasReport) out << take.report.toText();
        // A save that failed inside the Recorder (e.g. on a full disk) leaves the journal for recovery.
        if (saved && !RecordingJournal::exists(recorder.folder())) out << QStringLiteral("Session saved: %1\n").arg(QDir::toNativeSeparators(recorder.folder()));
    }
    out.flush();
    if (stoppedBy == QLatin1String("disk_full") || !saved) return kExitCannotWrite;
    if (stoppedBy == QLatin1String("device_lost")) return kExitNoSuchDevice;
    return kExitOk;
}

} // namespace

Command recordCommand() {
    return Command{
        QStringLiteral("record"),
        QStringLiteral("--session DIR --seconds S"),
        QStringLiteral("Record a take through the preamp, one armed track per input, and report its levels"),
        QStringLiteral("Records S seconds from the device into the session folder DIR (created or extended), one\n"
                       "mono track 'Input N' per input, through the preamp. Without --device it uses the default\n"
                       "device, or the Virtual one (demo vocal and guitar) when there is none. Ctrl-C or SIGTERM\n"
                       "stops early and still saves everything."),
        QStringLiteral("Per track it prints the sample and true peak, the share of peaks in the window, clips,\n"
                       "xruns, loudness and a verdict. With --json: one object with session, device, sample_rate,\n"
                       "stopped_by (time, signal, disk_full, device_lost), xruns, messages and takes (track, file,\n"
                       "frames, seconds, sample_peak_dbfs, true_peak_dbtp, share_in_window, clips, xruns,\n"
                       "lufs_integrated, verdict, timeline_start, analysis).\n"
                       "Exit codes: 0 done, 1 internal error, 2 bad usage, 3 the session cannot be opened,\n"
                       "4 the disk refused the audio (what was recorded is kept), 5 no such device (the message\n"
                       "lists the devices) or the device was lost.\n") +
            reportDetails(),
        defineRecordOptions,
        runRecord,
    };
}

} // namespace gainstage::cli
