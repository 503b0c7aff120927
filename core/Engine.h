#pragma once
// The real-time engine: the AudioCallback every backend (PortAudio, Virtual,
// Offline) drives through its static trampoline.
//
// Per call, in order: pick up a new track list and the transport commands;
// then, in sub-blocks of at most StreamFormat::maxBlockFrames:
//   1. every track's input: raw meter -> Preamp -> track meter -> its capture
//      ring(s) when armed and the transport records;
//   2. disk playback from each track's read-ahead ring (volume, pan, mute, solo);
//   3. monitored inputs (per-track MonitorMode, through the same fader);
//   4. the metronome (monitor only: after capture, so never recorded);
//   5. the master bus through the MonitorSlot: the MonitorSection (power amp
//      and speaker model, or headphones and crossfeed; Mono, monitor volume,
//      Dim, Mute; see monitor()), then the switch-on rule (silent 250 ms, fade
//      in 200 ms, fade out before stop). Heard only: capture (1.) is already
//      done, and offline export never runs it;
//   6. every output sample written: two or more outputs get the stereo monitor
//      on the first pair and silence beyond it; a one-output device gets a mono
//      monitor fed (L + R) / 2, the same sum as the Mono check.
//
// Threads. [control thread] functions are called from one thread (the GUI or
// the command line's main thread), which is also the one meter reader and the
// one consumer of pollEvents(). [audio thread] is process(). [any thread] reads
// atomics. Nothing on the audio path allocates, locks, does I/O, logs or touches
// Qt; tests/test_rt_alloc.cpp proves it by interposing malloc/new/mutexes.
//
// Track list hand-over. The control thread builds an immutable TrackList (a
// vector of Track pointers, with a generation number) and publishes it through
// an atomic pointer. The audio thread adopts the newest list at the start of a
// call and stores the generation it adopted. A list, or a removed track, or a
// replaced playback stream, is freed on the control thread once the adopted
// generation shows the audio thread can no longer reach it (collected by every
// control call, and by pollEvents()). No reference count is ever dropped on the
// audio thread.
//
// Transport. play()/stop()/record()/locate() queue a command (SPSC ring) that
// takes effect at the start of the next call. position() is the timeline
// sample of the next frame to be processed. record(true) while rolling punches
// in at the next block; while stopped it starts rolling and recording, after
// the metronome's count-in bars if any (the position stays put during the
// count-in and the click plays even when the metronome is off). record(false)
// punches out; a locate while recording punches out first. Arming or disarming
// a track while recording punches that track alone in or out.
//
// Recording, for the disk side (see Track.h for the structures):
//   - captureStreams(trackId): the processed ring, the raw ring, and a marks
//     ring of TakeStart / TakeStop / Overflow entries with exact frame indices
//     and timeline positions. The rings hold max(5 s, 2 x 65536) frames.
//   - The audio thread never waits: a full ring loses the block; the frames are
//     counted, and the gap is reported (mark + CaptureOverflow event + the
//     hook's captureOverflow()) with its first timeline sample and length.
//   - setCaptureHook(hook): hook->wake() is called after a take starts or
//     stops, after a gap, and every kCaptureWakeFrames captured frames. The
//     disk thread must also drain on its own timer (<= 100 ms).
// Playback: attachPlayback(trackId) creates the read-ahead PlaybackStream a
// DiskReader fills; locates travel through its generation counter (Track.h).
// setReaderHook(hook) is woken when a locate is requested and as data is used.
//
// Latency (all in frames at the stream rate):
//   roundTrip  = measured round trip if setMeasuredRoundTripFrames() was given
//                one (a loopback calibration of this device: output -> input,
//                before any preamp), else
//                round((inputLatencySeconds + outputLatencySeconds) * sampleRate)
//   heard      = roundTrip + the monitor section's latencySamples() (a speaker
//                model's amp oversamples; the performer hears playback that
//                much later, and calibration measures without the section)
//   rawOffset  = heard
//   takeOffset = heard + the track's Preamp::latencySamples()
// A frame captured when the playhead was at P is what the performer played
// along with output P - offset, so a take recorded from timeline sample S is
// placed at S - takeOffset (its raw take at S - rawOffset). The offsets in force
// when a take starts are stored in its TakeStart mark.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "core/AudioCallback.h"
#include "core/EngineEvents.h"
#include "core/EngineLoad.h"
#include "core/Metronome.h"
#include "core/MonitorSlot.h"
#include "core/SpscRing.h"
#include "core/Track.h"

namespace gainstage {

class Engine final : public AudioCallback, private EngineEventSink {
public:
    enum class TransportState : uint8_t { Stopped, CountIn, Rolling };

    static constexpr int kCaptureWakeFrames = 16384;
    static constexpr int kReaderWakeFrames = 4096;
    static constexpr double kPlaybackRingSeconds = 4.0; // DiskReader keeps >= 2 s of it filled
    static constexpr size_t kEventCapacity = 4096;
    static constexpr size_t kCommandCapacity = 256;

    Engine();
    ~Engine() override; // [control thread] the stream must be stopped

    // ---- AudioCallback ----
    // [control thread] Prepares every track, the metronome and the monitor slot for `format`.
    void audioStreamAboutToStart(const StreamFormat& format) override;
    // [audio thread]
    void process(const float* const* inputs, float* const* outputs, int frames, const ProcessStatus& status) noexcept override;
    // [control thread] Ends any take at the current position and stops the transport.
    void audioStreamStopped(bool deviceLost) override;

    // ---- Tracks [control thread] ----
    // Returns the new track's id (>= 1). The track is prepared now if a format is known.
    int addTrack(const TrackConfig& config);
    bool removeTrack(int trackId);
    std::vector<int> trackIds() const;
    // The track object, for its atomic controls and its Preamp (any-thread setters). Valid until removeTrack().
    Track* track(int trackId) const;
    bool setArmed(int trackId, bool armed);
    bool setMonitorMode(int trackId, MonitorMode mode);
    bool setVolumeDb(int trackId, float db);
    bool setPan(int trackId, float pan);
    bool setMute(int trackId, bool mute);
    bool setSolo(int trackId, bool solo);
    bool setKeepRaw(int trackId, bool keep);
    bool setPreampSettings(int trackId, const PreampSettings& settings);
    std::shared_ptr<CaptureStreams> captureStreams(int trackId) const;
    // A fresh read-ahead stream for the track (replacing any other); hand it to a DiskReader.
    std::shared_ptr<PlaybackStream> attachPlayback(int trackId);
    void detachPlayback(int trackId);
    // [the meter reader: the control thread]
    bool meterSnapshots(int trackId, int channel, MeterSnapshot& raw, MeterSnapshot& processed) const;

    // ---- Transport [control thread]; false when the command queue is full ----
    bool play();
    bool stop();
    bool record(bool on);
    bool locate(int64_t position);
    // [any thread]
    int64_t position() const noexcept { return positionPublished_.load(std::memory_order_acquire); }
    TransportState transportState() const noexcept { return statePublished_.load(std::memory_order_acquire); }
    bool isRecording() const noexcept { return recordingPublished_.load(std::memory_order_acquire); }

    // [control thread] Events since the last call; also frees what the audio thread let go of.
    std::vector<EngineEvent> pollEvents();
    // [any thread] Events lost because nobody drained them.
    uint64_t droppedEvents() const noexcept { return droppedEvents_.load(std::memory_order_relaxed); }

    // [any thread] Tempo, meter, count-in and level setters are atomics.
    Metronome& metronome() noexcept { return metronome_; }

    // ---- Disk side [control thread, before the stream starts or while no take runs] ----
    void setCaptureHook(EngineDiskHook* hook) noexcept { captureHook_.store(hook, std::memory_order_release); }
    void setReaderHook(EngineDiskHook* hook) noexcept { readerHook_.store(hook, std::memory_order_release); }

    // ---- Monitor section ----
    // [any thread] Ask for the fade-out; fadeOutDone() turns true when the outputs are silent.
    void requestFadeOut() noexcept { monitor_.requestFadeOut(); }
    bool fadeOutDone() const noexcept { return monitor_.fadeOutDone(); }
    MonitorSlot::State monitorState() const noexcept { return monitor_.state(); }
    // [any thread] The monitor controls (output mode, speaker model, amp, crossfeed,
    // volume, Dim, Mono, Mute: atomic setters, applied smoothly at the next block)
    // and the listening-level estimate. Store them per output device with
    // core/MonitorSettings.h.
    MonitorSection& monitor() noexcept { return monitor_.section(); }
    const MonitorSection& monitor() const noexcept { return monitor_.section(); }
    // [control thread] Before a stop or a device change: fades out and waits (polling, 1 ms)
    // until the audio thread reports silence or `timeout` passes. True when faded (or not running).
    bool fadeOutAndWait(std::chrono::milliseconds timeout);

    // [any thread] The audio settings' "Test" button: a 440 Hz tone at -18 dBFS
    // on the monitor outputs for `seconds`, after the monitor section (it tests
    // the device, not the simulation), faded in and out over 10 ms.
    void playTestTone(double seconds) noexcept;
    bool testTonePlaying() const noexcept { return testToneActive_.load(std::memory_order_relaxed); }

    // ---- Latency (see the formula above) [any thread] ----
    int64_t roundTripFrames() const noexcept;
    // A calibrated round trip for this device; a negative value returns to the stream's estimate.
    void setMeasuredRoundTripFrames(int64_t frames) noexcept { measuredRoundTrip_.store(frames, std::memory_order_relaxed); }
    // The round trip plus the monitor section's latency: how late the performer hears playback.
    int64_t heardLatencyFrames() const noexcept { return roundTripFrames() + monitor().latencySamples(); }
    int64_t rawCaptureOffsetFrames() const noexcept { return heardLatencyFrames(); }
    // [control thread]
    int64_t captureOffsetFrames(int trackId) const;

    // ---- Health [any thread] ----
    const EngineLoad& load() const noexcept { return load_; }
    void resetLoadMaximum() noexcept { load_.resetMaximum(); }
    uint64_t xrunCount() const noexcept { return xruns_.load(std::memory_order_relaxed); }
    // [control thread] TEST HOOK: the next `count` callbacks busy-wait past their
    // period (1.5 x frames / rate), so a real backend reports exactly `count` xruns.
    void injectOverruns(int count) noexcept { injectedOverruns_.fetch_add(count, std::memory_order_relaxed); }
    // [control thread]
    const StreamFormat& format() const noexcept { return format_; }

private:
    struct TrackList {
        uint64_t generation = 0;
        std::vector<Track*> tracks;
    };
    struct Retired {
        uint64_t generation; // freed once the audio thread adopted this generation
        std::unique_ptr<Track> track;
        std::shared_ptr<PlaybackStream> stream;
    };
    struct Command {
        enum class Type : uint8_t { Play, Stop, RecordOn, RecordOff, Locate };
        Type type;
        int64_t position;
    };

    // EngineEventSink [audio thread]
    void push(const EngineEvent& event) noexcept override;
    EngineDiskHook* captureHook() noexcept override { return captureHookNow_; }

    // [control thread]
    bool send(Command::Type type, int64_t position = 0);
    void publishTrackList();
    void collectGarbage();
    Track* findTrack(int trackId) const;

    // [audio thread]
    void handleCommands() noexcept;
    void endAllTakes() noexcept;
    void startRolling(bool recording) noexcept;
    void processSubBlock(const float* const* inputs, float* const* outputs, int offset, int frames) noexcept;
    void publishTransport() noexcept;
    void renderTestTone(float* const* bus, int frames) noexcept;

    // Control-thread state
    StreamFormat format_{};
    bool prepared_ = false;
    bool running_ = false;
    int nextTrackId_ = 1;
    uint64_t generation_ = 0;
    std::vector<std::unique_ptr<Track>> tracks_;
    std::deque<std::unique_ptr<TrackList>> lists_;
    std::vector<Retired> retired_;

    // Hand-over
    std::atomic<TrackList*> published_{nullptr};
    std::atomic<uint64_t> adoptedGeneration_{0};
    SpscRing<Command> commands_{kCommandCapacity};
    SpscRing<EngineEvent> events_{kEventCapacity};
    std::atomic<uint64_t> droppedEvents_{0};
    std::atomic<EngineDiskHook*> captureHook_{nullptr};
    std::atomic<EngineDiskHook*> readerHook_{nullptr};

    // Audio-thread state
    TrackList* active_ = nullptr;
    double sampleRate_ = 48000.0;
    int maxBlock_ = 256;
    int inputChannels_ = 0;
    int outputChannels_ = 0;
    int monitorChannels_ = 2; // 1 on a one-output device
    std::unique_ptr<float[]> bus_; // 2 x maxBlock
    TransportState state_ = TransportState::Stopped;
    bool recording_ = false;
    int64_t position_ = 0;
    int64_t countInRemaining_ = 0;
    int64_t countInElapsed_ = 0;
    bool anySolo_ = false;
    int64_t heardLatencyNow_ = 0;
    int captureFramesSinceWake_ = 0;
    int readerFramesSinceWake_ = 0;
    bool wakeCapture_ = false;
    bool wakeReader_ = false;
    EngineDiskHook* captureHookNow_ = nullptr;

    Metronome metronome_;
    MonitorSlot monitor_;
    EngineLoad load_;

    // Published
    std::atomic<int64_t> positionPublished_{0};
    std::atomic<TransportState> statePublished_{TransportState::Stopped};
    std::atomic<bool> recordingPublished_{false};
    std::atomic<uint64_t> xruns_{0};
    std::atomic<int> injectedOverruns_{0};
    std::atomic<int64_t> measuredRoundTrip_{-1};
    std::atomic<int64_t> testToneRequest_{0}; // frames asked for; the audio thread takes it with exchange(0)
    std::atomic<bool> testToneActive_{false};
    // [audio thread]
    int64_t testToneLength_ = 0, testToneDone_ = 0;
    std::atomic<int64_t> streamRoundTrip_{0};
};

} // namespace gainstage
