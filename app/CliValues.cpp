// Option value parsing for the command line. [main thread]
#include "app/CliValues.h"

#include <QStringList>

#include <cmath>

namespace gainstage::cli {

namespace {

// "+6" and "-20" read better than "6" and "-20" next to each other in a range.
QString signedNumber(double value) {
    const QString text = QString::number(value, 'g', 8);
    return value > 0.0 ? QLatin1Char('+') + text : text;
}

// Qt's toDouble accepts "inf" and "nan"; neither is a setting.
bool toFiniteNumber(const QString& text, double& value) {
    bool ok = false;
    value = text.trimmed().toDouble(&ok);
    return ok && std::isfinite(value);
}

} // namespace

void failUsage(const QString& message) {
    throw CliFailure{kExitUsage, message};
}

QString optionLabel(const QString& name) {
    return (name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name;
}

QString describeChoices(const QStringList& names) {
    if (names.size() < 2) return names.join(QString());
    return names.mid(0, names.size() - 1).join(QStringLiteral(", ")) + QStringLiteral(" or ") + names.last();
}

double parseNumberInRange(const QString& option, const QString& text, double minimum, double maximum, const QString& unit) {
    double value = 0.0;
    const QString allowed = QStringLiteral("a number of %1 from %2 to %3").arg(unit, signedNumber(minimum), signedNumber(maximum));
    if (!toFiniteNumber(text, value))
        failUsage(QStringLiteral("%1 '%2' is not a number; use %3").arg(optionLabel(option), text, allowed));
    if (value < minimum || value > maximum)
        failUsage(QStringLiteral("%1 %2 is out of range; use %3").arg(optionLabel(option), text, allowed));
    return value;
}

LevelWindow parseWindow(const QString& option, const QString& text) {
    const QString allowed = QStringLiteral("two numbers LO,HI in dBFS with %1 <= LO < HI <= %2, e.g. %3 -6,0")
                                .arg(kWindowMinDb)
                                .arg(kWindowMaxDb)
                                .arg(optionLabel(option));
    const QStringList parts = text.split(QLatin1Char(','));
    double low = 0.0, high = 0.0;
    if (parts.size() != 2 || !toFiniteNumber(parts[0], low) || !toFiniteNumber(parts[1], high) || low < kWindowMinDb ||
        high > kWindowMaxDb || low >= high)
        failUsage(QStringLiteral("%1 '%2' is not valid; give %3").arg(optionLabel(option), text, allowed));
    return LevelWindow{static_cast<float>(low), static_cast<float>(high)};
}

} // namespace gainstage::cli
