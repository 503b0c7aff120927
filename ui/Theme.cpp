// Dark and light palettes for the studio window. [GUI thread]
#include "ui/Theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace gainstage {

namespace {

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31), base(0x1e, 0x20, 0x23), text(0xe6, 0xe6, 0xe6), dim(0x8a, 0x8f, 0x96);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2c));
    p.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3d, 0x42));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, dim);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x3a, 0x3d, 0x42));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x55, 0x55));
    p.setColor(QPalette::Light, QColor(0x4a, 0x4e, 0x54));
    p.setColor(QPalette::Midlight, QColor(0x40, 0x43, 0x48));
    p.setColor(QPalette::Mid, QColor(0x30, 0x32, 0x36));
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
    p.setColor(QPalette::Shadow, QColor(0x0c, 0x0c, 0x0d));
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x8e, 0xd8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x5c, 0xa8, 0xf0));
    for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, dim);
    return p;
}

// Rules for the controls whose colour means something; the palette does the rest.
QString styleRules(Theme theme) {
    const bool dark = theme == Theme::Dark;
    QString rules = QStringLiteral(
        "QToolButton#record:checked, QPushButton#arm:checked { background: #d63a3a; color: white; border-color: #ff6b6b; }"
        "QToolButton#play:checked { background: #2f9e54; color: white; }"
        "QPushButton#mute:checked { background: #d68a1f; color: black; }"
        "QPushButton#solo:checked { background: #e0c232; color: black; }"
        "QFrame#banner[kind=\"error\"] { background: #7a2323; color: white; border-radius: 4px; }"
        "QFrame#banner[kind=\"warning\"] { background: #7a5a12; color: white; border-radius: 4px; }"
        "QFrame#banner[kind=\"info\"] { background: #23507a; color: white; border-radius: 4px; }"
        "QFrame#banner QLabel { color: white; }"
        "QLabel#timeDisplay { font-family: monospace; font-size: 20px; padding: 2px 10px; border-radius: 4px; }");
    rules += dark ? QStringLiteral("QLabel#timeDisplay { background: #101113; color: #7fe08a; }")
                  : QStringLiteral("QLabel#timeDisplay { background: #20262c; color: #9ff0a8; }");
    return rules;
}

} // namespace

void applyTheme(QApplication& app, Theme theme) {
    app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    app.setPalette(theme == Theme::Dark ? darkPalette() : app.style()->standardPalette());
    app.setStyleSheet(styleRules(theme));
}

QString themeName(Theme theme) { return theme == Theme::Dark ? QStringLiteral("dark") : QStringLiteral("light"); }

Theme themeFromName(const QString& name) { return name == QStringLiteral("light") ? Theme::Light : Theme::Dark; }

} // namespace gainstage
