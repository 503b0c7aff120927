#pragma once
// The monitor section's settings as the user's preferences, per output device.
//
// Monitoring belongs to the room and the headphones, not to the song: the
// settings live in QSettings (organisation "Gainstage", application
// "Gainstage"), never in session.json, under one group per output device
// name ("monitor/<device>"), so plugging the headphones interface back in
// brings back its headphone settings and the desk speakers keep theirs.
//
// Stored values are words and plain numbers (output=headphones,
// speaker=cube, crossfeed=chumoy, volume_db=-6, ...), readable and editable
// by hand. Loading never trusts them: a value that is unknown, not a number,
// not finite or out of range is ignored (the default stays), with a warning
// that names the device, the key, the bad value and what is allowed; it is
// never a crash and never a clamp to something the user did not choose.
//
// Threads: [control thread] (QSettings is not for the audio thread). Apply a
// loaded set with Engine::monitor().setSettings().

#include <QSettings>
#include <QString>
#include <QStringList>

#include "dsp/MonitorChain.h"

namespace gainstage {

struct MonitorSettingsLoad {
    MonitorSettings settings; // the defaults where nothing (valid) was stored
    bool found = false;       // the device had a stored group
    QStringList warnings;     // one sentence per ignored value (also sent to qWarning)
};

// The QSettings group for a device ('/' and '\' are escaped: QSettings splits on them).
QString monitorSettingsGroup(const QString& outputDevice);

// [control thread] Through QSettings("Gainstage", "Gainstage").
MonitorSettingsLoad loadMonitorSettings(const QString& outputDevice);
bool saveMonitorSettings(const QString& outputDevice, const MonitorSettings& settings);
// [control thread] Through a given store (tests: a file in a temporary folder).
MonitorSettingsLoad loadMonitorSettings(QSettings& store, const QString& outputDevice);
// False when the store could not be written.
bool saveMonitorSettings(QSettings& store, const QString& outputDevice, const MonitorSettings& settings);

// The words used in the store (and usable by a UI or command line).
QString monitorOutputName(MonitorOutput output);
QString crossfeedPresetName(CrossfeedPreset preset);

} // namespace gainstage
