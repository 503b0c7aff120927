// The recording journal. [control thread]
#include "core/RecordingJournal.h"

#include "core/AtomicFile.h"
#include "core/Session.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace gainstage {

namespace {
constexpr const char* kFormatTag = "gainstage-recording-journal";
constexpr double kMaxSamples = 9007199254740992.0;

bool wholeNumber(const QJsonValue& v, double low, double high) {
    if (!v.isDouble()) return false;
    const double x = v.toDouble();
    return std::isfinite(x) && x >= low && x <= high && x == std::floor(x);
}
} // namespace

QString RecordingJournal::pathFor(const QString& folder) {
    return QDir(folder).filePath(QString::fromLatin1(kFileName));
}

bool RecordingJournal::exists(const QString& folder) {
    return QFileInfo::exists(pathFor(folder));
}

bool RecordingJournal::write(const QString& folder, QString& error) const {
    QJsonObject root;
    root[QStringLiteral("format")] = QString::fromLatin1(kFormatTag);
    root[QStringLiteral("version")] = 1;
    root[QStringLiteral("session")] = session;
    root[QStringLiteral("startedAt")] = startedAt.isEmpty() ? QDateTime::currentDateTimeUtc().toString(Qt::ISODate) : startedAt;
    root[QStringLiteral("sampleRate")] = sampleRate;
    root[QStringLiteral("timelineStart")] = static_cast<double>(timelineStart);
    QJsonArray array;
    for (const JournalTake& t : takes)
        array.append(QJsonObject{{QStringLiteral("file"), t.file},
                                 {QStringLiteral("trackId"), t.trackId},
                                 {QStringLiteral("trackName"), t.trackName},
                                 {QStringLiteral("channels"), t.channels},
                                 {QStringLiteral("sampleRate"), t.sampleRate},
                                 {QStringLiteral("format"), sampleFormatName(t.format)},
                                 {QStringLiteral("raw"), t.raw},
                                 {QStringLiteral("timelineStart"), static_cast<double>(t.timelineStart)},
                                 {QStringLiteral("sourceOffset"), static_cast<double>(t.sourceOffset)}});
    root[QStringLiteral("takes")] = array;
    if (!writeFileAtomically(pathFor(folder), QJsonDocument(root).toJson(QJsonDocument::Indented), error)) {
        error = QStringLiteral("cannot start recording: the recording journal could not be written (%1)").arg(error);
        return false;
    }
    return true;
}

std::optional<RecordingJournal> RecordingJournal::read(const QString& folder, QString& error) {
    const QString path = pathFor(folder);
    QFile file(path);
    if (!file.exists()) {
        error = QStringLiteral("no recording journal in '%1'").arg(folder);
        return std::nullopt;
    }
    if (file.size() > 16 * 1024 * 1024 || !file.open(QIODevice::ReadOnly)) {
        error = QStringLiteral("cannot read the recording journal '%1'").arg(path);
        return std::nullopt;
    }
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    const QJsonObject root = document.object();
    if (parseError.error != QJsonParseError::NoError || !document.isObject() || root.value(QStringLiteral("format")).toString() != QLatin1String(kFormatTag) ||
        root.value(QStringLiteral("version")).toInt() != 1) {
        error = QStringLiteral("the recording journal '%1' is damaged; the takes in '%2' are untouched, import them by hand")
                    .arg(path, QDir(folder).filePath(QString::fromLatin1(Session::kAudioFolder)));
        return std::nullopt;
    }
    RecordingJournal journal;
    journal.session = root.value(QStringLiteral("session")).toString();
    journal.startedAt = root.value(QStringLiteral("startedAt")).toString();
    journal.sampleRate = root.value(QStringLiteral("sampleRate")).toInt(48000);
    journal.timelineStart = static_cast<int64_t>(root.value(QStringLiteral("timelineStart")).toDouble(0));
    const QJsonArray array = root.value(QStringLiteral("takes")).toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonObject o = array.at(i).toObject();
        JournalTake t;
        t.file = o.value(QStringLiteral("file")).toString();
        t.trackId = o.value(QStringLiteral("trackId")).toString();
        t.trackName = o.value(QStringLiteral("trackName")).toString();
        t.raw = o.value(QStringLiteral("raw")).toBool();
        t.format = o.value(QStringLiteral("format")).toString() == QLatin1String("float") ? SampleFormat::Float32 : SampleFormat::Pcm24;
        QString why;
        const bool numbersOk = wholeNumber(o.value(QStringLiteral("channels")), 1, 64) && wholeNumber(o.value(QStringLiteral("sampleRate")), 8000, 768000) &&
                               wholeNumber(o.value(QStringLiteral("timelineStart")), 0, kMaxSamples) &&
                               (!o.contains(QStringLiteral("sourceOffset")) || wholeNumber(o.value(QStringLiteral("sourceOffset")), 0, kMaxSamples));
        if (!numbersOk || t.trackId.isEmpty() || !Session::resolveInside(folder, t.file, why)) {
            error = QStringLiteral("the recording journal '%1' has a bad entry takes[%2] (%3); the takes in the audio folder are untouched, import them by hand")
                        .arg(path)
                        .arg(i)
                        .arg(why.isEmpty() ? QStringLiteral("numbers out of range or no track") : QStringLiteral("file \"%1\" %2").arg(t.file.left(200), why));
            return std::nullopt;
        }
        t.channels = o.value(QStringLiteral("channels")).toInt();
        t.sampleRate = o.value(QStringLiteral("sampleRate")).toInt();
        t.timelineStart = static_cast<int64_t>(o.value(QStringLiteral("timelineStart")).toDouble());
        // Journals written before the skip was recorded have none.
        t.sourceOffset = static_cast<int64_t>(o.value(QStringLiteral("sourceOffset")).toDouble(0));
        journal.takes.push_back(t);
    }
    return journal;
}

bool RecordingJournal::remove(const QString& folder, QString& error) {
    const QString path = pathFor(folder);
    if (QFileInfo::exists(path) && !QFile::remove(path)) {
        error = QStringLiteral("cannot remove the recording journal '%1'").arg(path);
        return false;
    }
    syncFolder(folder); // so that a power cut does not bring it back
    return true;
}

} // namespace gainstage
