// Option value parsing for the command line. [main thread]
#include "app/CliValues.h"

#include <QStringList>

#include <cmath>

namespace gainstage::cli {

namespace {

// "-20 to +60" reads better than "-20 to 60"; "50 to 20000 ohms" needs no sign.
QString rangeText(double minimum, double maximum, const QString& unit) {
    const auto number = [&](double value) {
        const QString text = QString::number(value, 'g', 10);
        return minimum < 0.0 && value > 0.0 ? QLatin1Char('+') + text : text;
    };
    return QStringLiteral("%1 to %2 %3").arg(number(minimum), number(maximum), unit);
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

double parseNumberInRange(const QString& option, const QString& text, double minimum, double maximum, const QString& unit,
                          const QString& context) {
    double value = 0.0;
    const QString allowed = rangeText(minimum, maximum, unit);
    if (!toFiniteNumber(text, value))
        failUsage(QStringLiteral("%1 '%2' is not a number; use %3%4").arg(optionLabel(option), text, allowed, context));
    if (value < minimum || value > maximum)
        failUsage(QStringLiteral("%1 %2 is out of range%3; use %4").arg(optionLabel(option), text, context, allowed));
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
