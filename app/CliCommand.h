#pragma once
// One sub-command of the command line, and what the sub-commands share: the
// report options (--json, --window), reading the input and printing a report.
// Cli.cpp owns parsing, help and error reporting; a command only declares its
// options and runs. [main thread]

#include <QCommandLineParser>
#include <QString>
#include <QTextStream>

#include "core/AudioFile.h"
#include "core/FileAnalysis.h"

namespace gainstage::cli {

struct Command {
    QString name;        // "render"
    QString arguments;   // "IN OUT", for the usage line
    QString summary;     // one line, for the top-level command list
    QString description; // shown under the usage line of the command's help
    QString details;     // shown after the options (definitions, exit codes)
    void (*defineOptions)(QCommandLineParser& parser);
    int (*run)(const QCommandLineParser& parser, QTextStream& out);
};

Command analyzeCommand();
Command renderCommand();
Command devicesCommand(); // app/DevicesCommand.cpp
Command recordCommand();  // app/RecordCommand.cpp
Command calibrateCommand(); // app/CalibrateCommand.cpp
Command monitorModelsCommand(); // app/MonitorModelsCommand.cpp
Command autogainCommand(); // app/AutogainCommand.cpp

// --json and --window, shared by every command that prints a report.
void addReportOptions(QCommandLineParser& parser);
bool wantsJson(const QCommandLineParser& parser);
LevelWindow windowOption(const QCommandLineParser& parser);
void printReport(const FileReport& report, bool json, QTextStream& out);
// What the report options mean, for a command's help.
QString reportDetails();

// The positional arguments, exactly `count` of them, or a usage failure naming `names`.
QStringList positionalArguments(const QCommandLineParser& parser, const QString& command, const QStringList& names);

// Reads `path` or fails with kExitBadInput.
AudioData readInputOrFail(const QString& path);

} // namespace gainstage::cli
