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
// temporary name beside `path` and renamed into place only when complete, so
// a failure never leaves a half-written file behind.
bool writeAudioFileAtomically(const QString& path, const AudioData& audio, SampleFormat format, AudioFileError& error);

} // namespace gainstage
