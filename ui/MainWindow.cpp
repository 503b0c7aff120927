#include "ui/MainWindow.h"

#include <QLabel>
#include <QVBoxLayout>

namespace gainstage {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("Gainstage"));
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(32, 32, 32, 32);

    auto* title = new QLabel(QStringLiteral("<h1>Gainstage</h1>"), central);
    auto* body = new QLabel(central);
    body->setWordWrap(true);
    body->setTextFormat(Qt::RichText);
    body->setText(QStringLiteral(
        "<p>A recording studio for vocals and guitar at home, with a virtual mic/DI preamp on every "
        "input and meters that help you land your peaks between <b>-6 and 0 dBFS</b>.</p>"
        "<p><b>Ready now, on the command line:</b></p>"
        "<ul><li><code>gainstage analyze take.wav</code> &mdash; peaks, true peak, loudness and how much "
        "gain to add or remove;</li>"
        "<li><code>gainstage render di.wav out.wav --model tube --gain 20</code> &mdash; re-amp a recording "
        "through the preamp.</li></ul>"
        "<p><b>Coming next:</b> live recording from your interface, the studio window with track meters "
        "and Auto Gain, and monitoring through simulated speakers and headphones.</p>"));
    body->setAccessibleName(QStringLiteral("What Gainstage can do today"));
    layout->addWidget(title);
    layout->addWidget(body);
    layout->addStretch(1);
    setCentralWidget(central);
    resize(640, 400);
}

} // namespace gainstage
