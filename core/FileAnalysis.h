#pragma once
// Whole-file level analysis: what a recordist needs to know about a take.
//
// Each channel runs through its own Meter (sample peak, true peak, clip runs)
// and the whole file through one LoudnessMeter (programme loudness across all
// channels, BS.1770 channel weights). RMS is the plain RMS of the whole
// channel, not the meter's 300 ms window, so a steady tone reads its textbook
// value.
//
// Levels of silence are -infinity here; formatters decide how to show them.
//
// Window rules (kept in one place so the text, the JSON and the help agree):
//  - a level is compared with the window at the 0.1 dB a meter displays, so a
//    0.5-amplitude sine (-6.02 dBFS) is in a -6..0 window;
//  - "clipped" means clipped samples (the Meter's rule: 3 or more consecutive
//    samples at full scale, or any sample above it) or a true peak above the
//    window's top; "in_window" means the true peak is inside; "low" otherwise;
//  - "peaks" are the true peaks of consecutive 100 ms blocks, counting only the
//    blocks within 20 dB of the channel's loudest, so pauses do not count;
//  - the advice is the gain change that puts the channel's true peak at the
//    middle of the window (-3 dBTP for the default -6..0 window).
//
// [any thread but the audio thread]

#include <QString>

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/AudioFile.h"
#include "dsp/Meter.h"

namespace gainstage {

inline constexpr double kPeakBlockSeconds = 0.1;
inline constexpr double kPeakRangeDb = 20.0;

struct ChannelReport {
    double samplePeakDb = 0.0;  // dBFS
    double truePeakDb = 0.0;    // dBTP
    double rmsDb = 0.0;         // dBFS, whole channel
    uint64_t clippedSamples = 0;
    int peakCount = 0;          // 100 ms block peaks within kPeakRangeDb of the loudest
    int peaksInWindow = 0;      // how many of those are in the window
    WindowStatus status = WindowStatus::Low;
    std::optional<double> adviceDb; // dB; none for silence, which no gain can bring into the window

    bool hasSignal() const { return std::isfinite(truePeakDb); }
};

struct FileReport {
    QString file;
    double sampleRate = 0.0;
    int channels = 0;
    long long frames = 0;
    LevelWindow window;
    double lufsIntegrated = 0.0;     // LUFS; -inf when nothing passes the gates
    double lufsMomentaryMax = 0.0;   // LUFS; -inf for files shorter than 400 ms or silent
    double lufsShortTermMax = 0.0;   // LUFS; -inf for files shorter than 3 s or silent
    std::vector<ChannelReport> channelReports;
};

// Analyses `audio`; `file` is only carried into the report.
FileReport analyzeAudio(const AudioData& audio, const QString& file, LevelWindow window = {});

// The window rules above, exposed so that callers and tests share them.
bool levelIsBelowWindow(double levelDb, LevelWindow window);
bool levelIsAboveWindow(double levelDb, LevelWindow window);
double windowTargetDb(LevelWindow window);

} // namespace gainstage
