// The take report: the file's analysis plus the recording's own facts, and a
// verdict in words. [control thread; never the audio thread]
#include "core/TakeReport.h"

#include <QJsonValue>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/DiskWriter.h"
#include "core/ReportFormat.h"

namespace gainstage {

namespace {

// Full scale as the analysis counts it (README, analyze: |x| >= 32767/32768).
constexpr float kFullScale = 32767.0f / 32768.0f;
constexpr int kClipRun = 3;

QJsonValue level(double db) {
    if (!std::isfinite(db)) return QJsonValue(QJsonValue::Null);
    return std::round(db * 100.0) / 100.0;
}

QString oneDecimal(double value) { return QString::number(value, 'f', 1); }

// Clip runs of one channel, as the Meter counts them: a run of >= 3 samples at
// full scale, or any sample above full scale (a float file), is one clip.
void countClipRuns(const std::vector<float>& samples, int& runs, int64_t& first) {
    int64_t runLength = 0;
    bool counted = false;
    for (size_t i = 0; i < samples.size(); ++i) {
        const float magnitude = std::fabs(samples[i]);
        if (magnitude >= kFullScale) {
            ++runLength;
            const bool clipped = magnitude > 1.0f || runLength >= kClipRun;
            if (clipped && !counted) {
                counted = true;
                ++runs;
                const int64_t start = static_cast<int64_t>(i) - (runLength - 1);
                if (first < 0 || start < first) first = start;
            }
        } else {
            runLength = 0;
            counted = false;
        }
    }
}

} // namespace

double TakeReport::samplePeakDb() const {
    double peak = -std::numeric_limits<double>::infinity();
    for (const auto& channel : analysis.channelReports) peak = std::max(peak, channel.samplePeakDb);
    return peak;
}

double TakeReport::truePeakDb() const {
    double peak = -std::numeric_limits<double>::infinity();
    for (const auto& channel : analysis.channelReports) peak = std::max(peak, channel.truePeakDb);
    return peak;
}

double TakeReport::shareInWindow() const {
    int total = 0, inWindow = 0;
    for (const auto& channel : analysis.channelReports) {
        total += channel.peakCount;
        inWindow += channel.peaksInWindow;
    }
    return total > 0 ? static_cast<double>(inWindow) / total : 0.0;
}

QJsonObject TakeReport::toJson() const {
    const int rate = static_cast<int>(std::lround(analysis.sampleRate));
    QJsonObject object;
    object.insert(QStringLiteral("track"), trackName);
    object.insert(QStringLiteral("file"), file);
    object.insert(QStringLiteral("sample_rate"), rate);
    object.insert(QStringLiteral("channels"), analysis.channels);
    object.insert(QStringLiteral("frames"), static_cast<qint64>(analysis.frames));
    object.insert(QStringLiteral("seconds"), rate > 0 ? std::round(analysis.frames * 1000.0 / rate) / 1000.0 : 0.0);
    object.insert(QStringLiteral("sample_peak_dbfs"), level(samplePeakDb()));
    object.insert(QStringLiteral("true_peak_dbtp"), level(truePeakDb()));
    object.insert(QStringLiteral("share_in_window"), std::round(shareInWindow() * 1000.0) / 1000.0);
    object.insert(QStringLiteral("clips"), clipRuns);
    object.insert(QStringLiteral("first_clip_seconds"),
                  firstClipFrame >= 0 && rate > 0 ? QJsonValue(std::round(firstClipFrame * 10.0 / rate) / 10.0) : QJsonValue(QJsonValue::Null));
    object.insert(QStringLiteral("xruns"), xruns);
    object.insert(QStringLiteral("overrun_frames"), static_cast<qint64>(overrunFrames));
    object.insert(QStringLiteral("lufs_integrated"), level(analysis.lufsIntegrated));
    object.insert(QStringLiteral("verdict"), verdict);
    object.insert(QStringLiteral("clip_guard"),
                  clipGuard ? QJsonValue(QJsonObject{{QStringLiteral("engagements"), static_cast<qint64>(clipGuard->engagements)},
                                                     {QStringLiteral("samples_active"), static_cast<qint64>(clipGuard->samplesActive)},
                                                     {QStringLiteral("max_reduction_db"), std::round(clipGuard->maxReductionDb * 100.0) / 100.0}})
                            : QJsonValue(QJsonValue::Null));
    object.insert(QStringLiteral("analysis"), reportToJson(analysis));
    return object;
}

QString TakeReport::toText() const {
    const double seconds = analysis.sampleRate > 0 ? analysis.frames / analysis.sampleRate : 0.0;
    auto db = [](double value) { return std::isfinite(value) ? oneDecimal(value) : QStringLiteral("-inf"); };
    QString line = QStringLiteral("%1 (%2, %3 s): peak %4 dBFS, true peak %5 dBTP, %6% in window, %7 clips, %8 xruns, %9 LUFS")
                       .arg(trackName, file, oneDecimal(seconds), db(samplePeakDb()), db(truePeakDb()))
                       .arg(std::lround(shareInWindow() * 100.0))
                       .arg(clipRuns)
                       .arg(xruns)
                       .arg(db(analysis.lufsIntegrated));
    if (overrunFrames > 0) line += QStringLiteral(", %1 frames lost (disk too slow)").arg(overrunFrames);
    if (clipGuard && clipGuard->engagements > 0)
        line += QStringLiteral(", Clip Guard acted %1x (up to %2 dB)").arg(clipGuard->engagements).arg(oneDecimal(clipGuard->maxReductionDb));
    return line + QStringLiteral("\n  ") + verdict + QLatin1Char('\n');
}

bool makeTakeReport(const QString& path, const QString& file, const QString& trackName, int xruns, int64_t overrunFrames,
                    LevelWindow window, TakeReport& report, QString& error) {
    AudioFileError readError;
    const std::optional<AudioData> audio = readAudioFile(path, readError);
    if (!audio) {
        error = readError.message;
        return false;
    }
    report = TakeReport{};
    report.trackName = trackName;
    report.file = file;
    report.xruns = xruns;
    report.overrunFrames = overrunFrames;
    report.analysis = analyzeAudio(*audio, file, window);
    for (const auto& channel : audio->channels) countClipRuns(channel, report.clipRuns, report.firstClipFrame);

    // The loudest channel decides: its advice is the one that keeps every channel out of trouble.
    const ChannelReport* loudest = nullptr;
    bool anyClipped = false;
    for (const auto& channel : report.analysis.channelReports) {
        if (!loudest || channel.truePeakDb > loudest->truePeakDb) loudest = &channel;
        anyClipped = anyClipped || channel.status == WindowStatus::Clipped;
    }
    const int rate = static_cast<int>(std::lround(report.analysis.sampleRate));
    if (!loudest || !loudest->hasSignal()) {
        report.verdict = QStringLiteral("Silent: nothing reached this input; check the cable, the input number and Gain");
    } else if (report.clipRuns > 0) {
        const double change = loudest->adviceDb.value_or(0.0);
        report.verdict = QStringLiteral("Clipped %1x (first at %2): lower Gain by %3 dB")
                             .arg(report.clipRuns)
                             .arg(DiskWriter::formatTime(report.firstClipFrame, rate > 0 ? rate : 48000))
                             .arg(oneDecimal(std::max(0.0, -change)));
    } else if (anyClipped) {
        report.verdict = QStringLiteral("Too hot: true peak %1 dBTP is over the window; lower Gain by %2 dB")
                             .arg(oneDecimal(loudest->truePeakDb), oneDecimal(std::max(0.0, -loudest->adviceDb.value_or(0.0))));
    } else if (loudest->status == WindowStatus::InWindow) {
        report.verdict = QStringLiteral("Good: peaks at %1 dBFS").arg(oneDecimal(report.samplePeakDb()));
    } else {
        report.verdict = QStringLiteral("Low: raise Gain by %1 dB next time").arg(oneDecimal(loudest->adviceDb.value_or(0.0)));
    }
    return true;
}

} // namespace gainstage
