// Gainstage: with no sub-command it opens the studio window; with one it is
// the command line (app/Cli.h), which never creates a QApplication, so it runs
// without a display. [main thread]
#include <QApplication>

#include "app/Cli.h"
#include "ui/MainWindow.h"

namespace {

int runStudioWindow(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Gainstage"));
    QApplication::setApplicationVersion(QStringLiteral(GAINSTAGE_VERSION));
    gainstage::MainWindow window;
    window.show();
    return QApplication::exec();
}

} // namespace

int main(int argc, char** argv) {
    if (gainstage::cli::wantsCommandLine(argc)) return gainstage::cli::runCommandLine(argc, argv);
    return runStudioWindow(argc, argv);
}
