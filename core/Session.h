#pragma once
// The session: tracks, their preamps and clips, the takes' metadata and the
// per-device audio settings, kept as DIR/session.json with the audio in DIR/audio/.
//
// Invariants:
// - Saving is atomic and durable (AtomicFile: temporary file, fsync, rename,
//   fsync of the folder): session.json is always the old state or the new one.
// - Loading never writes anything. Whatever is wrong with the file (not JSON,
//   wrong types, missing fields, NaN or absurd numbers, a newer format, paths
//   that leave the folder) gives one message naming the field, the problem and
//   what to do, and no session; it never crashes.
// - Every file a session names is relative to DIR, has no ".." and, once
//   symlinks are resolved, stays inside DIR. A missing audio file is not fatal:
//   the session loads, the clip is marked missing, and a warning names the file.
// - Track and take names become file names only through sanitizeName().
//
// Threads: [control thread] for everything (plain value type, no sharing).

#include "core/AudioFile.h"
#include "dsp/PreampSettings.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace gainstage {

enum class SessionMonitorMode { Auto, Input, Off };

struct TrackInput {
    int channel = 0;     // first interface input, 0-based
    bool stereo = false; // true: the pair channel, channel + 1
    int channelCount() const { return stereo ? 2 : 1; }
    bool operator==(const TrackInput&) const = default;
};

struct Clip {
    QString file;               // relative to the session folder: "audio/Vocal-1.wav"
    int64_t timelineOffset = 0; // timeline sample of the clip's first frame
    int64_t length = 0;         // frames
    int64_t sourceOffset = 0;   // first frame of the file that plays
    bool missing = false;       // not saved: set by load() when the file is not there
    bool operator==(const Clip& other) const {
        return file == other.file && timelineOffset == other.timelineOffset && length == other.length && sourceOffset == other.sourceOffset;
    }

    // [any thread] Where a take belongs on the timeline. The performer heard
    // each moment `alignFrames` before it was captured (round trip + preamp
    // latency), so a take whose first frame was captured at `capturedAt` starts
    // at capturedAt - alignFrames. One that would start before 0 starts at 0
    // and skips its first frames instead. The Recorder (at stop) and recovery
    // (from the journal) both place takes with this, so they agree.
    static Clip forTake(const QString& file, int64_t capturedAt, int64_t alignFrames, int64_t frames) {
        const int64_t start = capturedAt - alignFrames;
        const int64_t skip = start < 0 ? -start : 0;
        return Clip{file, start < 0 ? 0 : start, frames > skip ? frames - skip : 0, skip, false};
    }
};

struct TakeOverrun {
    int64_t position = 0; // take frame where the lost frames (now silence) start
    int64_t frames = 0;
    bool operator==(const TakeOverrun&) const = default;
};

// What is known about one recorded file. `report` holds the take report
// (peaks, window share, clips...) as the engine writes it; kept verbatim.
struct TakeRecord {
    QString file;
    QString trackId;
    bool raw = false;
    int channels = 1;
    int sampleRate = 48000; // the rate it was actually recorded at
    SampleFormat format = SampleFormat::Pcm24;
    int64_t frames = 0;
    int64_t timelineStart = 0;
    std::vector<TakeOverrun> overruns;
    std::vector<int64_t> xruns; // take-relative positions
    QJsonObject report;
    bool operator==(const TakeRecord&) const = default;
};

struct SessionTrack {
    QString id; // stable, unique in the session
    QString name;
    TrackInput input;
    PreampSettings preamp;
    bool armed = false;
    SessionMonitorMode monitor = SessionMonitorMode::Auto;
    float volumeDb = 0.0f;
    float pan = 0.0f; // -1 left .. +1 right
    bool mute = false;
    bool solo = false;
    bool keepRaw = false;
    bool clipGuard = false; // Clip Guard after the preamp (dsp/ClipGuard.h)
    std::vector<Clip> clips;
};

struct DeviceSettings {
    int sampleRate = 48000;
    int bufferFrames = 256;
    bool operator==(const DeviceSettings&) const = default;
};

struct SessionLoadResult;

class Session {
public:
    static constexpr int kFormatVersion = 1;
    static constexpr const char* kFileName = "session.json";
    static constexpr const char* kAudioFolder = "audio";

    QString name;
    int sampleRate = 48000;
    std::vector<SessionTrack> tracks;
    std::vector<TakeRecord> takes;
    std::map<QString, DeviceSettings> devices; // keyed by device name

    // [control thread] Reads DIR/session.json. Never writes.
    static SessionLoadResult load(const QString& folder);
    // [control thread] Parses session JSON; `folder` is used to check the paths it names.
    static SessionLoadResult fromJson(const QByteArray& json, const QString& folder);

    // [control thread] Creates DIR and DIR/audio if needed and replaces
    // DIR/session.json atomically. False with `error` (the old file untouched).
    bool save(const QString& folder, QString& error) const;
    QByteArray toJson() const;

    SessionTrack* findTrack(const QString& id);
    // A new unique track id ("t1", "t2", ...).
    QString newTrackId() const;

    // A name safe as one file-name component: no path separators, no control
    // characters, no leading dot (so never "." or ".."), at most 64 characters,
    // never empty.
    static QString sanitizeName(const QString& name);
    // "audio/<track>-<take>.wav" ("...-<take>.raw.wav" for a raw take) for the
    // first take number whose file does not exist and that no take names yet.
    QString nextTakeFile(const QString& folder, const QString& trackName, bool raw = false) const;

    // The absolute path of `relative` if it stays inside `folder` (after
    // resolving symlinks of whatever exists of it); otherwise nullopt and `why`.
    static std::optional<QString> resolveInside(const QString& folder, const QString& relative, QString& why);
};

struct SessionLoadResult {
    std::optional<Session> session; // empty when the file could not be used
    QString error;                  // one or two sentences: what is wrong, where, and what to do
    QStringList warnings;           // loaded anyway: e.g. a missing audio file
    bool ok() const { return session.has_value(); }
};

QString monitorModeName(SessionMonitorMode mode);
QString sampleFormatName(SampleFormat format);

} // namespace gainstage
