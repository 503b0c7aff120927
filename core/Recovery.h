#pragma once
// Crash recovery: when a session folder still holds a recording journal
// (DIR/.recording), the recording that wrote it never finished. Recovery
//   1. rewrites each take's WAV/RF64 header from the file size (RIFF size,
//      data size, ds64 sizes and frame count; a torn last frame is left in the
//      file but not counted), turning a RIFF file past 4 GiB into RF64 when
//      libsndfile's JUNK placeholder leaves room for the ds64 chunk;
//   2. puts each printed take on its track as a clip at its journalled
//      timeline position (creating the track if the session never got it),
//      and records every take (raw ones too) in the session's "takes";
//   3. saves the session atomically, then removes the journal;
//   4. says in one sentence what it recovered.
//
// It never deletes or truncates audio, and it is idempotent: a crash during
// recovery is recovered by running it again (a header already right is not
// rewritten; a clip already on its track is not added twice).
//
// Threads: [control thread].

#include "core/Session.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace gainstage {

struct HeaderRepair {
    bool ok = false;
    bool changed = false; // the header was rewritten
    bool rf64 = false;
    int64_t frames = 0;
    int64_t tornBytes = 0; // bytes of an incomplete last frame, not counted
    QString error;
};

// [control thread] Makes the header of the WAV/RF64 file at `path` match its
// size. The audio bytes are never touched.
HeaderRepair repairWavHeader(const QString& path);

struct RecoveredTake {
    QString trackId;
    QString trackName;
    QString file;
    bool raw = false;
    int64_t frames = 0;
    int64_t timelineStart = 0;
    int sampleRate = 48000;
    bool headerFixed = false;
    QString problem; // empty when recovered
};

struct RecoveryReport {
    bool hadJournal = false;
    bool journalUnreadable = false; // then the journal is kept, for a person to look at
    std::vector<RecoveredTake> takes;
    QString summary;     // "Recovered 2 takes from an interrupted recording: Vocal 0:42.3, Guitar 0:42.3"
    QStringList problems; // per take or per step, in words
};

// [control thread] Fixes the journal's takes and puts them into `session`;
// does not save or remove the journal (openSession does both).
RecoveryReport recoverTakes(const QString& folder, Session& session);

struct OpenedSession {
    SessionLoadResult load;   // the session (or why it could not be opened)
    RecoveryReport recovery;  // hadJournal false when nothing needed recovering
};

// [control thread] Loads DIR/session.json and, if a recording journal is
// left over, recovers the takes, saves the session and removes the journal.
// A folder with a journal but no session.json (the first take of a new
// session) becomes a new session. If the session cannot be loaded nothing is
// written at all and the journal stays for a later attempt.
OpenedSession openSession(const QString& folder);

} // namespace gainstage
