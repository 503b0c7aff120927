// The studio window end to end on a real JACK dummy server (tests/JackServer):
// the libjack test client (tests/JackTestClient) sings a swelling 1 kHz tone
// peaking at -24 dBFS into Gainstage's inputs; the test drives the window's own
// controls: Auto Gain on the first track (listen, stop early, analyse), then Arm
// and Record. It checks that Auto Gain lands the track meter's peaks inside the
// -6..0 dBFS window and that the take is written, reread with libsndfile, with
// its peaks in the window too.
#include <QAbstractButton>
#include <QAction>
#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <sndfile.h>

#include <cmath>

#include "JackServer.h"
#include "JackTestClient.h"
#include "core/Studio.h"
#include "ui/MainWindow.h"
#include "ui/TrackStrip.h"

using namespace gainstage;
using namespace gainstage::test;

class TestE2eGuiJack : public QObject {
    Q_OBJECT
    QTemporaryDir home_;

private slots:
    void initTestCase() {
        if (JackServer::jackdPath().isEmpty()) QSKIP("jackd is not installed (Debian package jackd2): the JACK GUI test cannot run");
        QVERIFY(home_.isValid());
        qputenv("XDG_CONFIG_HOME", (home_.path() + QStringLiteral("/config")).toLocal8Bit());
        qputenv("XDG_DATA_HOME", (home_.path() + QStringLiteral("/data")).toLocal8Bit());
    }

    void autoGainLandsInTheWindowAndTheTakeIsWritten() {
        JackServer::Options options;
        options.captureChannels = 2;
        options.playbackChannels = 2;
        JackServer server(options);
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));

        Studio studio;
        MainWindow window(studio);
        window.setPromptsEnabled(false);
        window.show();
        AudioDeviceRequest device;
        device.setDevice(QStringLiteral("JACK:system"));
        window.startUp(QString(), &device);
        const QString folder = studio.folder();
        QVERIFY2(studio.deviceOpen(), "the JACK device did not open");
        QCOMPARE(studio.device().hostApi, QStringLiteral("JACK"));
        // A new untitled session with a track per input.
        QVERIFY(!window.strips().empty());

        JackTestClient client;
        client.setTone(1000.0, -24.0);
        QVERIFY2(client.open(QStringLiteral("GainstageGuiTest"), 2, 1.0, &error), qPrintable(error));
        QVERIFY2(client.connectTo(QStringLiteral("Gainstage"), &error, 15000), qPrintable(error));

        TrackStrip* strip = window.strips()[0];
        const QString id = strip->track().id;
        const float gainBefore = studio.findTrack(id)->preamp.gainDb;
        QTest::qWait(500);

        // Auto Gain: press, perform for 4 s, press again to stop early; the analysis runs off the GUI thread.
        strip->autoGainButton()->click();
        QTRY_COMPARE(strip->autoGainState(), TrackStrip::AutoGainState::Listening);
        QTest::qWait(4000);
        strip->autoGainButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(strip->autoGainState(), TrackStrip::AutoGainState::Idle, 20000);
        const float gainAfter = studio.findTrack(id)->preamp.gainDb;
        qInfo("Auto Gain: Gain %+.1f dB -> %+.1f dB", gainBefore, gainAfter);
        QVERIFY2(gainAfter > gainBefore + 10.0f, "Auto Gain did not raise a -24 dBFS tone");
        QCOMPARE(window.undoStack()->count(), 1); // one undo step
        QCOMPARE(strip->track().preamp.gainDb, gainAfter); // the knob shows it

        // The track meter's peaks now land in the window: a fresh max over two swells.
        studio.resetMeters(id);
        QTest::qWait(2500);
        MeterSnapshot raw{}, track{};
        QVERIFY(studio.meters(id, 0, raw, track));
        qInfo("track meter after Auto Gain: max true peak %.2f dBTP, max sample peak %.2f dBFS (raw %.2f dBFS)", track.maxTruePeakDb,
              track.maxSamplePeakDb, raw.maxSamplePeakDb);
        QVERIFY2(track.maxTruePeakDb >= -6.0f && track.maxTruePeakDb <= 0.0f, qPrintable(QString::number(track.maxTruePeakDb)));

        // Arm and record 3 s through the window's own controls.
        strip->armButton()->click();
        window.findAction(QStringLiteral("actionRecord"))->trigger();
        QVERIFY(studio.isRecording());
        QTest::qWait(3000);
        window.findAction(QStringLiteral("actionPlay"))->trigger();
        QVERIFY(!studio.isRecording());
        client.close();
        studio.closeDevice();
        server.stop();

        const SessionTrack* recorded = studio.findTrack(id);
        QVERIFY(recorded);
        QCOMPARE(recorded->clips.size(), size_t(1));
        const QString path = QDir(folder).absoluteFilePath(recorded->clips[0].file);
        SF_INFO info{};
        SNDFILE* file = sf_open(path.toLocal8Bit().constData(), SFM_READ, &info);
        QVERIFY2(file, qPrintable(path));
        std::vector<float> samples(static_cast<size_t>(info.frames * info.channels));
        QCOMPARE(sf_readf_float(file, samples.data(), info.frames), info.frames);
        sf_close(file);
        float peak = 0.0f;
        // Skip the first 100 ms: the client may have been connected mid-swell when the take began.
        for (size_t i = static_cast<size_t>(info.samplerate / 10); i < samples.size(); ++i) peak = std::max(peak, std::fabs(samples[i]));
        const double peakDb = 20.0 * std::log10(std::max(peak, 1e-9f));
        const double seconds = static_cast<double>(info.frames) / info.samplerate;
        qInfo("take: %.2f s, sample peak %.2f dBFS", seconds, peakDb);
        QVERIFY(seconds > 2.5 && seconds < 4.0);
        QVERIFY2(peakDb >= -6.0 && peakDb <= 0.0, qPrintable(QString::number(peakDb)));
        QTRY_COMPARE(window.timeline()->clips().size(), size_t(1));
    }
};

QTEST_MAIN(TestE2eGuiJack)
#include "test_e2e_gui_jack.moc"
