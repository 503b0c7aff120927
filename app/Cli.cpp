// Sub-command dispatch, help, version and the one place errors are printed. [main thread]
#include "app/Cli.h"

#include <QCoreApplication>
#include <QTextStream>

#include <csignal>
#include <cstdio>
#include <new>
#include <vector>

#include "app/CliCommand.h"
#include "app/CliValues.h"

namespace gainstage::cli {

namespace {

const QString kHelp = QStringLiteral("help");

std::vector<Command> allCommands() {
    return {analyzeCommand(), renderCommand(), devicesCommand(), monitorModelsCommand(), recordCommand(), calibrateCommand(),
            autogainCommand()};
}

const Command* findCommand(const std::vector<Command>& commands, const QString& name) {
    for (const auto& command : commands)
        if (command.name == name) return &command;
    return nullptr;
}

QString commandNames(const std::vector<Command>& commands) {
    QStringList names;
    for (const auto& command : commands) names << command.name;
    names << kHelp;
    return describeChoices(names);
}

QString topLevelHelp(const std::vector<Command>& commands) {
    QString text = QStringLiteral("Usage: gainstage [COMMAND] [options]\n"
                                  "Gainstage %1: a recording studio for vocals and guitar at home.\n"
                                  "With no command it opens the studio window.\n\nCommands:\n")
                       .arg(QCoreApplication::applicationVersion());
    for (const auto& command : commands)
        text += QStringLiteral("  %1 %2\n      %3\n").arg(command.name, command.arguments, command.summary);
    text += QStringLiteral("  help [COMMAND]\n      Show this help, or the options of COMMAND\n\n"
                           "Options:\n"
                           "  -h, --help     Show this help\n"
                           "  -v, --version  Show the version\n\n"
                           "Run 'gainstage help COMMAND' or 'gainstage COMMAND --help' for a command's options.\n"
                           "Exit codes: 0 done, 1 internal error, 2 bad usage, 3 unreadable or unsupported input,\n"
                           "4 cannot write the output (nothing half-written is left behind).\n");
    return text;
}

QCommandLineOption helpOption() {
    return QCommandLineOption({QStringLiteral("h"), kHelp}, QStringLiteral("Show the help of this command."));
}

void configureParser(QCommandLineParser& parser, const Command& command) {
    // "-json" means "--json", not "-j -s -o -n".
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.setApplicationDescription(command.description);
    parser.addOption(helpOption());
    command.defineOptions(parser);
    for (const QString& name : command.arguments.split(QLatin1Char(' ')))
        parser.addPositionalArgument(name, QString(), name);
}

// Qt's usage line names the executable by its full path and puts [options]
// first; ours reads like the command a user types.
QString commandHelp(const Command& command) {
    QCommandLineParser parser;
    configureParser(parser, command);
    QString qtHelp = parser.helpText();
    qtHelp = qtHelp.mid(qtHelp.indexOf(QLatin1Char('\n')) + 1);
    const qsizetype arguments = qtHelp.indexOf(QStringLiteral("\nArguments:"));
    if (arguments >= 0) qtHelp.truncate(arguments); // positional names are in the usage line already
    return QStringLiteral("Usage: gainstage %1 %2 [options]\n").arg(command.name, command.arguments) + qtHelp.trimmed() +
           QStringLiteral("\n\n") + command.details;
}

QString describeParseError(const QCommandLineParser& parser, const Command& command) {
    const QString seeHelp = QStringLiteral("; see 'gainstage %1 --help'").arg(command.name);
    const QStringList unknown = parser.unknownOptionNames();
    if (!unknown.isEmpty())
        return QStringLiteral("%1: unknown option '%2'").arg(command.name, optionLabel(unknown.first())) + seeHelp;
    QString reason = parser.errorText();
    if (reason.endsWith(QLatin1Char('.'))) reason.chop(1);
    if (!reason.isEmpty()) reason[0] = reason[0].toLower();
    return QStringLiteral("%1: %2").arg(command.name, reason) + seeHelp;
}

// `run` false: parse and validate the options, but do not run the command.
int runCommand(const Command& command, QStringList arguments, QTextStream& out, bool run) {
    arguments.removeAt(1); // the parser expects the program, then the command's own arguments
    QCommandLineParser parser;
    configureParser(parser, command);
    if (!parser.parse(arguments)) failUsage(describeParseError(parser, command));
    if (parser.isSet(kHelp)) {
        out << commandHelp(command);
        return kExitOk;
    }
    return run ? command.run(parser, out) : kExitOk;
}

int showHelp(const std::vector<Command>& commands, const QStringList& topics, QTextStream& out) {
    if (topics.isEmpty()) {
        out << topLevelHelp(commands);
        return kExitOk;
    }
    const Command* command = topics.size() == 1 ? findCommand(commands, topics.first()) : nullptr;
    if (!command) failUsage(QStringLiteral("help: no command '%1'; use %2").arg(topics.join(QLatin1Char(' ')), commandNames(commands)));
    out << commandHelp(*command);
    return kExitOk;
}

int dispatch(const QStringList& arguments, QTextStream& out, bool run = true) {
    const std::vector<Command> commands = allCommands();
    const QString first = arguments.value(1);
    if (first == QLatin1String("-h") || first == QLatin1String("--help") || first == QLatin1String("-help"))
        return showHelp(commands, {}, out);
    if (first == QLatin1String("-v") || first == QLatin1String("--version") || first == QLatin1String("-version")) {
        out << QStringLiteral("gainstage %1\n").arg(QCoreApplication::applicationVersion());
        return kExitOk;
    }
    if (first == kHelp) return showHelp(commands, arguments.mid(2), out);
    if (first.startsWith(QLatin1Char('-')))
        failUsage(QStringLiteral("unknown option '%1'; give a command first (%2), or see 'gainstage --help'").arg(first, commandNames(commands)));
    const Command* command = findCommand(commands, first);
    if (!command) failUsage(QStringLiteral("unknown command '%1'; use %2").arg(first, commandNames(commands)));
    return runCommand(*command, arguments, out, run);
}

void printError(const QString& message) {
    // One line, whatever the message carried in.
    std::fprintf(stderr, "gainstage: %s\n", message.simplified().toLocal8Bit().constData());
}

// An interrupted render must not leave its temporary file behind: remove it,
// then die of the same signal so the caller sees what happened.
void removePartialOutputAndDie(int signalNumber) {
    removePartialOutputFromSignalHandler();
    std::signal(signalNumber, SIG_DFL);
    std::raise(signalNumber);
}

void installInterruptCleanup() {
    for (const int signalNumber : {SIGINT, SIGTERM, SIGHUP}) std::signal(signalNumber, removePartialOutputAndDie);
}

} // namespace

bool wantsCommandLine(int argc) {
    return argc > 1;
}

int runCommandLine(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("gainstage"));
    QCoreApplication::setApplicationVersion(QStringLiteral(GAINSTAGE_VERSION));
    installInterruptCleanup();
    QTextStream out(stdout);
    try {
        return dispatch(QCoreApplication::arguments(), out);
    } catch (const CliFailure& failure) {
        out.flush();
        printError(failure.message);
        return failure.exitCode;
    } catch (const std::bad_alloc&) {
        out.flush();
        printError(QStringLiteral("out of memory (is the file too large to load at once?)"));
        return kExitInternalError;
    }
}

int parseCommandLine(const QStringList& arguments, QString& out, QString& error) {
    QTextStream stream(&out);
    try {
        return dispatch(arguments, stream, false);
    } catch (const CliFailure& failure) {
        error = failure.message.simplified();
        return failure.exitCode;
    }
}

} // namespace gainstage::cli
