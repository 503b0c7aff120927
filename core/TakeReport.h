#pragma once
// The take report: what a recordist reads right after a take, one per track.
//
// It is computed from the recorded file itself (core/FileAnalysis: the same
// meters as `gainstage analyze`, so the two always agree), plus what only the
// recording knows: xruns and overrun gaps. The verdict is one line:
//   "Good: peaks at -4.1 dBFS"
//   "Low: raise Gain by 5.5 dB next time"
//   "Clipped 3x (first at 0:12.4): lower Gain by 2.0 dB"
// where "3x" counts clip runs (the Meter's rule: 3 or more consecutive samples
// at full scale, or any sample above it) across the channels, and the Gain
// change is the analysis' advice (true peak to the middle of the window).
//
// Threads: [control thread] or any thread but the audio thread (it reads the
// whole file).

#include <QJsonObject>
#include <QString>

#include <cstdint>
#include <optional>

#include "core/FileAnalysis.h"
#include "dsp/ClipGuard.h"

namespace gainstage {

struct TakeReport {
    QString trackName;
    QString file; // as given (relative to the session folder for takes)
    FileReport analysis;
    int clipRuns = 0;            // runs of clipped samples, all channels
    int64_t firstClipFrame = -1; // file frame of the first one
    int xruns = 0;
    int64_t overrunFrames = 0;   // frames lost to full capture rings (silence in the file)
    QString verdict;
    // Clip Guard during the take (dsp/ClipGuard.h): how often it acted and how
    // deep; none when it was off. JSON "clip_guard": {engagements, samples_active,
    // max_reduction_db} or null.
    std::optional<ClipGuardActivity> clipGuard;

    // Sample peak over all channels, dBFS (-inf for silence).
    double samplePeakDb() const;
    double truePeakDb() const;
    // Share (0..1) of the 100 ms block peaks, over all channels, that are in the window; 0 for silence.
    double shareInWindow() const;

    // Keys: track, file, sample_rate, channels, frames, seconds, sample_peak_dbfs,
    // true_peak_dbtp, share_in_window, clips, first_clip_seconds, xruns,
    // overrun_frames, lufs_integrated, verdict, and "analysis" (the analyze JSON).
    QJsonObject toJson() const;
    // Two lines: "Vocal (audio/Vocal-1.wav, 30.0 s): peak -4.1 dBFS, true peak -3.9 dBTP, 92% in window, 0 clips, 0 xruns, -18.2 LUFS"
    // then "  Good: peaks at -4.1 dBFS".
    QString toText() const;
};

// Reads `path` and builds its report. False with `error` when the file cannot be read.
bool makeTakeReport(const QString& path, const QString& file, const QString& trackName, int xruns, int64_t overrunFrames,
                    LevelWindow window, TakeReport& report, QString& error);

} // namespace gainstage
