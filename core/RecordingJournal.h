#pragma once
// The recording journal: DIR/.recording, written (atomically, file and folder
// fsynced) when recording starts and removed once the takes are finished and
// the session saved. If Gainstage dies in between, the journal is what names
// the takes to recover: their files, tracks, format and timeline position.
//
// Format (JSON, one object):
//   { "format": "gainstage-recording-journal", "version": 1,
//     "session": "<session name>", "startedAt": "<ISO 8601 UTC>",
//     "sampleRate": 48000, "timelineStart": <sample>,
//     "takes": [ { "file": "audio/Vocal-3.wav", "trackId": "t1",
//                  "trackName": "Vocal", "channels": 1, "sampleRate": 48000,
//                  "format": "pcm24" | "float", "raw": false,
//                  "timelineStart": <sample> }, ... ] }
// File paths are relative to the session folder and checked on reading
// exactly like the session's (nothing outside the folder).
//
// Threads: [control thread].

#include "core/AudioFile.h"

#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace gainstage {

struct JournalTake {
    QString file; // relative to the session folder
    QString trackId;
    QString trackName;
    int channels = 1;
    int sampleRate = 48000;
    SampleFormat format = SampleFormat::Pcm24;
    bool raw = false;
    int64_t timelineStart = 0; // where the clip starts (Clip::forTake)
    int64_t sourceOffset = 0;  // frames of the file before it (compensation at timeline 0)
};

struct RecordingJournal {
    static constexpr const char* kFileName = ".recording";

    QString session;
    QString startedAt;
    int sampleRate = 48000;
    int64_t timelineStart = 0;
    std::vector<JournalTake> takes;

    static QString pathFor(const QString& folder);
    static bool exists(const QString& folder);

    // [control thread] Atomic and durable; call before the engine starts writing.
    bool write(const QString& folder, QString& error) const;
    // [control thread] nullopt with `error` when there is none or it is unreadable.
    static std::optional<RecordingJournal> read(const QString& folder, QString& error);
    // [control thread] After the session that holds the takes was saved.
    static bool remove(const QString& folder, QString& error);
};

} // namespace gainstage
