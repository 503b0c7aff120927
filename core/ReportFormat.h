#pragma once
// How a FileReport is shown: as one JSON object for scripts, or as a small
// aligned table with the advice in words for a recordist.
//
// The JSON key set is a contract (the README documents it, scripts rely on it):
// top level file, sample_rate, channels, frames, lufs_integrated,
// lufs_momentary_max, lufs_short_term_max, channel_reports; per channel
// sample_peak_dbfs, true_peak_dbtp, rms_dbfs, clipped_samples, window_status,
// advice_db. Levels are rounded to 0.01 dB; -inf (silence) and missing advice
// are null.
//
// [any thread but the audio thread]

#include <QJsonObject>
#include <QString>

#include "core/FileAnalysis.h"

namespace gainstage {

QJsonObject reportToJson(const FileReport& report);
QString reportToText(const FileReport& report);

// "low", "in_window" or "clipped", as in the JSON.
QString windowStatusKey(WindowStatus status);
// "raise Gain by 5.5 dB", "lower Gain by 2.0 dB", "peaks are in the window" or "no signal".
QString adviceInWords(const ChannelReport& channel);

} // namespace gainstage
