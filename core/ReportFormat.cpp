// JSON and text forms of a FileReport. [any thread but the audio thread]
#include "core/ReportFormat.h"

#include <QJsonArray>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <vector>

namespace gainstage {

namespace {

// 0.01 dB is finer than anyone hears and keeps the JSON free of float noise.
QJsonValue jsonLevel(double db) {
    if (!std::isfinite(db)) return QJsonValue(QJsonValue::Null);
    return std::round(db * 100.0) / 100.0 + 0.0; // + 0.0 turns -0 into 0
}

QJsonValue jsonAdvice(const std::optional<double>& adviceDb) {
    return adviceDb ? jsonLevel(*adviceDb) : QJsonValue(QJsonValue::Null);
}

QJsonObject channelToJson(const ChannelReport& channel) {
    QJsonObject object;
    object.insert(QStringLiteral("sample_peak_dbfs"), jsonLevel(channel.samplePeakDb));
    object.insert(QStringLiteral("true_peak_dbtp"), jsonLevel(channel.truePeakDb));
    object.insert(QStringLiteral("rms_dbfs"), jsonLevel(channel.rmsDb));
    object.insert(QStringLiteral("clipped_samples"), static_cast<qint64>(channel.clippedSamples));
    object.insert(QStringLiteral("window_status"), windowStatusKey(channel.status));
    object.insert(QStringLiteral("advice_db"), jsonAdvice(channel.adviceDb));
    return object;
}

// "-0.0" would read as a level below full scale; a meter shows "0.0".
QString oneDecimal(double value) {
    return QString::number(std::round(value * 10.0) / 10.0 + 0.0, 'f', 1);
}

QString level(double db, const char* unit) {
    if (!std::isfinite(db)) return QStringLiteral("-inf %1").arg(QLatin1String(unit));
    return QStringLiteral("%1 %2").arg(oneDecimal(db), QLatin1String(unit));
}

QString loudness(double lufs) {
    return std::isfinite(lufs) ? QStringLiteral("%1 LUFS").arg(oneDecimal(lufs)) : QStringLiteral("n/a");
}

QString channelName(int index, int channels) {
    if (channels == 2) return index == 0 ? QStringLiteral("1 left") : QStringLiteral("2 right");
    return QString::number(index + 1);
}

QString peakShare(const ChannelReport& channel) {
    if (channel.peakCount == 0) return QStringLiteral("-");
    const double percent = 100.0 * channel.peaksInWindow / channel.peakCount;
    return QStringLiteral("%1 %").arg(std::lround(percent));
}

struct Column {
    QString header;
    bool alignRight;
};

QString formatTable(const std::vector<Column>& columns, const std::vector<QStringList>& rows) {
    std::vector<qsizetype> widths;
    for (const auto& column : columns) widths.push_back(column.header.size());
    for (const auto& row : rows)
        for (size_t i = 0; i < columns.size(); ++i) widths[i] = std::max(widths[i], row.at(static_cast<qsizetype>(i)).size());

    auto formatRow = [&](const QStringList& cells) {
        QStringList padded;
        for (size_t i = 0; i < columns.size(); ++i) {
            const QString& cell = cells.at(static_cast<qsizetype>(i));
            const bool last = i + 1 == columns.size();
            padded << (columns[i].alignRight ? cell.rightJustified(widths[i]) : last ? cell : cell.leftJustified(widths[i]));
        }
        return padded.join(QStringLiteral("  ")) + QLatin1Char('\n');
    };
    QStringList headers;
    for (const auto& column : columns) headers << column.header;
    QString table = formatRow(headers);
    for (const auto& row : rows) table += formatRow(row);
    return table;
}

QString channelTable(const FileReport& report) {
    const std::vector<Column> columns = {
        {QStringLiteral("Channel"), false},  {QStringLiteral("Sample peak"), true}, {QStringLiteral("True peak"), true},
        {QStringLiteral("RMS"), true},       {QStringLiteral("Clipped"), true},     {QStringLiteral("Peaks in window"), true},
        {QStringLiteral("Status"), false},   {QStringLiteral("Advice"), false},
    };
    std::vector<QStringList> rows;
    for (size_t i = 0; i < report.channelReports.size(); ++i) {
        const ChannelReport& channel = report.channelReports[i];
        rows.push_back({channelName(static_cast<int>(i), report.channels), level(channel.samplePeakDb, "dBFS"),
                        level(channel.truePeakDb, "dBTP"), level(channel.rmsDb, "dBFS"),
                        QString::number(channel.clippedSamples), peakShare(channel),
                        windowStatusKey(channel.status).replace(QLatin1Char('_'), QLatin1Char(' ')), adviceInWords(channel)});
    }
    return formatTable(columns, rows);
}

QString summary(const FileReport& report) {
    const double seconds = report.sampleRate > 0.0 ? static_cast<double>(report.frames) / report.sampleRate : 0.0;
    QString text;
    text += QStringLiteral("File      %1\n").arg(report.file);
    text += QStringLiteral("Format    %1 Hz, %2 channel%3, %4 s (%5 frames)\n")
                .arg(report.sampleRate, 0, 'f', 0)
                .arg(report.channels)
                .arg(report.channels == 1 ? QString() : QStringLiteral("s"))
                .arg(seconds, 0, 'f', 2)
                .arg(report.frames);
    text += QStringLiteral("Loudness  integrated %1, max momentary %2, max short-term %3\n")
                .arg(loudness(report.lufsIntegrated), loudness(report.lufsMomentaryMax), loudness(report.lufsShortTermMax));
    text += QStringLiteral("Window    %1 to %2 dBFS; advice aims the true peak at %3 dBTP\n")
                .arg(report.window.lowDb, 0, 'f', 1)
                .arg(report.window.highDb, 0, 'f', 1)
                .arg(windowTargetDb(report.window), 0, 'f', 1);
    return text;
}

} // namespace

QString windowStatusKey(WindowStatus status) {
    switch (status) {
    case WindowStatus::Low: return QStringLiteral("low");
    case WindowStatus::InWindow: return QStringLiteral("in_window");
    case WindowStatus::Clipped: return QStringLiteral("clipped");
    }
    return QStringLiteral("low");
}

QString adviceInWords(const ChannelReport& channel) {
    if (!channel.adviceDb) return QStringLiteral("no signal");
    if (channel.status == WindowStatus::InWindow) return QStringLiteral("peaks are in the window");
    const double change = *channel.adviceDb;
    return QStringLiteral("%1 Gain by %2 dB")
        .arg(change > 0.0 ? QStringLiteral("raise") : QStringLiteral("lower"))
        .arg(oneDecimal(std::fabs(change)));
}

QJsonObject reportToJson(const FileReport& report) {
    QJsonArray channels;
    for (const auto& channel : report.channelReports) channels.append(channelToJson(channel));
    QJsonObject object;
    object.insert(QStringLiteral("file"), report.file);
    object.insert(QStringLiteral("sample_rate"), static_cast<qint64>(std::llround(report.sampleRate)));
    object.insert(QStringLiteral("channels"), report.channels);
    object.insert(QStringLiteral("frames"), static_cast<qint64>(report.frames));
    object.insert(QStringLiteral("lufs_integrated"), jsonLevel(report.lufsIntegrated));
    object.insert(QStringLiteral("lufs_momentary_max"), jsonLevel(report.lufsMomentaryMax));
    object.insert(QStringLiteral("lufs_short_term_max"), jsonLevel(report.lufsShortTermMax));
    object.insert(QStringLiteral("channel_reports"), channels);
    return object;
}

QString reportToText(const FileReport& report) {
    return summary(report) + QLatin1Char('\n') + channelTable(report);
}

} // namespace gainstage
