// The studio: engine + device + Recorder for the studio window. [GUI thread]
#include "core/Studio.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include <unistd.h>

#include "core/AtomicFile.h"
#include "core/Calibration.h"
#include "core/DiskWriter.h"
#include "core/RecordingJournal.h"

namespace gainstage {

namespace {

constexpr const char* kDeviceKey = "audio/device";
constexpr const char* kRateKey = "audio/sampleRate";
constexpr const char* kBufferKey = "audio/bufferFrames";

// The bytes of every file under `folder`. [GUI thread]: a directory listing.
qint64 folderBytes(const QString& folder) {
    qint64 total = 0;
    QDirIterator it(folder, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        total += it.fileInfo().size();
    }
    return total;
}

// Copies `from` into `to` (which must not exist yet or be empty), recursively,
// in 1 MiB chunks so that it can report `done` bytes and stop soon after
// `cancel` is set. [Save As worker thread]
bool copyFolder(const QString& from, const QString& to, std::atomic<qint64>& done, const std::atomic<bool>& cancel,
                int throttleMsPerMiB, QString& error) {
    QDir source(from);
    if (!QDir().mkpath(to)) {
        error = QStringLiteral("cannot create %1: choose a folder you can write to").arg(to);
        return false;
    }
    std::vector<char> chunk(size_t{1} << 20);
    QDirIterator it(from, QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QString relative = source.relativeFilePath(path);
        const QString target = to + QLatin1Char('/') + relative;
        if (QFileInfo(path).isDir()) {
            if (!QDir().mkpath(target)) {
                error = QStringLiteral("cannot create %1").arg(target);
                return false;
            }
            continue;
        }
        QFile in(path), out(target);
        if (!in.open(QIODevice::ReadOnly)) {
            error = QStringLiteral("cannot read %1 (%2)").arg(relative, in.errorString());
            return false;
        }
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            error = QStringLiteral("cannot write %1 in %2 (%3)").arg(relative, to, out.errorString());
            return false;
        }
        for (;;) {
            if (cancel.load(std::memory_order_relaxed)) return false;
            const qint64 got = in.read(chunk.data(), static_cast<qint64>(chunk.size()));
            if (got < 0) {
                error = QStringLiteral("cannot read %1 (%2)").arg(relative, in.errorString());
                return false;
            }
            if (got == 0) break;
            if (out.write(chunk.data(), got) != got) {
                error = QStringLiteral("cannot copy %1 to %2 (%3: is the disk full?)").arg(relative, to, out.errorString());
                return false;
            }
            done.fetch_add(got, std::memory_order_relaxed);
            if (throttleMsPerMiB > 0) std::this_thread::sleep_for(std::chrono::milliseconds(throttleMsPerMiB));
        }
        // On the disk before Save As reports success: an untitled source folder
        // is removed once the copy is open, and a power cut must not take both.
        if (!out.flush() || ::fsync(out.handle()) != 0) {
            error = QStringLiteral("cannot copy %1 to %2 (%3: is the disk full?)").arg(relative, to, out.errorString());
            return false;
        }
    }
    QDirIterator folders(to, QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
    while (folders.hasNext()) syncFolder(folders.next());
    syncFolder(to);
    syncFolder(QFileInfo(to).absolutePath());
    return true;
}

// Recorded or imported audio, or a take that was cut short (its journal).
bool holdsAudio(const QString& folder) {
    return RecordingJournal::exists(folder) ||
           !QDir(folder + QLatin1Char('/') + QLatin1String(Session::kAudioFolder)).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty();
}

bool isInside(const QString& path, const QString& folder) {
    const QString child = QDir::cleanPath(QDir(path).absolutePath()), parent = QDir::cleanPath(QDir(folder).absolutePath());
    return child == parent || child.startsWith(parent + QLatin1Char('/'));
}

} // namespace

Studio::Studio(QObject* parent) : QObject(parent), recorder_(std::make_unique<Recorder>(engine_)) {
    qRegisterMetaType<gainstage::StudioMessage>();
    pollTimer_.setInterval(kPollMs);
    connect(&pollTimer_, &QTimer::timeout, this, &Studio::poll);
    pollTimer_.start();
    autosaveTimer_.setInterval(kAutosaveSeconds * 1000);
    connect(&autosaveTimer_, &QTimer::timeout, this, &Studio::autosave);
    autosaveTimer_.start();
}

Studio::~Studio() {
    pollTimer_.stop();
    autosaveTimer_.stop();
    if (copyWorker_.joinable()) {
        // Quitting mid-copy: stop it and leave no half-copied folder behind.
        copyCancel_ = true;
        copyWorker_.join();
        restoreOldFolderName();
        removePartialCopy();
    }
    if (recorder_->isRecording()) {
        QString ignored;
        recorder_->stopTake(ignored);
    }
    closeDevice();
    const QString folder = recorder_->folder();
    recorder_->closeSession();
    recorder_.reset();
    removeIfEmptyUntitled(folder, untitled_);
}

// ---------------------------------------------------------------- device

AudioDeviceRequest Studio::savedDeviceRequest() {
    QSettings settings(QStringLiteral("Gainstage"), QStringLiteral("Gainstage"));
    AudioDeviceRequest request;
    const QString device = settings.value(QLatin1String(kDeviceKey)).toString();
    if (!device.isEmpty()) request.setDevice(device);
    request.sampleRate = settings.value(QLatin1String(kRateKey), 0).toInt();
    request.bufferFrames = settings.value(QLatin1String(kBufferKey), 0).toInt();
    return request;
}

bool Studio::openDevice(const AudioDeviceRequest& request, QString& notice, QString& error) {
    if (refusedWhileSavingAs(error)) return false;
    if (recorder_->isRecording()) {
        error = QStringLiteral("the audio device cannot change while recording: stop first");
        return false;
    }
    closeDevice();
    std::unique_ptr<AudioBackend> backend = openAudioBackend(request, engine_, notice, error);
    if (!backend) {
        emit deviceChanged();
        return false;
    }
    backend_ = std::move(backend);
    request_ = request;
    deviceLost_ = false;
    const QString deviceName = backend_->device().fullName();
    const int rate = static_cast<int>(std::lround(backend_->format().sampleRate));
    const auto calibrated = storedRoundTripFrames(deviceName, rate);
    engine_.setMeasuredRoundTripFrames(calibrated ? *calibrated : -1);
    // Remember what the user chose (not the fallback the default turned into).
    if (!request.hostApi.isEmpty() || !request.device.isEmpty()) {
        QSettings settings(QStringLiteral("Gainstage"), QStringLiteral("Gainstage"));
        settings.setValue(QLatin1String(kDeviceKey), deviceName);
        settings.setValue(QLatin1String(kRateKey), request.sampleRate);
        settings.setValue(QLatin1String(kBufferKey), request.bufferFrames);
    }
    emit deviceChanged();
    return true;
}

void Studio::closeDevice() {
    if (!backend_) return;
    if (recorder_->isRecording()) {
        QString ignored;
        recorder_->stopTake(ignored);
    }
    if (backend_->isOpen() && !backend_->deviceLost()) engine_.fadeOutAndWait(std::chrono::milliseconds(300));
    backend_->close();
    backend_.reset();
    playing_ = false;
}

AudioDeviceInfo Studio::device() const { return backend_ ? backend_->device() : AudioDeviceInfo{}; }

bool Studio::usingVirtualDevice() const {
    return backend_ && backend_->device().hostApi.compare(kVirtualHostApi, Qt::CaseInsensitive) == 0;
}

QStringList Studio::inputNames() const {
    QStringList names;
    const int inputs = backend_ ? backend_->format().inputChannels : 0;
    for (int i = 0; i < inputs; ++i) names << QStringLiteral("In %1").arg(i + 1);
    return names;
}

double Studio::roundTripMs() const {
    const double rate = engine_.format().sampleRate;
    return rate > 0.0 ? engine_.roundTripFrames() * 1000.0 / rate : 0.0;
}

bool Studio::calibrateLatency(QString& report, QString& error) {
    if (!backend_) {
        error = QStringLiteral("no audio device is open: open one in Audio > Settings first");
        return false;
    }
    if (recorder_->isRecording()) {
        error = QStringLiteral("stop recording before calibrating");
        return false;
    }
    const AudioDeviceRequest request = request_.hostApi.isEmpty() && request_.device.isEmpty()
                                           ? [&] {
                                                 AudioDeviceRequest r;
                                                 r.setDevice(backend_->device().fullName());
                                                 r.sampleRate = static_cast<int>(std::lround(backend_->format().sampleRate));
                                                 r.bufferFrames = backend_->format().maxBlockFrames;
                                                 return r;
                                             }()
                                           : request_;
    const double rate = backend_->format().sampleRate;
    const QString deviceName = backend_->device().fullName();
    closeDevice();

    // The same measurement as `gainstage calibrate`: an MLS burst out of output 1, back in on input 1.
    const std::vector<float> burst = mlsBurst(14, 0.25f);
    const int64_t lead = std::llround(0.3 * rate);
    const int64_t maxLag = std::llround(0.5 * rate);
    bool measured = false;
    int64_t frames = 0;
    {
        LoopbackPlayer player(burst, lead, lead + static_cast<int64_t>(burst.size()) + maxLag);
        QString notice;
        auto probe = openAudioBackend(request, player, notice, error);
        if (probe) {
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (!player.done() && !player.lost() && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            const bool complete = player.done();
            probe->close();
            if (complete) {
                const LoopbackMeasurement m = findLoopback(player.sentTimeline(), player.captured(), maxLag);
                if (m.found) {
                    measured = true;
                    frames = m.frames;
                } else {
                    error = QStringLiteral("no loopback signal came back on input 1 of %1: connect output 1 to input 1 "
                                           "(a cable, or a JACK connection) and try again")
                                .arg(deviceName);
                }
            } else {
                error = QStringLiteral("%1 stopped delivering audio before the measurement ended").arg(deviceName);
            }
        }
    }
    if (measured) {
        storeRoundTripFrames(deviceName, static_cast<int>(std::lround(rate)), frames);
        report = QStringLiteral("Round trip of %1: %2 frames (%3 ms). Recordings on this device are lined up with it.")
                     .arg(deviceName)
                     .arg(frames)
                     .arg(QString::number(frames * 1000.0 / rate, 'f', 2));
    }
    QString notice, reopenError;
    if (!openDevice(request, notice, reopenError)) {
        error = error.isEmpty() ? reopenError : error + QStringLiteral("; ") + reopenError;
        return false;
    }
    return measured;
}

// ---------------------------------------------------------------- session

QString Studio::untitledFolder() {
    QString base = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
    if (base.isEmpty()) base = QDir::homePath() + QStringLiteral("/.local/share/Gainstage");
    return base + QStringLiteral("/Untitled");
}

QString Studio::untitledSessionToResume() {
    QString newest;
    QDateTime newestTime;
    for (const QFileInfo& candidate : QDir(untitledFolder()).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString folder = candidate.absoluteFilePath();
        if (!holdsAudio(folder)) continue;
        // The last save or the journal of a take cut short says when it was last used.
        QDateTime used = QFileInfo(folder + QLatin1Char('/') + QLatin1String(Session::kFileName)).lastModified();
        const QFileInfo journal(RecordingJournal::pathFor(folder));
        if (journal.exists() && (!used.isValid() || journal.lastModified() > used)) used = journal.lastModified();
        if (newest.isEmpty() || used > newestTime) newest = folder, newestTime = used;
    }
    return newest;
}

void Studio::removeIfEmptyUntitled(const QString& folder, bool wasUntitled) {
    if (!wasUntitled || folder.isEmpty()) return;
    if (recorder_ && (isInside(folder, recorder_->folder()) || isInside(recorder_->folder(), folder))) return; // still in use
    if (!isInside(folder, untitledFolder()) || holdsAudio(folder)) return;
    QDir(folder).removeRecursively();
}

void Studio::attachRecorder() {
    xrunPositions_.clear();
    setModified(false);
    emit sessionReplaced();
}

bool Studio::newSession(const QString& folder, QString& error) {
    if (refusedWhileSavingAs(error)) return false;
    if (recorder_->isRecording()) {
        error = QStringLiteral("stop recording before starting a new session");
        return false;
    }
    QString target = folder;
    const bool untitled = folder.isEmpty();
    if (untitled) {
        const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HHmmss"));
        target = untitledFolder() + QStringLiteral("/Session ") + stamp;
        for (int n = 2; QFileInfo::exists(target); ++n) target = untitledFolder() + QStringLiteral("/Session %1 (%2)").arg(stamp).arg(n);
    } else if (QFileInfo::exists(target + QLatin1Char('/') + QLatin1String(Session::kFileName))) {
        error = QStringLiteral("%1 already holds a session: open it, or choose an empty folder").arg(target);
        return false;
    }
    engine_.stop();
    playing_ = false;
    const QString left = recorder_->folder();
    const bool leftUntitled = untitled_;
    recorder_->closeSession();
    auto fresh = std::make_unique<Recorder>(engine_);
    QString notice;
    if (!fresh->openSession(target, notice, error)) return false;
    recorder_ = std::move(fresh);
    untitled_ = untitled;
    removeIfEmptyUntitled(left, leftUntitled);
    engine_.locate(0);
    attachRecorder();
    return true;
}

bool Studio::openSession(const QString& folder, QString& notice, QString& error) {
    if (refusedWhileSavingAs(error)) return false;
    if (recorder_->isRecording()) {
        error = QStringLiteral("stop recording before opening another session");
        return false;
    }
    if (!QFileInfo::exists(folder + QLatin1Char('/') + QLatin1String(Session::kFileName)) &&
        !RecordingJournal::exists(folder)) {
        error = QStringLiteral("%1 holds no Gainstage session (no session.json): choose the session's folder").arg(folder);
        return false;
    }
    engine_.stop();
    playing_ = false;
    // Load into a fresh Recorder first: if the file is bad the open session stays as it was.
    recorder_->closeSession();
    auto fresh = std::make_unique<Recorder>(engine_);
    if (!fresh->openSession(folder, notice, error)) {
        // Put the engine tracks of the session we keep back.
        QString ignored, reopenError;
        const QString keep = recorder_->folder();
        auto restored = std::make_unique<Recorder>(engine_);
        if (!keep.isEmpty() && restored->openSession(keep, ignored, reopenError)) recorder_ = std::move(restored);
        return false;
    }
    const QString left = recorder_->folder();
    const bool leftUntitled = untitled_;
    recorder_ = std::move(fresh);
    untitled_ = isInside(folder, untitledFolder());
    removeIfEmptyUntitled(left, leftUntitled);
    engine_.locate(0);
    attachRecorder();
    return true;
}

bool Studio::save(QString& error) {
    if (refusedWhileSavingAs(error)) return false;
    if (!recorder_->saveSession(error)) return false;
    setModified(false);
    emit saved();
    return true;
}

bool Studio::beginSaveAs(const QString& folder, QString& error) {
    if (refusedWhileSavingAs(error)) return false;
    if (recorder_->isRecording()) {
        error = QStringLiteral("stop recording before saving the session elsewhere");
        return false;
    }
    const QString target = QDir(folder).absolutePath();
    if (target == recorder_->folder()) {
        if (!save(error)) return false;
        QMetaObject::invokeMethod(this, [this] { emit saveAsFinished(true, false, QString()); }, Qt::QueuedConnection);
        return true;
    }
    if (isInside(target, recorder_->folder())) {
        error = QStringLiteral("%1 is inside the session's own folder: choose a folder outside %2").arg(target, recorder_->folder());
        return false;
    }
    if (QFileInfo::exists(target + QLatin1Char('/') + QLatin1String(Session::kFileName))) {
        error = QStringLiteral("%1 already holds a session: choose an empty folder").arg(target);
        return false;
    }
    if (QDir(target).exists() && !QDir(target).isEmpty()) {
        error = QStringLiteral("%1 is not empty: choose a new or empty folder").arg(target);
        return false;
    }
    // Save here first, under the new folder's name, so that the copy is the
    // current state; the old folder gets its own name back when the copy ends.
    copyOldName_ = session().name;
    recorder_->setSessionName(QFileInfo(target).fileName());
    if (!recorder_->saveSession(error)) {
        recorder_->setSessionName(copyOldName_);
        return false;
    }
    copyTarget_ = target;
    copyTargetExisted_ = QDir(target).exists();
    copyTotal_ = folderBytes(recorder_->folder());
    copyDone_ = 0;
    copyCancel_ = false;
    copyWorker_ = std::thread([this, from = recorder_->folder(), to = target, throttle = copyThrottleMsPerMiB_] {
        // [Save As worker thread] Only the queued call below reaches the GUI thread.
        QString copyError;
        const bool copied = copyFolder(from, to, copyDone_, copyCancel_, throttle, copyError);
        QMetaObject::invokeMethod(this, [this, copied, copyError] { finishSaveAs(copied, copyError); }, Qt::QueuedConnection);
    });
    return true;
}

bool Studio::discardUntitledSession(QString& error) {
    if (refusedWhileSavingAs(error)) return false;
    const QString discarded = recorder_->folder();
    if (!untitled_ || !isInside(discarded, untitledFolder())) {
        error = QStringLiteral("only an untitled session can be discarded; a saved session stays in its folder");
        return false;
    }
    if (!newSession(QString(), error)) return false; // refused while recording
    if (!QDir(discarded).removeRecursively()) {
        error = QStringLiteral("a new session is open, but %1 could not be deleted completely: delete it by hand").arg(discarded);
        return false;
    }
    return true;
}

double Studio::saveAsProgress() const {
    if (!isSavingAs() || copyTotal_ <= 0) return isSavingAs() ? 0.0 : 1.0;
    return std::clamp(static_cast<double>(copyDone_.load(std::memory_order_relaxed)) / static_cast<double>(copyTotal_), 0.0, 1.0);
}

void Studio::cancelSaveAs() { copyCancel_ = true; }

void Studio::finishSaveAs(bool copied, const QString& copyError) {
    if (copyWorker_.joinable()) copyWorker_.join();
    const bool cancelled = !copied && copyCancel_.load();
    restoreOldFolderName();
    if (!copied) {
        removePartialCopy();
        emit saveAsFinished(false, cancelled, cancelled ? QString() : copyError);
        return;
    }
    QString notice, error, ignored;
    auto moved = std::make_unique<Recorder>(engine_);
    engine_.stop();
    playing_ = false;
    recorder_->closeSession();
    if (!moved->openSession(copyTarget_, notice, error)) {
        auto back = std::make_unique<Recorder>(engine_);
        back->openSession(recorder_->folder(), ignored, ignored);
        recorder_ = std::move(back);
        emit saveAsFinished(false, false, error);
        return;
    }
    const QString source = recorder_->folder();
    const bool sourceUntitled = untitled_;
    recorder_ = std::move(moved);
    untitled_ = false;
    // An untitled session moves: its copy is on the disk and open, and leaving
    // the original would only fill the user's data folder with a second copy.
    if (sourceUntitled && !isInside(copyTarget_, source)) QDir(source).removeRecursively();
    attachRecorder();
    emit saved();
    emit saveAsFinished(true, false, QString());
}

bool Studio::refusedWhileSavingAs(QString& error) const {
    if (!isSavingAs()) return false;
    error = QStringLiteral("wait until Save As has finished copying the session (or cancel it)");
    return true;
}

void Studio::restoreOldFolderName() {
    recorder_->setSessionName(copyOldName_);
    QString ignored;
    recorder_->saveSession(ignored);
}

void Studio::removePartialCopy() {
    // A folder that looks like a session but misses audio would mislead later;
    // an empty folder the user had chosen is left as it was.
    QDir(copyTarget_).removeRecursively();
    if (copyTargetExisted_) QDir().mkpath(copyTarget_);
}

void Studio::setModified(bool modified) {
    if (modified_ == modified) return;
    modified_ = modified;
    emit modifiedChanged(modified);
}

void Studio::autosave() {
    if (!modified_ || recorder_->isRecording() || isSavingAs()) return;
    QString error;
    if (save(error)) return;
    emit message({StudioMessage::Kind::Warning, QStringLiteral("Autosave failed: %1. Your audio is safe; save to another folder.").arg(error),
                  StudioMessage::Action::None});
}

// ---------------------------------------------------------------- tracks

QString Studio::insertTrack(const SessionTrack& track, int index) {
    if (index < 0) index = static_cast<int>(session().tracks.size());
    const QString id = recorder_->insertTrack(track, index);
    setModified(true);
    return id;
}

bool Studio::updateTrack(const SessionTrack& track, QString& error) {
    if (!recorder_->updateTrack(track, error)) return false;
    setModified(true);
    return true;
}

bool Studio::removeTrack(const QString& trackId, QString& error) {
    if (!recorder_->removeTrack(trackId, error)) return false;
    setModified(true);
    return true;
}

bool Studio::setClips(const QString& trackId, const std::vector<Clip>& clips, QString& error) {
    if (!recorder_->setClips(trackId, clips, error)) return false;
    setModified(true);
    return true;
}

const SessionTrack* Studio::findTrack(const QString& trackId) const {
    for (const SessionTrack& track : session().tracks)
        if (track.id == trackId) return &track;
    return nullptr;
}

bool Studio::meters(const QString& trackId, int channel, MeterSnapshot& raw, MeterSnapshot& track) const {
    const int id = recorder_->engineTrackId(trackId);
    return id >= 0 && engine_.meterSnapshots(id, channel, raw, track);
}

void Studio::resetMeters(const QString& trackId) {
    if (Track* track = engine_.track(recorder_->engineTrackId(trackId))) track->meterResetRequest.store(true);
}

// ---------------------------------------------------------------- transport

bool Studio::record(QString& error) {
    if (refusedWhileSavingAs(error)) return false;
    if (recorder_->isRecording()) return true;
    if (!deviceOpen()) {
        error = QStringLiteral("no audio device is running: open one in Audio > Settings");
        return false;
    }
    bool anyArmed = false;
    for (const SessionTrack& track : session().tracks) anyArmed = anyArmed || track.armed;
    if (!anyArmed) {
        error = QStringLiteral("no track is armed: press a track's Arm button (or A) first");
        return false;
    }
    if (!recorder_->startTake(error)) return false;
    playing_ = true;
    emit transportChanged();
    return true;
}

bool Studio::play(QString& error) {
    if (refusedWhileSavingAs(error)) return false;
    if (!deviceOpen()) {
        error = QStringLiteral("no audio device is running: open one in Audio > Settings");
        return false;
    }
    if (isRolling()) return true;
    if (!recorder_->preparePlayback(error)) return false;
    engine_.play();
    playing_ = true;
    emit transportChanged();
    return true;
}

bool Studio::stop(QString& error) {
    bool ok = true;
    if (recorder_->isRecording()) {
        ok = recorder_->stopTake(error);
        setModified(false); // the Recorder saved the session with the take
        emit takeFinished();
    }
    engine_.stop();
    playing_ = false;
    emit transportChanged();
    return ok;
}

void Studio::returnToStart() { locate(0); }

void Studio::locate(int64_t position) {
    engine_.locate(std::max<int64_t>(0, position));
    emit transportChanged();
}

int64_t Studio::sessionLength() const {
    int64_t end = 0;
    for (const SessionTrack& track : session().tracks)
        for (const Clip& clip : track.clips) end = std::max(end, clip.timelineOffset + clip.length);
    return end;
}

float Studio::engineLoadPercent() const { return 100.0f * engine_.load().average.load(std::memory_order_relaxed); }

// ---------------------------------------------------------------- poll

void Studio::poll() {
    const bool wasRecording = recorder_->isRecording();
    recorder_->poll();
    for (const EngineEvent& event : recorder_->takeEngineEvents()) {
        switch (event.type) {
        case EngineEvent::Type::Xrun:
            xrunPositions_.push_back(event.position);
            emit xrunOccurred(event.position);
            break;
        case EngineEvent::Type::StreamStopped:
            if (event.value == 1 && !deviceLost_) {
                deviceLost_ = true;
                emit message({StudioMessage::Kind::Error,
                              QStringLiteral("The audio device %1 was lost (unplugged, or its server quit). Everything recorded "
                                             "before that is saved.")
                                  .arg(backend_ ? backend_->device().fullName() : QString()),
                              StudioMessage::Action::ReopenDevice});
                emit deviceChanged();
            }
            break;
        case EngineEvent::Type::TransportStarted:
        case EngineEvent::Type::TransportStopped:
        case EngineEvent::Type::Located: emit transportChanged(); break;
        default: break;
        }
    }
    if (backend_ && backend_->deviceLost() && !deviceLost_) {
        deviceLost_ = true;
        emit message({StudioMessage::Kind::Error, QStringLiteral("The audio device was lost. Everything recorded before that is saved."),
                      StudioMessage::Action::ReopenDevice});
        emit deviceChanged();
    }
    for (const QString& text : recorder_->takeMessages()) {
        const bool serious = text.contains(QStringLiteral("full"), Qt::CaseInsensitive) ||
                             text.contains(QStringLiteral("fail"), Qt::CaseInsensitive) ||
                             text.contains(QStringLiteral("lost"), Qt::CaseInsensitive);
        QString sentence = text;
        if (!sentence.isEmpty()) sentence[0] = sentence[0].toUpper();
        emit message({serious ? StudioMessage::Kind::Error : StudioMessage::Kind::Warning, sentence, StudioMessage::Action::None});
    }
    if (wasRecording && !recorder_->isRecording()) {
        // The take ended by itself (disk full, device lost): the Recorder saved what it had.
        engine_.stop();
        playing_ = false;
        setModified(false);
        emit takeFinished();
        emit transportChanged();
    }
}

} // namespace gainstage
