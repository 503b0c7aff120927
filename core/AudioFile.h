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

// The most samples (frames x channels) readAudioFile holds in memory by
// default: 2^31 floats, 8 GiB, over 6 hours of stereo at 48 kHz. A longer file
// is refused with a message instead of exhausting memory.
inline constexpr long long kMaxReadSamples = 1LL << 31;
// The sample rates readAudioFile accepts, as for a session: analysis sizes its
// buffers by the rate, so a header claiming 2 GHz must not get that far.
inline constexpr int kMinReadSampleRate = 8000;
inline constexpr int kMaxReadSampleRate = 768000;
// The most channels readAudioFile accepts: a session track or take has at most
// 64, and analysis prepares a meter per channel however short the file is.
inline constexpr int kMaxReadChannels = 64;

// Reads every frame of `path`. On failure returns nullopt and fills `error`.
// The header's frame count is never trusted for memory: a file that declares,
// or decodes to, more than `maxSamples` samples is refused with a message, and
// a tiny file claiming billions of frames allocates no more than it holds.
// A rate outside kMinReadSampleRate..kMaxReadSampleRate, or more than
// kMaxReadChannels channels, is refused too.
std::optional<AudioData> readAudioFile(const QString& path, AudioFileError& error, long long maxSamples = kMaxReadSamples);

// Writes `audio` to `path` as WAV (RF64 past 4 GiB). The file is written to a
// temporary name beside `path`, synced, and renamed over `path` only when
// complete (rename(2) replaces atomically), so a failure never leaves a
// half-written file behind and an existing file is either kept or replaced
// whole. A new file gets the usual permissions (0666 less the umask); a
// replaced one keeps its own.
bool writeAudioFileAtomically(const QString& path, const AudioData& audio, SampleFormat format, AudioFileError& error);

// The sample rate in `path`'s header (a cheap look, nothing decoded), or
// nullopt when libsndfile cannot open it.
std::optional<int> audioFileSampleRate(const QString& path);

// Checks, before any long work, that a file could be created at `path`: the
// folder exists and accepts a new file (tried for real, which is the only
// check that is right for root, ACLs and read-only mounts).
bool checkOutputWritable(const QString& path, AudioFileError& error);

// [signal handler] Removes the temporary file of a write in progress, if any.
// Async-signal-safe: a SIGINT/SIGTERM handler calls it so that an interrupted
// write leaves nothing behind either.
void removePartialOutputFromSignalHandler() noexcept;

} // namespace gainstage
