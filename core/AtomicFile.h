#pragma once
// Replacing a small file (session, journal) so that a crash or power cut at
// any moment leaves either the old file or the new one, never a mix:
// write a temporary file in the same folder, fsync it, rename(2) it over the
// target, fsync the folder (which makes the rename itself durable).
//
// A test hook can stop the sequence between the steps, exactly as a crash
// would (the temporary file is left behind, the target untouched or
// replaced), for issue 7's kill-during-save suite.
//
// Threads: [any thread but the audio thread]. The test hook is process-wide;
// set it only while no save runs.

#include <QByteArray>
#include <QString>

#include <functional>

namespace gainstage {

enum class AtomicWriteStep {
    AfterWrite,  // data written to the temporary file, not yet synced
    AfterFsync,  // temporary file synced, not yet renamed
    AfterRename, // renamed over the target, folder not yet synced
};

// Returns false to stop the save right there, as a crash would: nothing is
// cleaned up. It may also kill the process itself (raise(SIGKILL)).
using AtomicWriteTestHook = std::function<bool(AtomicWriteStep)>;

// [control thread, while no save runs] Installs (or, with an empty function, removes) the hook.
void setAtomicWriteTestHook(AtomicWriteTestHook hook);

// [any thread but the audio thread] Replaces `path` with `data` atomically and
// durably. A new file gets 0666 less the umask; a replaced file keeps its
// permissions. On failure `error` names the file and the cause; the target is
// untouched and the temporary file removed (unless the test hook stopped it).
bool writeFileAtomically(const QString& path, const QByteArray& data, QString& error);

// [any thread but the audio thread] fsync of a folder, so that a create,
// rename or unlink in it survives a power cut. Returns false with errno set.
bool syncFolder(const QString& folder);

} // namespace gainstage
