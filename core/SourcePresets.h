#pragma once
// Source presets (issue 5): a preset sets the starting point of the preamp for
// a kind of source (Mic or DI, Input Z, Low Cut, a starting Gain) and the
// target window and Auto Gain target that suit it.
//
// Built in: Vocal (Mic, Low Cut 80 Hz, 1200 ohm), Guitar DI (DI, 1 Mohm, no
// Low Cut), Acoustic guitar (Mic, Low Cut 50 Hz), Bass DI (DI, 1 Mohm, no Low
// Cut, a lower window: a bass's slaps and pops peak far above its body, so the
// body sits lower to leave them room).
//
// Users save their own in user preferences as one JSON file,
// QStandardPaths::AppConfigLocation/source-presets.json, written atomically
// (core/AtomicFile). A missing file is no presets; a bad file (not JSON, a
// wrong value) gives one sentence naming the file, the preset and the field,
// and is never applied half: the store keeps no user presets from it.
// Tests call QStandardPaths::setTestModeEnabled(true) first.
//
// [GUI / control thread] Plain values; nothing here touches the audio thread
// (applying a preset goes through Preamp's atomic setters).

#include <QJsonObject>
#include <QString>

#include <optional>
#include <vector>

#include "dsp/Meter.h"
#include "dsp/PreampSettings.h"

namespace gainstage {

struct SourcePreset {
    QString name;
    PreampSettings preamp;  // the starting point (source, model, Gain, Pad, Low Cut, Input Z)
    LevelWindow window;     // where the peaks should land
    float targetDbtp = -3.0f; // Auto Gain's target, inside the window
    bool builtIn = false;
};

std::vector<SourcePreset> builtInSourcePresets();

// JSON for one preset, and back (nullopt with `error` naming the field).
QJsonObject sourcePresetToJson(const SourcePreset& preset);
std::optional<SourcePreset> sourcePresetFromJson(const QJsonObject& json, QString& error);

class SourcePresetStore {
public:
    // `path` empty: the user preferences file (defaultPath()).
    explicit SourcePresetStore(QString path = QString());
    static QString defaultPath();
    const QString& path() const { return path_; }

    // Reads the user's presets. A missing file is fine (none). On a bad file it
    // returns false, `error` says why, and the store holds no user presets.
    bool load(QString& error);
    // Writes the user's presets atomically; false with `error` on failure.
    bool save(QString& error) const;

    // Built-ins first, then the user's.
    std::vector<SourcePreset> all() const;
    const std::vector<SourcePreset>& userPresets() const { return user_; }
    std::optional<SourcePreset> find(const QString& name) const;
    // Adds or replaces a user preset (by name). Refuses a built-in's name and bad values.
    bool put(SourcePreset preset, QString& error);
    bool remove(const QString& name);

private:
    QString path_;
    std::vector<SourcePreset> user_;
};

} // namespace gainstage
