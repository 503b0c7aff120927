#pragma once
// The common face of the live audio backends (PortAudio and Virtual): what a
// device is, how one is asked for, and how a backend is opened and closed.
//
// A backend drives one AudioCallback (core/AudioCallback.h) through a static
// trampoline. The life of a stream, seen from the callback:
//   open()  -> audioStreamAboutToStart(format)   [control thread]
//           -> process(...) per block            [audio thread]
//   close() -> audioStreamStopped(false)         [control thread]
// or, when the device goes away while running (a JACK server quits, a USB
// interface is unplugged, no block for more than 2 s):
//           -> audioStreamStopped(true)          [the backend's watchdog thread]
// and then close() from the control thread releases the device without a
// second audioStreamStopped. After a loss the same backend object can be
// opened again (the device list is read afresh, so a restarted JACK server is
// seen) without restarting the application.
//
// Devices are asked for by name ("JACK:system", or just "system"), so that a
// saved setting still finds an interface after it is unplugged and plugged in
// again (when ALSA may give it another card number).
//
// Threads: everything here is [control thread] unless it says otherwise.

#include <QString>
#include <QStringList>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/AudioCallback.h"

namespace gainstage {

// The rates a device is probed for, and the buffer sizes offered.
inline constexpr std::array<int, 5> kProbedSampleRates{44100, 48000, 88200, 96000, 192000};
inline constexpr int kMinBufferFrames = 32;
inline constexpr int kMaxBufferFrames = 4096;
inline constexpr int kDefaultBufferFrames = 256;
// No block for this long while running means the device is gone.
inline constexpr double kDeviceStallSeconds = 2.0;

// The host API name of the Virtual backend, as in "Virtual:Demo".
inline const QString kVirtualHostApi = QStringLiteral("Virtual");

struct AudioDeviceInfo {
    QString hostApi;             // "ALSA", "JACK", "OSS" or "Virtual"
    QString name;                // as the host API names it ("system", "hw:1,0"-style ALSA names)
    int inputs = 0;
    int outputs = 0;
    double defaultSampleRate = 0.0;
    std::vector<int> sampleRates; // those of kProbedSampleRates the device accepts
    std::vector<int> bufferSizes; // powers of two in [kMinBufferFrames, kMaxBufferFrames] it can run with
    int defaultBufferFrames = kDefaultBufferFrames; // its low-latency default
    bool isDefault = false;       // what is opened when no device is named

    // "JACK:system": what a setting stores and --device accepts.
    QString fullName() const { return hostApi + QLatin1Char(':') + name; }
};

struct AudioDeviceRequest {
    QString hostApi;         // empty: any host API
    QString device;          // empty: the default device
    int sampleRate = 0;      // 0: the device's default
    int bufferFrames = 0;    // 0: the device's default
    int inputChannels = -1;  // -1: all the device has
    int outputChannels = -1; // -1: all the device has

    // Virtual backend only.
    QStringList inputFiles; // what input N plays (looping); a missing or empty entry plays the demo material
    QString outputFile;     // the outputs are written here (WAV); empty: discarded

    // Fills hostApi and device from "HOSTAPI:NAME" or "NAME" (a name that
    // itself contains ':' is looked for whole when no host API matches).
    void setDevice(const QString& spec);
    QString describeDevice() const; // "JACK 'system'", or "the default device"
};

class AudioBackend {
public:
    virtual ~AudioBackend() = default;

    // Opens the device, calls callback.audioStreamAboutToStart(format()) and
    // starts the stream. On failure it returns false with `error` set to one
    // line that names the device and says what to do; nothing stays open.
    virtual bool open(const AudioDeviceRequest& request, AudioCallback& callback, QString& error) = 0;
    // Stops and releases the device; calls audioStreamStopped(false) unless a
    // loss was reported already. Harmless when nothing is open.
    virtual void close() = 0;
    virtual bool isOpen() const = 0;

    // [any thread] Whether the running stream was lost (audioStreamStopped(true) was called).
    virtual bool deviceLost() const = 0;
    // [any thread] Blocks delivered to process() since open (a chunked host block counts once).
    virtual uint64_t blocksDelivered() const = 0;
    // [any thread] Frames delivered to process() since open.
    virtual uint64_t framesDelivered() const = 0;

    // What is open (valid between a successful open() and close()).
    virtual StreamFormat format() const = 0;
    virtual AudioDeviceInfo device() const = 0;

    // One line for the command line and the status bar:
    // "Opened JACK 'system' at 48000 Hz, 256 frames (5.3 ms in, 5.3 ms out)".
    QString openedMessage() const;
};

// Every device: PortAudio's (all host APIs), then the Virtual device.
std::vector<AudioDeviceInfo> listAudioDevices();

// Opens what `request` asks for:
// - host API "Virtual": the Virtual backend;
// - a named device: that PortAudio device, or an error (never a silent substitute);
// - nothing named: PortAudio's default device, or, when PortAudio has no
//   usable device, the Virtual backend, and `notice` says so in one line.
// On success `notice` also gets openedMessage(). Returns null with `error` set on failure.
std::unique_ptr<AudioBackend> openAudioBackend(const AudioDeviceRequest& request, AudioCallback& callback, QString& notice,
                                               QString& error);

} // namespace gainstage
