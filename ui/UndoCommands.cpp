// Undo commands of the studio window. [GUI thread]
#include "ui/UndoCommands.h"

#include "core/Studio.h"

namespace gainstage {

TrackEditCommand::TrackEditCommand(Studio& studio, SessionTrack before, SessionTrack after, const QString& what, SessionRefresh refresh)
    : studio_(studio), before_(std::move(before)), after_(std::move(after)), what_(what), refresh_(std::move(refresh)) {
    setText(QStringLiteral("%1 on %2").arg(what, after_.name));
}

void TrackEditCommand::apply(const SessionTrack& track) {
    QString error;
    studio_.updateTrack(track, error);
    if (refresh_) refresh_();
}

void TrackEditCommand::redo() { apply(after_); }
void TrackEditCommand::undo() { apply(before_); }

bool TrackEditCommand::mergeWith(const QUndoCommand* other) {
    const auto* next = static_cast<const TrackEditCommand*>(other);
    if (next->after_.id != after_.id || next->what_ != what_) return false;
    // Only controls that step (a knob, a slider) merge; a second click on a switch is a new step.
    static const QStringList kStepping{QStringLiteral("Gain"), QStringLiteral("Volume"), QStringLiteral("Pan")};
    if (!kStepping.contains(what_)) return false;
    after_ = next->after_;
    return true;
}

AddTrackCommand::AddTrackCommand(Studio& studio, SessionTrack track, int index, const QString& text, SessionRefresh refresh)
    : studio_(studio), track_(std::move(track)), index_(index), refresh_(std::move(refresh)) {
    setText(text);
}

void AddTrackCommand::redo() {
    // The first redo picks the id; later ones reuse it, so commands after this one still find the track.
    track_.id = studio_.insertTrack(track_, index_);
    if (refresh_) refresh_();
}

void AddTrackCommand::undo() {
    QString error;
    studio_.removeTrack(track_.id, error);
    if (refresh_) refresh_();
}

RemoveTrackCommand::RemoveTrackCommand(Studio& studio, SessionTrack track, int index, SessionRefresh refresh)
    : studio_(studio), track_(std::move(track)), index_(index), refresh_(std::move(refresh)) {
    setText(QStringLiteral("Remove %1").arg(track_.name));
}

void RemoveTrackCommand::redo() {
    QString error;
    studio_.removeTrack(track_.id, error);
    if (refresh_) refresh_();
}

void RemoveTrackCommand::undo() {
    studio_.insertTrack(track_, index_);
    if (refresh_) refresh_();
}

ClipsCommand::ClipsCommand(Studio& studio, QString trackId, std::vector<Clip> before, std::vector<Clip> after, const QString& text,
                           SessionRefresh refresh)
    : studio_(studio), trackId_(std::move(trackId)), before_(std::move(before)), after_(std::move(after)), refresh_(std::move(refresh)) {
    setText(text);
}

void ClipsCommand::redo() {
    QString error;
    studio_.setClips(trackId_, after_, error);
    if (refresh_) refresh_();
}

void ClipsCommand::undo() {
    QString error;
    studio_.setClips(trackId_, before_, error);
    if (refresh_) refresh_();
}

MonitorEditCommand::MonitorEditCommand(MonitorSettings before, MonitorSettings after, const QString& what, Apply apply)
    : before_(before), after_(after), what_(what), apply_(std::move(apply)) {
    setText(what);
}

bool MonitorEditCommand::mergeWith(const QUndoCommand* other) {
    const auto* next = static_cast<const MonitorEditCommand*>(other);
    static const QStringList kStepping{QStringLiteral("Monitor volume"), QStringLiteral("Amp gain")};
    if (next->what_ != what_ || !kStepping.contains(what_)) return false;
    after_ = next->after_;
    return true;
}

} // namespace gainstage
