// The Export Mix dialog, offscreen: an export started from it runs on a worker
// thread while the GUI thread keeps turning, the file it writes has the
// session's length, the progress bar reaches 100, and Cancel stops a long
// export and leaves nothing behind. Every control has a tooltip and an
// accessible name; FLAC greys out float.
#include "ui/ExportDialog.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <sndfile.h>

#include <cmath>
#include <numbers>
#include <vector>

using namespace gainstage;

namespace {

constexpr int kRate = 48000;

void writeMonoWav(const QString& path, const std::vector<float>& samples) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    SF_INFO info{};
    info.samplerate = kRate;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* file = sf_open(QFile::encodeName(path).constData(), SFM_WRITE, &info);
    QVERIFY(file);
    sf_writef_float(file, samples.data(), static_cast<sf_count_t>(samples.size()));
    sf_close(file);
}

sf_count_t framesOf(const QString& path) {
    SF_INFO info{};
    SNDFILE* file = sf_open(QFile::encodeName(path).constData(), SFM_READ, &info);
    if (!file) return -1;
    sf_close(file);
    return info.frames;
}

// `tracks` tracks, each playing a 10 s tone `clipsPerTrack` times back to back.
Session toneSession(const QString& folder, int tracks, int clipsPerTrack) {
    std::vector<float> tone(static_cast<size_t>(kRate) * 10);
    for (size_t i = 0; i < tone.size(); ++i) tone[i] = 0.2f * static_cast<float>(std::sin(2.0 * std::numbers::pi * 440.0 * static_cast<double>(i) / kRate));
    writeMonoWav(QDir(folder).filePath(QStringLiteral("audio/tone.wav")), tone);
    Session session;
    session.name = QStringLiteral("Demo Song");
    session.sampleRate = kRate;
    for (int t = 0; t < tracks; ++t) {
        SessionTrack track;
        track.id = QStringLiteral("t%1").arg(t + 1);
        track.name = QStringLiteral("Track %1").arg(t + 1);
        track.volumeDb = -6.0f;
        track.pan = t % 2 ? 0.5f : -0.5f;
        for (int k = 0; k < clipsPerTrack; ++k)
            track.clips.push_back(Clip{QStringLiteral("audio/tone.wav"), static_cast<int64_t>(k) * kRate * 10, kRate * 10, 0});
        session.tracks.push_back(track);
    }
    return session;
}

QStringList leftovers(const QString& folder) {
    return QDir(folder).entryList({QStringLiteral("*.partial")}, QDir::Files | QDir::Hidden);
}

} // namespace

class TestUiExport : public QObject {
    Q_OBJECT

private slots:
    void exportsTheWholeSession() {
        QTemporaryDir dir;
        const Session session = toneSession(dir.path(), 2, 1);
        const int64_t length = mixdownEnd(session);
        QCOMPARE(length, int64_t{480000});
        ExportDialog dialog(session, dir.path(), length);
        const QString out = dir.filePath(QStringLiteral("song.wav"));
        dialog.setOutputPath(out);
        dialog.findChild<QComboBox*>(QStringLiteral("normalise"))->setCurrentIndex(3);
        QCOMPARE(dialog.findChild<QDoubleSpinBox*>(QStringLiteral("normaliseTarget"))->value(), -14.0);
        dialog.resize(640, dialog.sizeHint().height());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));

        QSignalSpy spy(&dialog, &ExportDialog::finished);
        QVERIFY(dialog.startExport());
        QVERIFY(dialog.isRunning());
        QVERIFY(!dialog.findChild<QPushButton*>(QStringLiteral("export"))->isEnabled());
        QVERIFY(!dialog.startExport()); // one at a time
        QTRY_VERIFY_WITH_TIMEOUT(spy.count() == 1, 30000);
        QVERIFY(!dialog.isRunning());
        const auto result = spy.at(0).at(0).value<MixdownResult>();
        QVERIFY2(result.ok, qPrintable(result.error));
        QVERIFY(QFileInfo::exists(out));
        QCOMPARE(framesOf(out), sf_count_t{480000});
        QCOMPARE(dialog.findChild<QProgressBar*>(QStringLiteral("progress"))->value(), 100);
        QVERIFY(std::fabs(result.loudnessLufs + 14.0) < 0.1);
        const QString status = dialog.findChild<QLabel*>(QStringLiteral("status"))->text();
        QCOMPARE(status, result.summary);
        QVERIFY(status.contains(QStringLiteral("-14.0 LUFS")));
        QCOMPARE(dialog.findChild<QPushButton*>(QStringLiteral("cancel"))->text(), QStringLiteral("Close"));
        QVERIFY(dialog.isVisible()); // stays, so the summary can be read
        const QString shot = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("export_dialog.png"));
        QVERIFY(dialog.grab().save(shot));
        qInfo("screenshot: %s; summary: %s", qPrintable(shot), qPrintable(status));
    }

    void exportsARangeAsFlac() {
        QTemporaryDir dir;
        const Session session = toneSession(dir.path(), 1, 1);
        ExportDialog dialog(session, dir.path(), mixdownEnd(session));
        dialog.setOutputPath(dir.filePath(QStringLiteral("part.wav")));
        auto* format = dialog.findChild<QComboBox*>(QStringLiteral("format"));
        auto* depth = dialog.findChild<QComboBox*>(QStringLiteral("bitDepth"));
        depth->setCurrentIndex(2);
        format->setCurrentIndex(1);
        // FLAC: float is greyed out and the depth falls back to 24-bit; the name follows the format.
        auto* model = qobject_cast<QStandardItemModel*>(depth->model());
        QVERIFY(model);
        QVERIFY(!model->item(2)->isEnabled());
        QCOMPARE(depth->currentIndex(), 1);
        QCOMPARE(dialog.outputPath(), dir.filePath(QStringLiteral("part.flac")));
        dialog.findChild<QRadioButton*>(QStringLiteral("customRange"))->setChecked(true);
        dialog.findChild<QLineEdit*>(QStringLiteral("rangeFrom"))->setText(QStringLiteral("0:01.5"));
        dialog.findChild<QLineEdit*>(QStringLiteral("rangeTo"))->setText(QStringLiteral("0:03.250"));
        QSignalSpy spy(&dialog, &ExportDialog::finished);
        QVERIFY(dialog.startExport());
        QTRY_VERIFY_WITH_TIMEOUT(spy.count() == 1, 30000);
        QVERIFY2(dialog.lastResult().ok, qPrintable(dialog.lastResult().error));
        QCOMPARE(framesOf(dialog.outputPath()), sf_count_t{84000}); // 1.75 s
        format->setCurrentIndex(0);
        QVERIFY(model->item(2)->isEnabled());
        QCOMPARE(dialog.outputPath(), dir.filePath(QStringLiteral("part.wav")));

        // A range that is not a time is refused before anything starts.
        dialog.findChild<QLineEdit*>(QStringLiteral("rangeTo"))->setText(QStringLiteral(":"));
        QVERIFY(!dialog.startExport());
        QVERIFY(dialog.findChild<QLabel*>(QStringLiteral("status"))->text().contains(QStringLiteral("minutes:seconds")));
    }

    void cancelStopsALongExport() {
        QTemporaryDir dir;
        // Ten minutes on four tracks, normalised (two passes): far longer than the cancel takes.
        const Session session = toneSession(dir.path(), 4, 60);
        const int64_t length = mixdownEnd(session);
        QCOMPARE(length, int64_t{kRate} * 600);
        ExportDialog dialog(session, dir.path(), length);
        const QString out = dir.filePath(QStringLiteral("long.wav"));
        dialog.setOutputPath(out);
        dialog.findChild<QComboBox*>(QStringLiteral("normalise"))->setCurrentIndex(2);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto* progress = dialog.findChild<QProgressBar*>(QStringLiteral("progress"));

        // The GUI thread keeps turning while the export runs.
        int ticks = 0;
        QTimer ticker;
        connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
        ticker.start(5);

        QSignalSpy spy(&dialog, &ExportDialog::finished);
        QVERIFY(dialog.startExport());
        QTRY_VERIFY_WITH_TIMEOUT(progress->value() >= 2, 30000);
        QVERIFY(dialog.isRunning());
        QVERIFY(spy.isEmpty());
        qInfo("GUI timer ticks while exporting: %d", ticks);
        QVERIFY(ticks >= 2);
        QElapsedTimer clock;
        clock.start();
        QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("cancel")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(spy.count() == 1, 10000);
        qInfo("cancelled at %d %%, stopped after %lld ms", progress->value(), static_cast<long long>(clock.elapsed()));
        QVERIFY(clock.elapsed() < 2000);
        const auto result = spy.at(0).at(0).value<MixdownResult>();
        QVERIFY(result.cancelled);
        QVERIFY(!result.ok);
        QVERIFY(!QFileInfo::exists(out));
        QVERIFY(leftovers(dir.path()).isEmpty());
        QVERIFY(dialog.isVisible()); // Cancel stopped the export, it did not close the window
        QCOMPARE(progress->value(), 0);
        QVERIFY(dialog.findChild<QLabel*>(QStringLiteral("status"))->text().contains(QStringLiteral("cancelled")));
        QVERIFY(dialog.findChild<QPushButton*>(QStringLiteral("export"))->isEnabled());
        // Idle, the same button closes the window.
        QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("cancel")), Qt::LeftButton);
        QVERIFY(!dialog.isVisible());
    }

    void closingDuringAnExportCancelsIt() {
        QTemporaryDir dir;
        const Session session = toneSession(dir.path(), 4, 60);
        const QString out = dir.filePath(QStringLiteral("closed.wav"));
        {
            ExportDialog dialog(session, dir.path(), mixdownEnd(session));
            dialog.setOutputPath(out);
            dialog.findChild<QComboBox*>(QStringLiteral("normalise"))->setCurrentIndex(3);
            QVERIFY(dialog.startExport());
            QTest::qWait(20);
        } // destroyed while running: cancels and waits
        QVERIFY(!QFileInfo::exists(out));
        QVERIFY(leftovers(dir.path()).isEmpty());
    }

    void everyControlIsDescribed() {
        QTemporaryDir dir;
        const Session session = toneSession(dir.path(), 1, 1);
        ExportDialog dialog(session, dir.path(), mixdownEnd(session));
        int controls = 0;
        for (QWidget* widget : dialog.findChildren<QWidget*>()) {
            const bool control = qobject_cast<QLineEdit*>(widget) || qobject_cast<QComboBox*>(widget) || qobject_cast<QAbstractButton*>(widget) ||
                                 qobject_cast<QAbstractSpinBox*>(widget) || qobject_cast<QProgressBar*>(widget);
            // The line edits inside combo and spin boxes belong to them.
            if (!control || qobject_cast<QComboBox*>(widget->parentWidget()) || qobject_cast<QAbstractSpinBox*>(widget->parentWidget())) continue;
            ++controls;
            QVERIFY2(!widget->toolTip().isEmpty(), qPrintable(widget->objectName()));
            QVERIFY2(!widget->accessibleName().isEmpty(), qPrintable(widget->objectName()));
        }
        QCOMPARE(controls, 14);
        QVERIFY(!dialog.findChild<QCheckBox*>(QStringLiteral("dither"))->isEnabled()); // 24-bit by default
        dialog.findChild<QComboBox*>(QStringLiteral("bitDepth"))->setCurrentIndex(0);
        QVERIFY(dialog.findChild<QCheckBox*>(QStringLiteral("dither"))->isEnabled());
    }
};

QTEST_MAIN(TestUiExport)
#include "test_ui_export.moc"
