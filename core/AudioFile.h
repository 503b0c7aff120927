#pragma once
// Reading and writing whole audio files with libsndfile, with errors a user
// can act on. [non-real-time: any thread but the audio thread]

#include <QString>

#include <optional>
#include <vector>

namespace gainstage {

// Planar audio held in memory: channels[c][frame].
struct AudioData {
    double sampleRate = 0.0;
    std::vector<std::vector<float>> channels;

    int numChannels() const { return static_cast<int>(channels.size()); }
    long long numFrames() const { return channels.empty() ? 0 : static_cast<long long>(channels[0].size()); }
};

enum class SampleFormat { Pcm24, Float32 };

struct AudioFileError {
    QString message; // one line: which file, and why
};

// Reads every frame of `path`. On failure returns nullopt and fills `error`.
std::optional<AudioData> readAudioFile(const QString& path, AudioFileError& error);

// Writes `audio` to `path` as WAV (RF64 past 4 GiB). The file is written to a
// temporary name beside `path`, synced, and renamed over `path` only when
// complete (rename(2) replaces atomically), so a failure never leaves a
// half-written file behind and an existing file is either kept or replaced
// whole. A new file gets the usual permissions (0666 less the umask); a
// replaced one keeps its own.
bool writeAudioFileAtomically(const QString& path, const AudioData& audio, SampleFormat format, AudioFileError& error);

// Checks, before any long work, that a file could be created at `path`: the
// folder exists and accepts a new file (tried for real, which is the only
// check that is right for root, ACLs and read-only mounts).
bool checkOutputWritable(const QString& path, AudioFileError& error);

// [signal handler] Removes the temporary file of a write in progress, if any.
// Async-signal-safe: a SIGINT/SIGTERM handler calls it so that an interrupted
// write leaves nothing behind either.
void removePartialOutputFromSignalHandler() noexcept;

} // namespace gainstage
