// Tests of the track meter: the dB <-> pixel mapping of MeterScale, where the
// MeterWidget actually paints the bar and the target window (read back from
// rendered pixels), the clip light's latch and click, the max number, that an
// unchanged snapshot does not repaint, and the keyboard's way to clear them.
// (What 16 tracks of meters cost at 60 Hz is tests/bench/bench_meter_paint.)
// Saves meter_levels.png (dark palette) and meter_levels_light.png in
// the working directory.

#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QGridLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QSignalSpy>
#include <QStyleFactory>
#include <QToolTip>
#include <QtTest>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "tests/MeterSnapshots.h"
#include "ui/MeterScale.h"
#include "ui/MeterWidget.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

// Only the peak bar, so nothing else lands near its end.
MeterSnapshot barOnly(float db) {
    MeterSnapshot s = silence();
    s.samplePeakDb = s.peakBarDb = db;
    return s;
}

QPalette darkPalette() {
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2d, 0x2f, 0x33));
    p.setColor(QPalette::WindowText, QColor(0xdd, 0xdd, 0xdd));
    p.setColor(QPalette::Base, QColor(0x24, 0x26, 0x29));
    p.setColor(QPalette::AlternateBase, QColor(0x2d, 0x2f, 0x33));
    p.setColor(QPalette::Text, QColor(0xdd, 0xdd, 0xdd));
    p.setColor(QPalette::Button, QColor(0x35, 0x37, 0x3b));
    p.setColor(QPalette::ButtonText, QColor(0xdd, 0xdd, 0xdd));
    p.setColor(QPalette::ToolTipBase, QColor(0x24, 0x26, 0x29));
    p.setColor(QPalette::ToolTipText, QColor(0xdd, 0xdd, 0xdd));
    return p;
}

QImage render(QWidget& w) { return w.grab().toImage().convertToFormat(QImage::Format_RGB32); }

// Green clearly stronger than red and blue: the band's tint or a bar in the window.
bool greenCast(QRgb c) { return qGreen(c) > qRed(c) + 15 && qGreen(c) > qBlue(c) + 8; }
bool neutral(QRgb c) { return std::abs(qGreen(c) - qRed(c)) < 8 && std::abs(qGreen(c) - qBlue(c)) < 8; }

QString rgb(QRgb c) { return QStringLiteral("(%1,%2,%3)").arg(qRed(c)).arg(qGreen(c)).arg(qBlue(c)); }

class PaintCounter : public QObject {
public:
    int paints = 0;
    bool eventFilter(QObject*, QEvent* e) override {
        if (e->type() == QEvent::Paint) ++paints;
        return false;
    }
};

} // namespace

class TestUiMeter : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void scaleWindowEdges_data();
    void scaleWindowEdges();
    void scaleMonotonicAndInvertible();
    void scaleSilenceNanAndClamp();
    void barEndsAtMappedPixel_data();
    void barEndsAtMappedPixel();
    void bandDrawnInSilence();
    void zoneColours();
    void clipLightHoldsUntilClicked();
    void clipLightIgnoresStaleMaxima();
    void clipLightClearsFromTheKeyboard();
    void maxText();
    void maxBoxClickResets();
    void repaintsOnlyOnVisibleChange();
    void accessibleTexts();
    void compactVariant();
    void screenshots();
};

void TestUiMeter::initTestCase() {
    // One style everywhere, so the screenshots do not depend on the desktop.
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
}

void TestUiMeter::scaleWindowEdges_data() {
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("minus6");
    QTest::addColumn<int>("zero");
    // By hand: position(db) = 0.45 + 0.55 * (db + 20) / 23 above -20 dB, so
    // -6 dB sits at 0.78478 and 0 dB at 0.92826 of the length, rounded.
    QTest::newRow("90") << 90 << 71 << 84;
    QTest::newRow("100") << 100 << 78 << 93;
    QTest::newRow("200") << 200 << 157 << 186;
    QTest::newRow("260") << 260 << 204 << 241;
    QTest::newRow("1000") << 1000 << 785 << 928;
}

void TestUiMeter::scaleWindowEdges() {
    QFETCH(int, length);
    QFETCH(int, minus6);
    QFETCH(int, zero);
    QCOMPARE(MeterScale::dbToPixel(-6.0f, length), minus6);
    QCOMPARE(MeterScale::dbToPixel(0.0f, length), zero);
    QCOMPARE(MeterScale::dbToPixel(MeterScale::kMaxDb, length), length);
    QCOMPARE(MeterScale::dbToPixel(MeterScale::kMinDb, length), 0);
    // The window (-6..0) gets a quarter of the scale or more: 14.3% of the length.
    QVERIFY(double(zero - minus6) / length > 0.14);
    const auto ticks = MeterScale::tickPixels(length);
    QCOMPARE(ticks[3], minus6);
    QCOMPARE(ticks[5], zero);
}

void TestUiMeter::scaleMonotonicAndInvertible() {
    for (int length : {10, 57, 90, 100, 200, 260, 333, 1000, 4096}) {
        // Monotonic over the whole range, in 0.001 dB steps.
        int previous = 0;
        double worstRoundTrip = 0.0;
        for (int i = 0; i <= 63000; ++i) {
            const float db = MeterScale::kMinDb + float(i) * 0.001f;
            const int px = MeterScale::dbToPixel(db, length);
            QVERIFY2(px >= previous, qPrintable(QStringLiteral("length %1: %2 dB -> %3 < %4")
                                                    .arg(length).arg(double(db)).arg(px).arg(previous)));
            QVERIFY(px >= 0 && px <= length);
            previous = px;
            // Back to dB within one pixel's worth (in fact half of it).
            const double back = MeterScale::pixelToDb(px, length);
            const double tolerance = std::max(MeterScale::dbPerPixel(db, length),
                                              MeterScale::dbPerPixel(float(back), length));
            worstRoundTrip = std::max(worstRoundTrip, std::fabs(back - db) / tolerance);
            QVERIFY2(std::fabs(back - db) <= tolerance,
                     qPrintable(QStringLiteral("length %1: %2 dB -> %3 px -> %4 dB").arg(length).arg(double(db))
                                    .arg(px).arg(back)));
        }
        QCOMPARE(previous, length);
        QVERIFY2(worstRoundTrip <= 0.5 + 1e-3, qPrintable(QString::number(worstRoundTrip)));
        // Every whole pixel maps to a level that maps back to that same pixel.
        for (int px = 0; px <= length; ++px)
            QCOMPARE(MeterScale::dbToPixel(MeterScale::pixelToDb(px, length), length), px);
        // pixelToDb is strictly increasing.
        for (int px = 1; px <= length; ++px)
            QVERIFY(MeterScale::pixelToDb(px, length) > MeterScale::pixelToDb(px - 1, length));
    }
    // The top 23 dB get 55% of the length: DAW-like room where Gain is set.
    QCOMPARE(MeterScale::dbToPixel(-20.0f, 200), 90);
    QCOMPARE(MeterScale::dbToPixel(-40.0f, 200), 45);
}

void TestUiMeter::scaleSilenceNanAndClamp() {
    for (int length : {1, 90, 260}) {
        QCOMPARE(MeterScale::dbToPixel(kSilence, length), 0);
        QCOMPARE(MeterScale::dbToPixel(std::numeric_limits<float>::quiet_NaN(), length), 0);
        QCOMPARE(MeterScale::dbToPixel(-200.0f, length), 0);
        QCOMPARE(MeterScale::dbToPixel(3.0f, length), length);
        QCOMPARE(MeterScale::dbToPixel(12.0f, length), length);
        QCOMPARE(MeterScale::dbToPixel(std::numeric_limits<float>::infinity(), length), length);
        QCOMPARE(MeterScale::pixelToDb(-5, length), MeterScale::kMinDb);
        QCOMPARE(MeterScale::pixelToDb(length + 5, length), MeterScale::kMaxDb);
    }
    QCOMPARE(MeterScale::dbToPixel(-3.0f, 0), 0);
}

void TestUiMeter::barEndsAtMappedPixel_data() {
    QTest::addColumn<int>("width");
    QTest::addColumn<bool>("dark");
    QTest::newRow("260 light") << 260 << false;
    QTest::newRow("260 dark") << 260 << true;
    QTest::newRow("400 light") << 400 << false;
    QTest::newRow("180 dark") << 180 << true;
}

void TestUiMeter::barEndsAtMappedPixel() {
    QFETCH(int, width);
    QFETCH(bool, dark);
    MeterWidget quiet, loud;
    for (MeterWidget* w : {&quiet, &loud}) {
        if (dark) w->setPalette(darkPalette());
        w->resize(width, 22);
        w->show();
        QVERIFY(QTest::qWaitForWindowExposed(w));
    }
    quiet.setSnapshot(0, silence());
    loud.setSnapshot(0, barOnly(-3.0f));
    const QImage a = render(quiet);
    const QImage b = render(loud);
    const QRect scale = loud.scaleRect();
    const QRect lane = loud.laneRect(0);
    QVERIFY(!lane.isEmpty());
    const int end = scale.left() + MeterScale::dbToPixel(-3.0f, scale.width());

    // On every row of the lane the bar is exactly the columns [left, end): the
    // only pixels that differ from the silent meter.
    int firstDiff = -1, lastDiff = -1;
    for (int y = lane.top(); y <= lane.bottom(); ++y) {
        for (int x = 0; x < scale.right() + 1; ++x) {
            if (a.pixel(x, y) == b.pixel(x, y)) continue;
            if (firstDiff < 0 || x < firstDiff) firstDiff = x;
            lastDiff = std::max(lastDiff, x);
        }
        QVERIFY2(a.pixel(end - 1, y) != b.pixel(end - 1, y), qPrintable(QStringLiteral("row %1").arg(y)));
        QCOMPARE(b.pixel(end, y), a.pixel(end, y));
    }
    QCOMPARE(firstDiff, scale.left());
    QCOMPARE(lastDiff, end - 1);
    // The bar's tip is green (in the window), its foot teal (below it), and the
    // pixel after the tip is the band's tint, not the bar.
    const int y = lane.center().y();
    QVERIFY2(greenCast(b.pixel(end - 1, y)), qPrintable(rgb(b.pixel(end - 1, y))));
    const QRgb foot = b.pixel(scale.left() + 5, y);
    QVERIFY2(qGreen(foot) > qRed(foot) + 30 && qBlue(foot) > qRed(foot) + 30, qPrintable(rgb(foot)));
    QVERIFY(greenCast(b.pixel(end, y)));
    const QRgb tip = b.pixel(end - 1, y), after = b.pixel(end, y);
    const int distance = std::abs(qRed(tip) - qRed(after)) + std::abs(qGreen(tip) - qGreen(after)) +
                         std::abs(qBlue(tip) - qBlue(after));
    QVERIFY2(distance > 80, qPrintable(rgb(tip) + rgb(after)));
}

void TestUiMeter::bandDrawnInSilence() {
    for (bool dark : {false, true}) {
        for (int channels : {1, 2}) {
            MeterWidget w;
            if (dark) w.setPalette(darkPalette());
            w.setChannelCount(channels);
            w.resize(300, 24);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            const QImage img = render(w);
            const QRect s = w.scaleRect();
            const int lo = s.left() + MeterScale::dbToPixel(-6.0f, s.width());
            const int hi = s.left() + MeterScale::dbToPixel(0.0f, s.width());
            for (int ch = 0; ch < channels; ++ch) {
                const int y = w.laneRect(ch).center().y();
                for (int x = lo; x < hi; ++x)
                    QVERIFY2(greenCast(img.pixel(x, y)),
                             qPrintable(QStringLiteral("x %1 %2").arg(x).arg(rgb(img.pixel(x, y)))));
                QVERIFY2(neutral(img.pixel(lo - 1, y)), qPrintable(rgb(img.pixel(lo - 1, y))));
                // Past 0 dBFS the trough is tinted red.
                const QRgb over = img.pixel(hi, y);
                QVERIFY2(qRed(over) > qGreen(over) + 8 && qRed(over) > qBlue(over) + 8, qPrintable(rgb(over)));
                QCOMPARE(img.pixel(s.right(), y), over);
                QVERIFY(neutral(img.pixel(s.left() + 10, y)));
            }
            // The band's edges are marked on the scale under the bars too.
            if (!dark && channels == 1) {
                const int labelY = s.bottom() + 1;
                QVERIFY(greenCast(img.pixel(lo, labelY)));
                QVERIFY(greenCast(img.pixel(hi - 1, labelY)));
                QVERIFY(!greenCast(img.pixel(lo - 4, labelY)));
            }
        }
    }
}

void TestUiMeter::zoneColours() {
    MeterWidget w;
    w.setPalette(darkPalette());
    w.resize(300, 22);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const QRect s = w.scaleRect();
    const int y = w.laneRect(0).center().y();

    w.setSnapshot(0, barOnly(-20.0f));
    QImage img = render(w);
    const int lowEnd = s.left() + MeterScale::dbToPixel(-20.0f, s.width()) - 1;
    const QRgb low = img.pixel(lowEnd, y);
    QVERIFY2(qBlue(low) > qRed(low) + 40 && std::abs(qGreen(low) - qBlue(low)) < 30, qPrintable(rgb(low)));

    w.setSnapshot(0, barOnly(1.5f));
    img = render(w);
    const int overEnd = s.left() + MeterScale::dbToPixel(1.5f, s.width()) - 1;
    const QRgb over = img.pixel(overEnd, y);
    QVERIFY2(qRed(over) > 200 && qGreen(over) < 110, qPrintable(rgb(over)));
    const QRgb inWindow = img.pixel(s.left() + MeterScale::dbToPixel(-3.0f, s.width()), y);
    QVERIFY2(greenCast(inWindow) && qGreen(inWindow) > 150, qPrintable(rgb(inWindow)));

    // A window that ends below 0: between its top and 0 dBFS the bar is amber.
    w.setWindow({-12.0f, -3.0f});
    img = render(w);
    const QRgb hot = img.pixel(s.left() + MeterScale::dbToPixel(-1.5f, s.width()), y);
    QVERIFY2(qRed(hot) > 200 && qGreen(hot) > 140 && qBlue(hot) < 90, qPrintable(rgb(hot)));
    const QRgb inNewWindow = img.pixel(s.left() + MeterScale::dbToPixel(-8.0f, s.width()), y);
    QVERIFY2(greenCast(inNewWindow) && qGreen(inNewWindow) > 150, qPrintable(rgb(inNewWindow)));
}

// Tab to the meter, press Space: the light and the max clear, and the
// window's own Space shortcut (Play) does not fire while the meter has focus.
void TestUiMeter::clipLightClearsFromTheKeyboard() {
    QWidget window;
    auto* before = new QPushButton(QStringLiteral("before"), &window);
    auto* meter = new MeterWidget(&window);
    before->setGeometry(0, 0, 80, 22);
    meter->setGeometry(0, 30, 260, 22);
    int playTriggered = 0;
    auto* play = new QAction(QStringLiteral("Play"), &window);
    play->setShortcut(QKeySequence(Qt::Key_Space));
    window.addAction(play);
    connect(play, &QAction::triggered, [&] { ++playTriggered; });
    window.resize(300, 60);
    window.show();
    QApplication::setActiveWindow(&window);
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QCOMPARE(meter->focusPolicy(), Qt::TabFocus);
    before->setFocus();
    QTest::keyClick(before, Qt::Key_Tab);
    QVERIFY(meter->hasFocus());

    MeterSnapshot clipped = playing(-8.0f);
    clipped.clipEvents = 1;
    clipped.clippedSamples = 3;
    meter->setSnapshot(0, clipped);
    QVERIFY(meter->clipLit());
    QSignalSpy clipSpy(meter, &MeterWidget::clipResetRequested);
    QSignalSpy maxSpy(meter, &MeterWidget::resetMaxRequested);
    QTest::keyClick(meter, Qt::Key_Space);
    QVERIFY(!meter->clipLit());
    QCOMPARE(clipSpy.count(), 1);
    QCOMPARE(maxSpy.count(), 1);
    QCOMPARE(playTriggered, 0);
    // The focus outline is drawn: the top-left pixel is the highlight colour.
    const QImage focused = render(*meter);
    QCOMPARE(focused.pixelColor(0, 0), meter->palette().color(QPalette::Highlight));

    // Elsewhere, Space is Play again.
    before->setFocus();
    QTest::keyClick(before, Qt::Key_Space);
    QCOMPARE(playTriggered, 1);
}

void TestUiMeter::clipLightHoldsUntilClicked() {
    MeterWidget w;
    w.resize(260, 22);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QSignalSpy spy(&w, &MeterWidget::clipResetRequested);
    QSignalSpy maxSpy(&w, &MeterWidget::resetMaxRequested);
    QVERIFY(!w.clipLit());
    const QRect light = w.clipLightRect();
    QVERIFY(!light.isEmpty());
    QVERIFY(QRect(QPoint(), w.size()).contains(light));
    const QColor offColour = render(w).pixelColor(light.center());

    MeterSnapshot clipped = playing(-8.0f);
    clipped.clipEvents = 1;
    clipped.clippedSamples = 3;
    w.setSnapshot(0, clipped);
    QVERIFY(w.clipLit());
    const QColor onColour = render(w).pixelColor(light.left() + 1, light.top() + 1);
    QVERIFY2(onColour.red() > 220 && onColour.green() < 80, qPrintable(onColour.name()));
    QVERIFY(offColour.red() < 200 || offColour.green() > 120);

    // Later snapshots without clips (the engine's latch already cleared) and
    // low levels: still lit.
    for (int i = 0; i < 30; ++i) w.setSnapshot(0, playing(-30.0f));
    QVERIFY(w.clipLit());
    QCOMPARE(spy.count(), 0);

    // A click elsewhere does nothing.
    QTest::mouseClick(&w, Qt::LeftButton, {}, w.scaleRect().center());
    QVERIFY(w.clipLit());
    QCOMPARE(spy.count(), 0);

    QTest::mouseClick(&w, Qt::LeftButton, {}, light.center());
    QVERIFY(!w.clipLit());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(maxSpy.count(), 0);
    QCOMPARE(render(w).pixelColor(light.center()), offColour);

    w.setSnapshot(0, playing(-30.0f));
    QVERIFY(!w.clipLit());
    // A new clip lights it again.
    clipped = playing(-30.0f);
    clipped.clipEvents = 1;
    w.setSnapshot(0, clipped);
    QVERIFY(w.clipLit());
    // clearClip() from the owner puts it out without a signal.
    w.clearClip();
    QVERIFY(!w.clipLit());
    QCOMPARE(spy.count(), 1);

    // A sample peak at -0.1 dBFS or a true peak over 0 also light it.
    w.setSnapshot(0, barOnly(-0.05f));
    QVERIFY(w.clipLit());
    w.clearClip();
    MeterSnapshot over = playing(-1.0f);
    over.truePeakDb = 0.3f;
    w.setSnapshot(0, over);
    QVERIFY(w.clipLit());
}

void TestUiMeter::clipLightIgnoresStaleMaxima() {
    MeterWidget w;
    w.setChannelCount(2);
    w.resize(260, 26);
    // The engine's maxima persist until its meter is reset: a click must put
    // the light out even though every later snapshot still carries them.
    MeterSnapshot hot = playing(0.5f);
    w.setSnapshot(1, hot);
    QVERIFY(w.clipLit());
    w.clearClip();
    MeterSnapshot after = hot;
    after.samplePeakDb = after.truePeakDb = after.peakBarDb = -20.0f;
    for (int i = 0; i < 10; ++i) w.setSnapshot(1, after);
    QVERIFY(!w.clipLit());
    // A new, higher maximum is a new clip.
    after.maxTruePeakDb = 1.2f;
    w.setSnapshot(1, after);
    QVERIFY(w.clipLit());
    // Out-of-range channels are ignored.
    w.clearClip();
    w.setSnapshot(2, playing(6.0f));
    w.setSnapshot(-1, playing(6.0f));
    QVERIFY(!w.clipLit());
}

void TestUiMeter::maxText() {
    QCOMPARE(MeterWidget::levelText(-3.0f), QStringLiteral("-3.0"));
    QCOMPARE(MeterWidget::levelText(-3.24f), QStringLiteral("-3.2"));
    QCOMPARE(MeterWidget::levelText(-3.26f), QStringLiteral("-3.3"));
    QCOMPARE(MeterWidget::levelText(0.5f), QStringLiteral("+0.5"));
    QCOMPARE(MeterWidget::levelText(-0.04f), QStringLiteral("0.0"));
    QCOMPARE(MeterWidget::levelText(-45.0f), QStringLiteral("-45.0"));
    QCOMPARE(MeterWidget::levelText(kSilence), QStringLiteral("-inf"));
    QCOMPARE(MeterWidget::levelText(std::numeric_limits<float>::quiet_NaN()), QStringLiteral("-inf"));
    QCOMPARE(MeterWidget::levelText(-140.0f), QStringLiteral("<-99"));

    MeterWidget w;
    w.resize(260, 22);
    QCOMPARE(w.maxText(), QStringLiteral("-inf"));
    MeterSnapshot s = silence();
    s.maxTruePeakDb = -3.0f;
    w.setSnapshot(0, s);
    QCOMPARE(w.maxText(), QStringLiteral("-3.0"));
    w.setSnapshot(0, silence());
    QCOMPARE(w.maxText(), QStringLiteral("-inf"));

    // Stereo shows the louder channel.
    w.setChannelCount(2);
    s.maxTruePeakDb = -7.46f;
    w.setSnapshot(0, s);
    s.maxTruePeakDb = -2.04f;
    w.setSnapshot(1, s);
    QCOMPARE(w.maxText(), QStringLiteral("-2.0"));
}

void TestUiMeter::maxBoxClickResets() {
    MeterWidget w;
    w.resize(260, 22);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QSignalSpy spy(&w, &MeterWidget::resetMaxRequested);
    QSignalSpy clipSpy(&w, &MeterWidget::clipResetRequested);
    MeterSnapshot s = playing(-2.0f);
    s.framesMeasured = 480000;
    w.setSnapshot(0, s);
    QCOMPARE(w.maxText(), QStringLiteral("-1.6"));
    QVERIFY(!w.maxRect().isEmpty());
    const QImage before = render(w);

    QTest::mouseClick(&w, Qt::LeftButton, {}, w.maxRect().center());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(clipSpy.count(), 0);
    QCOMPARE(w.maxText(), QStringLiteral("-inf"));
    QVERIFY(render(w) != before);

    // Until the engine's meter restarts, its stale max is not shown again; the
    // widget keeps its own max of what it sees.
    s.truePeakDb = -12.0f;
    s.framesMeasured += 800;
    w.setSnapshot(0, s);
    QCOMPARE(w.maxText(), QStringLiteral("-12.0"));
    // The owner reset the engine's meter: its counts start over.
    MeterSnapshot fresh = playing(-9.0f);
    fresh.framesMeasured = 800;
    w.setSnapshot(0, fresh);
    QCOMPARE(w.maxText(), QStringLiteral("-8.6"));
}

void TestUiMeter::repaintsOnlyOnVisibleChange() {
    MeterWidget w;
    w.resize(260, 22);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    PaintCounter counter;
    w.installEventFilter(&counter);
    w.setSnapshot(0, playing(-10.0f));
    QApplication::processEvents();
    QTRY_VERIFY(counter.paints >= 1);
    const int afterFirst = counter.paints;

    // The same picture: a tiny level change that moves nothing by a pixel.
    MeterSnapshot same = playing(-10.0f);
    same.peakBarDb += 0.001f;
    same.rmsDb += 0.001f;
    for (int i = 0; i < 20; ++i) {
        w.setSnapshot(0, same);
        QApplication::processEvents();
    }
    QCOMPARE(counter.paints, afterFirst);

    w.setSnapshot(0, playing(-5.0f));
    QTRY_VERIFY(counter.paints > afterFirst);
}

void TestUiMeter::accessibleTexts() {
    MeterWidget w;
    w.resize(260, 22);
    QCOMPARE(w.accessibleName(), QStringLiteral("Track meter"));
    QVERIFY(w.toolTip().contains(QStringLiteral("Aim for peaks between -6 and 0 dBFS (green band)")));
    QCOMPARE(w.accessibleDescription(), QStringLiteral("silence"));
    // Throttled to a few updates a second: the first snapshot after the
    // interval updates it.
    QTest::qWait(300);
    w.setSnapshot(0, playing(-4.2f));
    QCOMPARE(w.accessibleDescription(), QStringLiteral("peak -4.2 dBFS, in the window; max -3.8 dBTP"));
    // Within the interval a new level does not update it (checked only when
    // this machine really came back within the interval)...
    QElapsedTimer sinceUpdate;
    sinceUpdate.start();
    w.setSnapshot(0, playing(-20.0f));
    if (sinceUpdate.elapsed() < 200)
        QCOMPARE(w.accessibleDescription(), QStringLiteral("peak -4.2 dBFS, in the window; max -3.8 dBTP"));
    // ...but after it the next one does.
    QTest::qWait(300);
    w.setSnapshot(0, playing(-20.0f));
    QCOMPARE(w.accessibleDescription(), QStringLiteral("peak -20.0 dBFS, below the window; max -19.6 dBTP"));
    w.setSnapshot(0, playing(0.5f));
    QVERIFY2(w.accessibleDescription().endsWith(QStringLiteral("; clip light on")),
             qPrintable(w.accessibleDescription()));

    w.setWindow({-12.0f, -3.0f});
    QVERIFY(w.toolTip().contains(QStringLiteral("between -12 and -3 dBFS")));

    // Each part explains itself when hovered.
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const auto tipAt = [&](QPoint pos) {
        QHelpEvent help(QEvent::ToolTip, pos, w.mapToGlobal(pos));
        QApplication::sendEvent(&w, &help);
        return QToolTip::text();
    };
    QVERIFY2(tipAt(w.clipLightRect().center()).startsWith(QStringLiteral("Clipped")), qPrintable(QToolTip::text()));
    w.clearClip();
    QVERIFY2(tipAt(w.clipLightRect().center()).startsWith(QStringLiteral("Clip light")), qPrintable(QToolTip::text()));
    QVERIFY2(tipAt(w.maxRect().center()).startsWith(QStringLiteral("Loudest true peak since reset: +0.9 dBTP")),
             qPrintable(QToolTip::text()));
    QVERIFY2(tipAt(w.scaleRect().center()).startsWith(QStringLiteral("Aim for peaks between -12 and -3 dBFS")),
             qPrintable(QToolTip::text()));
    QToolTip::hideText();
}

void TestUiMeter::compactVariant() {
    MeterWidget w;
    w.setCompact(true);
    QCOMPARE(w.sizeHint(), QSize(90, 10));
    QCOMPARE(w.accessibleName(), QStringLiteral("Interface meter"));
    QVERIFY(w.toolTip().startsWith(QStringLiteral("Interface")));
    w.resize(w.sizeHint());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.maxRect().isEmpty());
    QVERIFY(!w.clipLightRect().isEmpty());
    QVERIFY(w.clipLightRect().left() > w.scaleRect().right());

    w.setSnapshot(0, playing(-4.0f));
    const QImage img = render(w);
    const QRect s = w.scaleRect();
    const int end = s.left() + MeterScale::dbToPixel(-4.6f, s.width());
    const int y = s.center().y();
    QVERIFY(greenCast(img.pixel(end - 1, y)));
    QVERIFY(img.pixel(end - 1, y) != img.pixel(end, y));
    // No hold line or true-peak marker beyond the bar in the compact meter.
    const int hold = s.left() + MeterScale::dbToPixel(-3.6f, s.width());
    QCOMPARE(img.pixel(hold - 1, y), img.pixel(end, y));

    QSignalSpy spy(&w, &MeterWidget::clipResetRequested);
    w.setSnapshot(0, playing(0.5f));
    QVERIFY(w.clipLit());
    QTest::mouseClick(&w, Qt::LeftButton, {}, w.clipLightRect().center());
    QVERIFY(!w.clipLit());
    QCOMPARE(spy.count(), 1);

    // An owner's own name survives the switch.
    MeterWidget named;
    named.setAccessibleName(QStringLiteral("Vocal interface level"));
    named.setCompact(true);
    QCOMPARE(named.accessibleName(), QStringLiteral("Vocal interface level"));
    QCOMPARE(MeterWidget().sizeHint(), QSize(260, 22));
}

void TestUiMeter::screenshots() {
    struct Row {
        const char* label;
        int channels;
        bool compact;
        std::vector<MeterSnapshot> snapshots;
        bool clip;
    };
    MeterSnapshot clipped = playing(0.5f, 9.0f);
    clipped.clipEvents = 2;
    clipped.peakBarDb = clipped.samplePeakDb = 0.5f;
    MeterSnapshot left = playing(-4.5f, 14.0f), right = playing(-7.5f, 16.0f);
    MeterSnapshot quietHold = playing(-18.0f, 11.0f);
    quietHold.peakBarDb = -24.0f;
    quietHold.samplePeakDb = -24.0f;
    const std::vector<Row> rows = {
        {"Silence", 1, false, {silence()}, false},
        {"Low: -20 dBFS", 1, false, {playing(-20.0f)}, false},
        {"In the window: -3 dBFS", 1, false, {playing(-3.0f)}, false},
        {"Falling from -18, held", 1, false, {quietHold}, false},
        {"Clipped: +0.5 dBFS", 1, false, {clipped}, true},
        {"Stereo: -4.5 / -7.5", 2, false, {left, right}, false},
        {"Interface: -9 dBFS", 1, true, {playing(-9.0f)}, false},
        {"Interface: clipped", 1, true, {playing(0.2f)}, true},
    };
    for (bool dark : {true, false}) {
        QWidget panel;
        if (dark) panel.setPalette(darkPalette());
        panel.setAutoFillBackground(true);
        auto* grid = new QGridLayout(&panel);
        grid->setContentsMargins(12, 12, 12, 12);
        grid->setHorizontalSpacing(12);
        grid->setVerticalSpacing(8);
        std::vector<MeterWidget*> made;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            auto* label = new QLabel(QString::fromLatin1(rows[r].label), &panel);
            auto* meter = new MeterWidget(&panel);
            meter->setChannelCount(rows[r].channels);
            meter->setCompact(rows[r].compact);
            if (rows[r].compact) meter->setMaximumWidth(90);
            grid->addWidget(label, int(r), 0);
            grid->addWidget(meter, int(r), 1, rows[r].compact ? Qt::AlignLeft | Qt::AlignVCenter : Qt::Alignment());
            made.push_back(meter);
        }
        grid->setColumnMinimumWidth(1, 300);
        panel.resize(480, panel.sizeHint().height());
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        for (std::size_t r = 0; r < rows.size(); ++r) {
            for (std::size_t ch = 0; ch < rows[r].snapshots.size(); ++ch)
                made[r]->setSnapshot(int(ch), rows[r].snapshots[ch]);
            QCOMPARE(made[r]->clipLit(), rows[r].clip);
        }
        const QString file = dark ? QStringLiteral("meter_levels.png") : QStringLiteral("meter_levels_light.png");
        QVERIFY(panel.grab().save(file));
        qInfo("saved %s", qPrintable(QDir::current().absoluteFilePath(file)));
    }
}

QTEST_MAIN(TestUiMeter)
#include "test_ui_meter.moc"
