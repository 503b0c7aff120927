#pragma once
// The command line: `gainstage COMMAND [options]`, headless under a
// QCoreApplication, so it runs on a server or in CI without a display.
//
//   gainstage --help | --version
//   gainstage help [COMMAND]
//   gainstage analyze FILE [--json] [--window LO,HI]
//   gainstage render IN OUT [preamp options] [--format pcm24|float] [--json] [--window LO,HI]
//
// Exit codes: 0 done, 1 internal error, 2 bad usage, 3 unreadable or
// unsupported input, 4 cannot write the output. Every error is one line on
// stderr starting with "gainstage: ". [main thread]

#include <QString>
#include <QStringList>

namespace gainstage::cli {

// True when argv asks for the command line (any argument at all); with none,
// main() opens the studio window.
bool wantsCommandLine(int argc);

// Creates the QCoreApplication, runs the command and returns the exit code.
int runCommandLine(int argc, char** argv);

// Everything runCommandLine does before a command starts its work: the command
// lookup, help, version and the command's options (QCommandLineParser), with
// the same messages and exit codes, but the command itself never runs, so
// nothing is read, written or opened. `arguments` starts with the program
// name. Needs a QCoreApplication. Returns the exit code (kExitOk when the
// command would run), with the message in `error` and any help text in `out`.
// For the command-line fuzzer.
int parseCommandLine(const QStringList& arguments, QString& out, QString& error);

} // namespace gainstage::cli
