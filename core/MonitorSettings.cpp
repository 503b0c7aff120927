// Monitor settings per output device in QSettings. [control thread]
#include "core/MonitorSettings.h"

#include <QtGlobal>

#include <cmath>
#include <optional>

#include "dsp/Crossfeed.h"
#include "dsp/PowerAmp.h"
#include "dsp/SpeakerParameters.h"

namespace gainstage {

namespace {

QSettings userSettings() { return QSettings(QStringLiteral("Gainstage"), QStringLiteral("Gainstage")); }

constexpr CrossfeedPreset kPresets[] = {CrossfeedPreset::None, CrossfeedPreset::Default, CrossfeedPreset::ChuMoy,
                                        CrossfeedPreset::Meier, CrossfeedPreset::Custom};

QString speakerNames() {
    QStringList names;
    for (const auto& p : kSpeakerCatalog) names << QString::fromLatin1(p.id.data(), static_cast<int>(p.id.size()));
    return names.join(QStringLiteral(", "));
}

// Reads one group's values; every rejection is a sentence in `warnings`.
class Reader {
public:
    Reader(QSettings& store, const QString& device, QStringList& warnings) : store_(store), device_(device), warnings_(warnings) {}

    std::optional<QString> word(const char* key) {
        const QVariant v = store_.value(QLatin1String(key));
        if (!v.isValid()) return std::nullopt;
        return v.toString().trimmed().toLower();
    }

    // A number in [lo, hi], or `zeroMeans` when it is exactly 0 (or < 0 if negativeMeansDefault).
    std::optional<float> number(const char* key, float lo, float hi, const QString& allowed, bool zeroAllowed = false,
                                bool negativeAllowed = false) {
        const QVariant v = store_.value(QLatin1String(key));
        if (!v.isValid()) return std::nullopt;
        bool ok = false;
        const double x = v.toString().trimmed().toDouble(&ok);
        if (!ok || !std::isfinite(x)) return reject(key, v.toString(), allowed), std::nullopt;
        if (zeroAllowed && x == 0.0) return 0.0f;
        if (negativeAllowed && x < 0.0) return -1.0f;
        if (x < lo || x > hi) return reject(key, v.toString(), allowed), std::nullopt;
        return static_cast<float>(x);
    }

    std::optional<bool> flag(const char* key) {
        const QVariant v = store_.value(QLatin1String(key));
        if (!v.isValid()) return std::nullopt;
        const QString s = v.toString().trimmed().toLower();
        if (s == QLatin1String("true") || s == QLatin1String("1") || s == QLatin1String("on")) return true;
        if (s == QLatin1String("false") || s == QLatin1String("0") || s == QLatin1String("off")) return false;
        reject(key, v.toString(), QStringLiteral("true or false"));
        return std::nullopt;
    }

    void reject(const char* key, const QString& value, const QString& allowed) {
        const QString message = QStringLiteral("Monitor settings for output device \"%1\": ignored %2 = \"%3\" (allowed: %4); the default is used.")
                                    .arg(device_, QLatin1String(key), value, allowed);
        qWarning("%s", qUtf8Printable(message));
        warnings_ << message;
    }

private:
    QSettings& store_;
    const QString& device_;
    QStringList& warnings_;
};

} // namespace

QString monitorOutputName(MonitorOutput output) {
    return output == MonitorOutput::Headphones ? QStringLiteral("headphones") : QStringLiteral("speakers");
}

QString crossfeedPresetName(CrossfeedPreset preset) {
    switch (preset) {
    case CrossfeedPreset::None: return QStringLiteral("none");
    case CrossfeedPreset::Default: return QStringLiteral("default");
    case CrossfeedPreset::ChuMoy: return QStringLiteral("chumoy");
    case CrossfeedPreset::Meier: return QStringLiteral("meier");
    case CrossfeedPreset::Custom: return QStringLiteral("custom");
    }
    return QStringLiteral("none");
}

QString monitorSettingsGroup(const QString& outputDevice) {
    QString name = outputDevice;
    name.replace(QLatin1Char('%'), QLatin1String("%25"));
    name.replace(QLatin1Char('/'), QLatin1String("%2F"));
    name.replace(QLatin1Char('\\'), QLatin1String("%5C"));
    if (name.isEmpty()) name = QStringLiteral("%00"); // an unnamed device still gets a group of its own
    return QStringLiteral("monitor/") + name;
}

MonitorSettingsLoad loadMonitorSettings(const QString& outputDevice) {
    QSettings store = userSettings();
    return loadMonitorSettings(store, outputDevice);
}

bool saveMonitorSettings(const QString& outputDevice, const MonitorSettings& settings) {
    QSettings store = userSettings();
    return saveMonitorSettings(store, outputDevice, settings);
}

MonitorSettingsLoad loadMonitorSettings(QSettings& store, const QString& outputDevice) {
    MonitorSettingsLoad result;
    MonitorSettings& s = result.settings;
    store.beginGroup(monitorSettingsGroup(outputDevice));
    result.found = !store.childKeys().isEmpty();
    Reader r(store, outputDevice, result.warnings);

    if (auto w = r.word("output")) {
        if (*w == QLatin1String("speakers")) s.output = MonitorOutput::Speakers;
        else if (*w == QLatin1String("headphones")) s.output = MonitorOutput::Headphones;
        else r.reject("output", *w, QStringLiteral("speakers, headphones"));
    }
    if (auto w = r.word("speaker")) {
        const QByteArray id = w->toUtf8();
        if (const SpeakerParameters* p = findSpeaker(std::string_view(id.constData(), static_cast<size_t>(id.size()))))
            s.speaker = static_cast<SpeakerId>(p - kSpeakerCatalog.data());
        else r.reject("speaker", *w, speakerNames());
    }
    if (auto x = r.number("amp_power_w", kAmpMinPowerW, kAmpMaxPowerW, QStringLiteral("0.1..2000 W, or 0 for the speaker's usual amp"), true))
        s.ampPowerW = *x;
    if (auto x = r.number("amp_load_ohms", kAmpMinLoadOhms, kAmpMaxLoadOhms, QStringLiteral("2..16 ohm, or 0 for the speaker's nominal load"), true))
        s.ampLoadOhms = *x;
    if (auto x = r.number("amp_output_ohms", kAmpMinOutputOhms, kAmpMaxOutputOhms,
                          QStringLiteral("0..10 ohm, or -1 for the speaker's usual amp"), false, true))
        s.ampOutputOhms = *x;
    if (auto x = r.number("amp_gain_db", kAmpMinGainDb, kAmpMaxGainDb, QStringLiteral("-40..+40 dB"))) s.ampGainDb = *x;
    if (auto b = r.flag("amp_sag")) s.ampSag = *b;
    if (auto w = r.word("crossfeed")) {
        bool known = false;
        for (CrossfeedPreset p : kPresets)
            if (*w == crossfeedPresetName(p)) s.crossfeed = p, known = true;
        if (!known) r.reject("crossfeed", *w, QStringLiteral("none, default, chumoy, meier, custom"));
    }
    if (auto x = r.number("crossfeed_hz", kCrossfeedMinHz, kCrossfeedMaxHz, QStringLiteral("300..2000 Hz"))) s.customCrossfeed.cutoffHz = *x;
    if (auto x = r.number("crossfeed_db", kCrossfeedMinDb, kCrossfeedMaxDb, QStringLiteral("1..15 dB"))) s.customCrossfeed.feedDb = *x;
    if (auto x = r.number("volume_db", kMonitorMinVolumeDb, kMonitorMaxVolumeDb, QStringLiteral("-60..+12 dB"))) s.volumeDb = *x;
    if (auto b = r.flag("dim")) s.dim = *b;
    if (auto b = r.flag("mono")) s.mono = *b;
    if (auto b = r.flag("mute")) s.mute = *b;
    store.endGroup();
    return result;
}

bool saveMonitorSettings(QSettings& store, const QString& outputDevice, const MonitorSettings& s) {
    store.beginGroup(monitorSettingsGroup(outputDevice));
    const SpeakerParameters& speaker = speakerParameters(s.speaker);
    store.setValue(QStringLiteral("output"), monitorOutputName(s.output));
    store.setValue(QStringLiteral("speaker"), QString::fromLatin1(speaker.id.data(), static_cast<int>(speaker.id.size())));
    store.setValue(QStringLiteral("amp_power_w"), static_cast<double>(s.ampPowerW));
    store.setValue(QStringLiteral("amp_load_ohms"), static_cast<double>(s.ampLoadOhms));
    store.setValue(QStringLiteral("amp_output_ohms"), static_cast<double>(s.ampOutputOhms));
    store.setValue(QStringLiteral("amp_gain_db"), static_cast<double>(s.ampGainDb));
    store.setValue(QStringLiteral("amp_sag"), s.ampSag);
    store.setValue(QStringLiteral("crossfeed"), crossfeedPresetName(s.crossfeed));
    store.setValue(QStringLiteral("crossfeed_hz"), static_cast<double>(s.customCrossfeed.cutoffHz));
    store.setValue(QStringLiteral("crossfeed_db"), static_cast<double>(s.customCrossfeed.feedDb));
    store.setValue(QStringLiteral("volume_db"), static_cast<double>(s.volumeDb));
    store.setValue(QStringLiteral("dim"), s.dim);
    store.setValue(QStringLiteral("mono"), s.mono);
    store.setValue(QStringLiteral("mute"), s.mute);
    store.endGroup();
    store.sync();
    return store.status() == QSettings::NoError;
}

} // namespace gainstage
