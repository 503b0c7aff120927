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

namespace gainstage::cli {

// True when argv asks for the command line (any argument at all); with none,
// main() opens the studio window.
bool wantsCommandLine(int argc);

// Creates the QCoreApplication, runs the command and returns the exit code.
int runCommandLine(int argc, char** argv);

} // namespace gainstage::cli
