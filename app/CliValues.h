#pragma once
// Parsing and validating option values for the command line. Every check fails
// with a CliFailure whose one-line message names the option, the value given
// and what is allowed, so a user can fix the call without opening the help.
// [main thread]

#include <QString>
#include <QStringList>

#include <initializer_list>
#include <utility>

#include "dsp/Meter.h"

namespace gainstage::cli {

// The exit codes are part of the command line's contract (see the README).
enum ExitCode : int {
    kExitOk = 0,
    kExitInternalError = 1, // a bug or out of memory: nothing the caller did
    kExitUsage = 2,         // bad sub-command, option or value
    kExitBadInput = 3,      // the input is missing, unreadable or not audio
    kExitCannotWrite = 4,   // the output cannot be written; nothing is left behind
};

// Thrown by the command code, caught once in Cli.cpp and printed as
// "gainstage: <message>" on stderr.
struct CliFailure {
    int exitCode;
    QString message;
};

[[noreturn]] void failUsage(const QString& message);

// "--gain" for "gain": how the user typed it.
QString optionLabel(const QString& name);

// A finite number within [minimum, maximum]. `unit` ("dB", "ohms") and
// `context` (" for --source mic", or empty) are shown in the message.
double parseNumberInRange(const QString& option, const QString& text, double minimum, double maximum, const QString& unit,
                          const QString& context = QString());

// One of `choices` (case-insensitive); the message lists them all.
template <typename T>
T parseChoice(const QString& option, const QString& text, std::initializer_list<std::pair<const char*, T>> choices);

// "LO,HI" in dBFS with kWindowMinDb <= LO < HI <= kWindowMaxDb.
inline constexpr double kWindowMinDb = -60.0;
inline constexpr double kWindowMaxDb = 0.0;
LevelWindow parseWindow(const QString& option, const QString& text);

// ---- implementation of the template ----

QString describeChoices(const QStringList& names);

template <typename T>
T parseChoice(const QString& option, const QString& text, std::initializer_list<std::pair<const char*, T>> choices) {
    QStringList names;
    for (const auto& [name, value] : choices) {
        if (text.compare(QLatin1String(name), Qt::CaseInsensitive) == 0) return value;
        names << QString::fromLatin1(name);
    }
    failUsage(QStringLiteral("%1 '%2' is not allowed; use %3").arg(optionLabel(option), text, describeChoices(names)));
}

} // namespace gainstage::cli
