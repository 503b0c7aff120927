#pragma once
// The Recorder turns the Engine, the DiskWriter and the Session into takes
// that are never lost. It owns the Session of one folder and the recording
// side of the engine's wiring; the caller owns the Engine and the backend.
//
// A take, in order (every step on the control thread):
//   startTake(): for each armed track pick a file (Session::nextTakeFile, also
//     a ".raw.wav" with Keep raw), write the journal DIR/.recording (synced)
//     BEFORE any audio can flow, register each capture ring with a fresh
//     DiskWriter, start it, install the capture hook (wake / overruns /
//     xruns, all wait-free), attach disk playback for the unarmed tracks that
//     have clips (overdubs), then engine.record(true).
//   poll() (call every 10-50 ms; it never waits): engine events and disk
//     events. A WriteFailed (disk full) punches out at once (the stream and
//     monitoring keep running) and a later poll() finishes the take when the
//     engine confirms; a lost device
//     (audioStreamStopped(true)) finishes it too. Messages in words queue up
//     for messages().
//   stopTake(): engine.record(false), wait (with a timeout) for the engine's
//     "recording stopped at sample X", stop the DiskWriter (drains and
//     finalises every file), turn each TakeResult into a TakeRecord (xrun and
//     overrun positions, the take report) and a clip, save the session
//     atomically, and only then remove the journal.
//
// Latency compensation (sign): a frame captured while the playhead was at P
// was played by the performer along with what the outputs played at
// P - offset, offset = engine.captureOffsetFrames(track) (round trip + preamp
// latency; the raw take uses the round trip alone). So a take whose first
// frame was captured at timeline S is placed EARLIER, at S - offset. When that
// is before 0, the clip starts at 0 and skips the first (offset - S) frames of
// the file (Clip::sourceOffset). TakeRecord::timelineStart and the journal
// hold max(0, S - offset), where recovery puts the clip.
//
// The Recorder must outlive the stream its hooks are installed in: close the
// backend before destroying it.
//
// Threads: everything here is [control thread] except the hook, which the
// engine calls on the [audio thread].

#include <QString>
#include <QStringList>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "core/AudioFile.h"
#include "core/Engine.h"
#include "core/Session.h"
#include "core/TakeReport.h"
#include "dsp/PreampSettings.h"

namespace gainstage {

class DiskReader;
class DiskWriter;
class Session;

// What one finished take of one track came to.
struct RecordedTake {
    QString trackId;
    QString trackName;
    QString file;          // relative to the session folder
    bool raw = false;
    int channels = 1;
    int64_t frames = 0;
    int64_t recordedAt = 0;   // timeline sample of the first captured frame (S)
    int64_t alignFrames = 0;  // the compensation applied (offset above)
    int64_t clipPosition = 0; // S - alignFrames (may be negative; the clip then starts at 0)
    std::vector<int64_t> xruns; // take-relative frames
    int64_t overrunFrames = 0;
    bool failed = false;
    QString error;
    TakeReport report;     // printed takes only (raw ones are not reported)
    bool hasReport = false;
};

class Recorder {
public:
    static constexpr double kLowSpaceSeconds = 300.0;

    struct Options {
        SampleFormat format = SampleFormat::Pcm24;
        LevelWindow window;
        std::chrono::milliseconds stopTimeout{3000};
    };

    explicit Recorder(Engine& engine);
    Recorder(Engine& engine, Options options);
    ~Recorder(); // finishes a running take; clears the engine hooks
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    // Opens DIR's session, recovering the takes of an interrupted recording
    // (`notice` then says what was recovered), or starts a new one named after
    // the folder. Adds an engine track for every session track. False with `error`.
    bool openSession(const QString& folder, QString& notice, QString& error);
    const QString& folder() const { return folder_; }
    // The session as it is now (after the last save, or with the recovered takes).
    const Session& session() const;

    // A track named `name` fed from `input` (0-based) - an existing one of that
    // name is reused and given these settings. Returns the session track id.
    QString addTrack(const QString& name, int input, bool stereo, const PreampSettings& preamp, bool keepRaw = false);
    bool setArmed(const QString& trackId, bool armed);
    // The engine's id of a session track, -1 if none.
    int engineTrackId(const QString& trackId) const;

    // Starts a take on every armed track from the playhead. The stream must be
    // open (the engine knows its format). False with `error`, nothing running.
    bool startTake(QString& error);
    // Finishes the take (see above). False with `error` when something was not
    // saved (the journal then stays for recovery); the files are always finalised.
    bool stopTake(QString& error);
    // Engine and disk events; finishes the take on a write failure or device loss.
    void poll();

    // ---- Editing, for the studio window [control thread] ----
    // Makes the session track with `track.id` equal to `track` and the engine
    // follow it (name, preamp, monitor, volume, pan, mute, solo, keep raw, Clip
    // Guard, arm). A changed input replaces the engine track (its routing is
    // fixed); that is refused while recording. Clips are left alone (setClips).
    bool updateTrack(const SessionTrack& track, QString& error);
    // Inserts `track` at `index` (clamped) with a new id when its id is empty or
    // taken; returns the id. Used by Add, Duplicate and the undo of Remove.
    QString insertTrack(SessionTrack track, int index);
    // Removes the track from the session and the engine; its audio files stay.
    // Refused while recording.
    bool removeTrack(const QString& trackId, QString& error);
    // Replaces a track's clips (clip moves and deletes). Refused while recording.
    bool setClips(const QString& trackId, const std::vector<Clip>& clips, QString& error);
    // The session's name (Save As names it after its new folder).
    void setSessionName(const QString& name) { session_->name = name; }
    // Saves the session atomically (Session::save). False with `error`.
    bool saveSession(QString& error);
    // Removes every track this Recorder added from the engine (before a new session).
    void closeSession();
    // Engine events drained by poll() (and by take start/stop) since the last call,
    // for the UI: transport, xruns, underruns, stream stops. At most kEventBacklog kept.
    static constexpr size_t kEventBacklog = 4096;
    std::vector<EngineEvent> takeEngineEvents();

    bool isRecording() const { return writer_ != nullptr; }
    // [control thread] Seconds of recording left for the armed tracks together.
    double remainingRecordSeconds() const;
    bool lowSpace() const { return remainingRecordSeconds() < kLowSpaceSeconds; }
    // Sentences for the user since the last call (disk full, low space, device lost, overruns, save problems).
    QStringList takeMessages();

    // The last finished take, per stream (printed and raw), in track order.
    const std::vector<RecordedTake>& lastTakes() const { return lastTakes_; }
    // Why the last take ended by itself: a write error or a lost device (false after stopTake()).
    bool lastTakeStoppedByDiskError() const { return stoppedByDiskError_; }
    bool lastTakeStoppedByDeviceLoss() const { return stoppedByDeviceLoss_; }
    // Seconds from the disk refusing a write to the engine punching out (-1 if no failure).
    double diskFailureStopSeconds() const { return diskFailureStopSeconds_; }

    // Attaches disk playback (DiskReader) for every unarmed track with a clip,
    // and locates to the playhead so the reader serves it. startTake() calls
    // it; call it yourself to play without recording. Waits up to `timeout` for
    // the readers to be ready. False (with `error`) if a clip cannot be opened.
    bool preparePlayback(QString& error, std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

private:
    class CaptureHook;
    struct ActiveStream;

    void handleEngineEvents(const std::vector<EngineEvent>& events);
    bool finishTake(bool punchOut, QString& error);
    bool writeJournal(int64_t timelineStart, QString& error);
    void addEngineTrack(const QString& sessionTrackId);

    Engine& engine_;
    Options options_;
    QString folder_;
    std::unique_ptr<Session> session_;
    std::map<QString, int> engineTracks_; // session track id -> engine track id

    std::unique_ptr<DiskWriter> writer_;
    std::unique_ptr<CaptureHook> hook_;
    std::vector<ActiveStream> streams_;
    int64_t expectedStart_ = 0;
    bool startConfirmed_ = false;
    bool stopSeen_ = false;
    bool stopping_ = false; // punched out after a write failure; poll() finishes the take
    std::chrono::steady_clock::time_point stopRequestedAt_{};
    std::chrono::steady_clock::time_point stopSeenAt_{};
    QString journalStartedAt_;

    std::unique_ptr<DiskReader> reader_;
    std::map<int, std::shared_ptr<PlaybackStream>> playback_; // engine track id -> stream

    std::vector<RecordedTake> lastTakes_;
    std::vector<EngineEvent> seenEvents_;
    QStringList messages_;
    bool lowSpaceWarned_ = false;
    bool stoppedByDiskError_ = false;
    bool stoppedByDeviceLoss_ = false;
    double diskFailureStopSeconds_ = -1.0;
    std::chrono::steady_clock::time_point diskFailedAt_{};
};

} // namespace gainstage
