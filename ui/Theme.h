#pragma once
// The studio window's two looks: a dark theme, as DAW users expect, and a
// readable light one. Both are a QPalette on the Fusion style plus a few style
// rules for the controls that carry meaning (Arm, Record, Mute, Solo, banners).
// [GUI thread]

#include <QString>

class QApplication;

namespace gainstage {

enum class Theme { Dark, Light };

// Applies the theme to the whole application.
void applyTheme(QApplication& app, Theme theme);
QString themeName(Theme theme);
Theme themeFromName(const QString& name); // unknown names: Dark

} // namespace gainstage
