#include "core/PortAudioBackend.h"

#include <dlfcn.h>
#include <portaudio.h>
#include <pa_jack.h>

#include <QRegularExpression>
#include <QStringList>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "core/QuietStderr.h"

// ---- Surviving a JACK server that died under an open stream ---------------
//
// PortAudio 19.6's JACK host API (as Debian builds it, with assertions on)
// cannot let go of a client whose server is gone:
// - Pa_AbortStream / Pa_StopStream / Pa_CloseStream wait for the JACK process
//   thread to acknowledge the stop, with a 10-minute timeout, and that thread
//   died with the server;
// - Pa_Terminate asserts that jack_deactivate() and jack_client_close()
//   return 0, and both fail once the server is unreachable: the process aborts.
// Yet reopening on a restarted server needs Pa_Terminate + Pa_Initialize.
// Two narrow workarounds, used only on that path:
// 1. The lost stream is detached rather than closed: its magic number (the
//    first field of every PortAudio stream, PaUtilStreamRepresentation::magic,
//    unchanged since v19) is cleared, so Pa_CloseStream only unlinks it from
//    PortAudio's list of open streams and returns paBadStreamPtr without
//    waiting. Its memory (a few KB) is leaked once per server crash.
// 2. This executable defines jack_deactivate and jack_client_close (the
//    dynamic linker prefers them to libjack's, as with any interposed symbol);
//    they call libjack's own and report success while PortAudio is being
//    terminated after a server loss, so PortAudio's assertion holds. Outside
//    that window they return libjack's result unchanged.
namespace {
std::atomic<bool> toleratingDeadJackServer{false};

template <typename Function>
Function realJackFunction(const char* name) {
    return reinterpret_cast<Function>(::dlsym(RTLD_NEXT, name));
}

int tolerant(int result) {
    return result != 0 && toleratingDeadJackServer.load(std::memory_order_acquire) ? 0 : result;
}
} // namespace

extern "C" int jack_deactivate(void* client) {
    static const auto real = realJackFunction<int (*)(void*)>("jack_deactivate");
    return tolerant(real ? real(client) : -1);
}

extern "C" int jack_client_close(void* client) {
    static const auto real = realJackFunction<int (*)(void*)>("jack_client_close");
    return tolerant(real ? real(client) : -1);
}

namespace gainstage {

namespace {

// PortAudio is not thread-safe: initialising, probing and opening are
// serialised across every backend and device listing in the process.
std::mutex& portAudioMutex() {
    static std::mutex mutex;
    return mutex;
}

// [control thread, portAudioMutex held] PortAudio keeps its own reference
// count; the JACK client it opens in Pa_Initialize is named here.
PaError initialisePortAudio() {
    const QuietStderr quiet;
    PaJack_SetClientName("Gainstage");
    return Pa_Initialize();
}

void terminatePortAudioQuietly() {
    const QuietStderr quiet;
    Pa_Terminate();
}

QString hostApiShortName(PaHostApiIndex index) {
    const PaHostApiInfo* info = Pa_GetHostApiInfo(index);
    if (!info) return QStringLiteral("?");
    switch (info->type) {
    case paALSA: return QStringLiteral("ALSA");
    case paJACK: return QStringLiteral("JACK");
    case paOSS: return QStringLiteral("OSS");
    default: return QString::fromUtf8(info->name);
    }
}

bool isJack(PaHostApiIndex index) {
    const PaHostApiInfo* info = Pa_GetHostApiInfo(index);
    return info && info->type == paJACK;
}

bool hostApiMatches(const QString& wanted, PaHostApiIndex index) {
    if (wanted.isEmpty()) return true;
    const PaHostApiInfo* info = Pa_GetHostApiInfo(index);
    return info && (wanted.compare(hostApiShortName(index), Qt::CaseInsensitive) == 0 ||
                    wanted.compare(QString::fromUtf8(info->name), Qt::CaseInsensitive) == 0);
}

// ALSA puts the card number into its device names ("USB Audio CODEC: Audio
// (hw:1,0)"); it changes when an interface is plugged into another port, so a
// saved name also matches without it.
QString withoutCardNumber(QString name) {
    static const QRegularExpression kCardSuffix(QStringLiteral("\\s*\\(hw:\\d+,\\d+\\)\\s*$"));
    return name.remove(kCardSuffix).trimmed();
}

int nearestPowerOfTwoBuffer(double frames) {
    if (!(frames > 0.0)) return kDefaultBufferFrames;
    const int exponent = static_cast<int>(std::lround(std::log2(frames)));
    return std::clamp(1 << std::clamp(exponent, 0, 20), kMinBufferFrames, kMaxBufferFrames);
}

bool isPowerOfTwo(int value) {
    return value > 0 && (value & (value - 1)) == 0;
}

// JACK's period is not in PortAudio's device info; the capture latency it
// reports for "system" is one period (it is what JACK's own ports announce).
int jackPeriodFrames(const PaDeviceInfo& info) {
    const double latency = info.maxInputChannels > 0 ? info.defaultLowInputLatency : info.defaultLowOutputLatency / 2.0;
    return nearestPowerOfTwoBuffer(latency * info.defaultSampleRate);
}

PaStreamParameters streamParameters(PaDeviceIndex device, int channels, double latency) {
    PaStreamParameters parameters{};
    parameters.device = device;
    parameters.channelCount = channels;
    parameters.sampleFormat = paFloat32 | paNonInterleaved;
    parameters.suggestedLatency = latency;
    parameters.hostApiSpecificStreamInfo = nullptr;
    return parameters;
}

// [portAudioMutex held, inside QuietStderr]
AudioDeviceInfo describeDevice(PaDeviceIndex index, PaDeviceIndex defaultDevice) {
    const PaDeviceInfo& info = *Pa_GetDeviceInfo(index);
    AudioDeviceInfo device;
    device.hostApi = hostApiShortName(info.hostApi);
    device.name = QString::fromUtf8(info.name);
    device.inputs = info.maxInputChannels;
    device.outputs = info.maxOutputChannels;
    device.defaultSampleRate = info.defaultSampleRate;
    device.isDefault = index == defaultDevice;
    // Probing with up to two channels a side: what a recordist opens first, and
    // what every device that opens at all accepts.
    const int probeIn = std::min(device.inputs, 2);
    const int probeOut = std::min(device.outputs, 2);
    const PaStreamParameters in = streamParameters(index, probeIn, info.defaultLowInputLatency);
    const PaStreamParameters out = streamParameters(index, probeOut, info.defaultLowOutputLatency);
    for (const int rate : kProbedSampleRates)
        if (Pa_IsFormatSupported(probeIn > 0 ? &in : nullptr, probeOut > 0 ? &out : nullptr, rate) == paFormatIsSupported)
            device.sampleRates.push_back(rate);
    if (isJack(info.hostApi)) {
        device.defaultBufferFrames = jackPeriodFrames(info);
        device.bufferSizes = {device.defaultBufferFrames};
    } else {
        const double lowLatency = info.maxInputChannels > 0 ? info.defaultLowInputLatency : info.defaultLowOutputLatency;
        device.defaultBufferFrames = nearestPowerOfTwoBuffer(lowLatency * info.defaultSampleRate);
        for (int frames = kMinBufferFrames; frames <= kMaxBufferFrames; frames *= 2) device.bufferSizes.push_back(frames);
    }
    return device;
}

// The device PortAudio opens when none is named. A running JACK server wins:
// someone who started one wants Gainstage on it.
PaDeviceIndex defaultDeviceIndex(const QString& hostApi) {
    for (PaHostApiIndex api = 0; api < Pa_GetHostApiCount(); ++api) {
        if (!hostApi.isEmpty() ? !hostApiMatches(hostApi, api) : !isJack(api)) continue;
        const PaHostApiInfo* info = Pa_GetHostApiInfo(api);
        if (info->defaultInputDevice != paNoDevice) return info->defaultInputDevice;
        if (info->defaultOutputDevice != paNoDevice) return info->defaultOutputDevice;
    }
    if (!hostApi.isEmpty()) return paNoDevice;
    const PaDeviceIndex input = Pa_GetDefaultInputDevice();
    return input != paNoDevice ? input : Pa_GetDefaultOutputDevice();
}

QString describe(const QString& hostApi, const QString& name) {
    return QStringLiteral("%1 '%2'").arg(hostApi, name);
}

QString deviceListForMessage() {
    QStringList names;
    for (PaDeviceIndex index = 0; index < Pa_GetDeviceCount(); ++index) {
        const PaDeviceInfo* info = Pa_GetDeviceInfo(index);
        if (info->maxInputChannels > 0 || info->maxOutputChannels > 0)
            names << describe(hostApiShortName(info->hostApi), QString::fromUtf8(info->name));
    }
    names << describe(kVirtualHostApi, QStringLiteral("Demo"));
    return names.join(QStringLiteral(", "));
}

// [portAudioMutex held] The device `request` names, or paNoDevice with `error` set.
PaDeviceIndex findDevice(const AudioDeviceRequest& request, QString& error) {
    if (request.device.isEmpty()) {
        const PaDeviceIndex index = defaultDeviceIndex(request.hostApi);
        if (index == paNoDevice)
            error = request.hostApi.isEmpty()
                        ? QStringLiteral("ALSA, JACK and OSS offer no audio device; connect an interface, "
                                         "start a JACK server, or use the Virtual device")
                        : QStringLiteral("%1 offers no audio device; check that it is running, or choose another: %2")
                              .arg(request.hostApi, deviceListForMessage());
        return index;
    }
    std::optional<PaDeviceIndex> loose;
    for (PaDeviceIndex index = 0; index < Pa_GetDeviceCount(); ++index) {
        const PaDeviceInfo* info = Pa_GetDeviceInfo(index);
        if (!hostApiMatches(request.hostApi, info->hostApi)) continue;
        const QString name = QString::fromUtf8(info->name);
        if (name.compare(request.device, Qt::CaseInsensitive) == 0) return index;
        if (!loose && withoutCardNumber(name).compare(withoutCardNumber(request.device), Qt::CaseInsensitive) == 0)
            loose = index;
    }
    if (loose) return *loose;
    error = QStringLiteral("no audio device %1; the devices here are: %2 (see 'gainstage devices')")
                .arg(request.describeDevice(), deviceListForMessage());
    return paNoDevice;
}

QString rateList(const std::vector<int>& rates) {
    QStringList names;
    for (const int rate : rates) names << QString::number(rate);
    return names.isEmpty() ? QStringLiteral("none of 44100..192000") : names.join(QStringLiteral(", "));
}

// One line for a PortAudio failure on `device`, with what to do about it.
QString openFailure(PaError code, const AudioDeviceInfo& device, double rate) {
    const QString name = describe(device.hostApi, device.name);
    switch (code) {
    case paInvalidSampleRate:
        if (device.hostApi == QLatin1String("JACK"))
            return QStringLiteral("%1 runs at %2 Hz, not %3 Hz; choose %2 Hz or restart the JACK server at %3 Hz")
                .arg(name, QString::number(device.defaultSampleRate), QString::number(rate));
        return QStringLiteral("%1 cannot run at %2 Hz; choose one of %3").arg(name, QString::number(rate), rateList(device.sampleRates));
    case paInvalidChannelCount:
        return QStringLiteral("%1 has %2 inputs and %3 outputs; ask for no more than that").arg(name).arg(device.inputs).arg(device.outputs);
    case paDeviceUnavailable:
        return QStringLiteral("%1 is busy or gone (another program may be using it); close that program, reconnect the "
                              "interface, or choose another device")
            .arg(name);
    case paBadIODeviceCombination:
    case paInvalidDevice:
        return QStringLiteral("%1 cannot be opened for recording and playback together; choose another device").arg(name);
    case paUnanticipatedHostError: {
        const PaHostErrorInfo* host = Pa_GetLastHostErrorInfo();
        const QString text = host && host->errorText && *host->errorText ? QString::fromUtf8(host->errorText)
                                                                          : QStringLiteral("unknown host error");
        return QStringLiteral("%1 could not be opened (%2); check that it is connected and not used by another program, "
                              "or choose another device")
            .arg(name, text.simplified());
    }
    default:
        return QStringLiteral("%1 could not be opened (%2); check that it is connected and not used by another program, "
                              "or choose another device")
            .arg(name, QString::fromUtf8(Pa_GetErrorText(code)));
    }
}

} // namespace

PortAudioBackend::~PortAudioBackend() {
    close();
}

std::vector<AudioDeviceInfo> PortAudioBackend::listDevices(QString* error) {
    const std::lock_guard lock(portAudioMutex());
    const QuietStderr quiet;
    const PaError init = initialisePortAudio();
    if (init != paNoError) {
        if (error) *error = QStringLiteral("PortAudio could not start: %1").arg(QString::fromUtf8(Pa_GetErrorText(init)));
        return {};
    }
    std::vector<AudioDeviceInfo> devices;
    const PaDeviceIndex defaultDevice = defaultDeviceIndex(QString());
    for (PaDeviceIndex index = 0; index < Pa_GetDeviceCount(); ++index) {
        const PaDeviceInfo* info = Pa_GetDeviceInfo(index);
        if (info && (info->maxInputChannels > 0 || info->maxOutputChannels > 0))
            devices.push_back(describeDevice(index, defaultDevice));
    }
    Pa_Terminate();
    return devices;
}

bool PortAudioBackend::open(const AudioDeviceRequest& request, AudioCallback& callback, QString& error) {
    close();
    const std::lock_guard lock(portAudioMutex());
    const QuietStderr quiet;
    const PaError init = initialisePortAudio();
    if (init != paNoError) {
        error = QStringLiteral("PortAudio could not start (%1); the Virtual device still works")
                    .arg(QString::fromUtf8(Pa_GetErrorText(init)));
        return false;
    }
    portAudioInitialised_ = true;

    const PaDeviceIndex index = findDevice(request, error);
    if (index == paNoDevice) {
        terminatePortAudio();
        return false;
    }
    const PaDeviceInfo& info = *Pa_GetDeviceInfo(index);
    device_ = describeDevice(index, defaultDeviceIndex(QString()));
    const QString name = describe(device_.hostApi, device_.name);
    const bool jack = isJack(info.hostApi);

    const int inputs = request.inputChannels < 0 ? device_.inputs : request.inputChannels;
    const int outputs = request.outputChannels < 0 ? device_.outputs : request.outputChannels;
    if (inputs > device_.inputs || outputs > device_.outputs || inputs + outputs == 0) {
        error = inputs + outputs == 0 ? QStringLiteral("%1: asked for no inputs and no outputs; ask for at least one").arg(name)
                                      : openFailure(paInvalidChannelCount, device_, 0.0);
        terminatePortAudio();
        return false;
    }
    const double rate = request.sampleRate > 0 ? request.sampleRate : info.defaultSampleRate;
    int buffer = request.bufferFrames > 0 ? request.bufferFrames : device_.defaultBufferFrames;
    if (!isPowerOfTwo(buffer) || buffer < kMinBufferFrames || buffer > kMaxBufferFrames) {
        error = QStringLiteral("%1: a buffer of %2 frames is not offered; use a power of two from %3 to %4")
                    .arg(name)
                    .arg(buffer)
                    .arg(kMinBufferFrames)
                    .arg(kMaxBufferFrames);
        terminatePortAudio();
        return false;
    }
    if (jack && request.bufferFrames > 0 && buffer != device_.defaultBufferFrames) {
        error = QStringLiteral("%1 runs with %2-frame periods, not %3; ask for %2 or restart the JACK server with -p %3")
                    .arg(name)
                    .arg(device_.defaultBufferFrames)
                    .arg(buffer);
        terminatePortAudio();
        return false;
    }

    // At least the device's own low latency: asking for less makes some ALSA
    // drivers pick a period they cannot keep.
    const double latency = std::max(buffer / rate, inputs > 0 ? info.defaultLowInputLatency : info.defaultLowOutputLatency);
    const PaStreamParameters in = streamParameters(index, inputs, std::max(latency, info.defaultLowInputLatency));
    const PaStreamParameters out = streamParameters(index, outputs, std::max(latency, info.defaultLowOutputLatency));
    const PaError supported = Pa_IsFormatSupported(inputs > 0 ? &in : nullptr, outputs > 0 ? &out : nullptr, rate);
    if (supported != paFormatIsSupported) {
        error = openFailure(supported, device_, rate);
        terminatePortAudio();
        return false;
    }
    // JACK hands over its own period, whatever is asked; asking for none keeps
    // PortAudio from adding a buffer of its own (and its latency) to adapt.
    const unsigned long framesPerBuffer = jack ? paFramesPerBufferUnspecified : static_cast<unsigned long>(buffer);
    PaStream* stream = nullptr;
    const PaError opened = Pa_OpenStream(&stream, inputs > 0 ? &in : nullptr, outputs > 0 ? &out : nullptr, rate, framesPerBuffer,
                                         paNoFlag, &PortAudioBackend::streamCallback, this);
    if (opened != paNoError) {
        error = openFailure(opened, device_, rate);
        terminatePortAudio();
        return false;
    }
    stream_ = stream;
    Pa_SetStreamFinishedCallback(stream, &PortAudioBackend::streamFinished);

    const PaStreamInfo* streamInfo = Pa_GetStreamInfo(stream);
    format_ = StreamFormat{};
    format_.sampleRate = streamInfo ? streamInfo->sampleRate : rate;
    format_.maxBlockFrames = buffer;
    format_.inputChannels = inputs;
    format_.outputChannels = outputs;
    format_.inputLatencySeconds = streamInfo && inputs > 0 ? streamInfo->inputLatency : 0.0;
    format_.outputLatencySeconds = streamInfo && outputs > 0 ? streamInfo->outputLatency : 0.0;

    inputPointers_.assign(static_cast<size_t>(inputs), nullptr);
    outputPointers_.assign(static_cast<size_t>(outputs), nullptr);
    silence_.assign(static_cast<size_t>(buffer), 0.0f);
    blocks_.store(0);
    frames_.store(0);
    xruns_.store(0);
    finished_.store(false);
    silenced_.store(false);
    inProcess_.store(false);
    deviceLost_.store(false);
    lossReported_.store(false);
    callback_ = &callback;

    callback.audioStreamAboutToStart(format_);
    const PaError started = Pa_StartStream(stream);
    if (started != paNoError) {
        error = openFailure(started, device_, rate);
        releaseStream(true);
        terminatePortAudio();
        return false;
    }
    {
        const std::lock_guard watchdogLock(watchdogMutex_);
        watchdogStop_ = false;
        lossReason_.clear();
    }
    watchdog_ = std::thread([this] { watchdogLoop(); });
    return true;
}

void PortAudioBackend::close() {
    if (!stream_) {
        if (portAudioInitialised_) {
            const std::lock_guard lock(portAudioMutex());
            terminatePortAudio();
        }
        return;
    }
    stopWatchdog();
    const std::lock_guard lock(portAudioMutex());
    releaseStream(!lossReported_.load(std::memory_order_acquire));
    terminatePortAudio();
}

QString PortAudioBackend::lossReason() const {
    const std::lock_guard lock(watchdogMutex_);
    return lossReason_;
}

// [control thread, portAudioMutex held]
void PortAudioBackend::releaseStream(bool callStopped) {
    auto* stream = static_cast<PaStream*>(stream_);
    // The server may have gone before the watchdog looked (close() right after a crash).
    if (device_.hostApi == QLatin1String("JACK") && Pa_IsStreamActive(stream) == 0) jackServerGone_ = true;
    {
        const QuietStderr quiet;
        if (jackServerGone_) {
            // See the top of this file: closing would wait 10 minutes.
            *static_cast<unsigned long*>(stream) = 0;
            Pa_CloseStream(stream);
        } else if (deviceLost_.load(std::memory_order_acquire) || Pa_IsStreamActive(stream) != 1) {
            // Stopping would wait for buffers a lost device never plays.
            Pa_AbortStream(stream);
            Pa_CloseStream(stream);
        } else {
            Pa_StopStream(stream);
            Pa_CloseStream(stream);
        }
    }
    stream_ = nullptr;
    if (callStopped && callback_) callback_->audioStreamStopped(false);
    callback_ = nullptr;
}

// [control thread, portAudioMutex held]
void PortAudioBackend::terminatePortAudio() {
    if (!portAudioInitialised_) return;
    if (jackServerGone_) toleratingDeadJackServer.store(true, std::memory_order_release);
    terminatePortAudioQuietly();
    toleratingDeadJackServer.store(false, std::memory_order_release);
    portAudioInitialised_ = false;
    jackServerGone_ = false;
}

void PortAudioBackend::stopWatchdog() {
    {
        const std::lock_guard lock(watchdogMutex_);
        watchdogStop_ = true;
    }
    watchdogWake_.notify_all();
    if (!watchdog_.joinable()) return;
    // close() called from inside audioStreamStopped(true), i.e. on the watchdog
    // thread itself: it is about to return, so let it go.
    if (watchdog_.get_id() == std::this_thread::get_id())
        watchdog_.detach();
    else
        watchdog_.join();
}

int PortAudioBackend::streamCallback(const void* input, void* output, unsigned long frameCount,
                                     const PaStreamCallbackTimeInfo* /*timeInfo*/, unsigned long statusFlags, void* userData) {
    auto* self = static_cast<PortAudioBackend*>(userData);
    self->realtimeProcess(static_cast<const float* const*>(input), static_cast<float* const*>(output), static_cast<int>(frameCount),
                          statusFlags);
    return paContinue;
}

// [audio thread, or PortAudio's own thread after the last callback]
void PortAudioBackend::streamFinished(void* userData) {
    static_cast<PortAudioBackend*>(userData)->finished_.store(true, std::memory_order_release);
}

// [audio thread] No allocation, no locks: the pointer arrays were sized at open.
void PortAudioBackend::realtimeProcess(const float* const* input, float* const* output, int frames,
                                       unsigned long statusFlags) noexcept {
    // Paired with reportLoss(): either the watchdog sees us inside process()
    // and waits, or we see silenced_ and do not enter (both sequentially consistent).
    inProcess_.store(true);
    const int outputs = static_cast<int>(outputPointers_.size());
    if (silenced_.load()) {
        for (int c = 0; c < outputs && output; ++c) std::fill(output[c], output[c] + frames, 0.0f);
        inProcess_.store(false);
        return;
    }
    ProcessStatus status;
    status.inputOverflow = (statusFlags & paInputOverflow) != 0;
    status.outputUnderflow = (statusFlags & paOutputUnderflow) != 0;
    status.primingOutput = (statusFlags & paPrimingOutput) != 0;
    if (status.inputOverflow || status.outputUnderflow) xruns_.fetch_add(1, std::memory_order_relaxed);

    const int inputs = static_cast<int>(inputPointers_.size());
    const int maxFrames = format_.maxBlockFrames;
    for (int offset = 0; offset < frames; offset += maxFrames) {
        const int count = std::min(maxFrames, frames - offset);
        // Some hosts pass no input buffer while priming the output: the
        // callback still gets silence to read.
        for (int c = 0; c < inputs; ++c) inputPointers_[static_cast<size_t>(c)] = input ? input[c] + offset : silence_.data();
        for (int c = 0; c < outputs; ++c) outputPointers_[static_cast<size_t>(c)] = output[c] + offset;
        callback_->process(inputPointers_.data(), outputPointers_.data(), count, status);
        status = ProcessStatus{}; // the flags belong to the host block, reported once
    }
    frames_.fetch_add(static_cast<uint64_t>(frames), std::memory_order_relaxed);
    blocks_.fetch_add(1, std::memory_order_release);
    inProcess_.store(false);
}

// [watchdog thread] Polls every 50 ms; the audio thread only bumps a counter.
void PortAudioBackend::watchdogLoop() {
    using Clock = std::chrono::steady_clock;
    const auto stallLimit = std::chrono::duration<double>(kDeviceStallSeconds);
    uint64_t lastBlocks = blocks_.load(std::memory_order_acquire);
    auto lastProgress = Clock::now();
    std::unique_lock lock(watchdogMutex_);
    while (!watchdogStop_) {
        watchdogWake_.wait_for(lock, std::chrono::milliseconds(50));
        if (watchdogStop_) break;
        const auto now = Clock::now();
        const uint64_t blocks = blocks_.load(std::memory_order_acquire);
        if (blocks != lastBlocks) {
            lastBlocks = blocks;
            lastProgress = now;
        }
        QString reason;
        // Pa_IsStreamActive only reads a flag here (JACK clears it when the
        // server shuts down), so it is safe beside the audio thread.
        if (finished_.load(std::memory_order_acquire) || Pa_IsStreamActive(static_cast<PaStream*>(stream_)) != 1) {
            // On JACK a stream goes inactive unasked only when the server shuts down.
            jackServerGone_ = device_.hostApi == QLatin1String("JACK");
            reason = QStringLiteral("%1 stopped (%2)")
                         .arg(describe(device_.hostApi, device_.name),
                              jackServerGone_ ? QStringLiteral("the JACK server went away") : QStringLiteral("the device went away"));
        }
        else if (now - lastProgress > stallLimit)
            reason = QStringLiteral("%1 delivered no audio for more than %2 s").arg(describe(device_.hostApi, device_.name)).arg(kDeviceStallSeconds);
        if (reason.isEmpty()) continue;
        lossReason_ = reason;
        lock.unlock();
        reportLoss(reason);
        return;
    }
}

// [watchdog thread]
void PortAudioBackend::reportLoss(const QString& /*reason*/) {
    silenced_.store(true);
    // A stalled audio thread may still be inside process(); give it a moment to
    // leave so that audioStreamStopped really comes after the last block.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    while (inProcess_.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    deviceLost_.store(true, std::memory_order_release);
    lossReported_.store(true, std::memory_order_release);
    if (callback_) callback_->audioStreamStopped(true);
}

} // namespace gainstage
