#pragma once
// The PortAudio backend: one duplex stream, float32, planar
// (paNonInterleaved), on one device of any host API PortAudio offers here
// (ALSA, JACK, OSS), chosen by name.
//
// - On JACK the client is called "Gainstage"; its ports are Gainstage:in_N and
//   Gainstage:out_N (N from 0), and PortAudio connects them to the device's
//   ports (system:capture_/playback_) when the stream starts. JACK sets the
//   rate and period: the stream takes the server's, and asking for another one
//   is refused with a message saying so.
// - Each open initialises PortAudio afresh and each close terminates it, so a
//   JACK server started (or restarted) after Gainstage is found on the next open.
// - Everything that probes devices runs inside a QuietStderr, so the ALSA
//   library's and libjack's chatter never reaches the terminal.
// - The static trampoline builds a ProcessStatus from PortAudio's status flags
//   and calls AudioCallback::process with the planar buffers. A host block
//   larger than format().maxBlockFrames (hosts that ignore the requested size)
//   is handed over in pieces, so process() never sees more than it prepared for.
// - A watchdog thread notices a lost device: the stream finished or became
//   inactive without being asked to (a JACK server shutting down), or no block
//   arrived for kDeviceStallSeconds. It silences the trampoline and calls
//   audioStreamStopped(true) on its own thread.
//
// Threads: open/close/listDevices [control thread]; the trampoline [audio
// thread]; loss detection [watchdog thread]; the counters [any thread].

#include <QString>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "core/AudioBackend.h"

struct PaStreamCallbackTimeInfo; // portaudio.h stays out of this header

namespace gainstage {

class PortAudioBackend final : public AudioBackend {
public:
    PortAudioBackend() = default;
    ~PortAudioBackend() override;
    PortAudioBackend(const PortAudioBackend&) = delete;
    PortAudioBackend& operator=(const PortAudioBackend&) = delete;

    // PortAudio's devices, every host API; `error` (optional) says why the
    // list is empty when PortAudio itself could not start.
    static std::vector<AudioDeviceInfo> listDevices(QString* error = nullptr);

    bool open(const AudioDeviceRequest& request, AudioCallback& callback, QString& error) override;
    void close() override;
    bool isOpen() const override { return stream_ != nullptr; }

    bool deviceLost() const override { return deviceLost_.load(std::memory_order_acquire); }
    uint64_t blocksDelivered() const override { return blocks_.load(std::memory_order_acquire); }
    uint64_t framesDelivered() const override { return frames_.load(std::memory_order_acquire); }
    // [any thread] Blocks that came with paInputOverflow or paOutputUnderflow.
    uint64_t xrunBlocks() const { return xruns_.load(std::memory_order_relaxed); }
    // [control thread, after deviceLost()] Why the device was declared lost.
    QString lossReason() const;

    StreamFormat format() const override { return format_; }
    AudioDeviceInfo device() const override { return device_; }

private:
    // [audio thread] The PortAudio callback and where it lands.
    static int streamCallback(const void* input, void* output, unsigned long frameCount,
                              const PaStreamCallbackTimeInfo* timeInfo, unsigned long statusFlags, void* userData);
    static void streamFinished(void* userData);
    void realtimeProcess(const float* const* input, float* const* output, int frames, unsigned long statusFlags) noexcept;

    void watchdogLoop();                          // [watchdog thread]
    void reportLoss(const QString& reason);       // [watchdog thread]
    void stopWatchdog();                          // [control thread]
    void releaseStream(bool callStopped);         // [control thread]
    void terminatePortAudio();                    // [control thread]

    void* stream_ = nullptr; // PaStream*
    bool portAudioInitialised_ = false;
    AudioCallback* callback_ = nullptr;
    StreamFormat format_;
    AudioDeviceInfo device_;

    // Allocated at open, written by the audio thread only.
    std::vector<const float*> inputPointers_;
    std::vector<float*> outputPointers_;
    std::vector<float> silence_;

    std::atomic<uint64_t> blocks_{0};
    std::atomic<uint64_t> frames_{0};
    std::atomic<uint64_t> xruns_{0};
    std::atomic<bool> finished_{false};  // PortAudio said the stream finished
    std::atomic<bool> silenced_{false};  // the trampoline writes silence and stops calling process()
    std::atomic<bool> inProcess_{false}; // the audio thread is inside process()
    std::atomic<bool> deviceLost_{false};
    std::atomic<bool> lossReported_{false};

    std::thread watchdog_;
    mutable std::mutex watchdogMutex_;
    std::condition_variable watchdogWake_;
    bool watchdogStop_ = false; // guarded by watchdogMutex_
    // Set by the watchdog before it reports the loss, read by close() after joining it.
    bool jackServerGone_ = false;
    QString lossReason_;        // guarded by watchdogMutex_
};

} // namespace gainstage
