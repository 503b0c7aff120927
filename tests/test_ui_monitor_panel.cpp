// The Monitor panel: it shows a MonitorSettings value field by field, hides
// what does not apply (the amp on headphones, crossfeed on speakers), turns
// every committed change into exactly one undo step (a slider drag previews
// live first), shows the listening level, and explains every control.

#include <QAbstractButton>
#include <QAbstractSlider>
#include <QApplication>
#include <QComboBox>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QPalette>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QStyle>
#include <QStyleFactory>
#include <QStyleOptionSlider>
#include <QTest>

#include <cmath>
#include <limits>

#include "ui/MonitorPanel.h"

using namespace gainstage;

namespace {

void useDarkPalette() {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x31));
    p.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x22));
    p.setColor(QPalette::AlternateBase, QColor(0x33, 0x35, 0x3a));
    p.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Button, QColor(0x3a, 0x3d, 0x42));
    p.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x8e, 0xd8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(0x1e, 0x1f, 0x22));
    p.setColor(QPalette::ToolTipText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x80, 0x80));
    QApplication::setPalette(p);
}

template <typename T>
T* child(const QWidget& panel, const char* name) {
    T* w = panel.findChild<T*>(QString::fromLatin1(name));
    if (!w) qFatal("no child %s", name);
    return w;
}

MonitorSettings settingsArg(const QSignalSpy& spy, int call, int arg) {
    return spy.at(call).at(arg).value<MonitorSettings>();
}

// Where a slider's handle is, in its own coordinates.
QPoint handleCentre(QSlider* slider) {
    QStyleOptionSlider option;
    option.initFrom(slider);
    option.orientation = slider->orientation();
    option.minimum = slider->minimum();
    option.maximum = slider->maximum();
    option.sliderPosition = slider->sliderPosition();
    option.sliderValue = slider->value();
    option.tickPosition = slider->tickPosition();
    option.subControls = QStyle::SC_SliderHandle;
    return slider->style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderHandle, slider).center();
}

QColor centreColour(QWidget* w) {
    const QImage image = w->grab().toImage();
    return image.pixelColor(image.width() / 2, image.height() / 4);
}

} // namespace

class TestMonitorPanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        qRegisterMetaType<MonitorSettings>();
        useDarkPalette();
    }

    void setSettingsShowsEachField() {
        MonitorPanel panel;
        QSignalSpy edited(&panel, &MonitorPanel::edited), preview(&panel, &MonitorPanel::livePreview);
        MonitorSettings s;
        s.output = MonitorOutput::Speakers;
        s.speaker = SpeakerId::Cube;
        s.ampPowerW = 50.0f;
        s.ampOutputOhms = 1.0f;
        s.ampGainDb = 6.0f;
        s.ampSag = true;
        s.volumeDb = -12.5f;
        s.dim = true;
        s.mute = true;
        panel.setSettings(s);

        QVERIFY(child<QPushButton>(panel, "monitorSpeakers")->isChecked());
        QVERIFY(!child<QPushButton>(panel, "monitorHeadphones")->isChecked());
        QCOMPARE(child<QComboBox>(panel, "monitorSpeaker")->currentText(), QStringLiteral("Small cube"));
        auto* power = child<QComboBox>(panel, "monitorAmpPower");
        QCOMPARE(power->currentText(), QStringLiteral("50 W"));
        // The usual amp names the Cube's own 30 W.
        QCOMPARE(power->itemText(0), QStringLiteral("Speaker's usual amp (30 W)"));
        QCOMPARE(child<QComboBox>(panel, "monitorAmpType")->currentText(), QStringLiteral("Tube (1 Ω)"));
        // Cube: 8 ohm nominal over 1 ohm.
        QCOMPARE(child<QLabel>(panel, "monitorDamping")->text(), QStringLiteral("damping 8.0"));
        QCOMPARE(child<QSlider>(panel, "monitorAmpGain")->value(), 12);
        QCOMPARE(child<QLabel>(panel, "monitorAmpGainValue")->text(), QStringLiteral("+6.0 dB"));
        QVERIFY(child<QPushButton>(panel, "monitorAmpSag")->isChecked());
        QCOMPARE(child<QSlider>(panel, "monitorVolume")->value(), -25);
        QCOMPARE(child<QLabel>(panel, "monitorVolumeValue")->text(), QStringLiteral("-12.5 dB"));
        QVERIFY(child<QPushButton>(panel, "monitorDim")->isChecked());
        QVERIFY(!child<QPushButton>(panel, "monitorMono")->isChecked());
        QVERIFY(child<QPushButton>(panel, "monitorMute")->isChecked());
        QCOMPARE(panel.settings().volumeDb, -12.5f);

        // A stored power that is no preset is shown as itself; the usual amp's
        // impedance gives the speaker's own damping (Cube: 8 / 0.1 ohm).
        s.ampPowerW = 75.0f;
        s.ampOutputOhms = -1.0f;
        panel.setSettings(s);
        QCOMPARE(power->currentText(), QStringLiteral("75 W"));
        QCOMPARE(child<QComboBox>(panel, "monitorAmpType")->currentText(), QStringLiteral("Speaker's usual amp (0.1 Ω)"));
        QCOMPARE(child<QLabel>(panel, "monitorDamping")->text(), QStringLiteral("damping 80"));

        s.output = MonitorOutput::Headphones;
        s.crossfeed = CrossfeedPreset::Meier;
        panel.setSettings(s);
        QVERIFY(child<QPushButton>(panel, "monitorHeadphones")->isChecked());
        QCOMPARE(child<QComboBox>(panel, "monitorCrossfeed")->currentText(), QStringLiteral("Meier (650 Hz, 9.5 dB)"));

        // Showing a value is never an edit.
        QCOMPARE(edited.count(), 0);
        QCOMPARE(preview.count(), 0);
    }

    void headphonesHideTheAmp() {
        MonitorPanel panel;
        MonitorSettings s;
        s.speaker = SpeakerId::NearField;
        panel.setSettings(s);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        const char* ampControls[] = {"monitorSpeaker", "monitorAmpPower", "monitorAmpType", "monitorAmpGain",
                                     "monitorAmpSag", "monitorDamping"};
        auto* crossfeed = child<QComboBox>(panel, "monitorCrossfeed");
        for (const char* name : ampControls) QVERIFY2(child<QWidget>(panel, name)->isVisibleTo(&panel), name);
        QVERIFY(!crossfeed->isVisibleTo(&panel));

        QSignalSpy edited(&panel, &MonitorPanel::edited);
        QTest::mouseClick(child<QPushButton>(panel, "monitorHeadphones"), Qt::LeftButton);
        QCOMPARE(edited.count(), 1);
        QCOMPARE(settingsArg(edited, 0, 0).output, MonitorOutput::Speakers);
        QCOMPARE(settingsArg(edited, 0, 1).output, MonitorOutput::Headphones);
        QCOMPARE(edited.at(0).at(2).toString(), QStringLiteral("Monitor output"));
        for (const char* name : ampControls) QVERIFY2(!child<QWidget>(panel, name)->isVisibleTo(&panel), name);
        QVERIFY(crossfeed->isVisibleTo(&panel));
        // No speaker on headphones: nothing to estimate.
        panel.setListeningLevel(std::numeric_limits<double>::quiet_NaN());
        QCOMPARE(child<QLabel>(panel, "monitorListeningLevel")->text(), QStringLiteral("—"));

        // Clicking the chosen segment again changes nothing and records nothing.
        QTest::mouseClick(child<QPushButton>(panel, "monitorHeadphones"), Qt::LeftButton);
        QCOMPARE(edited.count(), 1);

        QTest::mouseClick(child<QPushButton>(panel, "monitorSpeakers"), Qt::LeftButton);
        QCOMPARE(edited.count(), 2);
        QVERIFY(child<QWidget>(panel, "monitorAmpGain")->isVisibleTo(&panel));
        QVERIFY(!crossfeed->isVisibleTo(&panel));
    }

    void flatRestsTheAmp() {
        MonitorPanel panel;
        panel.setSettings(MonitorSettings{});
        QVERIFY(!child<QWidget>(panel, "monitorAmpGain")->isEnabled());
        QCOMPARE(child<QComboBox>(panel, "monitorSpeaker")->currentText(), QStringLiteral("Flat (no speaker)"));
        QCOMPARE(child<QLabel>(panel, "monitorDamping")->text(), QStringLiteral("damping —"));
    }

    void choosingASpeakerIsOneEdit() {
        MonitorPanel panel;
        MonitorSettings s;
        s.volumeDb = -6.0f;
        s.mono = true;
        panel.setSettings(s);
        QSignalSpy edited(&panel, &MonitorPanel::edited);
        auto* speaker = child<QComboBox>(panel, "monitorSpeaker");
        speaker->setCurrentIndex(speaker->findText(QStringLiteral("Small cube")));
        QCOMPARE(edited.count(), 1);
        const MonitorSettings before = settingsArg(edited, 0, 0), after = settingsArg(edited, 0, 1);
        QCOMPARE(before.speaker, SpeakerId::Flat);
        QCOMPARE(after.speaker, SpeakerId::Cube);
        QCOMPARE(edited.at(0).at(2).toString(), QStringLiteral("Monitor speaker"));
        // Only the speaker moved.
        QCOMPARE(before.volumeDb, -6.0f);
        QCOMPARE(after.volumeDb, -6.0f);
        QVERIFY(before.mono && after.mono);
        QCOMPARE(panel.settings().speaker, SpeakerId::Cube);
        // The amp's "usual" entries now name the Cube's amp, and the amp wakes up.
        QCOMPARE(child<QComboBox>(panel, "monitorAmpPower")->itemText(0), QStringLiteral("Speaker's usual amp (30 W)"));
        QVERIFY(child<QWidget>(panel, "monitorAmpGain")->isEnabled());

        // An amp type is one more step, and its damping shows at once.
        auto* type = child<QComboBox>(panel, "monitorAmpType");
        type->setCurrentIndex(type->findText(QStringLiteral("Vintage tube (3 Ω)")));
        QCOMPARE(edited.count(), 2);
        QCOMPARE(settingsArg(edited, 1, 1).ampOutputOhms, 3.0f);
        QCOMPARE(child<QLabel>(panel, "monitorDamping")->text(), QStringLiteral("damping 2.7"));
    }

    void volumeDragPreviewsThenOneEdit() {
        MonitorPanel panel;
        panel.resize(320, 420);
        panel.setSettings(MonitorSettings{});
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto* volume = child<QSlider>(panel, "monitorVolume");
        QStringList order;
        QList<float> previews;
        connect(&panel, &MonitorPanel::livePreview, &panel, [&](const MonitorSettings& now) {
            order << QStringLiteral("preview");
            previews << now.volumeDb;
        });
        QSignalSpy edited(&panel, &MonitorPanel::edited);
        connect(&panel, &MonitorPanel::edited, &panel, [&] { order << QStringLiteral("edited"); });

        const QPoint start = handleCentre(volume);
        QTest::mousePress(volume, Qt::LeftButton, Qt::NoModifier, start);
        QVERIFY(volume->isSliderDown());
        for (int step = 1; step <= 5; ++step) QTest::mouseMove(volume, start - QPoint(12 * step, 0));
        QTest::mouseRelease(volume, Qt::LeftButton, Qt::NoModifier, start - QPoint(60, 0));

        QVERIFY2(previews.size() >= 3, qPrintable(QString::number(previews.size())));
        QCOMPARE(edited.count(), 1);
        QCOMPARE(order.last(), QStringLiteral("edited"));
        QCOMPARE(order.count(QStringLiteral("edited")), 1);
        const MonitorSettings before = settingsArg(edited, 0, 0), after = settingsArg(edited, 0, 1);
        QCOMPARE(before.volumeDb, 0.0f);
        QVERIFY2(after.volumeDb < -3.0f, qPrintable(QString::number(after.volumeDb)));
        QCOMPARE(after.volumeDb, previews.last());
        QCOMPARE(edited.at(0).at(2).toString(), QStringLiteral("Monitor volume"));
        // The previews walk down with the hand.
        for (int i = 1; i < previews.size(); ++i) QVERIFY(previews[i] <= previews[i - 1]);
        QCOMPARE(panel.volumeText(), child<QLabel>(panel, "monitorVolumeValue")->text());
        qInfo("drag: %lld previews, 0.0 dB -> %.1f dB in one edit", static_cast<long long>(previews.size()),
              after.volumeDb);

        // A key press is a change of its own: one step of 0.5 dB.
        volume->setFocus();
        QTest::keyClick(volume, Qt::Key_Right);
        QCOMPARE(edited.count(), 2);
        QCOMPARE(settingsArg(edited, 1, 1).volumeDb, after.volumeDb + 0.5f);
    }

    void dimMonoMuteEachOneEdit() {
        MonitorPanel panel;
        panel.setSettings(MonitorSettings{});
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QSignalSpy edited(&panel, &MonitorPanel::edited);
        auto* dim = child<QPushButton>(panel, "monitorDim");
        auto* mono = child<QPushButton>(panel, "monitorMono");
        auto* mute = child<QPushButton>(panel, "monitorMute");
        const QColor muteOff = centreColour(mute);

        QTest::mouseClick(dim, Qt::LeftButton);
        QCOMPARE(edited.count(), 1);
        QVERIFY(!settingsArg(edited, 0, 0).dim && settingsArg(edited, 0, 1).dim);
        QCOMPARE(edited.at(0).at(2).toString(), QStringLiteral("Dim"));
        QTest::mouseClick(mono, Qt::LeftButton);
        QCOMPARE(edited.count(), 2);
        QVERIFY(!settingsArg(edited, 1, 0).mono && settingsArg(edited, 1, 1).mono);
        QVERIFY(settingsArg(edited, 1, 0).dim); // the previous step stays
        QCOMPARE(edited.at(1).at(2).toString(), QStringLiteral("Mono"));
        QTest::mouseClick(mute, Qt::LeftButton);
        QCOMPARE(edited.count(), 3);
        QVERIFY(!settingsArg(edited, 2, 0).mute && settingsArg(edited, 2, 1).mute);
        QCOMPARE(edited.at(2).at(2).toString(), QStringLiteral("Mute"));
        const MonitorSettings now = panel.settings();
        QVERIFY(now.dim && now.mono && now.mute);

        // Mute lights red, Dim amber: measured on the rendered buttons.
        const QColor muteOn = centreColour(mute), dimOn = centreColour(dim);
        qInfo("Mute off %s, on %s; Dim on %s", qPrintable(muteOff.name()), qPrintable(muteOn.name()),
              qPrintable(dimOn.name()));
        QVERIFY(muteOn.red() > 150 && muteOn.green() < 90 && muteOn.blue() < 90);
        QVERIFY(muteOff.red() < 120);
        QVERIFY(dimOn.red() > 180 && dimOn.green() > 120 && dimOn.green() < 200 && dimOn.blue() < 90);

        QTest::mouseClick(mute, Qt::LeftButton);
        QCOMPARE(edited.count(), 4);
        QVERIFY(!settingsArg(edited, 3, 1).mute);
    }

    void listeningLevelLabel() {
        MonitorPanel panel;
        auto* label = child<QLabel>(panel, "monitorListeningLevel");
        panel.setListeningLevel(84.3);
        QVERIFY2(label->text().startsWith(QStringLiteral("≈ 84 dB SPL")), qPrintable(label->text()));
        QCOMPARE(label->text(), QStringLiteral("≈ 84 dB SPL at 1 m"));
        QVERIFY(label->isVisibleTo(&panel));
        panel.setListeningLevel(std::numeric_limits<double>::quiet_NaN());
        QCOMPARE(label->text(), QStringLiteral("—"));
        QVERIFY(!label->isVisibleTo(&panel));
        panel.setListeningLevel(91.6);
        QCOMPARE(panel.listeningLevelText(), QStringLiteral("≈ 92 dB SPL at 1 m"));

        // The owner's damping figure wins until the amp changes again.
        panel.setDampingFactor(160.0);
        MonitorSettings s;
        s.speaker = SpeakerId::NearField;
        panel.setSettings(s);
        QCOMPARE(panel.dampingText(), QStringLiteral("damping 160")); // NearField: 8 / 0.05 ohm
        panel.setDampingFactor(std::numeric_limits<double>::infinity());
        QCOMPARE(child<QLabel>(panel, "monitorDamping")->text(), QStringLiteral("damping ∞"));
    }

    void everyControlExplained() {
        MonitorPanel panel;
        QVERIFY(panel.toolTip().contains(QStringLiteral("never what is recorded")));
        int controls = 0;
        const auto check = [&](QWidget* w) {
            ++controls;
            QVERIFY2(!w->toolTip().isEmpty(), qPrintable(w->objectName()));
            QVERIFY2(!w->accessibleName().isEmpty(), qPrintable(w->objectName()));
        };
        for (QAbstractButton* b : panel.findChildren<QAbstractButton*>()) check(b);
        for (QComboBox* c : panel.findChildren<QComboBox*>()) check(c);
        for (QAbstractSlider* s : panel.findChildren<QAbstractSlider*>()) check(s);
        for (QLabel* l : panel.findChildren<QLabel*>()) check(l);
        // 6 buttons, 4 combos, 2 sliders at least.
        QVERIFY2(controls >= 12, qPrintable(QString::number(controls)));
        // Every speaker model says what it sounds like.
        auto* speaker = child<QComboBox>(panel, "monitorSpeaker");
        QCOMPARE(speaker->count(), kSpeakerModelCount);
        for (int i = 0; i < speaker->count(); ++i)
            QVERIFY(!speaker->itemData(i, Qt::ToolTipRole).toString().isEmpty());
        qInfo("%d controls and labels, each with a tooltip and an accessible name", controls);
    }

    void screenshot() {
        QWidget sheet;
        sheet.setAutoFillBackground(true);
        auto* row = new QHBoxLayout(&sheet);
        auto* speakers = new MonitorPanel(&sheet);
        MonitorSettings s;
        s.speaker = SpeakerId::Cube;
        s.ampGainDb = 3.0f;
        s.volumeDb = -8.0f;
        s.dim = true;
        speakers->setSettings(s);
        speakers->setListeningLevel(84.3);
        auto* headphones = new MonitorPanel(&sheet);
        MonitorSettings h;
        h.output = MonitorOutput::Headphones;
        h.crossfeed = CrossfeedPreset::ChuMoy;
        h.volumeDb = -14.5f;
        h.mono = true;
        h.mute = true;
        headphones->setSettings(h);
        headphones->setListeningLevel(std::numeric_limits<double>::quiet_NaN());
        row->addWidget(speakers, 0, Qt::AlignTop);
        row->addWidget(headphones, 0, Qt::AlignTop);
        sheet.resize(sheet.sizeHint());
        sheet.show();
        QVERIFY(QTest::qWaitForWindowExposed(&sheet));
        const QImage image = sheet.grab().toImage();
        const QString path = QCoreApplication::applicationDirPath() + QStringLiteral("/monitor_panel.png");
        QVERIFY(image.save(path));
        qInfo("screenshot: %s (%dx%d)", qPrintable(path), image.width(), image.height());
        // Dark: the background is dark.
        QVERIFY(image.pixelColor(2, image.height() - 3).lightness() < 80);
        // Both panels fit within a dock's width.
        QVERIFY2(speakers->width() <= 340, qPrintable(QString::number(speakers->width())));
    }

    void bottomDockScreenshot() {
        MonitorPanel panel;
        panel.setOrientation(Qt::Horizontal);
        QCOMPARE(panel.orientation(), Qt::Horizontal);
        MonitorSettings s;
        s.speaker = SpeakerId::NearField;
        s.ampPowerW = 200.0f;
        s.ampOutputOhms = 0.05f;
        s.volumeDb = -20.0f;
        panel.setSettings(s);
        panel.setListeningLevel(78.2);
        panel.resize(panel.sizeHint());
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        // Side by side: the volume sits to the right of the speaker, not under it.
        const QWidget* speaker = child<QWidget>(panel, "monitorSpeaker");
        const QWidget* volume = child<QWidget>(panel, "monitorVolume");
        QVERIFY(volume->mapTo(&panel, QPoint()).x() > speaker->mapTo(&panel, QPoint(speaker->width(), 0)).x());
        QVERIFY2(panel.height() < 260, qPrintable(QString::number(panel.height())));
        const QString path = QCoreApplication::applicationDirPath() + QStringLiteral("/monitor_panel_bottom.png");
        QVERIFY(panel.grab().toImage().save(path));
        qInfo("screenshot: %s (%dx%d)", qPrintable(path), panel.width(), panel.height());
    }
};

QTEST_MAIN(TestMonitorPanel)
#include "test_ui_monitor_panel.moc"
