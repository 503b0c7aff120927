#pragma once
// Round-trip latency calibration: what `gainstage calibrate` measures through
// a loopback (output 1 -> input 1) and the engine uses afterwards.
//
// The measurement: a test signal (a 2^15-1 sample maximum-length sequence
// burst at -12 dBFS, after half a second of silence so the output's switch-on
// fade has ended) is played on output 1 while input 1 is captured; the lag of
// the cross-correlation peak is the round trip in frames. The peak must stand
// well above the correlation's other values (a ratio of at least
// kMinPeakRatio to the next best lag), otherwise there is no loopback.
//
// Storage: QSettings (organisation "Gainstage", application "Gainstage"),
// key "calibration/<device full name>/<rate>" = frames, per device and rate
// (the round trip changes with both). Tests redirect it with XDG_CONFIG_HOME.
//
// Threads: [control thread]; the signal player is an AudioCallback whose
// process() runs on the [audio thread] and only copies preallocated buffers.

#include <QString>

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/AudioCallback.h"

namespace gainstage {

// [control thread] The calibrated round trip of `device` ("JACK:system") at `sampleRate`, if stored.
std::optional<int64_t> storedRoundTripFrames(const QString& device, int sampleRate);
void storeRoundTripFrames(const QString& device, int sampleRate, int64_t frames);

// The maximum-length sequence (+-amplitude) of 2^order - 1 samples.
std::vector<float> mlsBurst(int order, float amplitude);

struct LoopbackMeasurement {
    bool found = false;
    int64_t frames = 0;     // the round trip: output sample k came back at input sample k + frames
    double peakRatio = 0.0; // correlation peak over the next best lag (outside +-2 samples)
    double levelDb = 0.0;   // peak level of the returned signal, dBFS
};

// [any thread but the audio thread] Finds `sent` (which began at output frame 0) in `received`.
LoopbackMeasurement findLoopback(const std::vector<float>& sent, const std::vector<float>& received, int64_t maxLag);

// [audio thread: process] Plays `signal` on output 1 from frame `startFrame`
// and records input 1 into a preallocated buffer of `captureFrames`.
class LoopbackPlayer final : public AudioCallback {
public:
    LoopbackPlayer(std::vector<float> signal, int64_t startFrame, int64_t captureFrames);

    void audioStreamAboutToStart(const StreamFormat& format) override { format_ = format; }
    void process(const float* const* inputs, float* const* outputs, int frames, const ProcessStatus& status) noexcept override;
    void audioStreamStopped(bool deviceLost) override { lost_.store(deviceLost); }

    // [any thread]
    bool done() const noexcept { return captured_.load(std::memory_order_acquire) >= static_cast<int64_t>(capture_.size()); }
    bool lost() const noexcept { return lost_.load(); }
    uint64_t xruns() const noexcept { return xruns_.load(); }
    // [control thread, once done() or stopped]
    const std::vector<float>& captured() const { return capture_; }
    // The played signal placed at its output frames (what findLoopback correlates against).
    std::vector<float> sentTimeline() const;

private:
    std::vector<float> signal_;
    int64_t startFrame_;
    std::vector<float> capture_;
    StreamFormat format_;
    int64_t frame_ = 0; // [audio thread]
    std::atomic<int64_t> captured_{0};
    std::atomic<bool> lost_{false};
    std::atomic<uint64_t> xruns_{0};
};

} // namespace gainstage
