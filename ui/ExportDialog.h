#pragma once
// Export Mix: where to save the mix, as what, which part of the session, and
// whether to normalise it; runs core/Mixdown on a worker thread while the
// window stays responsive, with a progress bar and a Cancel that stops it.
//
// Invariants: the widgets are touched only on the GUI thread; the worker gets
// copies of the session and the options, and hands progress and its result
// back with queued invocations on this dialog (dropped by Qt if the dialog is
// gone, which cannot happen while the worker runs: the destructor cancels it
// and joins). At most one export runs at a time. [GUI thread]

#include "core/Mixdown.h"
#include "core/Session.h"

#include <QDialog>
#include <QMetaType>

#include <atomic>
#include <cstdint>
#include <thread>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;

namespace gainstage {

class ExportDialog final : public QDialog {
    Q_OBJECT
public:
    // `sessionLength`: the frame one past the end of the last clip (shown as
    // the whole session, and the default end of a from-to range).
    ExportDialog(Session session, QString sessionFolder, int64_t sessionLength, QWidget* parent = nullptr);
    ~ExportDialog() override; // cancels a running export and waits for it

    void setOutputPath(const QString& path);
    QString outputPath() const;
    // The export the controls describe; `error` says why there is none (a bad range).
    bool currentOptions(MixdownOptions& options, QString& error) const;
    // Starts the export on the worker thread; false (the reason shown) when
    // one is running or the controls do not describe an export.
    bool startExport();
    bool isRunning() const { return running_; }
    // Stops the running export; `finished` follows with result.cancelled.
    void cancelExport();
    const MixdownResult& lastResult() const { return lastResult_; }

    // "m:ss.mmm" for a frame count, and back ("m:ss", "m:ss.s", "ss.s").
    static QString formatTime(int64_t frames, int sampleRate);
    static bool parseTime(const QString& text, int sampleRate, int64_t& frames);

signals:
    // Hides QDialog::finished(int) for code that names ExportDialog; QDialog's own still works.
    void finished(const gainstage::MixdownResult& result);

public slots:
    void reject() override; // Esc or the window's close: cancels a running export first

private:
    void buildControls();
    void formatChanged();
    void depthChanged();
    void normaliseChanged();
    void pathEdited();
    void browse();
    void cancelPressed();
    void exportProgress(double fraction);
    void exportFinished(const MixdownResult& result);
    void setControlsEnabled(bool enabled);
    void showStatus(const QString& text, bool problem);

    const Session session_;
    const QString folder_;
    const int64_t sessionLength_;

    QLineEdit* path_ = nullptr;
    QPushButton* browse_ = nullptr;
    QComboBox* format_ = nullptr;
    QComboBox* depth_ = nullptr;
    QCheckBox* dither_ = nullptr;
    QRadioButton* wholeSession_ = nullptr;
    QRadioButton* customRange_ = nullptr;
    QLineEdit* from_ = nullptr;
    QLineEdit* to_ = nullptr;
    QComboBox* normalise_ = nullptr;
    QDoubleSpinBox* target_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
    QPushButton* export_ = nullptr;
    QPushButton* cancel_ = nullptr;

    double targets_[4] = {0.0, -1.0, -1.0, -14.0}; // per normalise mode, what the user last set
    int shownTarget_ = 0;
    bool running_ = false;
    bool closeWhenDone_ = false;
    std::atomic<bool> cancelRequested_{false};
    std::thread worker_;
    MixdownResult lastResult_;
};

} // namespace gainstage

Q_DECLARE_METATYPE(gainstage::MixdownResult)
