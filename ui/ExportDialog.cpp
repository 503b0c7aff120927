// Export Mix dialog. [GUI thread], except the lambda that runs on the worker.

#include "ui/ExportDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QRegularExpressionValidator>
#include <QStandardItemModel>
#include <QVBoxLayout>

#include <cmath>
#include <utility>

namespace gainstage {

namespace {

enum DepthIndex { kDepth16, kDepth24, kDepthFloat };
enum FormatIndex { kFormatWav, kFormatFlac };

const char* const kTargetUnits[4] = {"", " dBFS", " dBTP", " LUFS"};

template <typename Widget>
Widget* described(Widget* widget, const char* objectName, const QString& accessibleName, const QString& toolTip) {
    widget->setObjectName(QLatin1String(objectName));
    widget->setAccessibleName(accessibleName);
    widget->setToolTip(toolTip);
    return widget;
}

} // namespace

ExportDialog::ExportDialog(Session session, QString sessionFolder, int64_t sessionLength, QWidget* parent)
    : QDialog(parent), session_(std::move(session)), folder_(std::move(sessionFolder)), sessionLength_(std::max<int64_t>(0, sessionLength)) {
    setWindowTitle(tr("Export Mix"));
    buildControls();
    const QString name = session_.name.isEmpty() ? QStringLiteral("Mix") : Session::sanitizeName(session_.name);
    setOutputPath(QDir(folder_).filePath(name + QStringLiteral(" mix.wav")));
}

ExportDialog::~ExportDialog() {
    cancelRequested_ = true;
    if (worker_.joinable()) worker_.join();
}

void ExportDialog::buildControls() {
    path_ = described(new QLineEdit(this), "outputPath", tr("Export file"),
                      tr("Where the mix is saved. The name ends in .wav or .flac, matching the format."));
    browse_ = described(new QPushButton(tr("Browse..."), this), "browse", tr("Browse for the export file"),
                        tr("Choose the folder and name of the exported mix."));
    format_ = described(new QComboBox(this), "format", tr("Format"),
                        tr("WAV: plays everywhere, any bit depth. FLAC: lossless and about half the size, 16 or 24-bit."));
    format_->addItems({tr("WAV"), tr("FLAC")});
    depth_ = described(new QComboBox(this), "bitDepth", tr("Bit depth"),
                       tr("16-bit for a CD or a streaming upload, 24-bit to keep working on it, 32-bit float (WAV only) "
                          "when the mix goes over 0 dBFS and should not be clipped."));
    depth_->addItems({tr("16-bit"), tr("24-bit"), tr("32-bit float")});
    depth_->setCurrentIndex(kDepth24);
    dither_ = described(new QCheckBox(tr("Dither"), this), "dither", tr("Dither"),
                        tr("Adds TPDF noise of 1 LSB before rounding to 16 bits, so quiet fades turn into soft noise "
                           "instead of distortion. Only for 16-bit."));
    dither_->setChecked(true);

    wholeSession_ = described(new QRadioButton(tr("Whole session (%1)").arg(formatTime(sessionLength_, session_.sampleRate)), this),
                              "wholeSession", tr("Export the whole session"),
                              tr("From the start of the session to the end of the last clip you can hear."));
    wholeSession_->setChecked(true);
    customRange_ = described(new QRadioButton(tr("From"), this), "customRange", tr("Export a range"),
                             tr("Export only the part between the two times."));
    const auto* timeValidator = new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\s*(\\d+:)?\\d*(\\.\\d*)?\\s*")), this);
    from_ = described(new QLineEdit(formatTime(0, session_.sampleRate), this), "rangeFrom", tr("Range start"),
                      tr("Start of the range, in minutes:seconds (e.g. 1:05.250)."));
    to_ = described(new QLineEdit(formatTime(sessionLength_, session_.sampleRate), this), "rangeTo", tr("Range end"),
                    tr("End of the range, in minutes:seconds (e.g. 3:30)."));
    for (QLineEdit* edit : {from_, to_}) {
        edit->setValidator(timeValidator);
        edit->setEnabled(false);
        edit->setMaximumWidth(110);
    }

    normalise_ = described(new QComboBox(this), "normalise", tr("Normalise"),
                           tr("Raise or lower the whole mix so that its peak, true peak or loudness lands on the target. "
                              "Loudness never pushes the true peak above -1 dBTP."));
    normalise_->addItems({tr("None"), tr("Peak (dBFS)"), tr("True peak (dBTP)"), tr("Loudness (LUFS)")});
    target_ = described(new QDoubleSpinBox(this), "normaliseTarget", tr("Normalise target"),
                        tr("The level the mix is normalised to: -1 dBTP is a safe true peak for any player; "
                           "-14 LUFS is what the streaming services play at."));
    target_->setRange(-60.0, 0.0);
    target_->setDecimals(1);
    target_->setSingleStep(0.5);
    target_->setEnabled(false);
    target_->setVisible(false);

    progress_ = described(new QProgressBar(this), "progress", tr("Export progress"), tr("How much of the mix has been exported."));
    progress_->setRange(0, 100);
    progress_->setValue(0);
    status_ = described(new QLabel(this), "status", tr("Export status"), tr("What the export did, or why it could not."));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_->setMinimumHeight(status_->fontMetrics().lineSpacing() * 3);
    status_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    export_ = described(new QPushButton(tr("Export"), this), "export", tr("Export"), tr("Mix the session into the file."));
    export_->setDefault(true);
    cancel_ = described(new QPushButton(tr("Cancel"), this), "cancel", tr("Cancel"),
                        tr("Stops a running export (nothing is left behind); otherwise closes this window."));

    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(path_, 1);
    pathRow->addWidget(browse_);
    auto* formatRow = new QHBoxLayout;
    formatRow->addWidget(format_);
    formatRow->addWidget(depth_);
    formatRow->addWidget(dither_);
    formatRow->addStretch(1);
    auto* rangeRow = new QHBoxLayout;
    rangeRow->addWidget(customRange_);
    rangeRow->addWidget(from_);
    rangeRow->addWidget(new QLabel(tr("to"), this));
    rangeRow->addWidget(to_);
    rangeRow->addStretch(1);
    auto* rangeBox = new QVBoxLayout;
    rangeBox->addWidget(wholeSession_);
    rangeBox->addLayout(rangeRow);
    auto* normaliseRow = new QHBoxLayout;
    normaliseRow->addWidget(normalise_);
    normaliseRow->addWidget(target_);
    normaliseRow->addStretch(1);
    auto* form = new QFormLayout;
    form->addRow(tr("File"), pathRow);
    form->addRow(tr("Format"), formatRow);
    form->addRow(tr("Range"), rangeBox);
    form->addRow(tr("Normalise"), normaliseRow);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(export_);
    buttons->addWidget(cancel_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addLayout(buttons);
    setMinimumWidth(560);

    connect(format_, &QComboBox::currentIndexChanged, this, &ExportDialog::formatChanged);
    connect(depth_, &QComboBox::currentIndexChanged, this, &ExportDialog::depthChanged);
    connect(normalise_, &QComboBox::currentIndexChanged, this, &ExportDialog::normaliseChanged);
    connect(path_, &QLineEdit::editingFinished, this, &ExportDialog::pathEdited);
    connect(browse_, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(customRange_, &QRadioButton::toggled, this, [this](bool on) {
        from_->setEnabled(on && !running_);
        to_->setEnabled(on && !running_);
    });
    connect(export_, &QPushButton::clicked, this, [this] { startExport(); });
    connect(cancel_, &QPushButton::clicked, this, &ExportDialog::cancelPressed);
    depthChanged();
}

QString ExportDialog::formatTime(int64_t frames, int sampleRate) {
    const int64_t ms = sampleRate > 0 ? static_cast<int64_t>(std::llround(static_cast<double>(frames) * 1000.0 / sampleRate)) : 0;
    return QStringLiteral("%1:%2.%3")
        .arg(ms / 60000)
        .arg((ms / 1000) % 60, 2, 10, QLatin1Char('0'))
        .arg(ms % 1000, 3, 10, QLatin1Char('0'));
}

bool ExportDialog::parseTime(const QString& text, int sampleRate, int64_t& frames) {
    static const QRegularExpression pattern(QStringLiteral("^\\s*(?:(\\d+):)?(\\d*(?:\\.\\d*)?)\\s*$"));
    const QRegularExpressionMatch match = pattern.match(text);
    if (!match.hasMatch() || sampleRate <= 0) return false;
    const QString secondsText = match.captured(2);
    if (secondsText.isEmpty() || secondsText == QLatin1String(".")) return false;
    bool ok = false;
    const double seconds = secondsText.toDouble(&ok);
    if (!ok) return false;
    const double minutes = match.captured(1).isEmpty() ? 0.0 : match.captured(1).toDouble();
    frames = static_cast<int64_t>(std::llround((minutes * 60.0 + seconds) * sampleRate));
    return true;
}

void ExportDialog::setOutputPath(const QString& path) {
    path_->setText(path);
    pathEdited();
}

QString ExportDialog::outputPath() const {
    return path_->text().trimmed();
}

bool ExportDialog::currentOptions(MixdownOptions& options, QString& error) const {
    options = MixdownOptions{};
    options.outputPath = outputPath();
    options.container = format_->currentIndex() == kFormatFlac ? MixdownOptions::Container::Flac : MixdownOptions::Container::Wav;
    options.format = depth_->currentIndex() == kDepth16   ? MixdownOptions::Format::Pcm16
                     : depth_->currentIndex() == kDepth24 ? MixdownOptions::Format::Pcm24
                                                          : MixdownOptions::Format::Float32;
    options.dither = dither_->isChecked();
    options.normalise = static_cast<MixdownOptions::Normalise>(normalise_->currentIndex());
    options.normaliseTarget = static_cast<float>(target_->value());
    if (customRange_->isChecked()) {
        int64_t from = 0, to = 0;
        if (!parseTime(from_->text(), session_.sampleRate, from) || !parseTime(to_->text(), session_.sampleRate, to)) {
            error = tr("The range is not a time: write minutes:seconds, e.g. 1:05.250.");
            return false;
        }
        options.rangeStart = from;
        options.rangeEnd = to;
    } else {
        options.rangeStart = 0;
        options.rangeEnd = sessionLength_ > 0 ? sessionLength_ : -1;
    }
    return true;
}

bool ExportDialog::startExport() {
    if (running_) return false;
    MixdownOptions options;
    QString error;
    if (!currentOptions(options, error)) {
        showStatus(error, true);
        return false;
    }
    if (worker_.joinable()) worker_.join();
    cancelRequested_ = false;
    running_ = true;
    setControlsEnabled(false);
    progress_->setValue(0);
    showStatus(tr("Exporting to %1...").arg(QFileInfo(options.outputPath).fileName()), false);
    worker_ = std::thread([this, session = session_, folder = folder_, options] {
        // [worker thread] Only queued invocations reach the dialog from here.
        const auto progress = [this](double fraction) {
            QMetaObject::invokeMethod(this, [this, fraction] { exportProgress(fraction); }, Qt::QueuedConnection);
        };
        const MixdownResult result = renderMixdown(session, folder, options, progress, cancelRequested_);
        QMetaObject::invokeMethod(this, [this, result] { exportFinished(result); }, Qt::QueuedConnection);
    });
    return true;
}

void ExportDialog::cancelExport() {
    if (!running_) return;
    cancelRequested_ = true;
    showStatus(tr("Cancelling..."), false);
}

void ExportDialog::cancelPressed() {
    if (running_) cancelExport();
    else QDialog::reject();
}

void ExportDialog::reject() {
    if (!running_) {
        QDialog::reject();
        return;
    }
    closeWhenDone_ = true;
    cancelExport();
}

void ExportDialog::exportProgress(double fraction) {
    if (!running_) return; // a late report after a cancel
    progress_->setValue(static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * 100.0)));
}

void ExportDialog::exportFinished(const MixdownResult& result) {
    if (worker_.joinable()) worker_.join(); // it has nothing left to do but return
    running_ = false;
    lastResult_ = result;
    setControlsEnabled(true);
    if (result.ok) {
        progress_->setValue(100);
        showStatus(result.summary, result.clippedSamples > 0);
        cancel_->setText(tr("Close"));
    } else if (result.cancelled) {
        progress_->setValue(0);
        showStatus(tr("Export cancelled: nothing was written."), false);
    } else {
        progress_->setValue(0);
        showStatus(result.error, true);
    }
    emit finished(result);
    if (closeWhenDone_) {
        closeWhenDone_ = false;
        QDialog::reject();
    }
}

void ExportDialog::setControlsEnabled(bool enabled) {
    for (QWidget* widget : std::initializer_list<QWidget*>{path_, browse_, format_, depth_, wholeSession_, customRange_, normalise_, export_})
        widget->setEnabled(enabled);
    from_->setEnabled(enabled && customRange_->isChecked());
    to_->setEnabled(enabled && customRange_->isChecked());
    dither_->setEnabled(enabled && depth_->currentIndex() == kDepth16);
    target_->setEnabled(enabled && normalise_->currentIndex() != 0);
    cancel_->setText(tr("Cancel"));
}

void ExportDialog::showStatus(const QString& text, bool problem) {
    status_->setText(text);
    status_->setStyleSheet(problem ? QStringLiteral("color: #c0392b;") : QString());
}

// FLAC has no float samples: the float entry is greyed out, and the file name follows the format.
void ExportDialog::formatChanged() {
    const bool flac = format_->currentIndex() == kFormatFlac;
    if (auto* model = qobject_cast<QStandardItemModel*>(depth_->model())) {
        QStandardItem* floatItem = model->item(kDepthFloat);
        floatItem->setEnabled(!flac);
        floatItem->setToolTip(flac ? tr("FLAC cannot hold float samples: choose WAV for 32-bit float.") : QString());
    }
    if (flac && depth_->currentIndex() == kDepthFloat) depth_->setCurrentIndex(kDepth24);
    const QString path = outputPath();
    const QFileInfo info(path);
    const QString wanted = flac ? QStringLiteral("flac") : QStringLiteral("wav");
    const QString suffix = info.suffix().toLower();
    if (!path.isEmpty() && suffix != wanted && (suffix == QLatin1String("wav") || suffix == QLatin1String("flac")))
        path_->setText(path.left(path.size() - suffix.size()) + wanted);
}

void ExportDialog::depthChanged() {
    dither_->setEnabled(!running_ && depth_->currentIndex() == kDepth16);
}

void ExportDialog::normaliseChanged() {
    targets_[shownTarget_] = target_->value();
    shownTarget_ = normalise_->currentIndex();
    target_->setSuffix(QLatin1String(kTargetUnits[shownTarget_]));
    target_->setValue(targets_[shownTarget_]);
    target_->setEnabled(!running_ && shownTarget_ != 0);
    target_->setVisible(shownTarget_ != 0);
}

void ExportDialog::pathEdited() {
    const QString suffix = QFileInfo(outputPath()).suffix().toLower();
    if (suffix == QLatin1String("flac")) format_->setCurrentIndex(kFormatFlac);
    else if (suffix == QLatin1String("wav")) format_->setCurrentIndex(kFormatWav);
}

void ExportDialog::browse() {
    const QString wav = tr("WAV (*.wav)"), flac = tr("FLAC (*.flac)");
    QString filter = format_->currentIndex() == kFormatFlac ? flac : wav;
    const QString chosen = QFileDialog::getSaveFileName(this, tr("Export Mix"), outputPath(), wav + QStringLiteral(";;") + flac, &filter);
    if (chosen.isEmpty()) return;
    QString path = chosen;
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix != QLatin1String("wav") && suffix != QLatin1String("flac"))
        path += filter == flac ? QStringLiteral(".flac") : QStringLiteral(".wav");
    setOutputPath(path);
}

} // namespace gainstage
