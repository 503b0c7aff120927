// The Audio settings dialog: the Virtual device is always offered, the host
// API filters the devices, the rate and buffer chosen give the latency shown
// and come back in request(), Test asks for a tone on the chosen device, and
// every control is explained.

#include <QAbstractButton>
#include <QApplication>
#include <QComboBox>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QPalette>
#include <QPushButton>
#include <QSignalSpy>
#include <QStyleFactory>
#include <QTest>

#include "ui/AudioSettingsDialog.h"

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
    QApplication::setPalette(p);
}

AudioDeviceInfo device(const QString& api, const QString& name, int ins, int outs, double rate, std::vector<int> rates,
                       std::vector<int> buffers, int defaultBuffer, bool isDefault = false) {
    AudioDeviceInfo d;
    d.hostApi = api;
    d.name = name;
    d.inputs = ins;
    d.outputs = outs;
    d.defaultSampleRate = rate;
    d.sampleRates = std::move(rates);
    d.bufferSizes = std::move(buffers);
    d.defaultBufferFrames = defaultBuffer;
    d.isDefault = isDefault;
    return d;
}

// Two ALSA hw devices, a JACK server, and no Virtual device.
std::vector<AudioDeviceInfo> syntheticDevices() {
    return {
        device(QStringLiteral("ALSA"), QStringLiteral("HDA Intel PCH: ALC892 Analog (hw:0,0)"), 2, 2, 48000,
               {44100, 48000, 96000}, {64, 128, 256, 512, 1024}, 256, true),
        device(QStringLiteral("ALSA"), QStringLiteral("Scarlett 2i2 USB: Audio (hw:1,0)"), 2, 2, 48000,
               {44100, 48000, 88200, 96000, 192000}, {32, 64, 128, 256, 512, 1024, 2048}, 128),
        device(QStringLiteral("JACK"), QStringLiteral("system"), 8, 8, 48000, {48000}, {256}, 256),
    };
}

QStringList itemTexts(const QComboBox* combo) {
    QStringList texts;
    for (int i = 0; i < combo->count(); ++i) texts << combo->itemText(i);
    return texts;
}

QStringList listTexts(const QListWidget* list) {
    QStringList texts;
    for (int i = 0; i < list->count(); ++i) texts << list->item(i)->text();
    return texts;
}

struct Controls {
    QComboBox* hostApi;
    QComboBox* device;
    QComboBox* rate;
    QComboBox* buffer;
    QLabel* latency;
    QListWidget* inputs;
    QListWidget* outputs;
    QPushButton* test;
};

Controls controls(const AudioSettingsDialog& dialog) {
    const auto combo = [&](const char* name) {
        for (QComboBox* c : dialog.findChildren<QComboBox*>())
            if (c->accessibleName() == QLatin1String(name)) return c;
        qFatal("no combo %s", name);
    };
    const auto list = [&](const char* name) {
        for (QListWidget* l : dialog.findChildren<QListWidget*>())
            if (l->accessibleName() == QLatin1String(name)) return l;
        qFatal("no list %s", name);
    };
    Controls c{};
    c.hostApi = combo("Host API");
    c.device = combo("Device");
    c.rate = combo("Sample rate");
    c.buffer = combo("Buffer size");
    c.inputs = list("Inputs");
    c.outputs = list("Outputs");
    for (QLabel* l : dialog.findChildren<QLabel*>())
        if (l->accessibleName() == QLatin1String("Latency")) c.latency = l;
    for (QPushButton* b : dialog.findChildren<QPushButton*>())
        if (b->accessibleName() == QLatin1String("Test")) c.test = b;
    if (!c.latency || !c.test) qFatal("no latency label or Test button");
    return c;
}

void choose(QComboBox* combo, const QString& text) {
    const int index = combo->findText(text);
    if (index < 0) qFatal("no item %s in %s", qPrintable(text), qPrintable(itemTexts(combo).join(QStringLiteral(", "))));
    combo->setCurrentIndex(index);
}

} // namespace

class TestAudioSettings : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        qRegisterMetaType<AudioDeviceRequest>();
        useDarkPalette();
    }

    void virtualIsAlwaysOffered() {
        AudioSettingsDialog dialog(syntheticDevices(), AudioDeviceRequest{});
        const Controls c = controls(dialog);
        QCOMPARE(itemTexts(c.hostApi), (QStringList{QStringLiteral("ALSA"), QStringLiteral("JACK"), QStringLiteral("Virtual")}));
        QCOMPARE(dialog.devices().size(), size_t(4));
        // Nothing asked for: the default device.
        QCOMPARE(c.hostApi->currentText(), QStringLiteral("ALSA"));
        QCOMPARE(c.device->currentText(), QStringLiteral("HDA Intel PCH: ALC892 Analog (hw:0,0) (2 in, 2 out), default"));

        QLabel* note = nullptr;
        for (QLabel* l : dialog.findChildren<QLabel*>())
            if (l->text().startsWith(QStringLiteral("Virtual: no hardware"))) note = l;
        QVERIFY(note);
        QCOMPARE(note->text(),
                 QStringLiteral("Virtual: no hardware: plays demo material and records it - for trying Gainstage out"));
        QVERIFY(!note->isVisibleTo(&dialog));
        choose(c.hostApi, QStringLiteral("Virtual"));
        QVERIFY(note->isVisibleTo(&dialog));
        QCOMPARE(itemTexts(c.device), QStringList{QStringLiteral("Demo (2 in, 2 out)")});
        QCOMPARE(dialog.request().hostApi, QStringLiteral("Virtual"));
        QCOMPARE(dialog.request().device, QStringLiteral("Demo"));

        // A list that has the Virtual device already does not get a second one.
        std::vector<AudioDeviceInfo> withVirtual = syntheticDevices();
        withVirtual.push_back(device(QStringLiteral("Virtual"), QStringLiteral("Demo"), 2, 2, 48000, {48000}, {256}, 256));
        AudioSettingsDialog again(withVirtual, AudioDeviceRequest{});
        QCOMPARE(again.devices().size(), size_t(4));
        QCOMPARE(controls(again).hostApi->count(), 3);
    }

    void hostApiFiltersDevices() {
        AudioSettingsDialog dialog(syntheticDevices(), AudioDeviceRequest{});
        const Controls c = controls(dialog);
        QCOMPARE(c.device->count(), 2);
        QCOMPARE(c.device->itemText(1), QStringLiteral("Scarlett 2i2 USB: Audio (hw:1,0) (2 in, 2 out)"));
        QCOMPARE(listTexts(c.inputs), (QStringList{QStringLiteral("In 1"), QStringLiteral("In 2")}));

        choose(c.hostApi, QStringLiteral("JACK"));
        QCOMPARE(itemTexts(c.device), QStringList{QStringLiteral("system (8 in, 8 out)")});
        QCOMPARE(itemTexts(c.rate), QStringList{QStringLiteral("48000 Hz")});
        QCOMPARE(itemTexts(c.buffer), QStringList{QStringLiteral("256 frames")});
        QCOMPARE(c.inputs->count(), 8);
        QCOMPARE(c.inputs->item(7)->text(), QStringLiteral("In 8"));
        QCOMPARE(c.outputs->item(0)->text(), QStringLiteral("Out 1"));
        QCOMPARE(dialog.request().hostApi, QStringLiteral("JACK"));
        QCOMPARE(dialog.request().device, QStringLiteral("system"));

        // A JACK device may be named by its ports.
        dialog.setChannelNames(QStringLiteral("JACK:system"), {QStringLiteral("capture_1"), QStringLiteral("capture_2")},
                               {QStringLiteral("playback_1"), QStringLiteral("playback_2")});
        QCOMPARE(listTexts(c.inputs), (QStringList{QStringLiteral("capture_1"), QStringLiteral("capture_2")}));
        QCOMPARE(dialog.outputChannelNames(), (QStringList{QStringLiteral("playback_1"), QStringLiteral("playback_2")}));

        choose(c.hostApi, QStringLiteral("ALSA"));
        QCOMPARE(c.device->count(), 2);
        QCOMPARE(c.outputs->count(), 2);
    }

    void rateAndBufferGiveTheLatency() {
        AudioSettingsDialog dialog(syntheticDevices(), AudioDeviceRequest{});
        const Controls c = controls(dialog);
        // The default device at its own defaults.
        QCOMPARE(c.latency->text(), QStringLiteral("Buffer 256 frames = 5.3 ms at 48 kHz; round trip about 10.7 ms"));

        choose(c.device, QStringLiteral("Scarlett 2i2 USB: Audio (hw:1,0) (2 in, 2 out)"));
        QCOMPARE(c.rate->count(), 5);
        // The chosen 256 frames is kept: the Scarlett offers it too.
        QCOMPARE(c.buffer->currentText(), QStringLiteral("256 frames"));
        choose(c.rate, QStringLiteral("96000 Hz"));
        choose(c.buffer, QStringLiteral("128 frames"));
        QVERIFY2(c.latency->text().contains(QStringLiteral("1.3 ms")), qPrintable(c.latency->text()));
        QCOMPARE(c.latency->text(), QStringLiteral("Buffer 128 frames = 1.3 ms at 96 kHz; round trip about 2.7 ms"));
        QCOMPARE(dialog.latencyText(), c.latency->text());
        const AudioDeviceRequest r = dialog.request();
        QCOMPARE(r.hostApi, QStringLiteral("ALSA"));
        QCOMPARE(r.device, QStringLiteral("Scarlett 2i2 USB: Audio (hw:1,0)"));
        QCOMPARE(r.sampleRate, 96000);
        QCOMPARE(r.bufferFrames, 128);
        qInfo("%s", qPrintable(c.latency->text()));

        QCOMPARE(AudioSettingsDialog::latencyDescription(64, 44100),
                 QStringLiteral("Buffer 64 frames = 1.5 ms at 44.1 kHz; round trip about 2.9 ms"));

        // Back to a device without 88.2 kHz or 2048 frames: its own nearest defaults.
        choose(c.rate, QStringLiteral("88200 Hz"));
        choose(c.buffer, QStringLiteral("2048 frames"));
        choose(c.device, QStringLiteral("HDA Intel PCH: ALC892 Analog (hw:0,0) (2 in, 2 out), default"));
        QCOMPARE(dialog.request().sampleRate, 48000);
        QCOMPARE(dialog.request().bufferFrames, 256);
    }

    void currentRequestIsShownAndCarriedOver() {
        AudioDeviceRequest current;
        current.hostApi = QStringLiteral("ALSA");
        current.device = QStringLiteral("Scarlett 2i2 USB: Audio (hw:1,0)");
        current.sampleRate = 44100;
        current.bufferFrames = 64;
        current.inputChannels = 2;
        current.inputFiles = QStringList{QStringLiteral("/tmp/vocal.wav")};
        AudioSettingsDialog dialog(syntheticDevices(), current);
        const Controls c = controls(dialog);
        QCOMPARE(c.device->currentIndex(), 1);
        QCOMPARE(c.rate->currentText(), QStringLiteral("44100 Hz"));
        QCOMPARE(c.buffer->currentText(), QStringLiteral("64 frames"));
        const AudioDeviceRequest r = dialog.request();
        QCOMPARE(r.device, current.device);
        QCOMPARE(r.sampleRate, 44100);
        QCOMPARE(r.bufferFrames, 64);
        QCOMPARE(r.inputChannels, 2);
        QCOMPARE(r.inputFiles, current.inputFiles);

        // A device that reports no rates or buffers gets the probed rates and the powers of two.
        std::vector<AudioDeviceInfo> bare{device(QStringLiteral("OSS"), QStringLiteral("/dev/dsp"), 1, 2, 44100, {}, {}, 512)};
        AudioSettingsDialog fallback(bare, AudioDeviceRequest{});
        const Controls f = controls(fallback);
        QCOMPARE(f.rate->count(), static_cast<int>(kProbedSampleRates.size()));
        QCOMPARE(f.rate->currentText(), QStringLiteral("44100 Hz"));
        QCOMPARE(f.buffer->count(), 8); // 32 .. 4096
        QCOMPARE(f.buffer->currentText(), QStringLiteral("512 frames"));
        QCOMPARE(listTexts(f.inputs), QStringList{QStringLiteral("In 1")});
    }

    void testButtonAsksForATone() {
        AudioSettingsDialog dialog(syntheticDevices(), AudioDeviceRequest{});
        const Controls c = controls(dialog);
        choose(c.device, QStringLiteral("Scarlett 2i2 USB: Audio (hw:1,0) (2 in, 2 out)"));
        choose(c.rate, QStringLiteral("96000 Hz"));
        choose(c.buffer, QStringLiteral("128 frames"));
        QSignalSpy spy(&dialog, &AudioSettingsDialog::testToneRequested);
        QTest::mouseClick(c.test, Qt::LeftButton);
        QCOMPARE(spy.count(), 1);
        const auto r = spy.at(0).at(0).value<AudioDeviceRequest>();
        QCOMPARE(r.hostApi, QStringLiteral("ALSA"));
        QCOMPARE(r.device, QStringLiteral("Scarlett 2i2 USB: Audio (hw:1,0)"));
        QCOMPARE(r.sampleRate, 96000);
        QCOMPARE(r.bufferFrames, 128);
        // Testing is not choosing: the dialog stays open.
        QCOMPARE(dialog.result(), 0);
    }

    void everyControlExplained() {
        AudioSettingsDialog dialog(syntheticDevices(), AudioDeviceRequest{});
        int count = 0;
        const auto check = [&](QWidget* w) {
            ++count;
            QVERIFY2(!w->toolTip().isEmpty(), qPrintable(w->accessibleName() + w->metaObject()->className()));
            QVERIFY2(!w->accessibleName().isEmpty(), w->metaObject()->className());
        };
        for (QComboBox* c : dialog.findChildren<QComboBox*>()) check(c);
        for (QAbstractButton* b : dialog.findChildren<QAbstractButton*>()) check(b);
        for (QListWidget* l : dialog.findChildren<QListWidget*>()) check(l);
        QVERIFY2(count >= 9, qPrintable(QString::number(count))); // 4 combos, Test, OK, Cancel, 2 lists
        const Controls c = controls(dialog);
        for (int i = 0; i < c.hostApi->count(); ++i)
            QVERIFY(!c.hostApi->itemData(i, Qt::ToolTipRole).toString().isEmpty());
    }

    void screenshot() {
        AudioDeviceRequest current;
        current.setDevice(QStringLiteral("ALSA:Scarlett 2i2 USB: Audio (hw:1,0)"));
        current.sampleRate = 96000;
        current.bufferFrames = 128;
        AudioSettingsDialog dialog(syntheticDevices(), current);
        dialog.resize(dialog.sizeHint());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        const QString path = QCoreApplication::applicationDirPath() + QStringLiteral("/audio_settings.png");
        const QImage image = dialog.grab().toImage();
        QVERIFY(image.save(path));
        QVERIFY(image.pixelColor(2, 2).lightness() < 80);
        qInfo("screenshot: %s (%dx%d)", qPrintable(path), image.width(), image.height());

        // And with the Virtual device chosen, its note showing.
        choose(controls(dialog).hostApi, QStringLiteral("Virtual"));
        dialog.resize(dialog.sizeHint());
        const QString virtualPath = QCoreApplication::applicationDirPath() + QStringLiteral("/audio_settings_virtual.png");
        QVERIFY(dialog.grab().toImage().save(virtualPath));
    }
};

QTEST_MAIN(TestAudioSettings)
#include "test_ui_audio_settings.moc"
