// The session model and its JSON. [control thread]
#include "core/Session.h"

#include "core/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <set>

namespace gainstage {

namespace {

constexpr double kMaxSamples = 9007199254740992.0; // 2^53: exact in a JSON number, ~5900 years at 48 kHz
constexpr const char* kFormatTag = "gainstage-session";

QString whatToDo(const QString& folder) {
    return QStringLiteral("Gainstage has not changed anything; fix or restore '%1' from a backup, or import the files in '%2' into a new session.")
        .arg(QDir(folder).filePath(QString::fromLatin1(Session::kFileName)), QDir(folder).filePath(QString::fromLatin1(Session::kAudioFolder)));
}

QString typeName(const QJsonValue& value) {
    switch (value.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return QStringLiteral("true/false");
    case QJsonValue::Double: return QStringLiteral("a number");
    case QJsonValue::String: return QStringLiteral("text");
    case QJsonValue::Array: return QStringLiteral("a list");
    case QJsonValue::Object: return QStringLiteral("an object");
    case QJsonValue::Undefined: break;
    }
    return QStringLiteral("nothing");
}

// Reads fields with their path for messages; the first problem wins and
// every later read is a no-op, so parsing code stays straight-line.
class Reader {
public:
    bool failed() const { return !error_.isEmpty(); }
    const QString& error() const { return error_; }
    void fail(const QString& path, const QString& problem) {
        if (error_.isEmpty()) error_ = QStringLiteral("%1 %2").arg(path, problem);
    }

    QJsonValue field(const QJsonObject& object, const QString& path, const char* key, bool required) {
        const QJsonValue value = object.value(QLatin1String(key));
        if (value.isUndefined() && required) fail(join(path, key), QStringLiteral("is missing"));
        return value;
    }

    QString string(const QJsonObject& o, const QString& path, const char* key, const QString& fallback, bool required = false) {
        const QJsonValue v = field(o, path, key, required);
        if (v.isUndefined() || failed()) return fallback;
        if (!v.isString()) {
            fail(join(path, key), QStringLiteral("should be text but is %1").arg(typeName(v)));
            return fallback;
        }
        return v.toString();
    }

    bool boolean(const QJsonObject& o, const QString& path, const char* key, bool fallback) {
        const QJsonValue v = field(o, path, key, false);
        if (v.isUndefined() || failed()) return fallback;
        if (!v.isBool()) {
            fail(join(path, key), QStringLiteral("should be true or false but is %1").arg(typeName(v)));
            return fallback;
        }
        return v.toBool();
    }

    double number(const QJsonObject& o, const QString& path, const char* key, double fallback, double low, double high, bool required = false) {
        const QJsonValue v = field(o, path, key, required);
        if (v.isUndefined() || failed()) return fallback;
        if (!v.isDouble()) {
            fail(join(path, key), QStringLiteral("should be a number but is %1").arg(typeName(v)));
            return fallback;
        }
        const double x = v.toDouble();
        if (!std::isfinite(x) || x < low || x > high) {
            fail(join(path, key), QStringLiteral("is %1, outside the allowed %2 to %3").arg(x).arg(low).arg(high));
            return fallback;
        }
        return x;
    }

    int64_t integer(const QJsonObject& o, const QString& path, const char* key, int64_t fallback, double low, double high, bool required = false) {
        const double x = number(o, path, key, static_cast<double>(fallback), low, high, required);
        if (failed()) return fallback;
        if (x != std::floor(x)) {
            fail(join(path, key), QStringLiteral("is %1, but should be a whole number").arg(x));
            return fallback;
        }
        return static_cast<int64_t>(x);
    }

    QJsonObject object(const QJsonObject& o, const QString& path, const char* key, bool required = false) {
        const QJsonValue v = field(o, path, key, required);
        if (v.isUndefined() || failed()) return {};
        if (!v.isObject()) fail(join(path, key), QStringLiteral("should be an object but is %1").arg(typeName(v)));
        return v.toObject();
    }

    QJsonArray array(const QJsonObject& o, const QString& path, const char* key) {
        const QJsonValue v = field(o, path, key, false);
        if (v.isUndefined() || failed()) return {};
        if (!v.isArray()) fail(join(path, key), QStringLiteral("should be a list but is %1").arg(typeName(v)));
        return v.toArray();
    }

    QJsonObject element(const QJsonArray& array, const QString& path, qsizetype index) {
        const QJsonValue v = array.at(index);
        if (!v.isObject()) fail(QStringLiteral("%1[%2]").arg(path).arg(index), QStringLiteral("should be an object but is %1").arg(typeName(v)));
        return v.toObject();
    }

    template <typename Enum, size_t N>
    Enum choice(const QJsonObject& o, const QString& path, const char* key, Enum fallback, const std::pair<const char*, Enum> (&names)[N]) {
        const QString text = string(o, path, key, QString());
        if (text.isNull() || failed()) return fallback;
        QStringList allowed;
        for (const auto& [name, value] : names) {
            if (text == QLatin1String(name)) return value;
            allowed << QString::fromLatin1(name);
        }
        fail(join(path, key), QStringLiteral("is \"%1\", which is not one of %2").arg(text.left(40), allowed.join(QStringLiteral(", "))));
        return fallback;
    }

    static QString join(const QString& path, const char* key) {
        return path.isEmpty() ? QString::fromLatin1(key) : path + QLatin1Char('.') + QLatin1String(key);
    }

private:
    QString error_;
};

const std::pair<const char*, Source> kSources[] = {{"mic", Source::Mic}, {"di", Source::DI}};
const std::pair<const char*, Model> kModels[] = {{"clean", Model::Clean}, {"tube", Model::Tube}, {"transformer", Model::Transformer}};
const std::pair<const char*, LowCut> kLowCuts[] = {{"off", LowCut::Off}, {"50", LowCut::Hz50}, {"80", LowCut::Hz80}, {"160", LowCut::Hz160}, {"300", LowCut::Hz300}};
const std::pair<const char*, SessionMonitorMode> kMonitorModes[] = {{"auto", SessionMonitorMode::Auto}, {"input", SessionMonitorMode::Input}, {"off", SessionMonitorMode::Off}};
const std::pair<const char*, SampleFormat> kFormats[] = {{"pcm24", SampleFormat::Pcm24}, {"float", SampleFormat::Float32}};

template <typename Enum, size_t N>
QString nameOf(Enum value, const std::pair<const char*, Enum> (&names)[N]) {
    for (const auto& [name, v] : names)
        if (v == value) return QString::fromLatin1(name);
    return QString::fromLatin1(names[0].first);
}

QJsonObject preampToJson(const PreampSettings& p) {
    QJsonObject o;
    o[QStringLiteral("source")] = nameOf(p.source, kSources);
    o[QStringLiteral("model")] = nameOf(p.model, kModels);
    o[QStringLiteral("gainDb")] = static_cast<double>(p.gainDb);
    o[QStringLiteral("pad")] = p.pad;
    o[QStringLiteral("lowCut")] = nameOf(p.lowCut, kLowCuts);
    o[QStringLiteral("phase")] = p.phaseInverted;
    o[QStringLiteral("inputZOhms")] = static_cast<double>(p.inputImpedanceOhms);
    o[QStringLiteral("trimDb")] = static_cast<double>(p.outputTrimDb);
    o[QStringLiteral("calibrationDbu")] = static_cast<double>(p.calibrationDbu);
    return o;
}

PreampSettings preampFromJson(Reader& r, const QJsonObject& o, const QString& path) {
    PreampSettings p;
    p.source = r.choice(o, path, "source", p.source, kSources);
    p.inputImpedanceOhms = defaultInputImpedanceOhms(p.source);
    p.model = r.choice(o, path, "model", p.model, kModels);
    const GainRange range = gainRangeFor(p.source);
    p.gainDb = static_cast<float>(r.number(o, path, "gainDb", 0.0, range.minDb, range.maxDb));
    p.pad = r.boolean(o, path, "pad", false);
    p.lowCut = r.choice(o, path, "lowCut", p.lowCut, kLowCuts);
    p.phaseInverted = r.boolean(o, path, "phase", false);
    p.inputImpedanceOhms = static_cast<float>(r.number(o, path, "inputZOhms", p.inputImpedanceOhms, 50.0, 1.0e7));
    p.outputTrimDb = static_cast<float>(r.number(o, path, "trimDb", 0.0, -24.0, 24.0));
    p.calibrationDbu = static_cast<float>(r.number(o, path, "calibrationDbu", kDefaultCalibrationDbu, 6.0, 24.0));
    return p;
}

QJsonArray integersToJson(const std::vector<int64_t>& values) {
    QJsonArray a;
    for (int64_t v : values) a.append(static_cast<double>(v));
    return a;
}

} // namespace

QString monitorModeName(SessionMonitorMode mode) {
    return nameOf(mode, kMonitorModes);
}

QString sampleFormatName(SampleFormat format) {
    return nameOf(format, kFormats);
}

QByteArray Session::toJson() const {
    QJsonObject root;
    root[QStringLiteral("format")] = QString::fromLatin1(kFormatTag);
    root[QStringLiteral("version")] = kFormatVersion;
    root[QStringLiteral("name")] = name;
    root[QStringLiteral("sampleRate")] = sampleRate;

    QJsonObject deviceObject;
    for (const auto& [device, settings] : devices)
        deviceObject[device] = QJsonObject{{QStringLiteral("sampleRate"), settings.sampleRate}, {QStringLiteral("bufferFrames"), settings.bufferFrames}};
    root[QStringLiteral("devices")] = deviceObject;

    QJsonArray trackArray;
    for (const SessionTrack& t : tracks) {
        QJsonObject o;
        o[QStringLiteral("id")] = t.id;
        o[QStringLiteral("name")] = t.name;
        o[QStringLiteral("input")] = QJsonObject{{QStringLiteral("channel"), t.input.channel}, {QStringLiteral("stereo"), t.input.stereo}};
        o[QStringLiteral("preamp")] = preampToJson(t.preamp);
        o[QStringLiteral("armed")] = t.armed;
        o[QStringLiteral("monitor")] = monitorModeName(t.monitor);
        o[QStringLiteral("volumeDb")] = static_cast<double>(t.volumeDb);
        o[QStringLiteral("pan")] = static_cast<double>(t.pan);
        o[QStringLiteral("mute")] = t.mute;
        o[QStringLiteral("solo")] = t.solo;
        o[QStringLiteral("keepRaw")] = t.keepRaw;
        o[QStringLiteral("clipGuard")] = t.clipGuard;
        QJsonArray clipArray;
        for (const Clip& c : t.clips)
            clipArray.append(QJsonObject{{QStringLiteral("file"), c.file},
                                         {QStringLiteral("timelineOffset"), static_cast<double>(c.timelineOffset)},
                                         {QStringLiteral("length"), static_cast<double>(c.length)},
                                         {QStringLiteral("sourceOffset"), static_cast<double>(c.sourceOffset)}});
        o[QStringLiteral("clips")] = clipArray;
        trackArray.append(o);
    }
    root[QStringLiteral("tracks")] = trackArray;

    QJsonArray takeArray;
    for (const TakeRecord& t : takes) {
        QJsonObject o;
        o[QStringLiteral("file")] = t.file;
        o[QStringLiteral("trackId")] = t.trackId;
        o[QStringLiteral("raw")] = t.raw;
        o[QStringLiteral("channels")] = t.channels;
        o[QStringLiteral("sampleRate")] = t.sampleRate;
        o[QStringLiteral("format")] = sampleFormatName(t.format);
        o[QStringLiteral("frames")] = static_cast<double>(t.frames);
        o[QStringLiteral("timelineStart")] = static_cast<double>(t.timelineStart);
        QJsonArray overruns;
        for (const TakeOverrun& overrun : t.overruns)
            overruns.append(QJsonObject{{QStringLiteral("position"), static_cast<double>(overrun.position)}, {QStringLiteral("frames"), static_cast<double>(overrun.frames)}});
        o[QStringLiteral("overruns")] = overruns;
        o[QStringLiteral("xruns")] = integersToJson(t.xruns);
        o[QStringLiteral("report")] = t.report;
        takeArray.append(o);
    }
    root[QStringLiteral("takes")] = takeArray;
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

SessionLoadResult Session::load(const QString& folder) {
    SessionLoadResult result;
    const QString path = QDir(folder).filePath(QString::fromLatin1(kFileName));
    const QFileInfo info(path);
    if (!QFileInfo(folder).isDir()) {
        result.error = QStringLiteral("'%1' is not a folder; choose a session folder (it holds session.json and audio/).").arg(folder);
        return result;
    }
    if (!info.exists()) {
        result.error = QStringLiteral("'%1' is not a Gainstage session: it has no session.json; choose the session folder, or create a new session.").arg(folder);
        return result;
    }
    if (!info.isFile()) {
        result.error = QStringLiteral("'%1' is not a file; %2").arg(path, whatToDo(folder));
        return result;
    }
    // A session file is small; anything huge is not one, and must not be read whole.
    if (info.size() > 64 * 1024 * 1024) {
        result.error = QStringLiteral("'%1' is %2 MB, far larger than any session; %3").arg(path).arg(info.size() / (1024 * 1024)).arg(whatToDo(folder));
        return result;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        result.error = QStringLiteral("cannot read '%1': %2; check its permissions.").arg(path, file.errorString());
        return result;
    }
    return fromJson(file.readAll(), folder);
}

SessionLoadResult Session::fromJson(const QByteArray& json, const QString& folder) {
    SessionLoadResult result;
    const QString where = QDir(folder).filePath(QString::fromLatin1(kFileName));
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        result.error = QStringLiteral("'%1' is damaged: it is not valid JSON (%2 at character %3). %4")
                           .arg(where, parseError.errorString())
                           .arg(parseError.offset)
                           .arg(whatToDo(folder));
        return result;
    }
    if (!document.isObject()) {
        result.error = QStringLiteral("'%1' is damaged: it should hold one JSON object. %2").arg(where, whatToDo(folder));
        return result;
    }
    const QJsonObject root = document.object();
    Reader r;
    if (r.string(root, QString(), "format", QString(), true) != QLatin1String(kFormatTag) && !r.failed())
        r.fail(QStringLiteral("format"), QStringLiteral("is not \"%1\": this is not a Gainstage session file").arg(QLatin1String(kFormatTag)));
    const int64_t version = r.integer(root, QString(), "version", 0, -1e9, 1e9, true);
    if (!r.failed() && (version < 1 || version > kFormatVersion)) {
        result.error = version > kFormatVersion
                           ? QStringLiteral("'%1' was saved by a newer Gainstage (session format %2; this version reads up to %3). Update Gainstage to open it; nothing was changed.")
                                 .arg(where).arg(version).arg(kFormatVersion)
                           : QStringLiteral("'%1' has an unknown session format version %2. %3").arg(where).arg(version).arg(whatToDo(folder));
        return result;
    }

    Session session;
    session.name = r.string(root, QString(), "name", QString());
    session.sampleRate = static_cast<int>(r.integer(root, QString(), "sampleRate", 48000, 8000, 768000));

    const QJsonObject deviceObject = r.object(root, QString(), "devices");
    for (auto it = deviceObject.begin(); it != deviceObject.end() && !r.failed(); ++it) {
        const QString path = QStringLiteral("devices[\"%1\"]").arg(it.key().left(80));
        if (!it.value().isObject()) {
            r.fail(path, QStringLiteral("should be an object but is %1").arg(typeName(it.value())));
            break;
        }
        const QJsonObject o = it.value().toObject();
        DeviceSettings settings;
        settings.sampleRate = static_cast<int>(r.integer(o, path, "sampleRate", 48000, 8000, 768000));
        settings.bufferFrames = static_cast<int>(r.integer(o, path, "bufferFrames", 256, 16, 65536));
        session.devices[it.key()] = settings;
    }

    QSet<QString> trackIds;
    const QJsonArray trackArray = r.array(root, QString(), "tracks");
    for (qsizetype i = 0; i < trackArray.size() && !r.failed(); ++i) {
        const QString path = QStringLiteral("tracks[%1]").arg(i);
        const QJsonObject o = r.element(trackArray, QStringLiteral("tracks"), i);
        SessionTrack t;
        t.id = r.string(o, path, "id", QString(), true);
        if (!r.failed() && (t.id.isEmpty() || trackIds.contains(t.id))) r.fail(Reader::join(path, "id"), t.id.isEmpty() ? QStringLiteral("is empty") : QStringLiteral("\"%1\" is used by two tracks").arg(t.id.left(40)));
        trackIds.insert(t.id);
        t.name = r.string(o, path, "name", QString(), true);
        const QJsonObject input = r.object(o, path, "input");
        t.input.channel = static_cast<int>(r.integer(input, Reader::join(path, "input"), "channel", 0, 0, 1023));
        t.input.stereo = r.boolean(input, Reader::join(path, "input"), "stereo", false);
        t.preamp = preampFromJson(r, r.object(o, path, "preamp"), Reader::join(path, "preamp"));
        t.armed = r.boolean(o, path, "armed", false);
        t.monitor = r.choice(o, path, "monitor", SessionMonitorMode::Auto, kMonitorModes);
        t.volumeDb = static_cast<float>(r.number(o, path, "volumeDb", 0.0, -144.0, 24.0));
        t.pan = static_cast<float>(r.number(o, path, "pan", 0.0, -1.0, 1.0));
        t.mute = r.boolean(o, path, "mute", false);
        t.solo = r.boolean(o, path, "solo", false);
        t.keepRaw = r.boolean(o, path, "keepRaw", false);
        t.clipGuard = r.boolean(o, path, "clipGuard", false);
        const QJsonArray clipArray = r.array(o, path, "clips");
        for (qsizetype c = 0; c < clipArray.size() && !r.failed(); ++c) {
            const QString clipPath = QStringLiteral("%1.clips[%2]").arg(path).arg(c);
            const QJsonObject co = r.element(clipArray, Reader::join(path, "clips"), c);
            Clip clip;
            clip.file = r.string(co, clipPath, "file", QString(), true);
            clip.timelineOffset = r.integer(co, clipPath, "timelineOffset", 0, 0, kMaxSamples);
            clip.length = r.integer(co, clipPath, "length", 0, 0, kMaxSamples, true);
            clip.sourceOffset = r.integer(co, clipPath, "sourceOffset", 0, 0, kMaxSamples);
            t.clips.push_back(clip);
        }
        session.tracks.push_back(std::move(t));
    }

    const QJsonArray takeArray = r.array(root, QString(), "takes");
    for (qsizetype i = 0; i < takeArray.size() && !r.failed(); ++i) {
        const QString path = QStringLiteral("takes[%1]").arg(i);
        const QJsonObject o = r.element(takeArray, QStringLiteral("takes"), i);
        TakeRecord t;
        t.file = r.string(o, path, "file", QString(), true);
        t.trackId = r.string(o, path, "trackId", QString());
        t.raw = r.boolean(o, path, "raw", false);
        t.channels = static_cast<int>(r.integer(o, path, "channels", 1, 1, 64));
        t.sampleRate = static_cast<int>(r.integer(o, path, "sampleRate", session.sampleRate, 8000, 768000));
        t.format = r.choice(o, path, "format", SampleFormat::Pcm24, kFormats);
        t.frames = r.integer(o, path, "frames", 0, 0, kMaxSamples);
        t.timelineStart = r.integer(o, path, "timelineStart", 0, 0, kMaxSamples);
        const QJsonArray overruns = r.array(o, path, "overruns");
        for (qsizetype k = 0; k < overruns.size() && !r.failed(); ++k) {
            const QString markPath = QStringLiteral("%1.overruns[%2]").arg(path).arg(k);
            const QJsonObject mo = r.element(overruns, Reader::join(path, "overruns"), k);
            TakeOverrun overrun;
            overrun.position = r.integer(mo, markPath, "position", 0, 0, kMaxSamples, true);
            overrun.frames = r.integer(mo, markPath, "frames", 0, 0, kMaxSamples, true);
            t.overruns.push_back(overrun);
        }
        const QJsonArray xruns = r.array(o, path, "xruns");
        for (qsizetype k = 0; k < xruns.size() && !r.failed(); ++k) {
            const QJsonValue v = xruns.at(k);
            const double x = v.toDouble(-1.0);
            if (!v.isDouble() || x < 0 || x > kMaxSamples || x != std::floor(x))
                r.fail(QStringLiteral("%1.xruns[%2]").arg(path).arg(k), QStringLiteral("should be a sample position (a whole number from 0)"));
            else
                t.xruns.push_back(static_cast<int64_t>(x));
        }
        t.report = r.object(o, path, "report");
        session.takes.push_back(std::move(t));
    }

    if (r.failed()) {
        result.error = QStringLiteral("'%1' is damaged: %2. %3").arg(where, r.error(), whatToDo(folder));
        return result;
    }

    // Paths: refuse the whole session if any leaves the folder (it is either
    // damaged or hostile); a file that is simply not there only marks its clip.
    auto checkPath = [&](const QString& file, const QString& field) -> std::optional<QString> {
        QString why;
        auto resolved = resolveInside(folder, file, why);
        if (!resolved)
            result.error = QStringLiteral("'%1' refers to a file outside the session folder and was not opened: %2 \"%3\" %4. Gainstage only reads and writes inside the session folder; edit or remove that entry.")
                               .arg(where, field, file.left(200), why);
        return resolved;
    };
    for (size_t i = 0; i < session.tracks.size(); ++i) {
        SessionTrack& t = session.tracks[i];
        for (size_t c = 0; c < t.clips.size(); ++c) {
            const auto resolved = checkPath(t.clips[c].file, QStringLiteral("tracks[%1].clips[%2].file").arg(i).arg(c));
            if (!resolved) return result;
            if (!QFileInfo(*resolved).isFile()) {
                t.clips[c].missing = true;
                result.warnings << QStringLiteral("The audio file '%1' of track \"%2\" is missing; its clip stays in the session but is silent. Put the file back in '%3' to hear it.")
                                       .arg(t.clips[c].file, t.name, QDir(folder).filePath(QString::fromLatin1(kAudioFolder)));
            }
        }
    }
    for (size_t i = 0; i < session.takes.size(); ++i)
        if (!checkPath(session.takes[i].file, QStringLiteral("takes[%1].file").arg(i))) return result;
    // New takes are written into audio/: a link there leading out of the folder
    // would make recording write outside it.
    if (QFileInfo(folder).isDir()) {
        QString why;
        if (!resolveInside(folder, QString::fromLatin1(kAudioFolder), why)) {
            result.error = QStringLiteral("'%1' was not opened: its audio folder '%2' %3. Gainstage only reads and writes inside the session folder; replace that link with a real folder.")
                               .arg(where, QDir(folder).filePath(QString::fromLatin1(kAudioFolder)), why);
            return result;
        }
    }

    result.session = std::move(session);
    return result;
}

bool Session::save(const QString& folder, QString& error) const {
    QDir dir(folder);
    if (!dir.exists() && !QDir().mkpath(folder)) {
        error = QStringLiteral("cannot save the session: cannot create the folder '%1'").arg(folder);
        return false;
    }
    if (!dir.exists(QString::fromLatin1(kAudioFolder)) && !dir.mkdir(QString::fromLatin1(kAudioFolder))) {
        error = QStringLiteral("cannot save the session: cannot create '%1'").arg(dir.filePath(QString::fromLatin1(kAudioFolder)));
        return false;
    }
    // Temporary files of saves that a crash interrupted: never the session itself.
    for (const QString& stale : dir.entryList({QStringLiteral(".session.json.*.tmp")}, QDir::Files | QDir::Hidden)) dir.remove(stale);
    return writeFileAtomically(dir.filePath(QString::fromLatin1(kFileName)), toJson(), error);
}

SessionTrack* Session::findTrack(const QString& id) {
    for (SessionTrack& t : tracks)
        if (t.id == id) return &t;
    return nullptr;
}

QString Session::newTrackId() const {
    for (int n = 1;; ++n) {
        const QString id = QStringLiteral("t%1").arg(n);
        if (std::none_of(tracks.begin(), tracks.end(), [&](const SessionTrack& t) { return t.id == id; })) return id;
    }
}

QString Session::sanitizeName(const QString& name) {
    QString out;
    for (const QChar c : name) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u == 0x7f || c.category() == QChar::Other_Control || c.category() == QChar::Other_Format || c.isSurrogate()) continue;
        if (QStringLiteral("/\\:*?\"<>|").contains(c)) out += QLatin1Char('_');
        else out += c;
    }
    out = out.simplified();
    while (out.startsWith(QLatin1Char('.')) || out.startsWith(QLatin1Char(' '))) out.remove(0, 1);
    out.truncate(64);
    while (out.endsWith(QLatin1Char('.')) || out.endsWith(QLatin1Char(' '))) out.chop(1);
    return out.isEmpty() ? QStringLiteral("Track") : out;
}

QString Session::nextTakeFile(const QString& folder, const QString& trackName, bool raw) const {
    const QString base = sanitizeName(trackName);
    for (int n = 1;; ++n) {
        const QString file = QStringLiteral("%1/%2-%3%4.wav").arg(QLatin1String(kAudioFolder), base).arg(n).arg(raw ? QStringLiteral(".raw") : QString());
        const bool named = std::any_of(takes.begin(), takes.end(), [&](const TakeRecord& t) { return t.file == file; });
        if (!named && !QFileInfo::exists(QDir(folder).filePath(file)) && !QFileInfo(QDir(folder).filePath(file)).isSymLink()) return file;
    }
}

std::optional<QString> Session::resolveInside(const QString& folder, const QString& relative, QString& why) {
    if (relative.isEmpty()) {
        why = QStringLiteral("is empty");
        return std::nullopt;
    }
    for (const QChar c : relative)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f) {
            why = QStringLiteral("contains control characters");
            return std::nullopt;
        }
    if (relative.startsWith(QLatin1Char('/')) || relative.startsWith(QLatin1Char('\\')) || QDir::isAbsolutePath(relative) ||
        (relative.size() > 1 && relative.at(1) == QLatin1Char(':'))) {
        why = QStringLiteral("is an absolute path");
        return std::nullopt;
    }
    const QStringList parts = relative.split(QRegularExpression(QStringLiteral("[/\\\\]")));
    if (parts.contains(QStringLiteral(".."))) {
        why = QStringLiteral("climbs out of the folder with \"..\"");
        return std::nullopt;
    }
    const QString root = QFileInfo(folder).canonicalFilePath();
    if (root.isEmpty()) {
        why = QStringLiteral("cannot be checked: the session folder does not exist");
        return std::nullopt;
    }
    const QString absolute = QDir::cleanPath(root + QLatin1Char('/') + relative);
    // Resolve symlinks of the longest part that exists: a link anywhere on the
    // way (audio/ itself, or the file) must not lead outside.
    QString existing = absolute;
    while (!QFileInfo(existing).exists() && !QFileInfo(existing).isSymLink() && existing.size() > root.size()) existing = QFileInfo(existing).path();
    if (QFileInfo(existing).isSymLink() && !QFileInfo(existing).exists()) {
        why = QStringLiteral("is a link that leads nowhere");
        return std::nullopt;
    }
    const QString canonical = QFileInfo(existing).canonicalFilePath();
    if (canonical != root && !canonical.startsWith(root + QLatin1Char('/'))) {
        why = QStringLiteral("is a link that leads outside the folder (to '%1')").arg(canonical);
        return std::nullopt;
    }
    return canonical + absolute.mid(existing.size());
}

} // namespace gainstage
