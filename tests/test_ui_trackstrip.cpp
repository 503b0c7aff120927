// Tests of the track row (ui/TrackStrip) and its knob (ui/GainKnob), offscreen:
// every control shows the SessionTrack it was given, each user action commits
// exactly one edit with the right field changed, a knob drag previews live and
// commits once, switching Source is one edit that clamps Gain and resets
// Input Z, every control is named and explained, and the rows line up.
// Screenshots (trackstrip.png, trackstrip-light.png) land in the working folder.

#include <QAbstractButton>
#include <QAbstractSlider>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QMenu>
#include <QSignalSpy>
#include <QStyleFactory>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtTest>

#include <cmath>
#include <limits>

#include "core/Session.h"
#include "dsp/Meter.h"
#include "ui/GainKnob.h"
#include "ui/MeterWidget.h"
#include "ui/TrackStrip.h"

using namespace gainstage;

Q_DECLARE_METATYPE(gainstage::SessionTrack)
Q_DECLARE_METATYPE(gainstage::SourcePreset)

namespace {

using EditSpy = QSignalSpy;

SessionTrack vocalTrack() {
    SessionTrack t;
    t.id = QStringLiteral("t1");
    t.name = QStringLiteral("Vocal");
    t.input = {0, false};
    t.preamp.source = Source::Mic;
    t.preamp.model = Model::Clean;
    t.preamp.gainDb = 24.0f;
    t.preamp.lowCut = LowCut::Hz80;
    t.preamp.inputImpedanceOhms = 1200.0f;
    t.armed = true;
    return t;
}

SessionTrack before(const QList<QVariant>& args) { return args.at(0).value<SessionTrack>(); }
SessionTrack after(const QList<QVariant>& args) { return args.at(1).value<SessionTrack>(); }
QString what(const QList<QVariant>& args) { return args.at(2).toString(); }

// A meter reading with the peak at `peakDb` (sample and true), RMS 12 dB under it.
MeterSnapshot reading(float peakDb, float holdDb, bool clipped = false) {
    MeterSnapshot s{};
    s.samplePeakDb = peakDb;
    s.truePeakDb = peakDb + 0.2f;
    s.peakBarDb = peakDb;
    s.peakHoldDb = holdDb;
    s.truePeakHoldDb = holdDb + 0.2f;
    s.rmsDb = peakDb - 12.0f;
    s.momentaryLufs = peakDb - 14.0f;
    s.shortTermLufs = peakDb - 15.0f;
    s.integratedLufs = peakDb - 16.0f;
    s.maxSamplePeakDb = holdDb;
    s.maxTruePeakDb = holdDb + 0.2f;
    s.maxMomentaryLufs = holdDb - 14.0f;
    s.maxShortTermLufs = holdDb - 15.0f;
    s.clipEvents = clipped ? 3 : 0;
    s.clippedSamples = clipped ? 11 : 0;
    s.framesMeasured = 480000;
    s.status = clipped ? WindowStatus::Clipped : (holdDb >= -6.0f ? WindowStatus::InWindow : WindowStatus::Low);
    return s;
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x23, 0x26, 0x29), base(0x1b, 0x1e, 0x20), button(0x31, 0x36, 0x3b), text(0xef, 0xf0, 0xf1);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, button);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::Highlight, QColor(0x3d, 0xae, 0xe9));
    p.setColor(QPalette::HighlightedText, QColor(0xfc, 0xfc, 0xfc));
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x80, 0x85, 0x8a));
    p.setColor(QPalette::Light, button.lighter(150));
    p.setColor(QPalette::Midlight, button.lighter(120));
    p.setColor(QPalette::Mid, button.darker(120));
    p.setColor(QPalette::Dark, button.darker(150));
    p.setColor(QPalette::Shadow, QColor(0x0a, 0x0b, 0x0c));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x6e, 0x73, 0x78));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x6e, 0x73, 0x78));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x6e, 0x73, 0x78));
    return p;
}

// QTest::mouseMove carries no modifiers; a drag with Shift held needs them on every move.
void moveHeld(QWidget* widget, QPoint pos, Qt::KeyboardModifiers modifiers) {
    QMouseEvent move(QEvent::MouseMove, QPointF(pos), widget->mapToGlobal(QPointF(pos)), Qt::NoButton, Qt::LeftButton, modifiers);
    QApplication::sendEvent(widget, &move);
}

QPoint knobCentre(GainKnob* knob) {
    return QPoint(knob->width() / 2, knob->diameter() / 2);
}

} // namespace

class TestTrackStrip : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void setTrackShowsEveryField();
    void setTrackEmitsNothing();
    void gainKeyboardStepsCommitEach();
    void gainDragPreviewsAndCommitsOnce();
    void doubleClickResetsGain();
    void sourceSwitchIsOneClampingEdit();
    void eachControlCommitsOneEdit_data();
    void eachControlCommitsOneEdit();
    void comboEditsChangeTheirField();
    void renameCommitsOnFinish();
    void inputMenuOffersPairs();
    void autoGainButtonFollowsState();
    void presetMenuEmitsPreset();
    void everyControlIsNamedAndExplained();
    void tabGoesLeftToRight();
    void rowsLineUpAndFit();
    void screenshots();
    void statesScreenshot();
};

void TestTrackStrip::initTestCase() {
    qRegisterMetaType<SessionTrack>("gainstage::SessionTrack");
    qRegisterMetaType<SourcePreset>("gainstage::SourcePreset");
}

void TestTrackStrip::setTrackShowsEveryField() {
    TrackStrip strip;
    strip.setInputNames({QStringLiteral("In 1"), QStringLiteral("In 2"), QStringLiteral("In 3"), QStringLiteral("In 4")});
    SessionTrack t = vocalTrack();
    t.input = {2, true};
    t.preamp.source = Source::DI;
    t.preamp.model = Model::Transformer;
    t.preamp.gainDb = 12.5f;
    t.preamp.pad = true;
    t.preamp.lowCut = LowCut::Hz160;
    t.preamp.phaseInverted = true;
    t.preamp.inputImpedanceOhms = 470.0e3f;
    t.monitor = SessionMonitorMode::Off;
    t.mute = true;
    t.solo = true;
    t.keepRaw = true;
    t.clipGuard = true;
    t.volumeDb = -6.5f;
    t.pan = -0.3f;
    strip.setTrack(t);

    QCOMPARE(strip.nameEdit()->text(), QStringLiteral("Vocal"));
    QVERIFY(strip.armButton()->isChecked());
    QVERIFY(strip.muteButton()->isChecked());
    QVERIFY(strip.soloButton()->isChecked());
    QVERIFY(strip.padButton()->isChecked());
    QVERIFY(strip.phaseButton()->isChecked());
    QVERIFY(strip.keepRawButton()->isChecked());
    QVERIFY(strip.clipGuardButton()->isChecked());
    QCOMPARE(strip.monitorCombo()->currentText(), QStringLiteral("Off"));
    QCOMPARE(strip.inputCombo()->currentText(), QStringLiteral("In 3+4"));
    QCOMPARE(strip.sourceCombo()->currentText(), QStringLiteral("DI"));
    QCOMPARE(strip.modelCombo()->currentText(), QStringLiteral("Transformer"));
    QCOMPARE(strip.lowCutCombo()->currentText(), QStringLiteral("160 Hz"));
    QCOMPARE(strip.inputZCombo()->currentText(), QStringLiteral("470 k\u03A9"));
    QCOMPARE(strip.inputZCombo()->count(), 8); // the DI list
    QCOMPARE(strip.gainKnob()->value(), 125);
    QCOMPARE(strip.gainKnob()->minimum(), -200);
    QCOMPARE(strip.gainKnob()->maximum(), 400); // DI: -20..+40 dB
    QCOMPARE(strip.gainKnob()->valueText(), QStringLiteral("+12.5 dB"));
    QCOMPARE(strip.volumeKnob()->valueText(), QStringLiteral("-6.5 dB"));
    QCOMPARE(strip.panKnob()->valueText(), QStringLiteral("L 30"));
    QCOMPARE(strip.trackMeter()->channelCount(), 2);
    QCOMPARE(strip.rawMeter()->channelCount(), 2);
    QVERIFY(strip.rawMeter()->isCompact());
    QVERIFY(!strip.trackMeter()->isCompact());
    QCOMPARE(strip.track().preamp.gainDb, 12.5f);
    QCOMPARE(strip.armButton()->accessibleName(), QStringLiteral("Arm track Vocal"));

    // A value set elsewhere that is not in the list is shown as it is.
    t.preamp.inputImpedanceOhms = 3.3e6f;
    strip.setTrack(t);
    QCOMPARE(strip.inputZCombo()->currentText(), QStringLiteral("3.3 M\u03A9"));
    QCOMPARE(strip.inputZCombo()->count(), 9);

    QCOMPARE(TrackStrip::impedanceText(1200.0f), QStringLiteral("1.2 k\u03A9"));
    QCOMPARE(TrackStrip::impedanceText(1.0e6f), QStringLiteral("1 M\u03A9"));
    QCOMPARE(TrackStrip::impedanceText(150.0f), QStringLiteral("150 \u03A9"));
    QCOMPARE(TrackStrip::gainText(24.0), QStringLiteral("+24.0 dB"));
    QCOMPARE(TrackStrip::gainText(-0.04), QStringLiteral("0.0 dB"));
    QCOMPARE(TrackStrip::gainText(-3.5), QStringLiteral("-3.5 dB"));
}

void TestTrackStrip::setTrackEmitsNothing() {
    TrackStrip strip;
    QSignalSpy edits(&strip, &TrackStrip::edited);
    QSignalSpy previews(&strip, &TrackStrip::livePreview);
    SessionTrack t = vocalTrack();
    strip.setTrack(t);
    t.preamp.source = Source::DI;
    t.preamp.gainDb = 40.0f;
    t.input = {1, true};
    strip.setTrack(t);
    strip.setInputNames({QStringLiteral("In 1"), QStringLiteral("In 2"), QStringLiteral("In 3")});
    strip.setAdvice(QStringLiteral("Raise Gain by about 4.5 dB."));
    strip.setAutoGainState(TrackStrip::AutoGainState::Listening, 0.5, 4.0);
    strip.setClipGuardActive(true);
    strip.setSelected(true);
    QCOMPARE(edits.count(), 0);
    QCOMPARE(previews.count(), 0);
}

void TestTrackStrip::gainKeyboardStepsCommitEach() {
    TrackStrip strip;
    strip.setTrack(vocalTrack());
    QSignalSpy edits(&strip, &TrackStrip::edited);
    QSignalSpy previews(&strip, &TrackStrip::livePreview);
    GainKnob* knob = strip.gainKnob();

    QTest::keyClick(knob, Qt::Key_Up);
    QCOMPARE(edits.count(), 1);
    QCOMPARE(what(edits.at(0)), QStringLiteral("Gain"));
    QCOMPARE(before(edits.at(0)).preamp.gainDb, 24.0f);
    QCOMPARE(after(edits.at(0)).preamp.gainDb, 24.5f);

    QTest::keyClick(knob, Qt::Key_PageUp);
    QCOMPARE(edits.count(), 2);
    QCOMPARE(before(edits.at(1)).preamp.gainDb, 24.5f);
    QCOMPARE(after(edits.at(1)).preamp.gainDb, 27.5f);

    QTest::keyClick(knob, Qt::Key_Down, Qt::ShiftModifier);
    QCOMPARE(edits.count(), 3);
    QVERIFY(std::abs(after(edits.at(2)).preamp.gainDb - 27.4f) < 1e-4f);
    QCOMPARE(knob->valueText(), QStringLiteral("+27.4 dB"));

    // One wheel notch is one 0.5 dB step.
    QWheelEvent wheel(QPointF(5, 5), knob->mapToGlobal(QPointF(5, 5)), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(knob, &wheel);
    QCOMPARE(edits.count(), 4);
    QVERIFY(std::abs(after(edits.at(3)).preamp.gainDb - 27.9f) < 1e-4f);
    QCOMPARE(what(edits.at(3)), QStringLiteral("Gain")); // consecutive steps share `what`: the owner may merge them

    // Nothing else changed, and steps are not previews.
    QCOMPARE(previews.count(), 0);
    SessionTrack expected = vocalTrack();
    expected.preamp.gainDb = after(edits.at(3)).preamp.gainDb;
    QCOMPARE(after(edits.at(3)).preamp.lowCut, expected.preamp.lowCut);
    QCOMPARE(after(edits.at(3)).armed, expected.armed);
    QCOMPARE(strip.track().preamp.gainDb, after(edits.at(3)).preamp.gainDb);

    // End stops at the source's range.
    QTest::keyClick(knob, Qt::Key_End);
    QCOMPARE(strip.track().preamp.gainDb, 60.0f);
    QTest::keyClick(knob, Qt::Key_Up);
    QCOMPARE(strip.track().preamp.gainDb, 60.0f);
    QCOMPARE(edits.count(), 5); // at the top the Up key changes nothing, so no edit
}

void TestTrackStrip::gainDragPreviewsAndCommitsOnce() {
    TrackStrip strip;
    strip.resize(1100, 70);
    strip.show();
    QVERIFY(QTest::qWaitForWindowExposed(&strip));
    strip.setTrack(vocalTrack());
    QSignalSpy edits(&strip, &TrackStrip::edited);
    QSignalSpy previews(&strip, &TrackStrip::livePreview);
    GainKnob* knob = strip.gainKnob();
    const QPoint centre = knobCentre(knob);

    QTest::mousePress(knob, Qt::LeftButton, Qt::NoModifier, centre);
    for (int dy = 6; dy <= 30; dy += 6) QTest::mouseMove(knob, centre - QPoint(0, dy));
    QTest::mouseRelease(knob, Qt::LeftButton, Qt::NoModifier, centre - QPoint(0, 30));

    QCOMPARE(previews.count(), 5);
    // Previews rise step by step while the knob is held.
    float last = 24.0f;
    for (const QList<QVariant>& args : previews) {
        const float gain = args.at(0).value<SessionTrack>().preamp.gainDb;
        QVERIFY2(gain > last, qPrintable(QStringLiteral("preview %1 after %2").arg(gain).arg(last)));
        last = gain;
    }
    QCOMPARE(edits.count(), 1);
    QCOMPARE(what(edits.at(0)), QStringLiteral("Gain"));
    QCOMPARE(before(edits.at(0)).preamp.gainDb, 24.0f);
    // 30 px of the 240 px that span the 80 dB range: +10 dB.
    QCOMPARE(after(edits.at(0)).preamp.gainDb, 34.0f);
    QCOMPARE(after(edits.at(0)).preamp.gainDb, last);
    QCOMPARE(strip.track().preamp.gainDb, 34.0f);

    // Shift makes the same travel ten times finer.
    QTest::mousePress(knob, Qt::LeftButton, Qt::ShiftModifier, centre);
    moveHeld(knob, centre - QPoint(0, 15), Qt::ShiftModifier);
    moveHeld(knob, centre - QPoint(0, 30), Qt::ShiftModifier);
    QTest::mouseRelease(knob, Qt::LeftButton, Qt::ShiftModifier, centre - QPoint(0, 30));
    QCOMPARE(edits.count(), 2);
    QCOMPARE(before(edits.at(1)).preamp.gainDb, 34.0f);
    QCOMPARE(after(edits.at(1)).preamp.gainDb, 35.0f);

    // A press and release without a move is no edit.
    QTest::mousePress(knob, Qt::LeftButton, Qt::NoModifier, centre);
    QTest::mouseRelease(knob, Qt::LeftButton, Qt::NoModifier, centre);
    QCOMPARE(edits.count(), 2);

    // Volume drags down the same way: one edit, "Volume".
    GainKnob* volume = strip.volumeKnob();
    const QPoint vc = knobCentre(volume);
    QTest::mousePress(volume, Qt::LeftButton, Qt::NoModifier, vc);
    QTest::mouseMove(volume, vc + QPoint(0, 10));
    QTest::mouseMove(volume, vc + QPoint(0, 20));
    QTest::mouseRelease(volume, Qt::LeftButton, Qt::NoModifier, vc + QPoint(0, 20));
    QCOMPARE(edits.count(), 3);
    QCOMPARE(what(edits.at(2)), QStringLiteral("Volume"));
    QCOMPARE(before(edits.at(2)).volumeDb, 0.0f);
    QCOMPARE(after(edits.at(2)).volumeDb, -6.0f); // 20 px of 240 over 72 dB
    QCOMPARE(after(edits.at(2)).preamp.gainDb, 35.0f);
}

void TestTrackStrip::doubleClickResetsGain() {
    TrackStrip strip;
    strip.resize(1100, 70);
    strip.show();
    QVERIFY(QTest::qWaitForWindowExposed(&strip));
    strip.setTrack(vocalTrack());
    QSignalSpy edits(&strip, &TrackStrip::edited);
    QTest::mouseDClick(strip.gainKnob(), Qt::LeftButton, Qt::NoModifier, knobCentre(strip.gainKnob()));
    QCOMPARE(edits.count(), 1);
    QCOMPARE(before(edits.at(0)).preamp.gainDb, 24.0f);
    QCOMPARE(after(edits.at(0)).preamp.gainDb, 0.0f);
    QCOMPARE(strip.gainKnob()->valueText(), QStringLiteral("0.0 dB"));
}

void TestTrackStrip::sourceSwitchIsOneClampingEdit() {
    TrackStrip strip;
    SessionTrack t = vocalTrack();
    t.preamp.gainDb = 55.0f;
    strip.setTrack(t);
    QSignalSpy edits(&strip, &TrackStrip::edited);
    strip.sourceCombo()->setCurrentIndex(strip.sourceCombo()->findText(QStringLiteral("DI")));
    QCOMPARE(edits.count(), 1);
    QCOMPARE(what(edits.at(0)), QStringLiteral("Source"));
    const SessionTrack b = before(edits.at(0));
    const SessionTrack a = after(edits.at(0));
    QCOMPARE(b.preamp.source, Source::Mic);
    QCOMPARE(b.preamp.gainDb, 55.0f);
    QCOMPARE(b.preamp.inputImpedanceOhms, 1200.0f);
    QCOMPARE(a.preamp.source, Source::DI);
    QCOMPARE(a.preamp.gainDb, 40.0f);
    QCOMPARE(a.preamp.inputImpedanceOhms, 1.0e6f);
    QCOMPARE(a.preamp.lowCut, b.preamp.lowCut);
    // The controls follow, without any further edit.
    QCOMPARE(strip.gainKnob()->maximum(), 400);
    QCOMPARE(strip.gainKnob()->valueText(), QStringLiteral("+40.0 dB"));
    QCOMPARE(strip.inputZCombo()->currentText(), QStringLiteral("1 M\u03A9"));
    QCOMPARE(strip.inputZCombo()->count(), 8);
    QCOMPARE(edits.count(), 1);

    // And back: Mic's default Input Z, Gain already in range.
    strip.sourceCombo()->setCurrentIndex(strip.sourceCombo()->findText(QStringLiteral("Mic")));
    QCOMPARE(edits.count(), 2);
    QCOMPARE(after(edits.at(1)).preamp.inputImpedanceOhms, 1200.0f);
    QCOMPARE(after(edits.at(1)).preamp.gainDb, 40.0f);
    QCOMPARE(strip.inputZCombo()->currentText(), QStringLiteral("1.2 k\u03A9"));
}

void TestTrackStrip::eachControlCommitsOneEdit_data() {
    QTest::addColumn<QString>("control");
    QTest::addColumn<QString>("expectedWhat");
    QTest::newRow("arm") << "arm" << "Arm";
    QTest::newRow("mute") << "mute" << "Mute";
    QTest::newRow("solo") << "solo" << "Solo";
    QTest::newRow("phase") << "phase" << "Phase";
    QTest::newRow("pad") << "pad" << "Pad";
    QTest::newRow("keepRaw") << "keepRaw" << "Keep raw";
    QTest::newRow("clipGuard") << "clipGuard" << "Clip Guard";
}

void TestTrackStrip::eachControlCommitsOneEdit() {
    QFETCH(QString, control);
    QFETCH(QString, expectedWhat);
    TrackStrip strip;
    strip.resize(1100, 70);
    strip.show();
    QVERIFY(QTest::qWaitForWindowExposed(&strip));
    const SessionTrack t = vocalTrack();
    strip.setTrack(t);
    QSignalSpy edits(&strip, &TrackStrip::edited);
    QSignalSpy selections(&strip, &TrackStrip::selected);

    QAbstractButton* button = control == "arm"       ? strip.armButton()
                              : control == "mute"    ? strip.muteButton()
                              : control == "solo"    ? strip.soloButton()
                              : control == "phase"   ? strip.phaseButton()
                              : control == "pad"     ? strip.padButton()
                              : control == "keepRaw" ? strip.keepRawButton()
                                                     : strip.clipGuardButton();
    const auto field = [&](const SessionTrack& s) {
        if (control == "arm") return s.armed;
        if (control == "mute") return s.mute;
        if (control == "solo") return s.solo;
        if (control == "phase") return s.preamp.phaseInverted;
        if (control == "pad") return s.preamp.pad;
        if (control == "keepRaw") return s.keepRaw;
        return s.clipGuard;
    };
    const bool initial = field(t);
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(edits.count(), 1);
    QCOMPARE(what(edits.at(0)), expectedWhat);
    QCOMPARE(field(before(edits.at(0))), initial);
    QCOMPARE(field(after(edits.at(0))), !initial);
    QCOMPARE(button->isChecked(), !initial);
    QVERIFY(selections.count() >= 1); // a click anywhere on the row selects it

    // Only that field changed: put it back and the rest compares equal.
    SessionTrack a = after(edits.at(0));
    SessionTrack b = before(edits.at(0));
    if (control == "arm") a.armed = b.armed;
    if (control == "mute") a.mute = b.mute;
    if (control == "solo") a.solo = b.solo;
    if (control == "phase") a.preamp.phaseInverted = b.preamp.phaseInverted;
    if (control == "pad") a.preamp.pad = b.preamp.pad;
    if (control == "keepRaw") a.keepRaw = b.keepRaw;
    if (control == "clipGuard") a.clipGuard = b.clipGuard;
    QCOMPARE(a.armed, b.armed);
    QCOMPARE(a.mute, b.mute);
    QCOMPARE(a.solo, b.solo);
    QCOMPARE(a.keepRaw, b.keepRaw);
    QCOMPARE(a.clipGuard, b.clipGuard);
    QCOMPARE(a.preamp.pad, b.preamp.pad);
    QCOMPARE(a.preamp.phaseInverted, b.preamp.phaseInverted);
    QCOMPARE(a.preamp.gainDb, b.preamp.gainDb);

    // The second click goes back, as a second edit.
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(edits.count(), 2);
    QCOMPARE(field(after(edits.at(1))), initial);
}

void TestTrackStrip::comboEditsChangeTheirField() {
    TrackStrip strip;
    strip.setInputNames({QStringLiteral("In 1"), QStringLiteral("In 2")});
    strip.setTrack(vocalTrack());
    QSignalSpy edits(&strip, &TrackStrip::edited);

    strip.lowCutCombo()->setCurrentIndex(strip.lowCutCombo()->findText(QStringLiteral("300 Hz")));
    QCOMPARE(edits.count(), 1);
    QCOMPARE(what(edits.at(0)), QStringLiteral("Low Cut"));
    QCOMPARE(before(edits.at(0)).preamp.lowCut, LowCut::Hz80);
    QCOMPARE(after(edits.at(0)).preamp.lowCut, LowCut::Hz300);

    strip.modelCombo()->setCurrentIndex(strip.modelCombo()->findText(QStringLiteral("Tube")));
    QCOMPARE(edits.count(), 2);
    QCOMPARE(what(edits.at(1)), QStringLiteral("Model"));
    QCOMPARE(before(edits.at(1)).preamp.model, Model::Clean);
    QCOMPARE(after(edits.at(1)).preamp.model, Model::Tube);

    strip.monitorCombo()->setCurrentIndex(strip.monitorCombo()->findText(QStringLiteral("In")));
    QCOMPARE(edits.count(), 3);
    QCOMPARE(what(edits.at(2)), QStringLiteral("Monitor"));
    QCOMPARE(after(edits.at(2)).monitor, SessionMonitorMode::Input);

    strip.inputZCombo()->setCurrentIndex(strip.inputZCombo()->findText(QStringLiteral("600 \u03A9")));
    QCOMPARE(edits.count(), 4);
    QCOMPARE(what(edits.at(3)), QStringLiteral("Input Z"));
    QCOMPARE(after(edits.at(3)).preamp.inputImpedanceOhms, 600.0f);

    strip.inputCombo()->setCurrentIndex(strip.inputCombo()->findText(QStringLiteral("In 1+2")));
    QCOMPARE(edits.count(), 5);
    QCOMPARE(what(edits.at(4)), QStringLiteral("Input"));
    QCOMPARE(after(edits.at(4)).input, (TrackInput{0, true}));
    QCOMPARE(strip.trackMeter()->channelCount(), 2);
    QCOMPARE(strip.rawMeter()->channelCount(), 2);

    // Each edit carried the previous ones: the row's value is the latest after.
    QCOMPARE(after(edits.at(4)).preamp.lowCut, LowCut::Hz300);
    QCOMPARE(after(edits.at(4)).preamp.model, Model::Tube);
    QCOMPARE(strip.track().preamp.inputImpedanceOhms, 600.0f);
}

void TestTrackStrip::renameCommitsOnFinish() {
    TrackStrip strip;
    strip.setTrack(vocalTrack());
    QSignalSpy edits(&strip, &TrackStrip::edited);
    strip.nameEdit()->setText(QStringLiteral("Lead vocal "));
    emit strip.nameEdit()->editingFinished();
    QCOMPARE(edits.count(), 1);
    QCOMPARE(what(edits.at(0)), QStringLiteral("Rename"));
    QCOMPARE(before(edits.at(0)).name, QStringLiteral("Vocal"));
    QCOMPARE(after(edits.at(0)).name, QStringLiteral("Lead vocal"));
    QCOMPARE(strip.armButton()->accessibleName(), QStringLiteral("Arm track Lead vocal"));
    // Finishing again without a change, or with an empty name, commits nothing.
    emit strip.nameEdit()->editingFinished();
    strip.nameEdit()->setText(QStringLiteral("   "));
    emit strip.nameEdit()->editingFinished();
    QCOMPARE(edits.count(), 1);
    QCOMPARE(strip.nameEdit()->text(), QStringLiteral("Lead vocal"));
}

void TestTrackStrip::inputMenuOffersPairs() {
    TrackStrip strip;
    strip.setInputNames({QStringLiteral("In 1"), QStringLiteral("In 2"), QStringLiteral("In 3")});
    strip.setTrack(vocalTrack());
    QStringList items;
    for (int i = 0; i < strip.inputCombo()->count(); ++i)
        if (!strip.inputCombo()->itemText(i).isEmpty()) items << strip.inputCombo()->itemText(i);
    QCOMPARE(items, (QStringList{"In 1", "In 2", "In 3", "In 1+2", "In 2+3"}));

    // A track on an input the device lacks still shows its input.
    SessionTrack t = vocalTrack();
    t.input = {5, false};
    strip.setTrack(t);
    QCOMPARE(strip.inputCombo()->currentText(), QStringLiteral("In 6"));
}

void TestTrackStrip::autoGainButtonFollowsState() {
    TrackStrip strip;
    strip.resize(1100, 70);
    strip.show();
    QVERIFY(QTest::qWaitForWindowExposed(&strip));
    strip.setTrack(vocalTrack());
    QSignalSpy requested(&strip, &TrackStrip::autoGainRequested);
    QSignalSpy stop(&strip, &TrackStrip::autoGainStopRequested);
    QSignalSpy cancel(&strip, &TrackStrip::autoGainCancelRequested);
    QAbstractButton* button = strip.autoGainButton();

    QCOMPARE(button->text(), QStringLiteral("Auto Gain"));
    QVERIFY(!strip.autoGainCancelButton()->isVisible());
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(requested.count(), 1);

    strip.setAutoGainState(TrackStrip::AutoGainState::Listening, 0.6, 3.2);
    QCOMPARE(button->text(), QStringLiteral("Listening\u2026 4 s  Stop"));
    QVERIFY(strip.autoGainCancelButton()->isVisible());
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(stop.count(), 1);
    QCOMPARE(requested.count(), 1);

    QTest::keyClick(&strip, Qt::Key_Escape);
    QCOMPARE(cancel.count(), 1);
    QTest::mouseClick(strip.autoGainCancelButton(), Qt::LeftButton);
    QCOMPARE(cancel.count(), 2);

    strip.setAutoGainState(TrackStrip::AutoGainState::Analysing);
    QCOMPARE(button->text(), QStringLiteral("Analysing\u2026"));
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(stop.count(), 1);
    QCOMPARE(requested.count(), 1);

    strip.setAutoGainState(TrackStrip::AutoGainState::Idle);
    QVERIFY(!strip.autoGainCancelButton()->isVisible());
    QTest::keyClick(&strip, Qt::Key_Escape); // nothing to cancel
    QCOMPARE(cancel.count(), 2);
}

void TestTrackStrip::presetMenuEmitsPreset() {
    TrackStrip strip;
    strip.setTrack(vocalTrack());
    QSignalSpy chosen(&strip, &TrackStrip::presetChosen);
    QSignalSpy edits(&strip, &TrackStrip::edited);
    const QList<QAction*> actions = strip.presetMenu()->actions();
    QStringList names;
    for (QAction* a : actions) names << a->text();
    QCOMPARE(names, (QStringList{"Vocal", "Guitar DI", "Acoustic guitar", "Bass DI"}));
    actions.at(1)->trigger();
    QCOMPARE(chosen.count(), 1);
    const SourcePreset preset = chosen.at(0).at(0).value<SourcePreset>();
    QCOMPARE(preset.name, QStringLiteral("Guitar DI"));
    QCOMPARE(preset.preamp.source, Source::DI);
    QCOMPARE(edits.count(), 0); // the owner applies it, as one edit of its own
}

void TestTrackStrip::everyControlIsNamedAndExplained() {
    TrackStrip strip;
    strip.setInputNames({QStringLiteral("In 1"), QStringLiteral("In 2")});
    strip.setTrack(vocalTrack());
    int controls = 0;
    for (QWidget* w : strip.findChildren<QWidget*>()) {
        const bool control = qobject_cast<QAbstractButton*>(w) || qobject_cast<QComboBox*>(w) || qobject_cast<QAbstractSlider*>(w) ||
                             qobject_cast<QLineEdit*>(w);
        if (!control) continue;
        ++controls;
        const QString id = QStringLiteral("%1 \"%2\"").arg(QString::fromLatin1(w->metaObject()->className()), w->accessibleName());
        QVERIFY2(!w->accessibleName().isEmpty(), qPrintable(id + QStringLiteral(" has no accessible name")));
        QVERIFY2(!w->toolTip().isEmpty(), qPrintable(id + QStringLiteral(" has no tooltip")));
    }
    // Name, Arm, M, S, Monitor, Input, Source, presets, Model, Gain, Pad, Phase,
    // Low Cut, Input Z, Auto Gain, Cancel, Clip Guard, Keep raw, Volume, Pan.
    QCOMPARE(controls, 20);
    QVERIFY(!strip.trackMeter()->toolTip().isEmpty());
    QVERIFY(!strip.rawMeter()->toolTip().isEmpty());
    QVERIFY(strip.rawMeter()->toolTip().startsWith(QStringLiteral("Interface")));
}

void TestTrackStrip::tabGoesLeftToRight() {
    TrackStrip strip;
    strip.setTrack(vocalTrack());
    strip.resize(1100, 70);
    strip.show();
    QVERIFY(QTest::qWaitForWindowExposed(&strip));
    QApplication::setActiveWindow(&strip);
    const QList<QWidget*> expected{strip.armButton(),   strip.nameEdit(),     strip.muteButton(),  strip.soloButton(),
                                   strip.inputCombo(),  strip.monitorCombo(), strip.sourceCombo(), strip.presetButton(),
                                   strip.inputZCombo(), strip.modelCombo(),   strip.lowCutCombo(), strip.gainKnob(),
                                   strip.padButton(),   strip.phaseButton(),  strip.autoGainButton(), strip.clipGuardButton(),
                                   strip.keepRawButton(), strip.volumeKnob(), strip.panKnob()};
    strip.armButton()->setFocus(Qt::TabFocusReason);
    for (QWidget* w : expected) {
        QTRY_VERIFY2(w->hasFocus(), qPrintable(QStringLiteral("expected %1, focus on %2")
                                                   .arg(w->accessibleName(),
                                                        QApplication::focusWidget() ? QApplication::focusWidget()->accessibleName()
                                                                                    : QStringLiteral("nothing"))));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    }
}

void TestTrackStrip::rowsLineUpAndFit() {
    QWidget list;
    auto* layout = new QVBoxLayout(&list);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    std::vector<TrackStrip*> strips;
    for (int i = 0; i < 3; ++i) {
        auto* s = new TrackStrip(&list);
        s->setInputNames({QStringLiteral("In 1"), QStringLiteral("In 2"), QStringLiteral("Front Hi-Z input 3")});
        SessionTrack t = vocalTrack();
        t.name = i == 0 ? QStringLiteral("V") : QStringLiteral("A rather long track name that will not fit");
        t.preamp.source = i == 1 ? Source::DI : Source::Mic;
        t.preamp.inputImpedanceOhms = i == 2 ? 3.3e6f : defaultInputImpedanceOhms(t.preamp.source);
        t.input = {i, i == 1};
        s->setTrack(t);
        layout->addWidget(s);
        strips.push_back(s);
    }
    list.resize(1100, 3 * 70);
    list.show();
    QVERIFY(QTest::qWaitForWindowExposed(&list));

    TrackStrip* first = strips.front();
    // It fits 1100 px with room for a readable meter.
    QVERIFY2(first->minimumSizeHint().width() <= 1100, qPrintable(QString::number(first->minimumSizeHint().width())));
    QVERIFY2(first->trackMeter()->width() >= 200, qPrintable(QString::number(first->trackMeter()->width())));
    qInfo("row %dx%d, minimum width %d, track meter %d px", first->width(), first->height(), first->minimumSizeHint().width(),
          first->trackMeter()->width());
    QVERIFY2(first->height() >= 60 && first->height() <= 80, qPrintable(QString::number(first->height())));
    // Whatever the name, input, source or Input Z, every control sits at the same x in every row.
    const auto xOf = [](TrackStrip* s, QWidget* w) { return w->mapTo(s, QPoint(0, 0)).x(); };
    for (TrackStrip* s : strips) {
        QCOMPARE(s->height(), first->height());
        QCOMPARE(xOf(s, s->gainKnob()), xOf(strips[0], strips[0]->gainKnob()));
        QCOMPARE(xOf(s, s->inputZCombo()), xOf(strips[0], strips[0]->inputZCombo()));
        QCOMPARE(xOf(s, s->autoGainButton()), xOf(strips[0], strips[0]->autoGainButton()));
        QCOMPARE(xOf(s, s->trackMeter()), xOf(strips[0], strips[0]->trackMeter()));
        QCOMPARE(s->trackMeter()->width(), strips[0]->trackMeter()->width());
        QVERIFY(s->trackMeter()->isVisible());
        QVERIFY(s->rawMeter()->isVisible());
        // The Interface meter's scale is the Track meter's, pixel for pixel.
        QCOMPARE(xOf(s, s->rawMeter()) + s->rawMeter()->scaleRect().left(), xOf(s, s->trackMeter()) + s->trackMeter()->scaleRect().left());
        QCOMPARE(s->rawMeter()->scaleRect().width(), s->trackMeter()->scaleRect().width());
    }
    // Nothing overlaps inside a row: each control lies within the row.
    for (QWidget* w : first->findChildren<QWidget*>()) {
        if (!w->isVisible() || w->parentWidget() != first) continue;
        const QRect r(w->mapTo(first, QPoint(0, 0)), w->size());
        QVERIFY2(first->rect().contains(r), qPrintable(QStringLiteral("%1 %2 outside the row").arg(w->metaObject()->className(), w->accessibleName())));
    }
}

void TestTrackStrip::screenshots() {
    for (bool dark : {true, false}) {
        QWidget list;
        list.setPalette(dark ? darkPalette() : QApplication::style()->standardPalette());
        list.setAutoFillBackground(true);
        auto* layout = new QVBoxLayout(&list);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->setSpacing(0);
        const QStringList inputs{QStringLiteral("In 1"), QStringLiteral("In 2"), QStringLiteral("In 3"), QStringLiteral("In 4")};

        auto* vocal = new TrackStrip(&list);
        vocal->setInputNames(inputs);
        SessionTrack v = vocalTrack();
        v.preamp.gainDb = 31.5f;
        vocal->setTrack(v);
        vocal->setSelected(true);
        vocal->setMeters(reading(-28.0f, -26.5f), reading(-11.0f, -9.5f), nullptr, nullptr);
        vocal->setAdvice(QStringLiteral("Raise Gain by about 6.5 dB."));

        auto* guitar = new TrackStrip(&list);
        guitar->setInputNames(inputs);
        SessionTrack g;
        g.id = QStringLiteral("t2");
        g.name = QStringLiteral("Guitar DI");
        g.input = {1, false};
        g.preamp.source = Source::DI;
        g.preamp.model = Model::Tube;
        g.preamp.gainDb = 38.0f;
        g.preamp.inputImpedanceOhms = 1.0e6f;
        g.armed = true;
        g.clipGuard = true;
        g.monitor = SessionMonitorMode::Input;
        g.pan = -0.25f;
        guitar->setTrack(g);
        guitar->setMeters(reading(-9.0f, -6.0f), reading(0.4f, 0.9f, true), nullptr, nullptr);
        guitar->setAdvice(QStringLiteral("Lower Gain by about 3.5 dB."), true);
        guitar->setClipGuardActive(true);

        auto* keys = new TrackStrip(&list);
        keys->setInputNames(inputs);
        SessionTrack k;
        k.id = QStringLiteral("t3");
        k.name = QStringLiteral("Keys");
        k.input = {2, true};
        k.preamp.source = Source::DI;
        k.preamp.inputImpedanceOhms = 1.0e6f;
        k.preamp.gainDb = 6.0f;
        k.preamp.lowCut = LowCut::Hz50;
        k.keepRaw = true;
        k.mute = true;
        k.volumeDb = -4.5f;
        keys->setTrack(k);
        const MeterSnapshot kl = reading(-30.0f, -27.0f), kr = reading(-33.0f, -29.5f);
        const MeterSnapshot tl = reading(-12.0f, -9.0f), tr = reading(-14.5f, -11.0f);
        keys->setMeters(kl, tl, &kr, &tr);
        keys->setAutoGainState(TrackStrip::AutoGainState::Listening, 0.6, 4.0);

        for (TrackStrip* s : {vocal, guitar, keys}) {
            s->setWindow(LevelWindow{-6.0f, 0.0f});
            layout->addWidget(s);
        }
        layout->addStretch(1);
        list.resize(1100, vocal->sizeHint().height() * 3);
        list.show();
        QVERIFY(QTest::qWaitForWindowExposed(&list));
        QCoreApplication::processEvents();
        // Meters repaint on a snapshot; give them a second one after layout.
        vocal->setMeters(reading(-28.0f, -26.5f), reading(-11.0f, -9.5f), nullptr, nullptr);
        QCoreApplication::processEvents();

        QVERIFY(guitar->trackMeter()->clipLit());
        QVERIFY(!vocal->trackMeter()->clipLit());
        const QImage image = list.grab().toImage();
        const QString file = QDir::current().filePath(dark ? QStringLiteral("trackstrip.png") : QStringLiteral("trackstrip-light.png"));
        QVERIFY(image.save(file));
        qInfo("screenshot: %s (%dx%d)", qPrintable(file), image.width(), image.height());

        // The armed vocal's Arm lamp is lit red; the Keys row's is not.
        const QPoint armVocal = vocal->armButton()->mapTo(&list, vocal->armButton()->rect().center() + QPoint(5, 0));
        const QPoint armKeys = keys->armButton()->mapTo(&list, keys->armButton()->rect().center() + QPoint(5, 0));
        const QColor lit = image.pixelColor(armVocal);
        const QColor unlit = image.pixelColor(armKeys);
        QVERIFY2(lit.red() > 180 && lit.green() < 110, qPrintable(lit.name()));
        QVERIFY2(!(unlit.red() > 180 && unlit.green() < 110), qPrintable(unlit.name()));
    }
}

// Less common states: a name being edited, Auto Gain analysing, Clip Guard on
// and standing guard, Pad and Phase in, a Transformer at its Input Z extreme.
void TestTrackStrip::statesScreenshot() {
    QWidget list;
    list.setPalette(darkPalette());
    list.setAutoFillBackground(true);
    auto* layout = new QVBoxLayout(&list);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    auto* editing = new TrackStrip(&list);
    auto* busy = new TrackStrip(&list);
    SessionTrack a = vocalTrack();
    a.name = QStringLiteral("Room mic");
    a.armed = false;
    editing->setTrack(a);
    SessionTrack b = vocalTrack();
    b.name = QStringLiteral("Bass DI");
    b.preamp.source = Source::DI;
    b.preamp.model = Model::Transformer;
    b.preamp.inputImpedanceOhms = 10.0e6f;
    b.preamp.gainDb = -12.5f;
    b.preamp.pad = true;
    b.preamp.phaseInverted = true;
    b.clipGuard = true;
    b.solo = true;
    b.volumeDb = 6.0f;
    b.pan = 1.0f;
    busy->setTrack(b);
    busy->setAutoGainState(TrackStrip::AutoGainState::Analysing);
    busy->setMeters(reading(-40.0f, -38.0f), reading(-18.0f, -16.0f), nullptr, nullptr);
    busy->setAdvice(QStringLiteral("Turn the interface's gain up and the virtual gain down: virtual gain raises the noise too."));
    layout->addWidget(editing);
    layout->addWidget(busy);
    list.resize(1100, editing->sizeHint().height() * 2);
    list.show();
    QVERIFY(QTest::qWaitForWindowExposed(&list));

    // Unfocused, the name shows the row behind it; focused, the edit's own base.
    QLineEdit* name = editing->nameEdit();
    const QPoint inside = name->mapTo(&list, QPoint(name->width() - 4, name->height() / 2));
    const QColor unfocused = list.grab().toImage().pixelColor(inside);
    name->setFocus();
    name->selectAll();
    QTRY_VERIFY(name->hasFocus());
    const QImage image = list.grab().toImage();
    const QColor focused = image.pixelColor(inside);
    QCOMPARE(unfocused.name(), darkPalette().color(QPalette::Window).name());
    QCOMPARE(focused.name(), darkPalette().color(QPalette::Base).name());
    QCOMPARE(busy->inputZCombo()->currentText(), QStringLiteral("10 M\u03A9"));
    QCOMPARE(busy->panKnob()->valueText(), QStringLiteral("R 100"));
    const QString file = QDir::current().filePath(QStringLiteral("trackstrip-states.png"));
    QVERIFY(image.save(file));
    qInfo("screenshot: %s", qPrintable(file));
}

QTEST_MAIN(TestTrackStrip)
#include "test_ui_trackstrip.moc"
