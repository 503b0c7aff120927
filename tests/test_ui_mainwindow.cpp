// The studio window driven through its own actions, on the Virtual device
// (offscreen): a 2 s take recorded and reread, undo/redo of the preamp, a
// session saved and reopened, every shortcut Help lists, and the quit prompt
// logic. Settings and untitled sessions go to a private temporary HOME.
#include <QAbstractButton>
#include <QAction>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLabel>
#include <QProgressDialog>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <sndfile.h>

#include "core/Studio.h"
#include "ui/BannerArea.h"
#include "ui/GainKnob.h"
#include "ui/MainWindow.h"
#include "ui/TimelineWidget.h"
#include "ui/TrackStrip.h"

using namespace gainstage;

namespace {

AudioDeviceRequest virtualDevice() {
    AudioDeviceRequest request;
    request.setDevice(QStringLiteral("Virtual:Demo"));
    request.sampleRate = 48000;
    request.bufferFrames = 256;
    return request;
}

int64_t fileFrames(const QString& path, int* rate = nullptr) {
    SF_INFO info{};
    SNDFILE* file = sf_open(path.toLocal8Bit().constData(), SFM_READ, &info);
    if (!file) return -1;
    sf_close(file);
    if (rate) *rate = info.samplerate;
    return info.frames;
}

// The studio window as a user first sees it, on the Virtual device with the
// prompts off; an empty `folder` starts a new untitled session.
struct StudioWindow {
    Studio studio;
    MainWindow window{studio};
    explicit StudioWindow(const QString& folder = QString()) {
        window.setPromptsEnabled(false);
        window.show();
        const AudioDeviceRequest device = virtualDevice();
        window.startUp(folder, &device);
    }
};

} // namespace

class TestUiMainWindow : public QObject {
    Q_OBJECT

    QTemporaryDir home_;

private slots:
    void initTestCase() {
        QVERIFY(home_.isValid());
        // Everything the window remembers (device, theme, recent sessions, untitled folders) stays in here.
        qputenv("XDG_CONFIG_HOME", (home_.path() + QStringLiteral("/config")).toLocal8Bit());
        qputenv("XDG_DATA_HOME", (home_.path() + QStringLiteral("/data")).toLocal8Bit());
        qputenv("HOME", home_.path().toLocal8Bit());
    }

    // Every test starts as a first run would: an untitled session with audio
    // left by an earlier test would be reopened (untitledTakesAreReopened...).
    void init() { QDir(Studio::untitledFolder()).removeRecursively(); }

    void startsWithATrackPerInputAndMovingMeters() {
        StudioWindow open;
        Studio& studio = open.studio;
        MainWindow& window = open.window;
        QVERIFY(studio.deviceOpen());
        QVERIFY(studio.isUntitled());
        QVERIFY(studio.folder().startsWith(home_.path()));
        QCOMPARE(window.strips().size(), size_t(2)); // the Virtual device's two inputs: Vocal and Guitar DI
        QCOMPARE(window.strips()[0]->track().name, QStringLiteral("Vocal"));
        // The demo material plays into both inputs: both meters move without arming anything.
        MeterSnapshot raw{}, track{};
        QTRY_VERIFY_WITH_TIMEOUT(studio.meters(window.strips()[1]->track().id, 0, raw, track) && std::isfinite(raw.peakBarDb) &&
                                     raw.peakBarDb > -60.0f,
                                 3000);
        // The status area says what is running.
        QTRY_VERIFY(window.statusLabel(QStringLiteral("statusFormat"))->text().contains(QStringLiteral("48 kHz")));
        QVERIFY(window.statusLabel(QStringLiteral("statusFormat"))->text().contains(QStringLiteral("256 frames")));
    }

    void recordsTwoSecondsThroughTheUiActions() {
        StudioWindow open;
        Studio& studio = open.studio;
        MainWindow& window = open.window;
        QVERIFY(studio.deviceOpen());
        TrackStrip* vocal = window.strips()[0];

        vocal->armButton()->click();
        QVERIFY(studio.session().tracks[0].armed);
        QCOMPARE(window.undoStack()->count(), 1);

        QElapsedTimer clock;
        window.findAction(QStringLiteral("actionRecord"))->trigger();
        clock.start();
        QVERIFY(studio.isRecording());
        QTest::qWait(2000);
        window.findAction(QStringLiteral("actionPlay"))->trigger(); // Space: stops the take
        const double heldSeconds = clock.elapsed() / 1000.0;
        QVERIFY(!studio.isRecording());

        // The take is in the session, on disk, about as long as we recorded, and on the timeline.
        const Session& session = studio.session();
        QCOMPARE(session.tracks[0].clips.size(), size_t(1));
        const Clip& clip = session.tracks[0].clips[0];
        const QString path = QDir(studio.folder()).absoluteFilePath(clip.file);
        QVERIFY2(QFileInfo::exists(path), qPrintable(path));
        int rate = 0;
        const int64_t frames = fileFrames(path, &rate);
        QCOMPARE(rate, 48000);
        const double seconds = static_cast<double>(frames) / rate;
        qInfo("take: %lld frames = %.3f s for %.3f s between the Record and Stop actions", static_cast<long long>(frames), seconds, heldSeconds);
        QVERIFY2(seconds > 1.8 && seconds <= heldSeconds + 0.1, qPrintable(QString::number(seconds)));
        QTRY_COMPARE(window.timeline()->clips().size(), size_t(1));
        QCOMPARE(window.timeline()->clips()[0].track, 0);
        QCOMPARE(window.timeline()->clips()[0].length, clip.length);
        // Saved with the take: session.json names the file.
        const SessionLoadResult reloaded = Session::load(studio.folder());
        QVERIFY2(reloaded.ok(), qPrintable(reloaded.error));
        QCOMPARE(reloaded.session->tracks[0].clips.size(), size_t(1));
        // Its waveform arrives from the peak cache, built beside the audio.
        QTRY_VERIFY_WITH_TIMEOUT(window.timeline()->clips()[0].peaks != nullptr, 5000);
        QVERIFY(QFileInfo::exists(path + QStringLiteral(".peaks")));
    }

    void undoAndRedoThePreamp() {
        StudioWindow open;
        Studio& studio = open.studio;
        MainWindow& window = open.window;
        TrackStrip* strip = window.strips()[1];
        const QString id = strip->track().id;
        const float startGain = studio.findTrack(id)->preamp.gainDb;
        Track* live = studio.engine().track(studio.engineTrackId(id));
        QVERIFY(live);

        // Two arrow-key steps on the Gain knob: one undo step (they merge), heard by the engine.
        strip->gainKnob()->setFocus();
        QTest::keyClick(strip->gainKnob(), Qt::Key_Up);
        QTest::keyClick(strip->gainKnob(), Qt::Key_Up);
        const float raised = studio.findTrack(id)->preamp.gainDb;
        QVERIFY(raised > startGain);
        QCOMPARE(live->preamp().settings().gainDb, raised);
        QCOMPARE(window.undoStack()->count(), 1);

        // The model, a second undo step.
        SessionTrack before = strip->track(), after = before;
        after.preamp.model = Model::Tube;
        emit strip->edited(before, after, QStringLiteral("Model"));
        QCOMPARE(studio.findTrack(id)->preamp.model, Model::Tube);
        QCOMPARE(window.undoStack()->count(), 2);

        window.findAction(QStringLiteral("actionUndo"))->trigger();
        QCOMPARE(studio.findTrack(id)->preamp.model, before.preamp.model);
        QCOMPARE(live->preamp().settings().model, before.preamp.model);
        QCOMPARE(strip->track().preamp.model, before.preamp.model); // the strip shows it
        window.findAction(QStringLiteral("actionUndo"))->trigger();
        QCOMPARE(studio.findTrack(id)->preamp.gainDb, startGain);
        QCOMPARE(live->preamp().settings().gainDb, startGain);
        window.findAction(QStringLiteral("actionRedo"))->trigger();
        window.findAction(QStringLiteral("actionRedo"))->trigger();
        QCOMPARE(studio.findTrack(id)->preamp.gainDb, raised);
        QCOMPARE(studio.findTrack(id)->preamp.model, Model::Tube);
        QCOMPARE(live->preamp().settings().model, Model::Tube);
    }

    void sessionSurvivesSaveAndReopen() {
        QTemporaryDir where;
        const QString folder = where.path() + QStringLiteral("/My Song");
        PreampSettings expected;
        QString vocalName;
        {
            StudioWindow open;
            Studio& studio = open.studio;
            MainWindow& window = open.window;
            window.findAction(QStringLiteral("actionAddTrack"))->trigger();
            QCOMPARE(window.strips().size(), size_t(3));
            TrackStrip* vocal = window.strips()[0];
            SessionTrack before = vocal->track(), after = before;
            after.preamp.gainDb = 31.5f;
            after.preamp.lowCut = LowCut::Hz160;
            after.preamp.phaseInverted = true;
            after.name = QStringLiteral("Lead vocal");
            after.volumeDb = -4.0f;
            emit vocal->edited(before, after, QStringLiteral("Gain"));
            expected = after.preamp;
            vocalName = after.name;
            QVERIFY(studio.isModified());
            QVERIFY(window.findAction(QStringLiteral("actionDiscardUntitled"))->isEnabled());
            QVERIFY(window.saveSessionAs(folder));
            QVERIFY(!studio.isModified());
            QCOMPARE(studio.folder(), QDir(folder).absolutePath());
            QVERIFY(!studio.isUntitled());
            // A saved session is never discarded from the menu: the action is off, and Studio refuses.
            QVERIFY(!window.findAction(QStringLiteral("actionDiscardUntitled"))->isEnabled());
            QString discardError;
            QVERIFY(!studio.discardUntitledSession(discardError));
            QVERIFY(QFileInfo::exists(folder + QStringLiteral("/session.json")));
        }
        StudioWindow open(folder);
        Studio& studio = open.studio;
        MainWindow& window = open.window;
        QCOMPARE(studio.folder(), QDir(folder).absolutePath());
        QCOMPARE(window.strips().size(), size_t(3));
        const SessionTrack& vocal = window.strips()[0]->track();
        QCOMPARE(vocal.name, vocalName);
        QCOMPARE(vocal.preamp.gainDb, expected.gainDb);
        QCOMPARE(vocal.preamp.lowCut, LowCut::Hz160);
        QVERIFY(vocal.preamp.phaseInverted);
        QCOMPARE(vocal.volumeDb, -4.0f);
        // The engine follows the reopened session.
        Track* live = studio.engine().track(studio.engineTrackId(vocal.id));
        QVERIFY(live);
        QCOMPARE(live->preamp().settings().gainDb, expected.gainDb);
        QVERIFY(window.windowTitle().contains(QStringLiteral("My Song")));
    }

    // Quitting an untitled session does not hide its takes in the data folder:
    // the next start reopens it and says so. Untitled sessions without audio
    // are removed when left, so a start or File > New does not leave folders.
    void untitledTakesAreReopenedOnTheNextStart() {
        QString recorded, fresh;
        {
            StudioWindow open;
            QVERIFY(open.studio.isUntitled());
            recorded = open.studio.folder();
            open.window.strips()[0]->armButton()->click();
            open.window.findAction(QStringLiteral("actionRecord"))->trigger();
            QVERIFY(open.studio.isRecording());
            QTest::qWait(500);
            open.window.findAction(QStringLiteral("actionPlay"))->trigger(); // stops the take
            QVERIFY(!open.studio.isRecording());
            QCOMPARE(open.studio.session().tracks[0].clips.size(), size_t(1));
            QVERIFY(!open.studio.isModified()); // saved with the take: quitting does not ask
        }
        QVERIFY(QFileInfo::exists(recorded + QStringLiteral("/session.json")));
        QCOMPARE(Studio::untitledSessionToResume(), recorded);
        {
            StudioWindow open; // started again, without a folder
            QCOMPARE(open.studio.folder(), recorded);
            QVERIFY(open.studio.isUntitled());
            QCOMPARE(open.studio.session().tracks[0].clips.size(), size_t(1));
            QTRY_COMPARE(open.window.timeline()->clips().size(), size_t(1));
            const QString banners = open.window.banners()->texts().join('\n');
            QVERIFY2(banners.contains(QStringLiteral("reopened your untitled session")) && banners.contains(QFileInfo(recorded).fileName()),
                     qPrintable(banners));
            // File > New: a fresh untitled session; the one with the take stays where it is.
            open.window.findAction(QStringLiteral("actionNew"))->trigger();
            fresh = open.studio.folder();
            QVERIFY(fresh != recorded && open.studio.isUntitled());
            QVERIFY(QFileInfo(fresh).isDir());
            QVERIFY(QFileInfo::exists(recorded + QStringLiteral("/session.json")));
        }
        QVERIFY2(!QFileInfo::exists(fresh), qPrintable(fresh + QStringLiteral(" (no audio) was left behind")));
        QCOMPARE(Studio::untitledSessionToResume(), recorded);
        const SessionLoadResult kept = Session::load(recorded);
        QVERIFY(kept.ok());
        QCOMPARE(kept.session->tracks[0].clips.size(), size_t(1));
        {
            // The way out: File > Discard untitled session deletes it, audio and all.
            StudioWindow open;
            QCOMPARE(open.studio.folder(), recorded);
            QAction* discard = open.window.findAction(QStringLiteral("actionDiscardUntitled"));
            QVERIFY(discard && discard->isEnabled());
            discard->trigger();
            QVERIFY2(!QFileInfo::exists(recorded), qPrintable(recorded));
            QVERIFY(open.studio.isUntitled());
            QVERIFY(open.studio.folder() != recorded);
            QVERIFY(open.studio.session().tracks.empty() || open.studio.session().tracks[0].clips.empty());
        }
        QVERIFY(Studio::untitledSessionToResume().isEmpty());
    }

    // Save As copies the audio on a worker thread: the window's event loop keeps
    // running (a 10 ms timer never waits long), recording is refused meanwhile,
    // the copy is byte-identical, and a cancelled copy leaves nothing behind.
    void saveAsKeepsTheWindowResponsiveAndCanBeCancelled() {
        StudioWindow open;
        Studio& studio = open.studio;
        MainWindow& window = open.window;
        // 24 MiB of audio beside the session, copied at most 40 MiB/s (a slow disk): about 0.6 s.
        const QString bigFile = studio.folder() + QStringLiteral("/audio/Imported.wav");
        QVERIFY(QDir().mkpath(studio.folder() + QStringLiteral("/audio")));
        {
            SF_INFO info{};
            info.samplerate = 48000;
            info.channels = 2;
            info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
            SNDFILE* out = sf_open(bigFile.toLocal8Bit().constData(), SFM_WRITE, &info);
            QVERIFY(out);
            std::vector<float> block(2 * 4800);
            for (int b = 0; b < 660; ++b) {
                for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<float>(((b * 9600 + static_cast<int>(i)) % 2000) - 1000) / 1000.0f;
                QCOMPARE(sf_writef_float(out, block.data(), 4800), sf_count_t{4800});
            }
            sf_close(out);
        }
        const QByteArray original = [&] { QFile f(bigFile); return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray(); }();
        QVERIFY(original.size() > 24 * 1000 * 1000);
        const QString untitled = studio.folder();
        QVERIFY(studio.isUntitled());
        // A copy into the session's own folder would copy itself: refused before anything is written.
        QString insideError;
        QVERIFY(!studio.beginSaveAs(untitled + QStringLiteral("/Inside"), insideError));
        QVERIFY2(insideError.contains(QStringLiteral("inside the session's own folder")), qPrintable(insideError));
        QVERIFY(!QFileInfo::exists(untitled + QStringLiteral("/Inside")));
        studio.setSaveAsThrottleForTests(25);

        QTemporaryDir where;
        const QString folder = where.path() + QStringLiteral("/Copied Song");
        QElapsedTimer clock;
        clock.start();
        qint64 lastTick = 0, longestGap = 0;
        int ticksWhileCopying = 0;
        bool recordRefused = false;
        double lastProgress = 0.0;
        bool progressMoved = false;
        QTimer tick;
        tick.setInterval(10);
        connect(&tick, &QTimer::timeout, [&] {
            const qint64 now = clock.elapsed();
            if (studio.isSavingAs()) {
                ++ticksWhileCopying;
                longestGap = std::max(longestGap, now - lastTick);
                QString error;
                recordRefused = recordRefused || (!studio.record(error) && error.contains(QStringLiteral("Save As")));
                const double progress = studio.saveAsProgress();
                progressMoved = progressMoved || (progress > lastProgress && progress > 0.0 && progress < 1.0);
                lastProgress = progress;
            }
            lastTick = now;
        });
        tick.start();
        const qint64 began = clock.elapsed();
        QVERIFY(window.saveSessionAs(folder));
        const qint64 took = clock.elapsed() - began;
        tick.stop();
        qInfo("Save As copied %.1f MiB in %lld ms; the GUI thread ran %d times meanwhile, longest gap %lld ms",
              original.size() / 1048576.0, static_cast<long long>(took), ticksWhileCopying, static_cast<long long>(longestGap));
        QVERIFY2(ticksWhileCopying >= 20, qPrintable(QString::number(ticksWhileCopying)));
        QVERIFY2(longestGap < 250, qPrintable(QString::number(longestGap)));
        QVERIFY(recordRefused);
        QVERIFY(progressMoved);
        QCOMPARE(studio.folder(), QDir(folder).absolutePath());
        QFile copied(folder + QStringLiteral("/audio/Imported.wav"));
        QVERIFY(copied.open(QIODevice::ReadOnly));
        QVERIFY(copied.readAll() == original);
        QVERIFY(QFileInfo::exists(folder + QStringLiteral("/session.json")));
        // The untitled session moved: no second copy of its audio stays in the data folder.
        QVERIFY2(!QFileInfo::exists(untitled), qPrintable(untitled));
        QVERIFY(!studio.isUntitled());

        // Cancel a second copy through its progress dialog: the studio stays in
        // the first copy, and the target folder is gone.
        const QString cancelled = where.path() + QStringLiteral("/Never Finished");
        studio.setSaveAsThrottleForTests(100); // 2.4 s: the cancel at 0.6 s comes well before the end
        QTimer::singleShot(600, &window, [&] {
            auto* dialog = window.findChild<QProgressDialog*>(QStringLiteral("saveAsProgress"));
            QVERIFY(dialog);
            QVERIFY(dialog->isVisible());
            auto* cancelButton = dialog->findChild<QPushButton*>();
            QVERIFY(cancelButton);
            cancelButton->click();
        });
        QVERIFY(!window.saveSessionAs(cancelled));
        QVERIFY(!studio.isSavingAs());
        QCOMPARE(studio.folder(), QDir(folder).absolutePath());
        QVERIFY(!QFileInfo::exists(cancelled));
        // The first copy keeps its own name after the second one was cancelled.
        const SessionLoadResult reloaded = Session::load(folder);
        QVERIFY(reloaded.ok());
        QCOMPARE(reloaded.session->name, QStringLiteral("Copied Song"));
        QString error;
        QVERIFY2(studio.save(error), qPrintable(error));
    }

    void everyShortcutInHelpTriggersItsAction() {
        Studio studio;
        MainWindow window(studio);
        window.setPromptsEnabled(false);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.activateWindow();
        const AudioDeviceRequest device = virtualDevice();
        window.startUp(QString(), &device);
        window.setFocus();

        const QList<QAction*> actions = window.shortcutActions();
        const QString help = window.shortcutsHtml();
        QVERIFY(actions.size() >= 14);
        // The issue's list, each present.
        const QStringList required{QStringLiteral("Space"), QStringLiteral("R"), QStringLiteral("Shift+R"), QStringLiteral("Home"),
                                   QStringLiteral("Ctrl+S"), QStringLiteral("Ctrl+Z"), QStringLiteral("Ctrl+Shift+Z"), QStringLiteral("A"),
                                   QStringLiteral("M"), QStringLiteral("S"), QStringLiteral("+"), QStringLiteral("-")};
        QStringList listed;
        for (QAction* a : actions) listed << a->shortcut().toString(QKeySequence::PortableText);
        for (const QString& key : required) QVERIFY2(listed.contains(key), qPrintable(key + QStringLiteral(" missing from ") + listed.join(',')));

        QAction* quit = nullptr;
        for (QAction* action : actions) {
            QVERIFY2(help.contains(action->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped()), qPrintable(action->objectName()));
            if (action->objectName() == QStringLiteral("actionQuit")) {
                quit = action; // last: it closes the window
                continue;
            }
            // Undo and Redo are only enabled with something to undo/redo.
            if (action->objectName() == QStringLiteral("actionUndo") || action->objectName() == QStringLiteral("actionRedo")) {
                window.strips()[0]->toggleMute();
                if (action->objectName() == QStringLiteral("actionRedo")) window.undoStack()->undo();
            }
            if (studio.isRecording() || studio.isRolling()) {
                QString error;
                studio.stop(error);
            }
            QSignalSpy spy(action, &QAction::triggered);
            QTest::keySequence(&window, action->shortcut());
            QVERIFY2(spy.count() == 1, qPrintable(QStringLiteral("%1 (%2) triggered %3 times")
                                                      .arg(action->objectName(), action->shortcut().toString())
                                                      .arg(spy.count())));
        }
        QString error;
        studio.stop(error);
        QVERIFY(quit);
        QSignalSpy quitSpy(quit, &QAction::triggered);
        QTest::keySequence(&window, quit->shortcut());
        QCOMPARE(quitSpy.count(), 1);
        QTRY_VERIFY(!window.isVisible());
    }

    void keyboardArmMuteSoloActOnTheSelectedTrack() {
        StudioWindow open;
        Studio& studio = open.studio;
        MainWindow& window = open.window;
        window.selectTrack(1);
        window.findAction(QStringLiteral("actionArm"))->trigger();
        window.findAction(QStringLiteral("actionMute"))->trigger();
        window.findAction(QStringLiteral("actionSolo"))->trigger();
        const SessionTrack& second = studio.session().tracks[1];
        QVERIFY(second.armed && second.mute && second.solo);
        const SessionTrack& first = studio.session().tracks[0];
        QVERIFY(!first.armed && !first.mute && !first.solo);
        QCOMPARE(window.undoStack()->count(), 3);
    }

    void aVanishedDeviceFallsBackWithABanner() {
        // The device of the last run is gone (unplugged since): say so, and open another one.
        {
            QSettings settings(QStringLiteral("Gainstage"), QStringLiteral("Gainstage"));
            settings.setValue(QStringLiteral("audio/device"), QStringLiteral("ALSA:NoSuchCard"));
        }
        Studio studio;
        MainWindow window(studio);
        window.setPromptsEnabled(false);
        window.show();
        window.startUp(QString());
        const QString banners = window.banners()->texts().join('\n');
        QVERIFY2(banners.contains(QStringLiteral("you used last time")) && banners.contains(QStringLiteral("NoSuchCard")), qPrintable(banners));
        QVERIFY(studio.deviceOpen()); // the default, or the Virtual device without hardware
        QVERIFY(!window.strips().empty());
        QSettings(QStringLiteral("Gainstage"), QStringLiteral("Gainstage")).remove(QStringLiteral("audio"));
    }

    void recoveredTakesAreAnnouncedInABanner_data() {
        QTest::addColumn<bool>("untitled");
        QTest::newRow("a session folder, opened") << false;
        // A crash while recording an untitled session: the next start finds it.
        QTest::newRow("an untitled session, on the next start") << true;
    }

    void recoveredTakesAreAnnouncedInABanner() {
        QFETCH(bool, untitled);
        // A take cut short: the journal is left behind, as after a crash.
        QTemporaryDir where;
        const QString folder = untitled ? Studio::untitledFolder() + QStringLiteral("/Session 2026-12-01 203000") : where.path() + QStringLiteral("/Crashed");
        {
            Studio studio;
            QString error;
            QVERIFY(studio.newSession(folder, error));
            QString notice;
            QVERIFY2(studio.openDevice(virtualDevice(), notice, error), qPrintable(error));
            SessionTrack track;
            track.name = QStringLiteral("Vocal");
            track.armed = true;
            studio.insertTrack(track);
            QVERIFY(studio.save(error));
            QVERIFY2(studio.record(error), qPrintable(error));
            QTest::qWait(700);
            // Keep the files as they are, journal included: a copy taken mid-take is what a crash leaves.
            const QString copy = where.path() + QStringLiteral("/Copy");
            QVERIFY(QDir().mkpath(copy + QStringLiteral("/audio")));
            for (const QString& name : QDir(folder).entryList(QDir::Files | QDir::Hidden))
                QVERIFY(QFile::copy(folder + QLatin1Char('/') + name, copy + QLatin1Char('/') + name));
            for (const QString& name : QDir(folder + QStringLiteral("/audio")).entryList(QDir::Files))
                QVERIFY(QFile::copy(folder + QStringLiteral("/audio/") + name, copy + QStringLiteral("/audio/") + name));
            QVERIFY(studio.stop(error));
            QVERIFY(QDir(folder).removeRecursively());
            QVERIFY(QDir().rename(copy, folder));
        }
        QVERIFY(QFileInfo::exists(folder + QStringLiteral("/.recording")));
        StudioWindow open(untitled ? QString() : folder);
        Studio& studio = open.studio;
        MainWindow& window = open.window;
        QCOMPARE(studio.folder(), QDir(folder).absolutePath());
        const QStringList texts = window.banners()->texts();
        QVERIFY2(texts.join('\n').contains(QStringLiteral("Recovered")), qPrintable(texts.join('\n')));
        QCOMPARE(studio.isUntitled(), untitled);
        QCOMPARE(texts.join('\n').contains(QStringLiteral("reopened your untitled session")), untitled);
        QCOMPARE(studio.session().tracks[0].clips.size(), size_t(1));
        QVERIFY(!QFileInfo::exists(folder + QStringLiteral("/.recording")));
    }
};

QTEST_MAIN(TestUiMainWindow)
#include "test_ui_mainwindow.moc"
