#pragma once
// Auto Gain's listening side (issue 5): the user starts it on a track and
// performs their loudest part; it collects the track's RAW input for 10 s by
// default (3-15 s), can be stopped early (it then judges what it heard) or
// cancelled, and hands the audio to the pure algorithm (dsp/AutoGain).
//
// The raw audio comes from the track's RawTap (core/Track.h): a lock-free SPSC
// ring the audio thread fills only while the tap's flag is set. This class is
// the ring's only reader; it never blocks the audio thread and the audio thread
// never waits for it. Frames the ring could not take (the listener fell more
// than 2 s behind) are counted by the tap, not silently glued together.
//
// Threads: start/poll/stop/cancel/analyse on the control (GUI) thread, which
// polls from a timer (20 Hz is plenty). analyse() takes tens of ms per render;
// a UI runs it on a worker thread, and cancel() may then be called from the
// GUI thread: it is an atomic flag the algorithm checks between renders.
//
// Undo: apply() sets `after` on the Preamp; the UI pushes one QUndoCommand
// holding the outcome's `before` and `after` (AutoGain.h), so the whole run is
// a single undoable change.

#include <atomic>
#include <memory>
#include <vector>

#include "core/Track.h"
#include "dsp/AutoGain.h"

namespace gainstage {

class AutoGainSession {
public:
    static constexpr double kDefaultSeconds = 10.0;
    static constexpr double kMinSeconds = 3.0;
    static constexpr double kMaxSeconds = 15.0;

    // [control thread] `tap` from Track::rawTap(), `sampleRate` the engine's.
    AutoGainSession(std::shared_ptr<RawTap> tap, double sampleRate);
    ~AutoGainSession(); // stops listening

    AutoGainSession(const AutoGainSession&) = delete;
    AutoGainSession& operator=(const AutoGainSession&) = delete;

    // [control thread] Starts listening for `seconds` (clamped to 3..15).
    void start(double seconds = kDefaultSeconds);
    // [control thread] Collects what the audio thread tapped. Returns true once
    // the listening time is complete (the tap is then switched off).
    bool poll();
    // [control thread] Stop early: keep what was heard, switch the tap off.
    void stop();
    // [control thread, or any thread while analyse() runs] Cancel: stop listening,
    // and make analyse() return Cancelled (also while it runs).
    void cancel();

    bool isListening() const { return listening_; }
    double secondsHeard() const;
    double listeningSeconds() const { return seconds_; }
    uint64_t lostFrames() const;
    // Planar copy of what was heard.
    const std::vector<std::vector<float>>& heard() const { return heard_; }

    // [control or worker thread] Runs Auto Gain on what was heard.
    AutoGainOutcome analyse(const PreampSettings& current, const AutoGainOptions& options = {});

    // [control thread] Applies a Success to the preamp (the redo half of the undo pair).
    static bool apply(Preamp& preamp, const AutoGainOutcome& outcome);

private:
    void drain();

    std::shared_ptr<RawTap> tap_;
    double sampleRate_;
    double seconds_ = kDefaultSeconds;
    std::atomic<bool> listening_{false};
    std::atomic<bool> cancelled_{false};
    uint64_t lostAtStart_ = 0;
    std::vector<std::vector<float>> heard_;
    std::vector<float> scratch_;
};

} // namespace gainstage
