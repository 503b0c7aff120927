#pragma once
// The studio: one Engine, the audio device it runs on, and the Recorder of the
// open session, wired together for the studio window. The window (ui/) sees
// the engine only through this object; the command line keeps its own wiring.
//
// Events. Nothing on the audio thread emits a Qt signal. Engine events cross
// threads through the engine's SPSC ring; poll() (a 20 ms QTimer on the GUI
// thread) drains them with the Recorder's disk events and re-emits them as
// signals, which the window connects with Qt::QueuedConnection so that a slow
// slot never delays the next poll. A device lost on the backend's watchdog
// thread arrives the same way (an engine StreamStopped event).
//
// Never losing a session:
//   - every session has a folder from the start: a new one goes to
//     untitledFolder() until it is saved elsewhere (Save As moves it there);
//   - an untitled session that holds audio is never dropped: it stays in
//     untitledFolder() and the window reopens it on the next start; one that
//     holds none is removed when it is left, so they do not pile up;
//   - autosave every kAutosaveSeconds while something changed (never during a
//     take: the Recorder saves at the end of each take anyway);
//   - reopening a folder whose recording was interrupted recovers its takes
//     (core/Recovery) and openSession()'s notice says so.
//
// Threads: everything is [GUI thread] (the engine's control thread).

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "core/AudioBackend.h"
#include "core/Engine.h"
#include "core/Recorder.h"
#include "core/Session.h"

namespace gainstage {

// A message for the banner area: plain words, and the action a button offers.
struct StudioMessage {
    enum class Kind { Info, Warning, Error };
    enum class Action { None, ReopenDevice, ShowXruns, OpenAudioSettings };
    Kind kind = Kind::Info;
    QString text;
    Action action = Action::None;
};

class Studio final : public QObject {
    Q_OBJECT
public:
    static constexpr int kPollMs = 20;
    static constexpr int kAutosaveSeconds = 60;

    explicit Studio(QObject* parent = nullptr);
    ~Studio() override; // finishes a take, closes the device

    // ---- Device [GUI thread] ----
    // Opens `request` (closing what is open, with a fade). On failure nothing is
    // open and `error` names the device and what to do.
    bool openDevice(const AudioDeviceRequest& request, QString& notice, QString& error);
    // The request remembered in the user's settings, or the default device.
    static AudioDeviceRequest savedDeviceRequest();
    void closeDevice();
    bool deviceOpen() const { return backend_ && backend_->isOpen() && !backend_->deviceLost(); }
    bool deviceLost() const { return deviceLost_; }
    const AudioDeviceRequest& deviceRequest() const { return request_; }
    AudioDeviceInfo device() const;
    StreamFormat format() const { return engine_.format(); }
    bool usingVirtualDevice() const;
    // Input channel names of the open device ("In 1", "In 2", ...).
    QStringList inputNames() const;
    // Round trip in ms (the calibrated one when there is one).
    double roundTripMs() const;
    // Measures the round trip through a loopback cable (output 1 -> input 1) and
    // uses it from now on. False with `error` (e.g. no loopback found).
    bool calibrateLatency(QString& report, QString& error);

    // ---- Session [GUI thread] ----
    // A fresh session in `folder`; an empty folder means a new untitled folder.
    bool newSession(const QString& folder, QString& error);
    // Opens (and, after a crash, recovers) the session in `folder`. `notice`
    // says what was recovered and which files are missing.
    bool openSession(const QString& folder, QString& notice, QString& error);
    bool save(QString& error);
    // Save As: saves here, then copies the session folder (session.json and
    // audio/) to `folder` on a worker thread, so that the window stays
    // responsive however much audio there is. saveAsFinished() follows (queued);
    // on success the studio continues in `folder` (an untitled original is then
    // removed: the copy is synced to the disk first), otherwise it stays where
    // it was and no partial copy is left. False with `error` when it cannot
    // start (recording, `folder` holds files or lies inside the session's
    // folder). While copying, record, play, save and opening sessions or
    // devices are refused, and autosave waits.
    bool beginSaveAs(const QString& folder, QString& error);
    bool isSavingAs() const { return copyWorker_.joinable(); }
    // Deletes the open untitled session, audio and all, and starts a new
    // untitled one (the way out of an untitled session the window keeps
    // reopening). False with `error` for a saved session, while recording or
    // while Save As copies.
    bool discardUntitledSession(QString& error);
    double saveAsProgress() const; // 0..1 of the bytes to copy
    void cancelSaveAs();           // saveAsFinished(false, true, {}) follows
    // TEST HOOK: sleep this long after every MiB copied (a slow disk).
    void setSaveAsThrottleForTests(int msPerMiB) { copyThrottleMsPerMiB_ = msPerMiB; }
    const QString& folder() const { return recorder_->folder(); }
    bool isUntitled() const { return untitled_; }
    bool isModified() const { return modified_; }
    void setModified(bool modified);
    const Session& session() const { return recorder_->session(); }
    // Where untitled sessions live (the user's application data folder).
    static QString untitledFolder();
    // The newest untitled session that holds recorded audio or a take cut short,
    // or empty. The window reopens it on a start without a folder, so takes
    // recorded before quitting (or a crash) without Save As stay in view.
    static QString untitledSessionToResume();

    // ---- Tracks and clips [GUI thread]: the undo commands call these ----
    QString insertTrack(const SessionTrack& track, int index = -1);
    bool updateTrack(const SessionTrack& track, QString& error);
    bool removeTrack(const QString& trackId, QString& error);
    bool setClips(const QString& trackId, const std::vector<Clip>& clips, QString& error);
    const SessionTrack* findTrack(const QString& trackId) const;
    int engineTrackId(const QString& trackId) const { return recorder_->engineTrackId(trackId); }
    // The track's live meters (channel 0 or 1). False when it has no engine track.
    bool meters(const QString& trackId, int channel, MeterSnapshot& raw, MeterSnapshot& track) const;
    // Resets the track's meters' max and clip (the clip light was clicked).
    void resetMeters(const QString& trackId);

    // ---- Transport [GUI thread] ----
    // Starts a take on the armed tracks from the playhead. False with `error`.
    bool record(QString& error);
    // Plays the session's clips from the playhead. False with `error`.
    bool play(QString& error);
    // Stops playback and finishes a take (saving the session).
    bool stop(QString& error);
    void returnToStart();
    void locate(int64_t position);
    bool isRecording() const { return recorder_->isRecording(); }
    bool isRolling() const { return engine_.transportState() != Engine::TransportState::Stopped; }
    int64_t position() const { return engine_.position(); }
    // The session's end: the last clip's end, in frames.
    int64_t sessionLength() const;

    // ---- Status [GUI thread] ----
    double remainingRecordSeconds() const { return recorder_->remainingRecordSeconds(); }
    uint64_t xrunCount() const { return engine_.xrunCount(); }
    // Timeline positions of the xruns since the session was opened (marks on the timeline).
    const std::vector<int64_t>& xrunPositions() const { return xrunPositions_; }
    float engineLoadPercent() const;

    Engine& engine() { return engine_; }
    const Engine& engine() const { return engine_; }
    Recorder& recorder() { return *recorder_; }

public slots:
    // Drains engine and disk events, finishes takes that ended by themselves,
    // autosaves. Called by the poll timer; tests may call it directly.
    void poll();

signals:
    void transportChanged();
    void message(const gainstage::StudioMessage& message);
    // A take finished (or ended by itself): the session has new clips and was saved.
    void takeFinished();
    // Tracks or clips changed from the engine's side (a take, a new session, recovery).
    void sessionReplaced();
    void deviceChanged();
    void xrunOccurred(int64_t position);
    void modifiedChanged(bool modified);
    void saved();
    // The end of beginSaveAs(): `error` is empty when it succeeded or was cancelled.
    void saveAsFinished(bool ok, bool cancelled, const QString& error);

private:
    void attachRecorder();
    void autosave();
    void finishAfterStop();
    void finishSaveAs(bool copied, const QString& copyError);
    // True, with the words in `error`, while Save As is copying: the guard of
    // every action that would change the session or the device under the copy.
    bool refusedWhileSavingAs(QString& error) const;
    // The folder Save As copied from gets its own session name back (saved).
    void restoreOldFolderName();
    // Removes a cancelled or failed copy (an empty folder chosen by the user stays).
    void removePartialCopy();
    // Leaving `folder`: removed when it was untitled and holds no audio (nothing
    // recorded or imported; its tracks alone are not worth a folder per start).
    void removeIfEmptyUntitled(const QString& folder, bool wasUntitled);

    Engine engine_;
    std::unique_ptr<AudioBackend> backend_;
    std::unique_ptr<Recorder> recorder_;
    AudioDeviceRequest request_;
    bool deviceLost_ = false;
    bool untitled_ = true;
    bool modified_ = false;
    bool playing_ = false;
    std::vector<int64_t> xrunPositions_;
    QTimer pollTimer_;
    QTimer autosaveTimer_;

    // Save As in progress. The worker thread touches only the atomics (and the
    // files); everything else is [GUI thread].
    std::thread copyWorker_;
    std::atomic<bool> copyCancel_{false};
    std::atomic<qint64> copyDone_{0};
    qint64 copyTotal_ = 0;
    QString copyTarget_;
    QString copyOldName_;
    bool copyTargetExisted_ = false;
    int copyThrottleMsPerMiB_ = 0;
};

} // namespace gainstage

Q_DECLARE_METATYPE(gainstage::StudioMessage)
