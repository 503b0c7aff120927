// Source presets: built-ins, JSON and the user's file. [GUI / control thread]
#include "core/SourcePresets.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QFileInfo>
#include <QStandardPaths>

#include <algorithm>

#include <cmath>

#include "core/AtomicFile.h"

namespace gainstage {

namespace {

constexpr int kFormatVersion = 1;
const char* const kFileName = "source-presets.json";

SourcePreset makePreset(const char* name, Source source, LowCut lowCut, float gainDb, LevelWindow window, float target) {
    SourcePreset p;
    p.name = QString::fromLatin1(name);
    p.preamp.source = source;
    p.preamp.inputImpedanceOhms = defaultInputImpedanceOhms(source);
    p.preamp.lowCut = lowCut;
    p.preamp.gainDb = gainDb;
    p.window = window;
    p.targetDbtp = target;
    p.builtIn = true;
    return p;
}

QString lowCutName(LowCut lowCut) {
    return lowCut == LowCut::Off ? QStringLiteral("off") : QString::number(static_cast<int>(lowCutHz(lowCut)));
}

bool readNumber(const QJsonObject& json, const char* key, double minimum, double maximum, double& value, QString& error) {
    const QJsonValue v = json.value(QLatin1String(key));
    if (v.isUndefined()) return true; // keep the default
    if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() < minimum || v.toDouble() > maximum) {
        error = QStringLiteral("%1 must be a number from %2 to %3").arg(QLatin1String(key)).arg(minimum).arg(maximum);
        return false;
    }
    value = v.toDouble();
    return true;
}

} // namespace

std::vector<SourcePreset> builtInSourcePresets() {
    return {
        makePreset("Vocal", Source::Mic, LowCut::Hz80, 30.0f, {-6.0f, 0.0f}, -3.0f),
        makePreset("Guitar DI", Source::DI, LowCut::Off, 6.0f, {-6.0f, 0.0f}, -3.0f),
        makePreset("Acoustic guitar", Source::Mic, LowCut::Hz50, 30.0f, {-6.0f, 0.0f}, -3.0f),
        makePreset("Bass DI", Source::DI, LowCut::Off, 6.0f, {-10.0f, -3.0f}, -6.0f),
    };
}

QJsonObject sourcePresetToJson(const SourcePreset& p) {
    const PreampSettings& s = p.preamp;
    return QJsonObject{
        {QStringLiteral("name"), p.name},
        {QStringLiteral("source"), s.source == Source::Mic ? QStringLiteral("mic") : QStringLiteral("di")},
        {QStringLiteral("model"), s.model == Model::Clean ? QStringLiteral("clean") : s.model == Model::Tube ? QStringLiteral("tube") : QStringLiteral("transformer")},
        {QStringLiteral("gain_db"), double(s.gainDb)},
        {QStringLiteral("pad"), s.pad},
        {QStringLiteral("low_cut"), lowCutName(s.lowCut)},
        {QStringLiteral("input_z_ohms"), double(s.inputImpedanceOhms)},
        {QStringLiteral("window"), QJsonArray{double(p.window.lowDb), double(p.window.highDb)}},
        {QStringLiteral("target_dbtp"), double(p.targetDbtp)},
    };
}

std::optional<SourcePreset> sourcePresetFromJson(const QJsonObject& json, QString& error) {
    SourcePreset p;
    p.name = json.value(QStringLiteral("name")).toString().trimmed();
    if (p.name.isEmpty()) {
        error = QStringLiteral("name must be a non-empty string");
        return std::nullopt;
    }
    const QString source = json.value(QStringLiteral("source")).toString();
    if (source == QLatin1String("mic")) p.preamp.source = Source::Mic;
    else if (source == QLatin1String("di")) p.preamp.source = Source::DI;
    else {
        error = QStringLiteral("source must be \"mic\" or \"di\"");
        return std::nullopt;
    }
    p.preamp.inputImpedanceOhms = defaultInputImpedanceOhms(p.preamp.source);
    const QString model = json.value(QStringLiteral("model")).toString(QStringLiteral("clean"));
    if (model == QLatin1String("clean")) p.preamp.model = Model::Clean;
    else if (model == QLatin1String("tube")) p.preamp.model = Model::Tube;
    else if (model == QLatin1String("transformer")) p.preamp.model = Model::Transformer;
    else {
        error = QStringLiteral("model must be \"clean\", \"tube\" or \"transformer\"");
        return std::nullopt;
    }
    const QString lowCut = json.value(QStringLiteral("low_cut")).toString(QStringLiteral("off"));
    bool lowCutOk = false;
    for (LowCut c : {LowCut::Off, LowCut::Hz50, LowCut::Hz80, LowCut::Hz160, LowCut::Hz300})
        if (lowCut.compare(lowCutName(c), Qt::CaseInsensitive) == 0) p.preamp.lowCut = c, lowCutOk = true;
    if (!lowCutOk) {
        error = QStringLiteral("low_cut must be \"off\", \"50\", \"80\", \"160\" or \"300\"");
        return std::nullopt;
    }
    const QJsonValue pad = json.value(QStringLiteral("pad"));
    if (!pad.isUndefined() && !pad.isBool()) {
        error = QStringLiteral("pad must be true or false");
        return std::nullopt;
    }
    p.preamp.pad = pad.toBool(false);
    const GainRange range = gainRangeFor(p.preamp.source);
    double gain = 0.0, inputZ = p.preamp.inputImpedanceOhms, target = -3.0;
    if (!readNumber(json, "gain_db", range.minDb, range.maxDb, gain, error) ||
        !readNumber(json, "input_z_ohms", 50.0, 1.0e7, inputZ, error) || !readNumber(json, "target_dbtp", -60.0, 0.0, target, error))
        return std::nullopt;
    p.preamp.gainDb = static_cast<float>(gain);
    p.preamp.inputImpedanceOhms = static_cast<float>(inputZ);
    p.targetDbtp = static_cast<float>(target);
    const QJsonValue window = json.value(QStringLiteral("window"));
    if (!window.isUndefined()) {
        const QJsonArray w = window.toArray();
        if (!window.isArray() || w.size() != 2 || !w[0].isDouble() || !w[1].isDouble() || !(w[0].toDouble() >= -60.0) ||
            !(w[0].toDouble() < w[1].toDouble()) || !(w[1].toDouble() <= 0.0)) {
            error = QStringLiteral("window must be [LO, HI] in dBFS with -60 <= LO < HI <= 0");
            return std::nullopt;
        }
        p.window = {static_cast<float>(w[0].toDouble()), static_cast<float>(w[1].toDouble())};
    }
    if (p.targetDbtp < p.window.lowDb || p.targetDbtp > p.window.highDb) {
        error = QStringLiteral("target_dbtp %1 is outside the window %2..%3").arg(p.targetDbtp).arg(p.window.lowDb).arg(p.window.highDb);
        return std::nullopt;
    }
    return p;
}

SourcePresetStore::SourcePresetStore(QString path) : path_(path.isEmpty() ? defaultPath() : std::move(path)) {}

QString SourcePresetStore::defaultPath() {
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation)).filePath(QLatin1String(kFileName));
}

bool SourcePresetStore::load(QString& error) {
    user_.clear();
    QFile file(path_);
    if (!file.exists()) return true;
    if (!file.open(QIODevice::ReadOnly)) {
        error = QStringLiteral("Cannot read the source presets in %1: %2").arg(path_, file.errorString());
        return false;
    }
    QJsonParseError parse{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parse);
    if (parse.error != QJsonParseError::NoError || !doc.isObject()) {
        error = QStringLiteral("The source presets in %1 are not valid JSON (%2); your own presets were not loaded.")
                    .arg(path_, parse.error != QJsonParseError::NoError ? parse.errorString() : QStringLiteral("expected an object"));
        return false;
    }
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("version")).toInt(-1) != kFormatVersion || !root.value(QStringLiteral("presets")).isArray()) {
        error = QStringLiteral("The source presets in %1 need \"version\": %2 and a \"presets\" array; your own presets were not loaded.")
                    .arg(path_)
                    .arg(kFormatVersion);
        return false;
    }
    std::vector<SourcePreset> loaded;
    const QJsonArray presets = root.value(QStringLiteral("presets")).toArray();
    for (qsizetype i = 0; i < presets.size(); ++i) {
        QString why;
        const QString name = presets[i].toObject().value(QStringLiteral("name")).toString();
        auto preset = presets[i].isObject() ? sourcePresetFromJson(presets[i].toObject(), why) : std::nullopt;
        if (preset && std::any_of(loaded.begin(), loaded.end(), [&](const SourcePreset& p) { return p.name == preset->name; }))
            why = QStringLiteral("the name is used twice"), preset.reset();
        if (!preset) {
            error = QStringLiteral("Source preset %1%2 in %3: %4; your own presets were not loaded.")
                        .arg(i + 1)
                        .arg(name.isEmpty() ? QString() : QStringLiteral(" ('%1')").arg(name), path_,
                             why.isEmpty() ? QStringLiteral("expected an object") : why);
            return false;
        }
        loaded.push_back(*preset);
    }
    user_ = std::move(loaded);
    return true;
}

bool SourcePresetStore::save(QString& error) const {
    QJsonArray presets;
    for (const SourcePreset& p : user_) presets.append(sourcePresetToJson(p));
    const QJsonObject root{{QStringLiteral("version"), kFormatVersion}, {QStringLiteral("presets"), presets}};
    if (!QDir().mkpath(QFileInfo(path_).absolutePath())) {
        error = QStringLiteral("Cannot create the folder for %1").arg(path_);
        return false;
    }
    return writeFileAtomically(path_, QJsonDocument(root).toJson(QJsonDocument::Indented), error);
}

std::vector<SourcePreset> SourcePresetStore::all() const {
    std::vector<SourcePreset> presets = builtInSourcePresets();
    presets.insert(presets.end(), user_.begin(), user_.end());
    return presets;
}

std::optional<SourcePreset> SourcePresetStore::find(const QString& name) const {
    for (const SourcePreset& p : all())
        if (p.name.compare(name, Qt::CaseInsensitive) == 0) return p;
    return std::nullopt;
}

bool SourcePresetStore::put(SourcePreset preset, QString& error) {
    preset.builtIn = false;
    for (const SourcePreset& b : builtInSourcePresets())
        if (b.name.compare(preset.name, Qt::CaseInsensitive) == 0) {
            error = QStringLiteral("'%1' is a built-in preset; save yours under another name").arg(preset.name);
            return false;
        }
    // The same checks as a file gets.
    QString why;
    if (!sourcePresetFromJson(sourcePresetToJson(preset), why)) {
        error = QStringLiteral("Source preset '%1': %2").arg(preset.name, why);
        return false;
    }
    for (SourcePreset& p : user_)
        if (p.name.compare(preset.name, Qt::CaseInsensitive) == 0) {
            p = preset;
            return true;
        }
    user_.push_back(std::move(preset));
    return true;
}

bool SourcePresetStore::remove(const QString& name) {
    const auto before = user_.size();
    std::erase_if(user_, [&](const SourcePreset& p) { return p.name.compare(name, Qt::CaseInsensitive) == 0; });
    return user_.size() != before;
}

} // namespace gainstage
