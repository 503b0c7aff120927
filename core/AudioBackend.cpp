#include "core/AudioBackend.h"

#include "core/PortAudioBackend.h"
#include "core/VirtualBackend.h"

namespace gainstage {

namespace {

const QStringList& knownHostApis() {
    static const QStringList names{QStringLiteral("ALSA"), QStringLiteral("JACK"), QStringLiteral("OSS"), kVirtualHostApi};
    return names;
}

QString milliseconds(double seconds) {
    return QString::number(seconds * 1000.0, 'f', 1);
}

} // namespace

void AudioDeviceRequest::setDevice(const QString& spec) {
    const qsizetype colon = spec.indexOf(QLatin1Char(':'));
    if (colon > 0) {
        const QString prefix = spec.left(colon);
        for (const QString& api : knownHostApis())
            if (prefix.compare(api, Qt::CaseInsensitive) == 0) {
                hostApi = api;
                device = spec.mid(colon + 1);
                return;
            }
    }
    // "hw:1,0" and other names with a colon of their own.
    hostApi.clear();
    device = spec;
}

QString AudioDeviceRequest::describeDevice() const {
    if (device.isEmpty()) return hostApi.isEmpty() ? QStringLiteral("the default device") : QStringLiteral("%1's default device").arg(hostApi);
    return hostApi.isEmpty() ? QStringLiteral("'%1'").arg(device) : QStringLiteral("%1 '%2'").arg(hostApi, device);
}

QString AudioBackend::openedMessage() const {
    const StreamFormat f = format();
    const AudioDeviceInfo d = device();
    return QStringLiteral("Opened %1 '%2' at %3 Hz, %4 frames (%5 ms in, %6 ms out)")
        .arg(d.hostApi, d.name, QString::number(f.sampleRate, 'f', 0))
        .arg(f.maxBlockFrames)
        .arg(milliseconds(f.inputLatencySeconds), milliseconds(f.outputLatencySeconds));
}

std::vector<AudioDeviceInfo> listAudioDevices() {
    std::vector<AudioDeviceInfo> devices = PortAudioBackend::listDevices();
    AudioDeviceInfo virtualDevice = VirtualBackend::deviceInfo();
    virtualDevice.isDefault = devices.empty();
    devices.push_back(virtualDevice);
    return devices;
}

std::unique_ptr<AudioBackend> openAudioBackend(const AudioDeviceRequest& request, AudioCallback& callback, QString& notice,
                                               QString& error) {
    if (request.hostApi.compare(kVirtualHostApi, Qt::CaseInsensitive) == 0) {
        auto backend = std::make_unique<VirtualBackend>();
        if (!backend->open(request, callback, error)) return nullptr;
        notice = backend->openedMessage();
        return backend;
    }
    auto portAudio = std::make_unique<PortAudioBackend>();
    QString portAudioError;
    if (portAudio->open(request, callback, portAudioError)) {
        notice = portAudio->openedMessage();
        return portAudio;
    }
    // A device the user named is theirs to fix: no silent substitute.
    if (!request.device.isEmpty() || !request.hostApi.isEmpty()) {
        error = portAudioError;
        return nullptr;
    }
    auto virtualBackend = std::make_unique<VirtualBackend>();
    if (!virtualBackend->open(request, callback, error)) return nullptr;
    // The reason without its advice: the advice is what happens next.
    const QString reason = portAudioError.section(QLatin1Char(';'), 0, 0);
    notice = QStringLiteral("No usable audio device (%1): using the Virtual device, which plays %2. %3")
                 .arg(reason, virtualBackend->inputSources().join(QStringLiteral(" and ")), virtualBackend->openedMessage());
    return virtualBackend;
}

} // namespace gainstage
