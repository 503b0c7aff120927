// `gainstage calibrate`: measures the round trip output 1 -> input 1 through a
// loopback and stores it for the device. [main thread]
#include <QJsonDocument>
#include <QJsonObject>

#include <chrono>
#include <cmath>
#include <thread>

#include "app/CliCommand.h"
#include "app/CliValues.h"
#include "core/AudioBackend.h"
#include "core/Calibration.h"

namespace gainstage::cli {

namespace {

const QString kDevice = QStringLiteral("device");
const QString kJson = QStringLiteral("json");
constexpr int kExitNoSuchDevice = 5;
constexpr int kMlsOrder = 15;          // 32767 samples: 0.68 s at 48 kHz
constexpr float kMlsAmplitude = 0.25f; // -12 dBFS
constexpr double kLeadInSeconds = 0.6; // past the output's 250 ms mute and 200 ms fade of a real engine
constexpr double kMaxRoundTripSeconds = 1.0;

void defineCalibrateOptions(QCommandLineParser& parser) {
    parser.addOption({kDevice, QStringLiteral("The device to calibrate (default: the default device)."), QStringLiteral("NAME")});
    parser.addOption({kJson, QStringLiteral("Print the result as one JSON object.")});
}

int runCalibrate(const QCommandLineParser& parser, QTextStream& out) {
    if (!parser.positionalArguments().isEmpty() && !parser.positionalArguments().first().isEmpty())
        failUsage(QStringLiteral("calibrate: unexpected argument '%1'; usage: gainstage calibrate [--device NAME] [--json]").arg(parser.positionalArguments().first()));
    AudioDeviceRequest request;
    request.inputChannels = 1;
    request.outputChannels = 1;
    if (parser.isSet(kDevice)) {
        const std::vector<AudioDeviceInfo> devices = listAudioDevices();
        bool found = false;
        QStringList names;
        for (const auto& device : devices) {
            names << QStringLiteral("'%1'").arg(device.fullName());
            if (device.fullName().compare(parser.value(kDevice), Qt::CaseInsensitive) == 0 ||
                device.name.compare(parser.value(kDevice), Qt::CaseInsensitive) == 0) {
                found = true;
                request.setDevice(device.fullName());
            }
        }
        if (!found)
            throw CliFailure{kExitNoSuchDevice, QStringLiteral("calibrate: no such device '%1'; the devices are %2").arg(parser.value(kDevice), names.join(QStringLiteral(", ")))};
    }
    const bool json = parser.isSet(kJson);

    // The capture is sized from the rate the device opens at: open once to learn it.
    const std::vector<float> burst = mlsBurst(kMlsOrder, kMlsAmplitude);
    QString notice, error;
    double rate = 48000.0;
    {
        LoopbackPlayer probe({}, 0, 0);
        auto backend = openAudioBackend(request, probe, notice, error);
        if (!backend) throw CliFailure{kExitNoSuchDevice, QStringLiteral("calibrate: %1").arg(error)};
        rate = backend->format().sampleRate;
        backend->close();
    }
    const int64_t lead = std::llround(kLeadInSeconds * rate);
    const int64_t maxLag = std::llround(kMaxRoundTripSeconds * rate);
    LoopbackPlayer player(burst, lead, lead + static_cast<int64_t>(burst.size()) + maxLag);
    auto backend = openAudioBackend(request, player, notice, error);
    if (!backend) throw CliFailure{kExitNoSuchDevice, QStringLiteral("calibrate: %1").arg(error)};
    const QString deviceName = backend->device().fullName();
    if (!json)
        for (const QString& line : notice.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) out << line << '\n';
    out.flush();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!player.done() && !player.lost() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const bool complete = player.done();
    backend->close();
    if (!complete) throw CliFailure{kExitNoSuchDevice, QStringLiteral("calibrate: %1 stopped delivering audio before the measurement ended").arg(deviceName)};

    const LoopbackMeasurement measurement = findLoopback(player.sentTimeline(), player.captured(), maxLag);
    if (!measurement.found)
        throw CliFailure{kExitBadInput, QStringLiteral("calibrate: no loopback signal came back on input 1 of %1 (peak %2 dBFS); "
                                                       "connect output 1 to input 1 (a cable, or a JACK connection) and try again")
                                            .arg(deviceName, std::isfinite(measurement.levelDb) ? QString::number(measurement.levelDb, 'f', 1) : QStringLiteral("-inf"))};
    const int sampleRate = static_cast<int>(std::lround(rate));
    storeRoundTripFrames(deviceName, sampleRate, measurement.frames);
    const double ms = measurement.frames * 1000.0 / rate;
    if (json) {
        out << QJsonDocument(QJsonObject{{QStringLiteral("device"), deviceName},
                                         {QStringLiteral("sample_rate"), sampleRate},
                                         {QStringLiteral("round_trip_frames"), static_cast<qint64>(measurement.frames)},
                                         {QStringLiteral("round_trip_ms"), std::round(ms * 100.0) / 100.0},
                                         {QStringLiteral("peak_ratio"), std::round(measurement.peakRatio * 10.0) / 10.0},
                                         {QStringLiteral("xruns"), static_cast<qint64>(player.xruns())}})
                   .toJson(QJsonDocument::Indented);
    } else {
        out << QStringLiteral("Round trip of %1 at %2 Hz: %3 frames (%4 ms); stored, recordings on this device are aligned with it\n")
                   .arg(deviceName)
                   .arg(sampleRate)
                   .arg(measurement.frames)
                   .arg(QString::number(ms, 'f', 2));
    }
    return kExitOk;
}

} // namespace

Command calibrateCommand() {
    return Command{
        QStringLiteral("calibrate"),
        QStringLiteral("[--device NAME] [--json]"),
        QStringLiteral("Measure the device's round-trip latency through a loopback and store it"),
        QStringLiteral("Plays a short noise burst (a maximum-length sequence at -12 dBFS) on output 1, records input 1,\n"
                       "and finds the burst by cross-correlation. Connect output 1 to input 1 first (a cable, or\n"
                       "a JACK connection). The result is stored per device and rate; 'gainstage record' places\n"
                       "takes with it."),
        QStringLiteral("With --json: device, sample_rate, round_trip_frames, round_trip_ms, peak_ratio, xruns.\n"
                       "Exit codes: 0 done, 2 bad usage, 3 no loopback signal detected, 5 no such device.\n"),
        defineCalibrateOptions,
        runCalibrate,
    };
}

} // namespace gainstage::cli
