#pragma once
// The Virtual backend: an audio device for a machine with no audio hardware,
// and for a newcomer trying Gainstage before plugging anything in.
//
// - A clock thread paces blocks at the chosen rate. It sleeps to absolute
//   deadlines (start + frames delivered / rate), so the rate never drifts
//   however long a block takes; if it falls more than 100 ms behind (the
//   machine was suspended, or starved) it starts a new time base and flags the
//   next block as an xrun instead of racing to catch up.
// - Its inputs play, looping, the bundled demo material (resources/demo: input 1
//   a sung vocal phrase, input 2 a DI guitar riff, further inputs alternate), or
//   the files the request names (any libsndfile-readable file; the first
//   channel of each). A file at another rate is refused with a message saying
//   how to convert it; the demo material (48 kHz) is resampled linearly to the
//   chosen rate, which is good enough for a demo.
// - Its outputs are discarded, or written to a 32-bit float WAV. The clock
//   thread plays the audio thread here: it only copies each block into an
//   SpscRing (never blocking, never touching the disk) and a writer thread
//   drains the ring to libsndfile, so process() sees the same timing as on a
//   real device. Frames that do not fit (a stalled disk) are counted as lost,
//   never waited for.
// - It calls the same AudioCallback::process through a static trampoline, with
//   blocks of exactly format().maxBlockFrames.
//
// Threads: open/close [control thread]; the trampoline and input playback
// [clock thread, acting as the audio thread]; the file [writer thread]; the
// counters [any thread].

#include <QString>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "core/AudioBackend.h"
#include "core/SpscRing.h"

namespace gainstage {

class VirtualBackend final : public AudioBackend {
public:
    VirtualBackend() = default;
    ~VirtualBackend() override;
    VirtualBackend(const VirtualBackend&) = delete;
    VirtualBackend& operator=(const VirtualBackend&) = delete;

    // What `gainstage devices` lists: "Virtual:Demo", 2 in, 2 out, 48000 Hz.
    static AudioDeviceInfo deviceInfo();
    // Where the demo material is (empty when it cannot be found).
    static QString demoDirectory();

    bool open(const AudioDeviceRequest& request, AudioCallback& callback, QString& error) override;
    void close() override;
    bool isOpen() const override { return clock_.joinable(); }

    bool deviceLost() const override { return false; }
    uint64_t blocksDelivered() const override { return blocks_.load(std::memory_order_acquire); }
    uint64_t framesDelivered() const override { return frames_.load(std::memory_order_acquire); }
    // [any thread] Output frames that did not fit the writer's ring (0 unless the disk stalled).
    uint64_t framesNotWritten() const { return framesNotWritten_.load(std::memory_order_relaxed); }
    // [any thread] Times the clock fell behind by more than 100 ms and started afresh.
    uint64_t lateRestarts() const { return lateRestarts_.load(std::memory_order_relaxed); }
    // [control thread, after close()] Why writing the output file failed, if it did.
    QString writeError() const { return writeError_; }

    StreamFormat format() const override { return format_; }
    AudioDeviceInfo device() const override;

    // What each input plays, in words: "demo vocal", "demo guitar" or a file name.
    QStringList inputSources() const { return sourceNames_; }

private:
    static void trampoline(VirtualBackend& self, const ProcessStatus& status) noexcept; // [clock thread]
    void clockLoop();   // [clock thread]
    void writerLoop();  // [writer thread]
    void fillInputs() noexcept;   // [clock thread]
    void queueOutputs() noexcept; // [clock thread]

    AudioCallback* callback_ = nullptr;
    StreamFormat format_;
    QStringList sourceNames_;

    std::vector<std::vector<float>> sources_; // one looping signal per input
    std::vector<size_t> sourcePositions_;
    std::vector<std::vector<float>> inputBuffers_;
    std::vector<std::vector<float>> outputBuffers_;
    std::vector<const float*> inputPointers_;
    std::vector<float*> outputPointers_;
    std::vector<float> interleaved_; // one block of outputs, for the ring

    std::unique_ptr<SpscRing<float>> outputRing_;
    void* outputFile_ = nullptr; // SNDFILE*, owned by the writer thread while it runs
    QString outputPath_;
    QString writeError_;

    std::thread clock_;
    std::thread writer_;
    std::atomic<bool> stopClock_{false};
    std::atomic<bool> stopWriter_{false};
    std::atomic<uint64_t> blocks_{0};
    std::atomic<uint64_t> frames_{0};
    std::atomic<uint64_t> framesNotWritten_{0};
    std::atomic<uint64_t> lateRestarts_{0};
};

} // namespace gainstage
