#pragma once
// Every edit in the studio window is one QUndoCommand (Edit > Undo / Redo):
// track settings and the preamp, Auto Gain's result, the monitor section, track
// add / remove / duplicate, and clip moves and deletes. A command holds the
// values before and after, never pointers into the session, so it stays valid
// when the session's vectors move. [GUI thread]

#include <QUndoCommand>

#include <functional>
#include <vector>

#include "core/Session.h"
#include "dsp/MonitorChain.h"

namespace gainstage {

class Studio;

// Called after a command changed the session, so the window can show it.
using SessionRefresh = std::function<void()>;

// One change of one track's settings (what the strip's `edited` signal carries).
class TrackEditCommand final : public QUndoCommand {
public:
    static constexpr int kId = 1001;
    TrackEditCommand(Studio& studio, SessionTrack before, SessionTrack after, const QString& what, SessionRefresh refresh);
    void redo() override;
    void undo() override;
    int id() const override { return kId; }
    // Consecutive steps of the same control on the same track (wheel or arrow
    // keys on the Gain knob) become one undo step.
    bool mergeWith(const QUndoCommand* other) override;

private:
    void apply(const SessionTrack& track);
    Studio& studio_;
    SessionTrack before_, after_;
    QString what_;
    SessionRefresh refresh_;
};

// Add (or Duplicate) a track at an index; undo removes it.
class AddTrackCommand final : public QUndoCommand {
public:
    AddTrackCommand(Studio& studio, SessionTrack track, int index, const QString& text, SessionRefresh refresh);
    void redo() override;
    void undo() override;
    const QString& trackId() const { return track_.id; }

private:
    Studio& studio_;
    SessionTrack track_;
    int index_;
    SessionRefresh refresh_;
};

// Remove a track (its audio files stay on disk); undo puts it back where it was, clips included.
class RemoveTrackCommand final : public QUndoCommand {
public:
    RemoveTrackCommand(Studio& studio, SessionTrack track, int index, SessionRefresh refresh);
    void redo() override;
    void undo() override;

private:
    Studio& studio_;
    SessionTrack track_;
    int index_;
    SessionRefresh refresh_;
};

// A track's clips before and after a move or a delete.
class ClipsCommand final : public QUndoCommand {
public:
    ClipsCommand(Studio& studio, QString trackId, std::vector<Clip> before, std::vector<Clip> after, const QString& text,
                 SessionRefresh refresh);
    void redo() override;
    void undo() override;

private:
    Studio& studio_;
    QString trackId_;
    std::vector<Clip> before_, after_;
    SessionRefresh refresh_;
};

// The monitor section's settings (applied live, and stored for the output device).
class MonitorEditCommand final : public QUndoCommand {
public:
    static constexpr int kId = 1002;
    using Apply = std::function<void(const MonitorSettings&)>;
    MonitorEditCommand(MonitorSettings before, MonitorSettings after, const QString& what, Apply apply);
    void redo() override { apply_(after_); }
    void undo() override { apply_(before_); }
    int id() const override { return kId; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    MonitorSettings before_, after_;
    QString what_;
    Apply apply_;
};

} // namespace gainstage
