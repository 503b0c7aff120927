// libFuzzer target: the command line, parsed and validated but never run.
// The input is split into arguments at NUL or newline (at most kMaxArguments,
// after the program name); parseCommandLine does the command lookup, help,
// version and each command's QCommandLineParser step exactly as `gainstage`
// does. Every argument is also given to the option value parsers
// (app/CliValues.h) that the commands call on option values.
//
// Oracles besides the sanitizers: the exit code is 0 or 2 (bad usage: nothing
// ran, so nothing else is possible), and a refusal has a one-line message.
#include <QCoreApplication>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "app/Cli.h"
#include "app/CliValues.h"

using namespace gainstage::cli;

namespace {

constexpr int kMaxArguments = 24;

int g_argc = 1;
char g_program[] = "gainstage";
char* g_argv[] = {g_program, nullptr};

void fail(const char* what, const QString& detail) {
    std::fprintf(stderr, "fuzz_cli_args: %s: %s\n", what, qPrintable(detail));
    std::abort();
}

// Calls `parse` and checks a refusal is a usage error with a one-line message.
template <typename Parse>
void expectValueCheck(Parse parse) {
    try {
        parse();
    } catch (const CliFailure& failure) {
        if (failure.exitCode != kExitUsage || failure.message.isEmpty()) fail("a value check failed without a usage message", failure.message);
    }
}

enum class Choice { A, B, C };

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // Never destroyed: libFuzzer leaves through exit(), and a QCoreApplication
    // destroyed among the static destructors crashes.
    new QCoreApplication(g_argc, g_argv);
    QCoreApplication::setApplicationName(QStringLiteral("gainstage"));
    QCoreApplication::setApplicationVersion(QStringLiteral(GAINSTAGE_VERSION));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    QStringList arguments{QStringLiteral("gainstage")};
    size_t start = 0;
    for (size_t i = 0; i <= size && arguments.size() <= kMaxArguments; ++i) {
        if (i == size || data[i] == '\0' || data[i] == '\n') {
            arguments << QString::fromUtf8(reinterpret_cast<const char*>(data + start), static_cast<qsizetype>(i - start));
            start = i + 1;
        }
    }

    QString out, error;
    const int code = parseCommandLine(arguments, out, error);
    if (code != kExitOk && code != kExitUsage) fail("parsing alone gave an exit code other than 0 or 2", QString::number(code));
    if (code == kExitUsage && (error.isEmpty() || error.contains(QLatin1Char('\n')))) fail("a usage error without a one-line message", error);
    if (code == kExitOk && !error.isEmpty()) fail("success with an error message", error);

    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString& value = arguments.at(i);
        expectValueCheck([&] { parseNumberInRange(QStringLiteral("gain"), value, -20.0, 60.0, QStringLiteral("dB"), QStringLiteral(" for --source mic")); });
        expectValueCheck([&] { parseNumberInRange(QStringLiteral("rate"), value, 8000.0, 384000.0, QStringLiteral("Hz")); });
        expectValueCheck([&] { parseWindow(QStringLiteral("window"), value); });
        expectValueCheck([&] {
            parseChoice<Choice>(QStringLiteral("model"), value, {{"clean", Choice::A}, {"tube", Choice::B}, {"transformer", Choice::C}});
        });
    }
    return 0;
}
