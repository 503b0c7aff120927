// Gainstage: with no sub-command, or with `gui`, it opens the studio window;
// with any other it is the command line (app/Cli.h), which never creates a
// QApplication, so it runs without a display. [main thread]
//
//   gainstage                                  the studio window, last device, a new session
//   gainstage gui [SESSION_FOLDER] [--device SPEC] [--rate N] [--buffer N] [--light]
#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>

#include <cstdio>
#include <cstring>

#include "app/Cli.h"
#include "core/Studio.h"
#include "ui/MainWindow.h"
#include "ui/Theme.h"

namespace {

int runStudioWindow(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Gainstage"));
    QApplication::setOrganizationName(QStringLiteral("Gainstage"));
    QApplication::setApplicationVersion(QStringLiteral(GAINSTAGE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("The Gainstage studio window."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("gui"), QStringLiteral("Open the studio window."));
    parser.addPositionalArgument(QStringLiteral("session"), QStringLiteral("A session folder to open (optional)."), QStringLiteral("[SESSION_FOLDER]"));
    const QCommandLineOption device(QStringLiteral("device"), QStringLiteral("The audio device, as `gainstage devices` names it (e.g. Virtual:Demo)."),
                                    QStringLiteral("SPEC"));
    const QCommandLineOption rate(QStringLiteral("rate"), QStringLiteral("Sample rate in Hz."), QStringLiteral("HZ"));
    const QCommandLineOption buffer(QStringLiteral("buffer"), QStringLiteral("Buffer size in frames."), QStringLiteral("FRAMES"));
    const QCommandLineOption light(QStringLiteral("light"), QStringLiteral("Use the light theme."));
    parser.addOptions({device, rate, buffer, light});
    parser.process(app);

    const QSettings settings(QStringLiteral("Gainstage"), QStringLiteral("Gainstage"));
    const gainstage::Theme theme = parser.isSet(light) ? gainstage::Theme::Light
                                                       : gainstage::themeFromName(settings.value(QStringLiteral("theme")).toString());
    gainstage::applyTheme(app, theme);

    QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty() && positional.front() == QStringLiteral("gui")) positional.removeFirst();
    const QString folder = positional.value(0);

    gainstage::AudioDeviceRequest request;
    bool overrideDevice = false;
    if (parser.isSet(device)) {
        request.setDevice(parser.value(device));
        overrideDevice = true;
    }
    if (parser.isSet(rate) || parser.isSet(buffer)) {
        bool okRate = true, okBuffer = true;
        if (parser.isSet(rate)) request.sampleRate = parser.value(rate).toInt(&okRate);
        if (parser.isSet(buffer)) request.bufferFrames = parser.value(buffer).toInt(&okBuffer);
        if (!okRate || !okBuffer || request.sampleRate < 0 || request.bufferFrames < 0) {
            std::fprintf(stderr, "gainstage gui: --rate and --buffer take whole positive numbers (e.g. --rate 48000 --buffer 256)\n");
            return 2;
        }
        overrideDevice = true;
    }

    gainstage::Studio studio;
    gainstage::MainWindow window(studio);
    window.show();
    // The device and the session open once the window is on screen, so the
    // window appears at once even when the audio system is slow to answer.
    QTimer::singleShot(0, &window, [&] { window.startUp(folder, overrideDevice ? &request : nullptr); });
    return QApplication::exec();
}

} // namespace

int main(int argc, char** argv) {
    const bool gui = argc == 1 || std::strcmp(argv[1], "gui") == 0;
    if (!gui && gainstage::cli::wantsCommandLine(argc)) return gainstage::cli::runCommandLine(argc, argv);
    return runStudioWindow(argc, argv);
}
