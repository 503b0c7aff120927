// Screenshots of the studio window under Xvfb (CTest runs this suite through
// xvfb-run with the xcb platform), saved into the build folder to be looked at:
//   mainwindow_empty.png      a new session on the Virtual device, meters moving
//   mainwindow_recording.png  a take running on the armed vocal track
//   mainwindow_recovered.png  a session reopened after a crash, with its banner
//   mainwindow_light.png      the light theme
// Each one is also checked for what must be on it, so the test can fail.
#include <QAbstractButton>
#include <QToolButton>
#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QScreen>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "core/Studio.h"
#include "ui/BannerArea.h"
#include "ui/MainWindow.h"
#include "ui/Theme.h"
#include "ui/TimelineWidget.h"
#include "ui/TrackStrip.h"
#include "ui/TransportBar.h"

using namespace gainstage;

namespace {

AudioDeviceRequest virtualDevice() {
    AudioDeviceRequest request;
    request.setDevice(QStringLiteral("Virtual:Demo"));
    request.sampleRate = 48000;
    request.bufferFrames = 256;
    return request;
}

// Saves what is on screen for the window (the real composited pixels under X) and returns it.
// At a device pixel ratio above 1 (test_ui_screenshots_hidpi runs with
// QT_SCALE_FACTOR=2) the file is named "...@2x.png", beside the 1x shots.
QImage shoot(QWidget& window, const QString& name) {
    QApplication::processEvents();
    QImage image = window.grab().toImage();
    const qreal ratio = window.devicePixelRatioF();
    const QString file = ratio > 1.0 ? QString(name).replace(QStringLiteral(".png"), QStringLiteral("@%1x.png").arg(ratio)) : name;
    const QString path = QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(file);
    image.save(path);
    qInfo("saved %s (%dx%d)", qPrintable(path), image.width(), image.height());
    return image;
}

// Share of pixels in `image` close to `colour`.
double shareOf(const QImage& image, QColor colour, int tolerance = 40) {
    int64_t hits = 0, total = 0;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2) {
            const QColor c = image.pixelColor(x, y);
            ++total;
            if (std::abs(c.red() - colour.red()) + std::abs(c.green() - colour.green()) + std::abs(c.blue() - colour.blue()) < tolerance) ++hits;
        }
    return total ? static_cast<double>(hits) / total : 0.0;
}

} // namespace

class TestUiScreenshots : public QObject {
    Q_OBJECT
    QTemporaryDir home_;

private slots:
    void initTestCase() {
        QVERIFY(home_.isValid());
        qputenv("XDG_CONFIG_HOME", (home_.path() + QStringLiteral("/config")).toLocal8Bit());
        qputenv("XDG_DATA_HOME", (home_.path() + QStringLiteral("/data")).toLocal8Bit());
        qInfo("platform: %s", qPrintable(QGuiApplication::platformName()));
        applyTheme(*qApp, Theme::Dark);
    }

    // Each shot starts as a first run: the take of emptyAndRecording would
    // otherwise be reopened in the light theme's "empty" window.
    void init() { QDir(Studio::untitledFolder()).removeRecursively(); }

    void emptyAndRecording() {
        Studio studio;
        MainWindow window(studio);
        window.setPromptsEnabled(false);
        window.resize(1600, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        // As on a first run: the saved or default device; with no interface here, the Virtual one.
        window.startUp(QString());
        QVERIFY(studio.deviceOpen());
        QTest::qWait(1500); // meters and advice settle
        const QImage empty = shoot(window, QStringLiteral("mainwindow_empty.png"));
        QCOMPARE(empty.size(), window.size() * window.devicePixelRatio());
        // The HiDPI run really draws at its scale (every pixel, not an upscaled 1x image).
        if (qEnvironmentVariableIsSet("QT_SCALE_FACTOR")) QCOMPARE(window.devicePixelRatioF(), qEnvironmentVariable("QT_SCALE_FACTOR").toDouble());
        // The dark theme: mostly dark pixels.
        QVERIFY(shareOf(empty, QColor(0x2b, 0x2d, 0x31), 30) + shareOf(empty, QColor(0x1e, 0x20, 0x23), 30) > 0.4);
        // Without hardware the Virtual device is opened, and a banner says so in words.
        if (studio.usingVirtualDevice()) QVERIFY(window.banners()->texts().join(' ').contains(QStringLiteral("Virtual device")));

        window.strips()[0]->armButton()->click();
        window.findAction(QStringLiteral("actionRecord"))->trigger();
        QVERIFY(studio.isRecording());
        QTest::qWait(2500);
        const QImage recording = shoot(window, QStringLiteral("mainwindow_recording.png"));
        // The record button is lit red while recording.
        QVERIFY(window.transportBar()->recordButton()->isChecked());
        const QImage record = window.transportBar()->recordButton()->grab().toImage();
        int64_t red = 0, total = 0;
        for (int y = 0; y < record.height(); ++y)
            for (int x = 0; x < record.width(); ++x, ++total) {
                const QColor c = record.pixelColor(x, y);
                if (c.red() > 170 && c.green() < 120 && c.blue() < 120) ++red;
            }
        qInfo("Record button: %.0f%% red pixels while recording", 100.0 * red / total);
        QVERIFY2(red > total / 3, "the Record button is not red while recording");
        QString error;
        QVERIFY(studio.stop(error));
        QTRY_COMPARE(window.timeline()->clips().size(), size_t(1));
        QTest::qWait(500);
        shoot(window, QStringLiteral("mainwindow_after_take.png"));
        (void)recording;
    }

    void recoveredBanner() {
        QTemporaryDir where;
        const QString folder = where.path() + QStringLiteral("/Interrupted take");
        {
            Studio studio;
            QString error, notice;
            QVERIFY(studio.newSession(folder, error));
            QVERIFY2(studio.openDevice(virtualDevice(), notice, error), qPrintable(error));
            SessionTrack vocal;
            vocal.name = QStringLiteral("Vocal");
            vocal.armed = true;
            studio.insertTrack(vocal);
            SessionTrack guitar;
            guitar.name = QStringLiteral("Guitar DI");
            guitar.input = TrackInput{1, false};
            guitar.preamp.source = Source::DI;
            guitar.preamp.inputImpedanceOhms = defaultInputImpedanceOhms(Source::DI);
            guitar.preamp.gainDb = 18.0f;
            guitar.armed = true;
            studio.insertTrack(guitar);
            QVERIFY(studio.save(error));
            QVERIFY(studio.record(error));
            QTest::qWait(1500);
            // What a crash leaves: the files as they are mid-take, journal included.
            const QString copy = where.path() + QStringLiteral("/copy");
            QVERIFY(QDir().mkpath(copy + QStringLiteral("/audio")));
            for (const QString& name : QDir(folder).entryList(QDir::Files | QDir::Hidden))
                QVERIFY(QFile::copy(folder + QLatin1Char('/') + name, copy + QLatin1Char('/') + name));
            for (const QString& name : QDir(folder + QStringLiteral("/audio")).entryList(QDir::Files))
                QVERIFY(QFile::copy(folder + QStringLiteral("/audio/") + name, copy + QStringLiteral("/audio/") + name));
            QVERIFY(studio.stop(error));
            QVERIFY(QDir(folder).removeRecursively());
            QVERIFY(QDir().rename(copy, folder));
        }
        Studio studio;
        MainWindow window(studio);
        window.setPromptsEnabled(false);
        window.resize(1600, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const AudioDeviceRequest device = virtualDevice();
        window.startUp(folder, &device);
        QTRY_VERIFY(window.banners()->texts().join(' ').contains(QStringLiteral("Recovered")));
        QTRY_COMPARE_WITH_TIMEOUT(window.timeline()->clips().size(), size_t(2), 3000);
        QTRY_VERIFY_WITH_TIMEOUT(window.timeline()->clips()[0].peaks && window.timeline()->clips()[1].peaks, 5000);
        QTest::qWait(800);
        shoot(window, QStringLiteral("mainwindow_recovered.png"));
    }

    void lightTheme() {
        applyTheme(*qApp, Theme::Light);
        Studio studio;
        MainWindow window(studio);
        window.setPromptsEnabled(false);
        window.resize(1600, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const AudioDeviceRequest device = virtualDevice();
        window.startUp(QString(), &device);
        QTest::qWait(1000);
        const QImage light = shoot(window, QStringLiteral("mainwindow_light.png"));
        const QColor window_ = qApp->palette().color(QPalette::Window);
        QVERIFY(window_.lightness() > 180);
        QVERIFY(shareOf(light, window_, 30) > 0.2);
        applyTheme(*qApp, Theme::Dark);
    }
};

QTEST_MAIN(TestUiScreenshots)
#include "test_ui_screenshots.moc"
