// The Recorder: session, journal, disk writer and engine wired into takes.
// [control thread] unless a function says [audio thread].
#include "core/Recorder.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

#include "core/AudioFile.h"
#include "core/DiskReader.h"
#include "core/DiskWriter.h"
#include "core/RecordingJournal.h"
#include "core/Recovery.h"
#include "core/Session.h"

namespace gainstage {

// [audio thread] What the engine calls while a take runs: everything is a
// sem_post or an SPSC write inside DiskWriter, never a wait.
class Recorder::CaptureHook final : public EngineDiskHook {
public:
    struct Route {
        int engineTrack;
        bool raw;
        int stream;
    };

    explicit CaptureHook(DiskWriter& writer) : writer_(writer) {}

    // [control thread, before install] The routes are read-only once installed.
    void addRoute(int engineTrack, bool raw, int stream) { routes_.push_back({engineTrack, raw, stream}); }
    // [control thread] Where the take starts on the timeline, for take-relative xrun positions.
    void setTakeStart(int64_t position) noexcept { takeStart_.store(position, std::memory_order_relaxed); }

    void wake() noexcept override { writer_.wake(); }
    void captureOverflow(int trackId, bool raw, int64_t takeFrame, int64_t, int64_t frames) noexcept override {
        for (const Route& route : routes_)
            if (route.engineTrack == trackId && route.raw == raw) writer_.reportOverrun(route.stream, takeFrame, frames);
    }
    void xrun(int64_t position) noexcept override {
        const int64_t start = takeStart_.load(std::memory_order_relaxed);
        if (position >= start) writer_.reportXrun(position - start);
    }

private:
    DiskWriter& writer_;
    std::vector<Route> routes_;
    std::atomic<int64_t> takeStart_{std::numeric_limits<int64_t>::max()};
};

struct Recorder::ActiveStream {
    QString trackId;
    QString trackName;
    int engineTrack = -1;
    bool raw = false;
    int channels = 1;
    int stream = -1;
    QString file; // relative
    int64_t alignFrames = 0;
    std::shared_ptr<CaptureStreams> capture; // keeps the rings alive until the writer stopped
};

namespace {

MonitorMode engineMonitor(SessionMonitorMode mode) {
    switch (mode) {
    case SessionMonitorMode::Input: return MonitorMode::Input;
    case SessionMonitorMode::Off: return MonitorMode::Off;
    case SessionMonitorMode::Auto: break;
    }
    return MonitorMode::Auto;
}

int bytesPerSample(SampleFormat format) { return format == SampleFormat::Float32 ? 4 : 3; }

} // namespace

Recorder::Recorder(Engine& engine) : Recorder(engine, Options{}) {}

Recorder::Recorder(Engine& engine, Options options)
    : engine_(engine), options_(options), session_(std::make_unique<Session>()) {}

Recorder::~Recorder() {
    if (writer_) {
        QString ignored;
        finishTake(true, ignored);
    }
    engine_.setCaptureHook(nullptr);
    engine_.setReaderHook(nullptr);
    if (reader_) reader_->stop();
}

const Session& Recorder::session() const { return *session_; }

bool Recorder::openSession(const QString& folder, QString& notice, QString& error) {
    folder_ = QDir(folder).absolutePath();
    const bool exists = QFileInfo::exists(folder_ + QLatin1Char('/') + QLatin1String(Session::kFileName));
    if (!exists && !RecordingJournal::exists(folder_)) {
        *session_ = Session{};
        session_->name = QFileInfo(folder_).fileName();
        if (!QDir().mkpath(folder_ + QLatin1Char('/') + QLatin1String(Session::kAudioFolder))) {
            error = QStringLiteral("cannot create the session folder %1").arg(folder_);
            return false;
        }
    } else {
        OpenedSession opened = gainstage::openSession(folder_);
        if (!opened.load.ok()) {
            error = opened.load.error;
            return false;
        }
        *session_ = std::move(*opened.load.session);
        QStringList lines;
        if (opened.recovery.hadJournal) lines << opened.recovery.summary << opened.recovery.problems;
        lines << opened.load.warnings;
        notice = lines.join(QLatin1Char('\n'));
        if (session_->name.isEmpty()) session_->name = QFileInfo(folder_).fileName();
    }
    for (const SessionTrack& track : session_->tracks) {
        if (engineTracks_.count(track.id)) continue;
        addEngineTrack(track.id);
        if (track.armed) engine_.setArmed(engineTrackId(track.id), true);
    }
    return true;
}

void Recorder::addEngineTrack(const QString& sessionTrackId) {
    const SessionTrack* track = session_->findTrack(sessionTrackId);
    TrackConfig config;
    config.name = track->name.toStdString();
    config.input = track->input.channel;
    config.stereo = track->input.stereo;
    config.preamp = track->preamp;
    config.armed = false; // arming is the Recorder's decision, per take
    config.monitor = engineMonitor(track->monitor);
    config.volumeDb = track->volumeDb;
    config.pan = track->pan;
    config.mute = track->mute;
    config.solo = track->solo;
    config.keepRaw = track->keepRaw;
    config.clipGuard = track->clipGuard;
    engineTracks_[sessionTrackId] = engine_.addTrack(config);
}

QString Recorder::addTrack(const QString& name, int input, bool stereo, const PreampSettings& preamp, bool keepRaw) {
    SessionTrack* existing = nullptr;
    for (SessionTrack& track : session_->tracks)
        if (track.name == name) existing = &track;
    if (existing) {
        const bool inputChanged = existing->input.channel != input || existing->input.stereo != stereo;
        existing->input = TrackInput{input, stereo};
        existing->preamp = preamp;
        existing->keepRaw = keepRaw;
        const int engineId = engineTrackId(existing->id);
        if (inputChanged && engineId >= 0) {
            // The engine's input routing is fixed per track: a new one replaces it.
            playback_.erase(engineId);
            engine_.removeTrack(engineId);
            engineTracks_.erase(existing->id);
        }
        if (engineTrackId(existing->id) < 0) addEngineTrack(existing->id);
        engine_.setPreampSettings(engineTrackId(existing->id), preamp);
        engine_.setKeepRaw(engineTrackId(existing->id), keepRaw);
        return existing->id;
    }
    SessionTrack track;
    track.id = session_->newTrackId();
    track.name = name;
    track.input = TrackInput{input, stereo};
    track.preamp = preamp;
    track.keepRaw = keepRaw;
    session_->tracks.push_back(track);
    addEngineTrack(track.id);
    return track.id;
}

bool Recorder::setArmed(const QString& trackId, bool armed) {
    SessionTrack* track = session_->findTrack(trackId);
    if (!track) return false;
    track->armed = armed;
    return engine_.setArmed(engineTrackId(trackId), armed);
}

int Recorder::engineTrackId(const QString& trackId) const {
    const auto it = engineTracks_.find(trackId);
    return it == engineTracks_.end() ? -1 : it->second;
}

double Recorder::remainingRecordSeconds() const {
    if (writer_) return writer_->remainingRecordSeconds();
    double bytesPerSecond = 0.0;
    const double rate = engine_.format().sampleRate;
    for (const SessionTrack& track : session_->tracks) {
        if (!track.armed) continue;
        const int copies = track.keepRaw ? 2 : 1;
        bytesPerSecond += rate * track.input.channelCount() * bytesPerSample(options_.format) * copies;
    }
    if (bytesPerSecond <= 0.0 || folder_.isEmpty()) return std::numeric_limits<double>::infinity();
    return DiskWriter::remainingSecondsFor(folder_, bytesPerSecond);
}

QStringList Recorder::takeMessages() {
    QStringList out;
    out.swap(messages_);
    return out;
}

bool Recorder::preparePlayback(QString& error, std::chrono::milliseconds timeout) {
    if (!reader_) {
        reader_ = std::make_unique<DiskReader>();
        reader_->start();
        engine_.setReaderHook(reader_.get());
    }
    for (auto& [engineId, stream] : playback_) reader_->removeClip(stream.get());
    for (const auto& [engineId, stream] : playback_) engine_.detachPlayback(engineId);
    playback_.clear();
    const int rate = static_cast<int>(std::lround(engine_.format().sampleRate));
    for (const SessionTrack& track : session_->tracks) {
        if (track.armed || track.clips.empty()) continue;
        // Every clip plays; where takes overlap the later one (later in the list) is heard.
        std::vector<DiskReader::ClipSpec> clips;
        for (const Clip& clip : track.clips) {
            if (clip.missing) continue;
            QString why;
            const std::optional<QString> path = Session::resolveInside(folder_, clip.file, why);
            if (!path) {
                error = why;
                return false;
            }
            // A take knows its rate; a file put there by hand is asked.
            const auto take = std::find_if(session_->takes.begin(), session_->takes.end(), [&](const TakeRecord& t) { return t.file == clip.file; });
            const std::optional<int> clipRate = take != session_->takes.end() ? std::optional<int>(take->sampleRate) : audioFileSampleRate(*path);
            if (clipRate && *clipRate != rate) {
                messages_ << QStringLiteral("%1 does not play %2: it was recorded at %3 Hz and the device runs at %4 Hz")
                                 .arg(track.name, clip.file).arg(*clipRate).arg(rate);
                continue;
            }
            clips.push_back({path->toStdString(), clip.timelineOffset, clip.length, clip.sourceOffset});
        }
        if (clips.empty()) continue;
        const int engineId = engineTrackId(track.id);
        std::shared_ptr<PlaybackStream> stream = engine_.attachPlayback(engineId);
        if (!stream) continue;
        std::string readError;
        if (!reader_->setClips(stream, clips, &readError)) {
            engine_.detachPlayback(engineId);
            error = QString::fromStdString(readError);
            return false;
        }
        playback_[engineId] = stream;
    }
    if (playback_.empty()) return true;
    // A locate to where we are makes every reader serve the playhead (Track.h, locate protocol).
    engine_.locate(engine_.position());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (const auto& [engineId, stream] : playback_) {
        const size_t wanted = std::min<size_t>(stream->ring.capacity() / 2, static_cast<size_t>(rate) * static_cast<size_t>(stream->channels));
        while (stream->requestedGeneration.load() == 0 || stream->servedGeneration.load() != stream->requestedGeneration.load() ||
               stream->ring.readAvailable() < wanted) {
            if (std::chrono::steady_clock::now() > deadline) {
                error = QStringLiteral("disk playback did not get ready within %1 ms").arg(timeout.count());
                return false;
            }
            handleEngineEvents(engine_.pollEvents());
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
    return true;
}

bool Recorder::writeJournal(int64_t timelineStart, QString& error) {
    RecordingJournal journal;
    journal.session = session_->name;
    journal.startedAt = journalStartedAt_;
    journal.sampleRate = static_cast<int>(std::lround(engine_.format().sampleRate));
    journal.timelineStart = std::max<int64_t>(0, timelineStart);
    for (const ActiveStream& s : streams_) {
        JournalTake take;
        take.file = s.file;
        take.trackId = s.trackId;
        take.trackName = s.trackName;
        take.channels = s.channels;
        take.sampleRate = journal.sampleRate;
        take.format = options_.format;
        take.raw = s.raw;
        const Clip placed = Clip::forTake(s.file, timelineStart, s.alignFrames, 0); // where recovery will place it
        take.timelineStart = placed.timelineOffset;
        take.sourceOffset = placed.sourceOffset;
        journal.takes.push_back(take);
    }
    return journal.write(folder_, error);
}

bool Recorder::startTake(QString& error) {
    if (writer_) {
        error = QStringLiteral("a take is already running");
        return false;
    }
    if (folder_.isEmpty()) {
        error = QStringLiteral("no session is open");
        return false;
    }
    handleEngineEvents(engine_.pollEvents());
    const int rate = static_cast<int>(std::lround(engine_.format().sampleRate));
    if (!session_->takes.empty() && session_->sampleRate != rate) {
        error = QStringLiteral("the session was recorded at %1 Hz and the device runs at %2 Hz; open the device at %1 Hz")
                    .arg(session_->sampleRate)
                    .arg(rate);
        return false;
    }
    session_->sampleRate = rate;
    stoppedByDiskError_ = stoppedByDeviceLoss_ = false;
    diskFailureStopSeconds_ = -1.0;
    lowSpaceWarned_ = false;

    if (!QDir().mkpath(folder_ + QLatin1Char('/') + QLatin1String(Session::kAudioFolder))) {
        error = QStringLiteral("cannot create %1/%2").arg(folder_, QLatin1String(Session::kAudioFolder));
        return false;
    }
    {
        // Takes are written only inside the session folder: an audio/ that is a link
        // leading elsewhere is refused before any file is opened.
        QString why;
        if (!Session::resolveInside(folder_, QLatin1String(Session::kAudioFolder), why)) {
            error = QStringLiteral("not recording into %1: its audio folder %1/%2 %3; replace that link with a real folder")
                        .arg(folder_, QLatin1String(Session::kAudioFolder), why);
            return false;
        }
    }
    if (!preparePlayback(error)) return false;

    // The playhead of a stopped transport is where the take will start.
    expectedStart_ = engine_.position();
    streams_.clear();
    // nextTakeFile skips the files the session's takes name: reserve each pick
    // with a placeholder so two tracks of one sanitised name never share a file.
    size_t reserved = 0;
    auto pickFile = [&](const QString& name, bool raw) {
        TakeRecord placeholder;
        placeholder.file = session_->nextTakeFile(folder_, name, raw);
        session_->takes.push_back(placeholder);
        ++reserved;
        return placeholder.file;
    };
    for (const SessionTrack& track : session_->tracks) {
        if (!track.armed) continue;
        const int engineId = engineTrackId(track.id);
        std::shared_ptr<CaptureStreams> capture = engine_.captureStreams(engineId);
        if (!capture) continue;
        // Marks of an earlier take were consumed at its end; anything left is stale.
        CaptureMark stale;
        while (capture->marks.tryRead(&stale, 1) == 1) {}
        ActiveStream printed;
        printed.trackId = track.id;
        printed.trackName = track.name;
        printed.engineTrack = engineId;
        printed.channels = track.input.channelCount();
        printed.file = pickFile(track.name, false);
        printed.alignFrames = engine_.captureOffsetFrames(engineId);
        printed.capture = capture;
        streams_.push_back(printed);
        if (track.keepRaw) {
            ActiveStream raw = printed;
            raw.raw = true;
            raw.file = pickFile(track.name, true);
            raw.alignFrames = engine_.rawCaptureOffsetFrames();
            streams_.push_back(raw);
        }
    }
    session_->takes.resize(session_->takes.size() - reserved);
    if (streams_.empty()) {
        error = QStringLiteral("no track is armed");
        return false;
    }

    // The journal first: from here on a crash leaves takes that recovery finds.
    journalStartedAt_ = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    if (!writeJournal(expectedStart_, error)) {
        streams_.clear();
        return false;
    }

    writer_ = std::make_unique<DiskWriter>();
    hook_ = std::make_unique<CaptureHook>(*writer_);
    for (ActiveStream& s : streams_) {
        DiskStreamConfig config;
        config.trackId = s.trackId;
        config.trackName = s.trackName;
        config.relativePath = s.file;
        config.filePath = folder_ + QLatin1Char('/') + s.file;
        config.channels = s.channels;
        config.sampleRate = rate;
        config.format = options_.format;
        config.raw = s.raw;
        config.timelineStart = expectedStart_;
        config.ring = s.raw ? &s.capture->raw : &s.capture->processed;
        s.stream = writer_->addStream(config);
        hook_->addRoute(s.engineTrack, s.raw, s.stream);
    }
    if (!writer_->start(error)) {
        hook_.reset();
        writer_.reset();
        streams_.clear();
        QString ignored;
        RecordingJournal::remove(folder_, ignored);
        return false;
    }
    hook_->setTakeStart(expectedStart_);
    engine_.setCaptureHook(hook_.get());
    // Clip Guard's counts start from zero with each take, for its take report.
    for (const ActiveStream& s : streams_)
        if (Track* track = engine_.track(s.engineTrack)) track->clipGuard().resetActivity();
    startConfirmed_ = false;
    stopSeen_ = false;
    if (!engine_.record(true)) {
        QString ignored;
        finishTake(false, ignored);
        error = QStringLiteral("the engine did not take the record command (its queue is full)");
        return false;
    }
    return true;
}

std::vector<EngineEvent> Recorder::takeEngineEvents() {
    std::vector<EngineEvent> out;
    out.swap(seenEvents_);
    return out;
}

bool Recorder::updateTrack(const SessionTrack& track, QString& error) {
    SessionTrack* existing = session_->findTrack(track.id);
    if (!existing) {
        error = QStringLiteral("there is no track %1 in this session").arg(track.id);
        return false;
    }
    const bool inputChanged = existing->input != track.input;
    if (inputChanged && writer_) {
        error = QStringLiteral("the input of %1 cannot change while recording: stop first").arg(existing->name);
        return false;
    }
    const std::vector<Clip> clips = existing->clips;
    *existing = track;
    existing->clips = clips;
    int engineId = engineTrackId(track.id);
    if (inputChanged && engineId >= 0) {
        // The engine's input routing is fixed per track: a new one replaces it.
        playback_.erase(engineId);
        engine_.removeTrack(engineId);
        engineTracks_.erase(track.id);
        engineId = -1;
    }
    if (engineId < 0) {
        addEngineTrack(track.id);
        engineId = engineTrackId(track.id);
    }
    if (Track* live = engine_.track(engineId)) {
        live->setName(track.name.toStdString());
        live->clipGuardOn.store(track.clipGuard);
    }
    engine_.setPreampSettings(engineId, track.preamp);
    engine_.setMonitorMode(engineId, engineMonitor(track.monitor));
    engine_.setVolumeDb(engineId, track.volumeDb);
    engine_.setPan(engineId, track.pan);
    engine_.setMute(engineId, track.mute);
    engine_.setSolo(engineId, track.solo);
    engine_.setKeepRaw(engineId, track.keepRaw);
    engine_.setArmed(engineId, track.armed);
    return true;
}

QString Recorder::insertTrack(SessionTrack track, int index) {
    if (track.id.isEmpty() || session_->findTrack(track.id)) track.id = session_->newTrackId();
    index = std::clamp(index, 0, static_cast<int>(session_->tracks.size()));
    session_->tracks.insert(session_->tracks.begin() + index, track);
    addEngineTrack(track.id);
    if (track.armed) engine_.setArmed(engineTrackId(track.id), true);
    return track.id;
}

bool Recorder::removeTrack(const QString& trackId, QString& error) {
    if (writer_) {
        error = QStringLiteral("tracks cannot be removed while recording: stop first");
        return false;
    }
    const auto it = std::find_if(session_->tracks.begin(), session_->tracks.end(), [&](const SessionTrack& t) { return t.id == trackId; });
    if (it == session_->tracks.end()) {
        error = QStringLiteral("there is no track %1 in this session").arg(trackId);
        return false;
    }
    const int engineId = engineTrackId(trackId);
    if (engineId >= 0) {
        const auto stream = playback_.find(engineId);
        if (stream != playback_.end()) {
            if (reader_) reader_->removeClip(stream->second.get());
            playback_.erase(stream);
        }
        engine_.removeTrack(engineId);
    }
    engineTracks_.erase(trackId);
    session_->tracks.erase(it);
    return true;
}

bool Recorder::setClips(const QString& trackId, const std::vector<Clip>& clips, QString& error) {
    if (writer_) {
        error = QStringLiteral("clips cannot be moved or deleted while recording: stop first");
        return false;
    }
    SessionTrack* track = session_->findTrack(trackId);
    if (!track) {
        error = QStringLiteral("there is no track %1 in this session").arg(trackId);
        return false;
    }
    track->clips = clips;
    return true;
}

bool Recorder::saveSession(QString& error) {
    if (folder_.isEmpty()) {
        error = QStringLiteral("no session folder is open");
        return false;
    }
    return session_->save(folder_, error);
}

void Recorder::closeSession() {
    if (writer_) {
        QString ignored;
        finishTake(true, ignored);
    }
    if (reader_)
        for (auto& [engineId, stream] : playback_) reader_->removeClip(stream.get());
    for (const auto& [engineId, stream] : playback_) engine_.detachPlayback(engineId);
    playback_.clear();
    for (const auto& [sessionId, engineId] : engineTracks_) engine_.removeTrack(engineId);
    engineTracks_.clear();
}

void Recorder::handleEngineEvents(const std::vector<EngineEvent>& events) {
    seenEvents_.insert(seenEvents_.end(), events.begin(), events.end());
    if (seenEvents_.size() > kEventBacklog)
        seenEvents_.erase(seenEvents_.begin(), seenEvents_.begin() + static_cast<std::ptrdiff_t>(seenEvents_.size() - kEventBacklog));
    for (const EngineEvent& event : events) {
        switch (event.type) {
        case EngineEvent::Type::RecordingStarted:
            if (event.trackId == -1 && writer_ && !startConfirmed_) {
                startConfirmed_ = true;
                if (event.position != expectedStart_) {
                    // A punch-in while rolling: the take starts at the next block, not at the
                    // playhead we saw. Correct the xrun origin and the journal.
                    expectedStart_ = event.position;
                    hook_->setTakeStart(event.position);
                    QString error;
                    if (!writeJournal(event.position, error)) messages_ << error;
                }
            }
            break;
        case EngineEvent::Type::RecordingStopped:
            if (event.trackId == -1 && writer_ && !stopSeen_) {
                stopSeen_ = true;
                stopSeenAt_ = std::chrono::steady_clock::now();
            }
            break;
        case EngineEvent::Type::StreamStopped:
            if (event.value == 1 && writer_) {
                stoppedByDeviceLoss_ = true;
                stopSeen_ = true;
            }
            break;
        default: break;
        }
    }
}

void Recorder::poll() {
    handleEngineEvents(engine_.pollEvents());
    if (!writer_) return;
    bool failed = false;
    for (const DiskEvent& event : writer_->takeEvents()) {
        switch (event.kind) {
        case DiskEvent::Kind::WriteFailed:
            if (!failed) diskFailedAt_ = event.failedAt;
            failed = true;
            messages_ << event.message;
            break;
        case DiskEvent::Kind::LowSpace:
            if (!lowSpaceWarned_) messages_ << event.message;
            lowSpaceWarned_ = true;
            break;
        case DiskEvent::Kind::Overrun: messages_ << event.message; break;
        }
    }
    if (failed && !stopping_) {
        // Punch out now, without waiting here (the GUI thread must not block, and an
        // offline stream only moves when its caller runs it): the next polls finish
        // the take once the engine confirms. The stream keeps running: monitoring goes on.
        stoppedByDiskError_ = true;
        engine_.record(false);
        stopping_ = true;
        stopRequestedAt_ = std::chrono::steady_clock::now();
    }
    if (stopping_ && !stopSeen_ && std::chrono::steady_clock::now() - stopRequestedAt_ < options_.stopTimeout) return;
    if (stopping_ || stoppedByDeviceLoss_) {
        QString error;
        const bool lost = stoppedByDeviceLoss_;
        if (stopping_ && !stopSeen_ && !lost)
            messages_ << QStringLiteral("the engine did not confirm the end of the take within %1 ms").arg(options_.stopTimeout.count());
        const bool ok = finishTake(false, error);
        if (lost)
            messages_ << QStringLiteral("The audio device was lost: recording stopped at %1; everything before that is saved.")
                             .arg(DiskWriter::formatTime(engine_.position(), static_cast<int>(std::lround(engine_.format().sampleRate))));
        if (!ok) messages_ << error;
    }
}

bool Recorder::stopTake(QString& error) {
    if (!writer_) {
        error = QStringLiteral("no take is running");
        return false;
    }
    return finishTake(!stoppedByDeviceLoss_, error);
}

bool Recorder::finishTake(bool punchOut, QString& error) {
    const int rate = static_cast<int>(std::lround(engine_.format().sampleRate));
    bool ok = true;
    if (punchOut && !stopSeen_) {
        engine_.record(false);
        const auto deadline = std::chrono::steady_clock::now() + options_.stopTimeout;
        // A stopped stream cannot answer; audioStreamStopped() already ended the takes.
        while (!stopSeen_ && !stoppedByDeviceLoss_) {
            handleEngineEvents(engine_.pollEvents());
            if (stopSeen_) break;
            if (!engine_.isRecording() && engine_.transportState() == Engine::TransportState::Stopped) {
                // The engine stopped by itself (e.g. audioStreamStopped): its events are in.
                handleEngineEvents(engine_.pollEvents());
                break;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                error = QStringLiteral("the engine did not confirm the end of the take within %1 ms").arg(options_.stopTimeout.count());
                ok = false;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    if (stoppedByDiskError_ && diskFailedAt_ != std::chrono::steady_clock::time_point{}) {
        // From the refused write to the moment the engine's punch-out was seen here.
        const auto punchedOut = stopSeen_ ? stopSeenAt_ : std::chrono::steady_clock::now();
        diskFailureStopSeconds_ = std::chrono::duration<double>(punchedOut - diskFailedAt_).count();
    }
    stopping_ = false;
    // The transport stays rolling after a punch-out (other tracks may play); the owner stops it.

    writer_->stop();
    engine_.setCaptureHook(nullptr);
    const std::vector<TakeResult> results = writer_->takes();

    // The exact start and compensation of each track's take, from its marks.
    std::map<int, CaptureMark> starts;
    for (const ActiveStream& s : streams_) {
        if (s.raw || starts.count(s.engineTrack)) continue;
        CaptureMark mark;
        while (s.capture->marks.tryRead(&mark, 1) == 1)
            if (mark.kind == CaptureMark::Kind::TakeStart && !starts.count(s.engineTrack)) starts[s.engineTrack] = mark;
    }

    lastTakes_.clear();
    QStringList vanished;
    for (size_t i = 0; i < streams_.size() && i < results.size(); ++i) {
        const ActiveStream& s = streams_[i];
        const TakeResult& result = results[i];
        if (!QFileInfo::exists(folder_ + QLatin1Char('/') + s.file)) {
            // The folder was deleted or moved while recording: the audio went with it.
            // Never name a file that is not there, and say so.
            vanished << s.file;
            RecordedTake lost;
            lost.trackId = s.trackId;
            lost.trackName = s.trackName;
            lost.file = s.file;
            lost.raw = s.raw;
            lost.failed = true;
            lost.error = QStringLiteral("the file is gone");
            lastTakes_.push_back(std::move(lost));
            continue;
        }
        RecordedTake take;
        take.trackId = s.trackId;
        take.trackName = s.trackName;
        take.file = s.file;
        take.raw = s.raw;
        take.channels = s.channels;
        take.frames = result.frames;
        take.failed = result.failed;
        take.error = result.error;
        const auto mark = starts.find(s.engineTrack);
        take.recordedAt = mark != starts.end() ? mark->second.position : expectedStart_;
        take.alignFrames = mark != starts.end() ? (s.raw ? mark->second.rawAlignFrames : mark->second.alignFrames) : s.alignFrames;
        take.clipPosition = take.recordedAt - take.alignFrames;
        for (const int64_t x : result.xruns)
            if (x >= 0 && x < result.frames) take.xruns.push_back(x);
        for (const OverrunMark& o : result.overruns) take.overrunFrames += o.frames;

        TakeRecord record;
        record.file = s.file;
        record.trackId = s.trackId;
        record.raw = s.raw;
        record.channels = s.channels;
        record.sampleRate = rate;
        record.format = options_.format;
        record.frames = result.frames;
        record.timelineStart = std::max<int64_t>(0, take.clipPosition);
        for (const OverrunMark& o : result.overruns) record.overruns.push_back({o.position, o.frames});
        record.xruns = take.xruns;
        if (!s.raw && result.frames > 0) {
            QString reportError;
            take.hasReport = makeTakeReport(folder_ + QLatin1Char('/') + s.file, s.file, s.trackName, static_cast<int>(take.xruns.size()),
                                            take.overrunFrames, options_.window, take.report, reportError);
            if (take.hasReport) {
                if (Track* track = engine_.track(s.engineTrack)) {
                    const ClipGuardActivity guard = track->clipGuard().activity();
                    if (track->clipGuardOn.load() || guard.engagements > 0) take.report.clipGuard = guard;
                }
                record.report = take.report.toJson();
                record.report.remove(QStringLiteral("analysis")); // the session keeps the summary; analyze gives the rest
                record.report.insert(QStringLiteral("recorded_at"), static_cast<qint64>(take.recordedAt));
                record.report.insert(QStringLiteral("align_frames"), static_cast<qint64>(take.alignFrames));
            } else {
                messages_ << reportError;
            }
        }
        session_->takes.push_back(record);
        if (!s.raw) {
            SessionTrack* track = session_->findTrack(s.trackId);
            const Clip clip = Clip::forTake(s.file, take.recordedAt, take.alignFrames, result.frames);
            if (track && clip.length > 0) track->clips.push_back(clip);
        }
        lastTakes_.push_back(std::move(take));
    }
    hook_.reset();
    writer_.reset();
    streams_.clear();
    if (!vanished.isEmpty()) {
        ok = false;
        error = QStringLiteral("the session folder %1 was deleted or moved while recording, and %2 went with it; that audio is lost. "
                               "Record into a folder that stays where it is")
                    .arg(folder_, vanished.join(QStringLiteral(", ")));
    }

    QString saveError;
    if (!session_->save(folder_, saveError)) {
        // The journal stays: opening the session again recovers these takes.
        error = QStringLiteral("the takes are on disk but the session could not be saved (%1); opening the session again recovers them")
                    .arg(saveError);
        return false;
    }
    QString removeError;
    if (!RecordingJournal::remove(folder_, removeError)) {
        error = removeError;
        return false;
    }
    return ok;
}

} // namespace gainstage
