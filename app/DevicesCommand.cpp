// `gainstage devices [--json]`: the audio devices Gainstage can open. [main thread]
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "app/CliCommand.h"
#include "app/CliValues.h"
#include "core/AudioBackend.h"

namespace gainstage::cli {

namespace {

const QString kJson = QStringLiteral("json");

void defineDevicesOptions(QCommandLineParser& parser) {
    parser.addOption({kJson, QStringLiteral("Print the list as one JSON object instead of a table.")});
}

QJsonArray intArray(const std::vector<int>& values) {
    QJsonArray array;
    for (const int value : values) array.append(value);
    return array;
}

QJsonObject deviceToJson(const AudioDeviceInfo& device) {
    return QJsonObject{
        {QStringLiteral("host_api"), device.hostApi},
        {QStringLiteral("name"), device.name},
        {QStringLiteral("id"), device.fullName()},
        {QStringLiteral("inputs"), device.inputs},
        {QStringLiteral("outputs"), device.outputs},
        {QStringLiteral("default_sample_rate"), device.defaultSampleRate},
        {QStringLiteral("sample_rates"), intArray(device.sampleRates)},
        {QStringLiteral("buffer_sizes"), intArray(device.bufferSizes)},
        {QStringLiteral("default_buffer_frames"), device.defaultBufferFrames},
        {QStringLiteral("default"), device.isDefault},
    };
}

QString devicesToText(const std::vector<AudioDeviceInfo>& devices) {
    int nameWidth = 6;
    for (const auto& device : devices) nameWidth = std::max(nameWidth, static_cast<int>(device.name.size()));
    QString text = QStringLiteral("%1  %2  %3  %4  %5\n")
                       .arg(QStringLiteral("Host API"), -8)
                       .arg(QStringLiteral("Device"), -nameWidth)
                       .arg(QStringLiteral("Inputs"), 6)
                       .arg(QStringLiteral("Outputs"), 7)
                       .arg(QStringLiteral("Default rate"));
    for (const auto& device : devices)
        text += QStringLiteral("%1  %2  %3  %4  %5 Hz%6\n")
                    .arg(device.hostApi, -8)
                    .arg(device.name, -nameWidth)
                    .arg(device.inputs, 6)
                    .arg(device.outputs, 7)
                    .arg(QString::number(device.defaultSampleRate, 'f', 0), 7)
                    .arg(device.isDefault ? QStringLiteral("  (default)") : QString());
    return text;
}

int runDevices(const QCommandLineParser& parser, QTextStream& out) {
    const QStringList extra = parser.positionalArguments();
    if (!extra.isEmpty())
        failUsage(QStringLiteral("devices: unexpected argument '%1'; usage: gainstage devices [--json]").arg(extra.first()));
    // Never fails: the Virtual device is always there, whatever PortAudio finds.
    const std::vector<AudioDeviceInfo> devices = listAudioDevices();
    if (parser.isSet(kJson)) {
        QJsonArray array;
        for (const auto& device : devices) array.append(deviceToJson(device));
        out << QJsonDocument(QJsonObject{{QStringLiteral("devices"), array}}).toJson(QJsonDocument::Indented);
    } else {
        out << devicesToText(devices);
    }
    return kExitOk;
}

} // namespace

Command devicesCommand() {
    return Command{
        QStringLiteral("devices"),
        QStringLiteral("[--json]"),
        QStringLiteral("The audio devices Gainstage can record from: host API, name, inputs, outputs, default rate"),
        QStringLiteral("Lists every device PortAudio finds (ALSA, JACK, OSS) and the Virtual device, which plays\n"
                       "demo material when there is no audio hardware. A device is named 'HOSTAPI:NAME' (e.g.\n"
                       "'JACK:system') wherever a device is asked for."),
        QStringLiteral("With --json: one object {\"devices\": [...]}; each device has host_api, name, id, inputs,\n"
                       "outputs, default_sample_rate, sample_rates (of 44100, 48000, 88200, 96000, 192000),\n"
                       "buffer_sizes, default_buffer_frames and default.\n"
                       "JACK is listed only while a JACK server runs; Gainstage never starts one.\n"
                       "Exit codes: 0 done, 2 bad usage.\n"),
        defineDevicesOptions,
        runDevices,
    };
}

} // namespace gainstage::cli
