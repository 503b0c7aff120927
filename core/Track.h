#pragma once
// One track of the engine: its settings, the shared streams it exchanges with
// the disk threads, and the per-track runtime state the callback uses.
//
// Ownership and threads:
//  - Track objects are created, prepared and destroyed on the control thread.
//    The audio thread reaches them only through the Engine's published
//    TrackList, and a Track is deleted only after the audio thread has adopted
//    a list without it (see Engine.h).
//  - The controls (arm, monitor, volume, pan, mute, solo, keep raw) are atomics
//    any thread may set; the callback reads each once per block.
//  - CaptureStreams / PlaybackStream are shared_ptr-owned so the disk side can
//    hold them past the track's removal; the audio thread only ever uses raw
//    pointers, so no reference count is touched (or freed) in the callback.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "core/EngineEvents.h"
#include "core/SpscRing.h"
#include "dsp/ClipGuard.h"
#include "dsp/Meter.h"
#include "dsp/Preamp.h"
#include "dsp/PreampSettings.h"
#include "dsp/SmoothedValue.h"

namespace gainstage {

// What a track hears:
//   Auto : armed -> its input; unarmed -> its disk playback.
//   Input: always its input, never its disk playback.
//   Off  : never its input; disk playback when unarmed (an armed track is silent).
enum class MonitorMode : uint8_t { Auto, Input, Off };

struct TrackConfig {
    std::string name;
    int input = 0;        // first device input channel (0-based); -1: no input (playback only)
    bool stereo = false;  // true: inputs `input` and `input + 1`, interleaved L R in the rings
    PreampSettings preamp;
    bool armed = false;
    MonitorMode monitor = MonitorMode::Auto;
    float volumeDb = 0.0f;  // track fader, -inf..+12 dB (below -90 dB is silence)
    float pan = 0.0f;       // -1 left .. +1 right
    bool mute = false;
    bool solo = false;
    bool keepRaw = false;   // also capture the unprocessed input
    bool clipGuard = false; // Clip Guard after the preamp (off by default: nothing touches the sound unasked)

    int channels() const noexcept { return stereo ? 2 : 1; }
};

// A position marker the audio thread leaves for the disk thread next to the
// captured frames. `ringFrame` counts frames ever written into the processed
// ring (the raw ring, when kept, receives exactly the same frames in step,
// except where it alone overflowed: see `raw`).
struct CaptureMark {
    enum class Kind : uint8_t {
        TakeStart, // frames from ringFrame on belong to a take starting at timeline `position`
        TakeStop,  // the take ended before ringFrame; `position` is one past its last frame
        Overflow,  // `frames` frames were lost just before ringFrame, the first at timeline `position`
    };
    Kind kind = Kind::TakeStart;
    bool raw = false;          // Overflow: of the raw ring (its own frame count) rather than the processed one
    bool keepRaw = false;      // TakeStart: whether this take also writes the raw ring
    int64_t position = 0;
    uint64_t ringFrame = 0;
    int64_t frames = 0;
    int64_t alignFrames = 0;   // TakeStart: place the processed take at position - alignFrames (Engine.h, latency)
    int64_t rawAlignFrames = 0; // TakeStart: the same for the raw take
};

// [shared: audio thread writes, disk thread reads] The capture side of one track.
struct CaptureStreams {
    CaptureStreams(int channels, size_t capacityFrames);

    const int channels;
    // Interleaved frames after the preamp (what is recorded).
    SpscRing<float> processed;
    // Interleaved unprocessed input; written only during takes with "keep raw".
    SpscRing<float> raw;
    // Take boundaries and gaps, in order. [audio writes, disk reads]
    SpscRing<CaptureMark> marks;

    // [any thread] Counters.
    std::atomic<uint64_t> lostFrames{0};      // processed frames that did not fit
    std::atomic<uint64_t> lostRawFrames{0};
    std::atomic<uint64_t> lostMarks{0};       // marks that did not fit (the disk side stalled for minutes)
    std::atomic<bool> takeActive{false};
    std::atomic<int64_t> takeStart{-1};       // timeline sample of the current/last take's first frame
    std::atomic<int64_t> takeEnd{-1};         // one past its last frame; -1 while it runs
    std::atomic<uint64_t> framesWritten{0};   // frames ever put into `processed`

    // [audio thread only]
    uint64_t rawFramesWritten_ = 0;
    int64_t gapStart_ = -1, gapFrames_ = 0, gapTakeFrame_ = 0;
    int64_t rawGapStart_ = -1, rawGapFrames_ = 0, rawGapTakeFrame_ = 0;
    bool takeKeepsRaw_ = false;
};

// [shared: disk reader fills, audio thread plays] The playback side of one track.
//
// Locate protocol (stale data after a locate is never played):
//  - The audio thread asks: requestedPosition, then requestedGeneration + 1.
//  - The reader, when it sees a new generation, stops writing old data, seeks,
//    stores servedFromFrame = the count of frames it has written so far, then
//    servedGeneration = the request. Everything it writes afterwards is the
//    timeline from requestedPosition on.
//  - The audio thread plays only when servedGeneration equals its request, and
//    drops frames until its own read count reaches servedFromFrame plus the
//    frames the timeline has moved on since the locate (so an underrun never
//    puts the track out of step either).
struct PlaybackStream {
    PlaybackStream(int channels, size_t capacityFrames);

    const int channels;
    SpscRing<float> ring; // interleaved frames

    std::atomic<int64_t> requestedPosition{0};
    std::atomic<uint64_t> requestedGeneration{0};
    std::atomic<uint64_t> servedFromFrame{0};
    std::atomic<uint64_t> servedGeneration{0};

    std::atomic<uint64_t> underrunFrames{0}; // [any thread] silence played for lack of data

    // [audio thread only]
    uint64_t framesConsumed_ = 0;
    int64_t locatedAt_ = 0;
    bool inUnderrun_ = false;
};

// [shared: the audio thread writes while `enabled`, one listener thread reads]
// A tap of the track's raw input (before the preamp), for Auto Gain's
// listening side (core/AutoGainSession). The audio thread only ever calls the
// ring's tryWrite, and only while the flag is set, so a track nobody listens
// to pays one atomic load per block.
struct RawTap {
    RawTap(int channels, size_t capacityFrames);

    const int channels;
    SpscRing<float> ring;                   // interleaved raw frames
    std::atomic<bool> enabled{false};       // [listener sets] fill the ring
    std::atomic<uint64_t> lostFrames{0};    // [audio thread counts] frames that did not fit
};

class Track {
public:
    // [control thread]
    Track(int id, const TrackConfig& config);
    ~Track();
    Track(const Track&) = delete;
    Track& operator=(const Track&) = delete;

    // [control thread, audio not running through this track] Allocates everything:
    // preamp, meters, scratch, and fresh capture rings of at least max(5 s, 2 x 65536) frames.
    void prepare(double sampleRate, int maxBlockFrames);

    int id() const noexcept { return id_; }
    int channels() const noexcept { return channels_; }
    int input() const noexcept { return input_; }

    // [control thread]
    const std::string& name() const noexcept { return name_; }
    void setName(std::string name) { name_ = std::move(name); }
    std::shared_ptr<CaptureStreams> captureStreams() const { return capture_; }
    std::shared_ptr<PlaybackStream> playbackStream() const { return playbackOwner_; }
    // The raw input tap (made in prepare(); null before).
    std::shared_ptr<RawTap> rawTap() const { return rawTap_; }
    // Returns the previous stream (to be released once the audio thread has moved on).
    std::shared_ptr<PlaybackStream> swapPlayback(std::shared_ptr<PlaybackStream> stream);
    TrackConfig config() const;

    // [any thread] Controls.
    Preamp& preamp() noexcept { return preamp_; }
    std::atomic<bool> armed{false};
    std::atomic<MonitorMode> monitor{MonitorMode::Auto};
    std::atomic<float> volumeDb{0.0f};
    std::atomic<float> pan{0.0f};
    std::atomic<bool> mute{false};
    std::atomic<bool> solo{false};
    std::atomic<bool> keepRaw{false};
    // [any thread sets, audio thread clears] Reset both meters' max, hold and clip
    // at the next block (the UI's clip light was clicked).
    std::atomic<bool> meterResetRequest{false};
    // Clip Guard, after the preamp and before the track meter and capture (dsp/ClipGuard.h).
    std::atomic<bool> clipGuardOn{false};
    // [any thread] Its ceiling and activity counts (for the take report); its process() is the audio thread's.
    ClipGuard& clipGuard() noexcept { return clipGuard_; }

    // [the one meter reader thread] Latest meter snapshots of channel 0 or 1.
    MeterSnapshot rawMeterSnapshot(int channel) noexcept;
    MeterSnapshot trackMeterSnapshot(int channel) noexcept;
    // [any thread]
    uint64_t captureLostFrames() const noexcept { return capture_ ? capture_->lostFrames.load(std::memory_order_relaxed) : 0; }

    // ---- [audio thread] used by Engine::process only ----
    struct BlockContext {
        const float* const* inputs;
        int inputChannels;
        int offset; // into the device buffers
        int frames;
        int64_t position;      // timeline sample of the block's first frame
        bool rolling;          // the transport moves
        bool recording;        // the transport records
        bool anySolo;
        int64_t roundTripFrames;
    };
    struct BlockResult {
        bool wokeDisk = false; // a mark was written or data is waiting
        bool wantsReader = false;    // read-ahead data was used
        bool locateRequested = false; // a new playback stream was asked for its first data
    };
    // Input chain (raw meter, preamp, track meter, capture) and the track's
    // contribution (monitored input and/or disk playback through volume, pan,
    // mute, solo) added into the stereo bus.
    void processBlock(const BlockContext& context, float* busLeft, float* busRight, EngineEventSink& events,
                      BlockResult& result) noexcept;
    // The take ends now (transport stop, device stop): closes gaps, leaves a mark.
    void endTake(int64_t position, EngineEventSink& events) noexcept;
    PlaybackStream* audioPlayback() const noexcept { return playback_.load(std::memory_order_acquire); }
    // A transport locate: asks the reader for the timeline from `position` on.
    void requestLocate(int64_t position) noexcept;

private:
    void startTake(int64_t position, int64_t roundTripFrames, EngineEventSink& events) noexcept;
    void writeCapture(int frames, int64_t position, EngineEventSink& events) noexcept;
    void closeGaps(EngineEventSink& events) noexcept;
    int readPlayback(PlaybackStream& stream, int frames, int64_t position, EngineEventSink& events) noexcept;

    const int id_;
    std::string name_;
    const int input_;
    const int channels_;

    Preamp preamp_;
    ClipGuard clipGuard_;
    Meter rawMeter_[2];
    Meter trackMeter_[2];

    std::shared_ptr<CaptureStreams> capture_;        // [control] owner
    std::shared_ptr<PlaybackStream> playbackOwner_;  // [control] owner
    std::shared_ptr<RawTap> rawTap_;                 // [control] owner; the audio thread uses it without touching the count
    std::atomic<PlaybackStream*> playback_{nullptr}; // [audio] reads

    // [audio thread] state
    float* channelBuffers_[2] = {nullptr, nullptr};
    std::unique_ptr<float[]> scratch_;     // 2 x maxBlock planar, the processed input
    std::unique_ptr<float[]> interleaved_; // 2 x maxBlock, ring writes and reads
    std::unique_ptr<float[]> rawInterleaved_;
    std::unique_ptr<float[]> playScratch_; // 2 x maxBlock planar, disk playback
    int maxBlockFrames_ = 0;
    bool capturing_ = false;
    bool clipGuardWasOn_ = false; // [audio thread] a fresh start each time it is switched on
    PlaybackStream* lastPlayback_ = nullptr;
    LinearSmoothedValue inputGain_[2];    // monitored input, per bus side (volume, pan, mute, solo, mode)
    LinearSmoothedValue playbackGain_[2]; // disk playback, per bus side
    bool smoothersPrimed_ = false;
};

} // namespace gainstage
