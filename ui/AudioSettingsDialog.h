#pragma once
// Audio settings: which interface Gainstage opens, at what sample rate and
// buffer size, with the latency that choice gives, and a Test button.
//
// The dialog only chooses: it opens nothing. The owner lists the devices
// (listAudioDevices()), hands them in with the request in use, and on OK
// reopens the stream with request(); on Test it plays a short tone on the
// chosen outputs. The Virtual device is always offered, even when the list
// lacks it, so that a machine with no interface can still try Gainstage out.
// Rates and buffer sizes offered are the device's own; a device that reports
// none gets kProbedSampleRates and the powers of two from kMinBufferFrames to
// kMaxBufferFrames.
//
// Threads: [GUI thread], all of it.

#include <QDialog>
#include <QHash>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <vector>

#include "core/AudioBackend.h"

class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;

namespace gainstage {

class AudioSettingsDialog final : public QDialog {
    Q_OBJECT
public:
    AudioSettingsDialog(const std::vector<AudioDeviceInfo>& devices, const AudioDeviceRequest& current,
                        QWidget* parent = nullptr);

    // [GUI thread] What the user chose: host API, device, sample rate and buffer
    // size; everything else is carried over from the request handed in.
    AudioDeviceRequest request() const;

    // [GUI thread] Names for one device's channels (a JACK device's ports, say),
    // by its full name ("JACK:system"); shown while it is chosen. Devices without
    // names get "In 1 … In N" and "Out 1 … Out M" (PortAudio names no channels).
    void setChannelNames(const QString& deviceFullName, const QStringList& inputs, const QStringList& outputs);
    // What the channel lists show for the chosen device.
    QStringList inputChannelNames() const;
    QStringList outputChannelNames() const;

    // The devices offered (the list handed in, plus the Virtual device if it lacked one).
    const std::vector<AudioDeviceInfo>& devices() const { return devices_; }
    // The latency line as shown: "Buffer 256 frames = 5.3 ms at 48 kHz; round trip about 10.7 ms".
    QString latencyText() const;
    static QString latencyDescription(int bufferFrames, int sampleRate);

signals:
    // The Test button: the owner plays a short tone (about 1 s, 440 Hz, -18 dBFS) on the chosen outputs.
    void testToneRequested(const gainstage::AudioDeviceRequest& request);

private:
    const AudioDeviceInfo* chosenDevice() const;
    void fillDevices(const QString& preferredName);
    void fillFormats(int preferredRate, int preferredBuffer);
    void refreshChannels();
    void refreshLatency();

    std::vector<AudioDeviceInfo> devices_;
    AudioDeviceRequest current_;
    QHash<QString, QStringList> inputNames_, outputNames_;

    QComboBox* hostApi_ = nullptr;
    QLabel* virtualNote_ = nullptr;
    QComboBox* device_ = nullptr;
    QComboBox* sampleRate_ = nullptr;
    QComboBox* bufferSize_ = nullptr;
    QLabel* latency_ = nullptr;
    QLabel* inputsTitle_ = nullptr;
    QLabel* outputsTitle_ = nullptr;
    QListWidget* inputs_ = nullptr;
    QListWidget* outputs_ = nullptr;
    QPushButton* test_ = nullptr;
};

} // namespace gainstage

Q_DECLARE_METATYPE(gainstage::AudioDeviceRequest)
