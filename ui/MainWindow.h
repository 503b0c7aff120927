#pragma once
// The studio window. Until the GUI issue lands it says what Gainstage does
// today (the command line) and what is coming. [GUI thread]

#include <QMainWindow>

namespace gainstage {

class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
};

} // namespace gainstage
