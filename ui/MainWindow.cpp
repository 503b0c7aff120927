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
        "<ul><li><code>gainstage devices</code> &mdash; the interfaces Gainstage can open;</li>"
        "<li><code>gainstage record --session MySong --seconds 60 --auto-gain 10</code> &mdash; record, "
        "with the Gain set for you first; a crash never costs more than a fraction of a second;</li>"
        "<li><code>gainstage analyze take.wav</code> &mdash; peaks, true peak, loudness and how much "
        "gain to add or remove;</li>"
        "<li><code>gainstage render di.wav out.wav --model tube --gain 20 --monitor cube</code> &mdash; re-amp "
        "a recording, and hear it through a simulated speaker.</li></ul>"
        "<p><b>Coming next:</b> this studio window, with every track's meter, Auto Gain at a click, "
        "and the monitor controls.</p>"));
    body->setAccessibleName(QStringLiteral("What Gainstage can do today"));
    layout->addWidget(title);
    layout->addWidget(body);
    layout->addStretch(1);
    setCentralWidget(central);
    resize(640, 400);
}

} // namespace gainstage
