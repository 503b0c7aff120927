// The studio window. [GUI thread]
#include "ui/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QEventLoop>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QProgressDialog>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "core/Mixdown.h"
#include "core/MonitorSettings.h"
#include "core/SourcePresets.h"
#include "ui/AudioSettingsDialog.h"
#include "ui/BannerArea.h"
#include "ui/ExportDialog.h"
#include "ui/MonitorPanel.h"
#include "ui/Theme.h"
#include "ui/TrackStrip.h"
#include "ui/TransportBar.h"
#include "ui/UndoCommands.h"

namespace gainstage {

namespace {

QSettings userSettings() { return QSettings(QStringLiteral("Gainstage"), QStringLiteral("Gainstage")); }

double now() { return static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0; }

// Milliseconds since this process was started by the kernel (its start time in
// /proc/self/stat, in clock ticks since boot, against CLOCK_BOOTTIME), so the
// start-up probe includes loading the libraries, not just main().
double millisecondsSinceProcessStart() {
    std::ifstream stat("/proc/self/stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos) return -1.0;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
        if (i != 22) continue;
        const double ticks = std::stod(field);
        timespec boot{};
        clock_gettime(CLOCK_BOOTTIME, &boot);
        const double nowMs = boot.tv_sec * 1000.0 + boot.tv_nsec / 1.0e6;
        return nowMs - ticks * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    return -1.0;
}

QString formatDuration(double seconds) {
    if (!std::isfinite(seconds)) return QObject::tr("no armed track");
    const int64_t s = static_cast<int64_t>(seconds);
    if (s >= 3600) return QObject::tr("%1 h %2 min left").arg(s / 3600).arg((s / 60) % 60);
    return QObject::tr("%1 min left").arg(s / 60);
}

} // namespace

MainWindow::MainWindow(Studio& studio, QWidget* parent) : QMainWindow(parent), studio_(studio) {
    setObjectName(QStringLiteral("MainWindow"));
    startupProbe_ = qEnvironmentVariableIntValue("GAINSTAGE_STARTUP_PROBE") == 1;
    peakPool_.setMaxThreadCount(1);
    analysisPool_.setMaxThreadCount(1);
    buildActions();
    buildLayout();
    buildMenus();
    buildStatusArea();

    connect(&studio_, &Studio::message, this, &MainWindow::showMessage, Qt::QueuedConnection);
    connect(&studio_, &Studio::takeFinished, this, [this] {
        undo_.setClean();
        rebuildTracks();
    }, Qt::QueuedConnection);
    connect(&studio_, &Studio::sessionReplaced, this, [this] {
        undo_.clear();
        liveMarks_.clear();
        rebuildTracks();
        refreshTitle();
        findAction(QStringLiteral("actionDiscardUntitled"))->setEnabled(studio_.isUntitled());
    });
    connect(&studio_, &Studio::deviceChanged, this, [this] {
        for (TrackStrip* strip : strips_) strip->setInputNames(studio_.inputNames());
        timeline_->setSampleRate(studio_.format().sampleRate);
        loadMonitorForDevice();
        updateStatus();
    }, Qt::QueuedConnection);
    connect(&studio_, &Studio::xrunOccurred, this, [this](int64_t) { refreshTimeline(); }, Qt::QueuedConnection);
    connect(&studio_, &Studio::modifiedChanged, this, &MainWindow::refreshTitle, Qt::QueuedConnection);
    connect(&studio_, &Studio::transportChanged, this, [this] {
        transport_->setState(studio_.isRolling(), studio_.isRecording());
    }, Qt::QueuedConnection);

    meterTimer_.setTimerType(Qt::PreciseTimer);
    meterTimer_.setInterval(kMeterIntervalMs);
    connect(&meterTimer_, &QTimer::timeout, this, &MainWindow::updateMeters);
    meterTimer_.start();
    statusTimer_.setInterval(kStatusIntervalMs);
    connect(&statusTimer_, &QTimer::timeout, this, &MainWindow::updateStatus);
    statusTimer_.start();
    autoGainTimer_.setInterval(50);
    connect(&autoGainTimer_, &QTimer::timeout, this, &MainWindow::pollAutoGain);

    QSettings settings = userSettings();
    resize(1500, 860);
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    // The strips get room for a meter you can read from across the room; the timeline the rest.
    if (!splitter_->restoreState(settings.value(QStringLiteral("window/splitter")).toByteArray())) splitter_->setSizes({1180, 420});
    refreshTitle();
}

MainWindow::~MainWindow() {
    meterTimer_.stop();
    for (auto& [id, session] : autoGain_) session->cancel();
    peakPool_.clear();
    peakPool_.waitForDone();
    analysisPool_.waitForDone();
}

// ---------------------------------------------------------------- building

QAction* MainWindow::addAction(QMenu* menu, const QString& name, const QString& text, const QKeySequence& shortcut, const QString& tip) {
    auto* action = new QAction(text, this);
    action->setObjectName(name);
    action->setToolTip(tip);
    action->setStatusTip(tip);
    if (!shortcut.isEmpty()) {
        action->setShortcut(shortcut);
        action->setShortcutContext(Qt::WindowShortcut);
        shortcutActions_ << action;
    }
    QMainWindow::addAction(action); // shortcuts work whether or not a menu shows the action
    if (menu) menu->addAction(action);
    return action;
}

void MainWindow::buildActions() {
    // Created in buildMenus (they need their menus); nothing else to prepare.
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    connect(addAction(file, QStringLiteral("actionNew"), tr("&New session"), QKeySequence::New, tr("Start a new, empty session")),
            &QAction::triggered, this, &MainWindow::newSession);
    connect(addAction(file, QStringLiteral("actionOpen"), tr("&Open session…"), QKeySequence::Open, tr("Open a session folder")),
            &QAction::triggered, this, &MainWindow::openSessionDialog);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    recentMenu_->setObjectName(QStringLiteral("menuRecent"));
    connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::openRecent);
    connect(addAction(file, QStringLiteral("actionSave"), tr("&Save"), QKeySequence(QStringLiteral("Ctrl+S")),
                      tr("Save the session (it is also saved every minute and after every take)")),
            &QAction::triggered, this, [this] { saveSession(); });
    connect(addAction(file, QStringLiteral("actionSaveAs"), tr("Save &As…"), QKeySequence(QStringLiteral("Ctrl+Shift+S")),
                      tr("Copy the session, audio included, to a new folder and go on there")),
            &QAction::triggered, this, &MainWindow::saveAsDialog);
    connect(addAction(file, QStringLiteral("actionDiscardUntitled"), tr("&Discard untitled session…"), QKeySequence(),
                      tr("Delete this untitled session and the audio recorded in it, and start a new one")),
            &QAction::triggered, this, &MainWindow::discardUntitledSession);
    file->addSeparator();
    connect(addAction(file, QStringLiteral("actionExport"), tr("&Export mixdown…"), QKeySequence(QStringLiteral("Ctrl+E")),
                      tr("Mix the session to a WAV or FLAC file (without the monitor simulation)")),
            &QAction::triggered, this, &MainWindow::exportMixdown);
    file->addSeparator();
    connect(addAction(file, QStringLiteral("actionQuit"), tr("&Quit"), QKeySequence(QStringLiteral("Ctrl+Q")), tr("Quit Gainstage")),
            &QAction::triggered, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undoAction = undo_.createUndoAction(this, tr("&Undo"));
    undoAction->setObjectName(QStringLiteral("actionUndo"));
    undoAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+Z")));
    undoAction->setToolTip(tr("Undo the last change"));
    QAction* redoAction = undo_.createRedoAction(this, tr("&Redo"));
    redoAction->setObjectName(QStringLiteral("actionRedo"));
    redoAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+Z")));
    redoAction->setToolTip(tr("Redo the change you undid"));
    for (QAction* a : {undoAction, redoAction}) {
        edit->addAction(a);
        QMainWindow::addAction(a);
        shortcutActions_ << a;
    }

    QMenu* transport = menuBar()->addMenu(tr("&Transport"));
    connect(addAction(transport, QStringLiteral("actionPlay"), tr("&Play / Stop"), QKeySequence(Qt::Key_Space), tr("Play from the playhead, or stop")),
            &QAction::triggered, this, &MainWindow::togglePlay);
    connect(addAction(transport, QStringLiteral("actionRecord"), tr("&Record"), QKeySequence(Qt::Key_R), tr("Record the armed tracks")),
            &QAction::triggered, this, &MainWindow::record);
    connect(addAction(transport, QStringLiteral("actionRecordShift"), tr("Record (alternative key)"), QKeySequence(QStringLiteral("Shift+R")),
                      tr("Record the armed tracks")),
            &QAction::triggered, this, &MainWindow::record);
    connect(addAction(transport, QStringLiteral("actionStart"), tr("Return to &start"), QKeySequence(Qt::Key_Home), tr("Move the playhead to the start")),
            &QAction::triggered, this, [this] { studio_.returnToStart(); });
    connect(addAction(transport, QStringLiteral("actionZoomIn"), tr("Zoom &in"), QKeySequence(Qt::Key_Plus), tr("Zoom the timeline in")),
            &QAction::triggered, this, [this] { timeline_->zoomIn(); });
    connect(addAction(transport, QStringLiteral("actionZoomInEquals"), tr("Zoom in (= key)"), QKeySequence(Qt::Key_Equal), tr("Zoom the timeline in")),
            &QAction::triggered, this, [this] { timeline_->zoomIn(); });
    connect(addAction(transport, QStringLiteral("actionZoomOut"), tr("Zoom &out"), QKeySequence(Qt::Key_Minus), tr("Zoom the timeline out")),
            &QAction::triggered, this, [this] { timeline_->zoomOut(); });
    connect(addAction(transport, QStringLiteral("actionZoomFit"), tr("Zoom to &fit"), QKeySequence(QStringLiteral("Ctrl+0")), tr("Show the whole session")),
            &QAction::triggered, this, [this] { timeline_->zoomToFit(); });

    QMenu* track = menuBar()->addMenu(tr("T&rack"));
    connect(addAction(track, QStringLiteral("actionAddTrack"), tr("&Add track"), QKeySequence(QStringLiteral("Ctrl+T")), tr("Add a track on the next input")),
            &QAction::triggered, this, &MainWindow::addTrack);
    connect(addAction(track, QStringLiteral("actionRemoveTrack"), tr("&Remove track"), QKeySequence(QStringLiteral("Ctrl+Shift+Backspace")),
                      tr("Remove the selected track (its recordings stay on disk; Undo brings it back)")),
            &QAction::triggered, this, &MainWindow::removeTrack);
    connect(addAction(track, QStringLiteral("actionDuplicateTrack"), tr("&Duplicate track"), QKeySequence(QStringLiteral("Ctrl+D")),
                      tr("A copy of the selected track's settings, without its clips")),
            &QAction::triggered, this, &MainWindow::duplicateTrack);
    track->addSeparator();
    connect(addAction(track, QStringLiteral("actionArm"), tr("&Arm selected track"), QKeySequence(Qt::Key_A), tr("Arm or disarm the selected track for recording")),
            &QAction::triggered, this, &MainWindow::armSelected);
    connect(addAction(track, QStringLiteral("actionMute"), tr("&Mute selected track"), QKeySequence(Qt::Key_M), tr("Mute or unmute the selected track")),
            &QAction::triggered, this, &MainWindow::muteSelected);
    connect(addAction(track, QStringLiteral("actionSolo"), tr("&Solo selected track"), QKeySequence(Qt::Key_S), tr("Solo or unsolo the selected track")),
            &QAction::triggered, this, &MainWindow::soloSelected);
    connect(addAction(track, QStringLiteral("actionPreviousTrack"), tr("Select previous track"), QKeySequence(Qt::Key_Up), tr("Select the track above")),
            &QAction::triggered, this, [this] { selectTrack(selected_ - 1); });
    connect(addAction(track, QStringLiteral("actionNextTrack"), tr("Select next track"), QKeySequence(Qt::Key_Down), tr("Select the track below")),
            &QAction::triggered, this, [this] { selectTrack(selected_ + 1); });

    QMenu* audio = menuBar()->addMenu(tr("&Audio"));
    connect(addAction(audio, QStringLiteral("actionAudioSettings"), tr("&Settings…"), QKeySequence(QStringLiteral("Ctrl+,")),
                      tr("Choose the audio interface, sample rate and buffer size")),
            &QAction::triggered, this, &MainWindow::audioSettings);
    connect(addAction(audio, QStringLiteral("actionCalibrate"), tr("&Calibrate latency…"), QKeySequence(),
                      tr("Measure the interface's round trip with a loopback cable, so takes line up exactly")),
            &QAction::triggered, this, &MainWindow::calibrateLatency);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* dark = addAction(view, QStringLiteral("actionDarkTheme"), tr("&Dark theme"), QKeySequence(), tr("Dark colours, as in most studios"));
    dark->setCheckable(true);
    dark->setChecked(themeFromName(userSettings().value(QStringLiteral("theme")).toString()) == Theme::Dark);
    connect(dark, &QAction::toggled, this, &MainWindow::setTheme);
    view->addAction(monitorDock_->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    connect(addAction(help, QStringLiteral("actionShortcuts"), tr("&Keyboard shortcuts"), QKeySequence(QStringLiteral("F1")), tr("Every keyboard shortcut")),
            &QAction::triggered, this, &MainWindow::showShortcuts);
    connect(addAction(help, QStringLiteral("actionAbout"), tr("&About Gainstage"), QKeySequence(), tr("Version and what Gainstage is")),
            &QAction::triggered, this, &MainWindow::showAbout);
}

void MainWindow::buildLayout() {
    auto* central = new QWidget(this);
    auto* column = new QVBoxLayout(central);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(4);

    transport_ = new TransportBar(central);
    column->addWidget(transport_);
    connect(transport_, &TransportBar::recordClicked, this, &MainWindow::record);
    connect(transport_, &TransportBar::playClicked, this, &MainWindow::togglePlay);
    connect(transport_, &TransportBar::stopClicked, this, &MainWindow::stop);
    connect(transport_, &TransportBar::returnToStartClicked, this, [this] { studio_.returnToStart(); });
    connect(transport_, &TransportBar::metronomeChanged, this, [this](bool on, double bpm, int bars) {
        studio_.engine().metronome().setEnabled(on);
        studio_.engine().metronome().setTempo(bpm);
        studio_.engine().metronome().setCountInBars(bars);
        timeline_->setTimeFormat(transport_->timeFormat() == TransportBar::TimeFormat::BarsBeats ? TimelineWidget::TimeFormat::BarsBeats
                                                                                                 : TimelineWidget::TimeFormat::MinSec,
                                 bpm, transport_->beatsPerBar());
    });
    connect(transport_, &TransportBar::timeFormatChanged, this, [this](TransportBar::TimeFormat format) {
        timeline_->setTimeFormat(format == TransportBar::TimeFormat::BarsBeats ? TimelineWidget::TimeFormat::BarsBeats
                                                                               : TimelineWidget::TimeFormat::MinSec,
                                 transport_->tempo(), transport_->beatsPerBar());
    });

    banners_ = new BannerArea(central);
    column->addWidget(banners_);
    connect(banners_, &BannerArea::actionTriggered, this, &MainWindow::handleBannerAction);

    // Track strips on the left, the timeline on the right; one vertical scroll for both so rows line up.
    trackScroll_ = new QScrollArea(central);
    trackScroll_->setWidgetResizable(true);
    trackScroll_->setFrameShape(QFrame::NoFrame);
    auto* rows = new QWidget(trackScroll_);
    auto* rowLayout = new QHBoxLayout(rows);
    rowLayout->setContentsMargins(0, 0, 0, 0);
    rowLayout->setSpacing(0);
    splitter_ = new QSplitter(Qt::Horizontal, rows);
    trackColumn_ = new QWidget(splitter_);
    trackLayout_ = new QVBoxLayout(trackColumn_);
    trackLayout_->setContentsMargins(0, 0, 0, 0);
    trackLayout_->setSpacing(0);
    timeline_ = new TimelineWidget(splitter_);
    timeline_->setAccessibleName(tr("Timeline"));
    splitter_->addWidget(trackColumn_);
    splitter_->addWidget(timeline_);
    splitter_->setStretchFactor(0, 0);
    splitter_->setStretchFactor(1, 1);
    splitter_->setChildrenCollapsible(false);
    rowLayout->addWidget(splitter_);
    trackScroll_->setWidget(rows);
    column->addWidget(trackScroll_, 1);

    connect(timeline_, &TimelineWidget::locateRequested, this, [this](int64_t sample) { studio_.locate(sample); });
    connect(timeline_, &TimelineWidget::markActivated, this, [this](int index) {
        if (index >= 0 && index < static_cast<int>(marks_.size())) studio_.locate(marks_[static_cast<size_t>(index)].position);
    });
    connect(timeline_, &TimelineWidget::clipMoveRequested, this, [this](int clipIndex, int64_t offset) {
        if (clipIndex < 0 || clipIndex >= static_cast<int>(timelineClipIndex_.size())) return;
        const auto [trackIndex, clip] = timelineClipIndex_[static_cast<size_t>(clipIndex)];
        const SessionTrack& track = studio_.session().tracks[static_cast<size_t>(trackIndex)];
        std::vector<Clip> after = track.clips;
        after[static_cast<size_t>(clip)].timelineOffset = std::max<int64_t>(0, offset);
        undo_.push(new ClipsCommand(studio_, track.id, track.clips, after, tr("Move clip"), [this] { refreshTimeline(); }));
    });
    connect(timeline_, &TimelineWidget::clipDeleteRequested, this, [this](int clipIndex) {
        if (clipIndex < 0 || clipIndex >= static_cast<int>(timelineClipIndex_.size())) return;
        const auto [trackIndex, clip] = timelineClipIndex_[static_cast<size_t>(clipIndex)];
        const SessionTrack& track = studio_.session().tracks[static_cast<size_t>(trackIndex)];
        std::vector<Clip> after = track.clips;
        after.erase(after.begin() + clip);
        undo_.push(new ClipsCommand(studio_, track.id, track.clips, after, tr("Delete clip"), [this] { refreshTimeline(); }));
    });

    setCentralWidget(central);
    central->installEventFilter(this);

    monitorPanel_ = new MonitorPanel(this);
    monitorPanel_->setOrientation(Qt::Horizontal); // docked at the bottom: its sections side by side
    monitorDock_ = new QDockWidget(tr("Monitor"), this);
    monitorDock_->setObjectName(QStringLiteral("monitorDock"));
    monitorDock_->setWidget(monitorPanel_);
    monitorDock_->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::BottomDockWidgetArea, monitorDock_);
    connect(monitorPanel_, &MonitorPanel::livePreview, this, [this](const MonitorSettings& now) { studio_.engine().monitor().setSettings(now); });
    connect(monitorPanel_, &MonitorPanel::edited, this, [this](const MonitorSettings& before, const MonitorSettings& after, const QString& what) {
        undo_.push(new MonitorEditCommand(before, after, what, [this](const MonitorSettings& s) { applyMonitor(s); }));
    });
}

void MainWindow::buildStatusArea() {
    QStatusBar* bar = statusBar();
    const auto label = [this, bar](const QString& name, const QString& tip) {
        auto* l = new QLabel(bar);
        l->setObjectName(name);
        l->setToolTip(tip);
        l->setAccessibleName(tip);
        l->setContentsMargins(6, 0, 6, 0);
        bar->addPermanentWidget(l);
        return l;
    };
    deviceLabel_ = label(QStringLiteral("statusDevice"), tr("The audio device in use"));
    formatLabel_ = label(QStringLiteral("statusFormat"), tr("Sample rate, buffer size and round-trip latency"));
    loadLabel_ = label(QStringLiteral("statusLoad"), tr("How much of each audio period the engine uses (under 70% is safe)"));
    xrunButton_ = new QPushButton(bar);
    xrunButton_->setObjectName(QStringLiteral("statusXruns"));
    xrunButton_->setFlat(true);
    xrunButton_->setToolTip(tr("Dropouts (xruns) since the session was opened: click to jump to the next one on the timeline"));
    xrunButton_->setAccessibleName(tr("Xruns"));
    connect(xrunButton_, &QPushButton::clicked, this, &MainWindow::jumpToNextXrun);
    bar->addPermanentWidget(xrunButton_);
    remainingLabel_ = label(QStringLiteral("statusRemaining"), tr("Recording time left on the disk for the armed tracks"));
}

// ---------------------------------------------------------------- start-up

void MainWindow::startUp(const QString& folder, const AudioDeviceRequest* device) {
    QString notice, error;
    const AudioDeviceRequest saved = Studio::savedDeviceRequest();
    const AudioDeviceRequest request = device ? *device : saved;
    const bool askedForDevice = !request.hostApi.isEmpty() || !request.device.isEmpty();
    if (!studio_.openDevice(request, notice, error)) {
        if (askedForDevice && !device) {
            // The device of the last run is gone: say so, and fall back to the default.
            showMessage({StudioMessage::Kind::Warning,
                         tr("The audio device you used last time (%1) is not available: %2. Gainstage opened the default device instead.")
                             .arg(request.describeDevice(), error),
                         StudioMessage::Action::OpenAudioSettings});
            notice.clear();
            error.clear();
            studio_.openDevice(AudioDeviceRequest{}, notice, error);
        }
    }
    if (!studio_.deviceOpen()) {
        showMessage({StudioMessage::Kind::Error, tr("No audio device could be opened: %1").arg(error), StudioMessage::Action::OpenAudioSettings});
    } else if (studio_.usingVirtualDevice() && request.hostApi.compare(kVirtualHostApi, Qt::CaseInsensitive) != 0) {
        showMessage({StudioMessage::Kind::Info,
                     tr("No audio interface was found, so Gainstage opened its Virtual device: its inputs play a sung vocal and a "
                        "guitar riff so you can try everything. Plug in your interface and choose it in Audio > Settings."),
                     StudioMessage::Action::OpenAudioSettings});
    }

    if (!folder.isEmpty()) {
        if (openSessionFolder(folder)) return;
    } else if (const QString untitled = Studio::untitledSessionToResume(); !untitled.isEmpty() && openSessionFolder(untitled)) {
        // Takes recorded into an untitled session are never left out of sight
        // in the data folder, whether Gainstage was quit or crashed.
        showMessage({StudioMessage::Kind::Info,
                     tr("Gainstage reopened your untitled session (%1) because it holds recorded audio. Choose File > Save As to keep it "
                        "in a folder of your own, or File > Discard untitled session to delete it.")
                         .arg(QFileInfo(untitled).fileName()),
                     StudioMessage::Action::None});
        return;
    }
    if (!studio_.newSession(QString(), error)) {
        showMessage({StudioMessage::Kind::Error, tr("Could not create a session: %1").arg(error), StudioMessage::Action::None});
        return;
    }
    // A track per input (up to 8), so every input's meter moves at once.
    const QStringList inputs = studio_.inputNames();
    const std::vector<SourcePreset> presets = builtInSourcePresets();
    const bool demo = studio_.usingVirtualDevice();
    for (int i = 0; i < std::min<int>(8, std::max<int>(1, inputs.size())); ++i) {
        SessionTrack track;
        track.name = tr("Input %1").arg(i + 1);
        track.input = TrackInput{i, false};
        if (demo && i < 2) {
            const SourcePreset& preset = presets[i == 0 ? 0 : 1]; // Vocal, Guitar DI: what the demo inputs play
            track.name = preset.name;
            track.preamp = preset.preamp;
            // The demo material is already at line level: start at 0 dB and let the advice (or Auto Gain) say where to go.
            track.preamp.gainDb = 0.0f;
        }
        studio_.insertTrack(track);
    }
    studio_.setModified(false);
    rebuildTracks();
    refreshTitle();
    focusTimeline();
}

void MainWindow::focusTimeline() {
    // Keyboard focus starts on the timeline, not in a track's name field, so the
    // first R, Space or A goes to the transport and not into a name.
    timeline_->setFocus(Qt::OtherFocusReason);
}

// ---------------------------------------------------------------- session view

void MainWindow::rebuildTracks() {
    for (TrackStrip* strip : strips_) strip->deleteLater();
    strips_.clear();
    while (trackLayout_->count() > 0) delete trackLayout_->takeAt(0);
    const Session& session = studio_.session();
    const std::vector<SourcePreset> presets = builtInSourcePresets();
    int rowHeight = 0;
    for (const SessionTrack& track : session.tracks) {
        auto* strip = new TrackStrip(trackColumn_);
        strip->setInputNames(studio_.inputNames());
        strip->setSourcePresets(presets);
        strip->setTrack(track);
        connectStrip(strip);
        strips_.push_back(strip);
        rowHeight = std::max(rowHeight, strip->sizeHint().height());
    }
    if (rowHeight == 0) rowHeight = 72;
    const int header = 28; // the timeline's ruler; the strips start below it
    trackLayout_->addSpacing(header);
    for (TrackStrip* strip : strips_) {
        strip->setFixedHeight(rowHeight);
        trackLayout_->addWidget(strip);
    }
    trackLayout_->addStretch(1);
    timeline_->setRowGeometry(header, rowHeight);
    timeline_->setTrackCount(static_cast<int>(strips_.size()));
    timeline_->setMinimumHeight(header + rowHeight * static_cast<int>(strips_.size()) + 8);
    // Forget per-track state of tracks that are gone.
    std::map<QString, GainAdvisor> advisors;
    for (const SessionTrack& track : session.tracks) advisors[track.id] = advisors_[track.id];
    advisors_.swap(advisors);
    selectTrack(std::clamp(selected_, 0, std::max(0, static_cast<int>(strips_.size()) - 1)));
    refreshTimeline();
}

void MainWindow::refreshTracks() {
    const Session& session = studio_.session();
    if (session.tracks.size() != strips_.size()) {
        rebuildTracks();
        return;
    }
    for (size_t i = 0; i < strips_.size(); ++i) {
        if (strips_[i]->track().id != session.tracks[i].id) {
            rebuildTracks();
            return;
        }
        strips_[i]->setTrack(session.tracks[i]);
    }
    refreshTimeline();
}

void MainWindow::refreshTimeline() {
    const Session& session = studio_.session();
    std::vector<TimelineClip> clips;
    timelineClipIndex_.clear();
    std::vector<TimelineMark> marks = liveMarks_;
    for (size_t t = 0; t < session.tracks.size(); ++t) {
        const SessionTrack& track = session.tracks[t];
        for (size_t c = 0; c < track.clips.size(); ++c) {
            const Clip& clip = track.clips[c];
            TimelineClip view;
            view.track = static_cast<int>(t);
            view.name = QFileInfo(clip.file).completeBaseName();
            view.path = QDir(studio_.folder()).absoluteFilePath(clip.file);
            view.timelineOffset = clip.timelineOffset;
            view.length = clip.length;
            view.sourceOffset = clip.sourceOffset;
            view.missing = clip.missing;
            if (!clip.missing) {
                const auto found = peaks_.find(view.path);
                if (found != peaks_.end()) view.peaks = found->second;
                else requestPeaks(view.path);
            }
            clips.push_back(view);
            timelineClipIndex_.push_back({static_cast<int>(t), static_cast<int>(c)});
            // The take's xruns and overruns, where they fall on the timeline.
            for (const TakeRecord& take : session.takes) {
                if (take.file != clip.file) continue;
                const int64_t origin = clip.timelineOffset - clip.sourceOffset;
                for (int64_t x : take.xruns) marks.push_back({TimelineMark::Kind::Xrun, static_cast<int>(t), origin + x});
                for (const TakeOverrun& o : take.overruns) marks.push_back({TimelineMark::Kind::Overrun, static_cast<int>(t), origin + o.position});
            }
        }
    }
    for (int64_t x : studio_.xrunPositions()) marks.push_back({TimelineMark::Kind::Xrun, -1, x});
    timeline_->setClips(std::move(clips));
    marks_ = marks;
    timeline_->setMarks(std::move(marks));
}

void MainWindow::requestPeaks(const QString& path) {
    if (peaksPending_[path]) return;
    peaksPending_[path] = true;
    // Build (or read) the peak file off the GUI thread; the result comes back queued.
    peakPool_.start([this, path] {
        QString error;
        std::optional<PeakData> data = PeakCache::loadOrBuild(path, error);
        std::shared_ptr<const PeakData> shared = data ? std::make_shared<const PeakData>(std::move(*data)) : nullptr;
        QMetaObject::invokeMethod(this, [this, path, shared] {
            peaksPending_.erase(path);
            if (!shared) return;
            peaks_[path] = shared;
            refreshTimeline();
        }, Qt::QueuedConnection);
    });
}

void MainWindow::refreshTitle() {
    const QString name = studio_.session().name.isEmpty() ? tr("Untitled") : studio_.session().name;
    setWindowTitle(QStringLiteral("%1[*] — Gainstage").arg(studio_.isUntitled() ? tr("Untitled session") : name));
    setWindowModified(studio_.isModified());
}

int MainWindow::stripIndex(const TrackStrip* strip) const {
    for (size_t i = 0; i < strips_.size(); ++i)
        if (strips_[i] == strip) return static_cast<int>(i);
    return -1;
}

void MainWindow::selectTrack(int index) {
    if (strips_.empty()) return;
    selected_ = std::clamp(index, 0, static_cast<int>(strips_.size()) - 1);
    for (size_t i = 0; i < strips_.size(); ++i) strips_[i]->setSelected(static_cast<int>(i) == selected_);
    trackScroll_->ensureWidgetVisible(strips_[static_cast<size_t>(selected_)], 0, 0);
}

void MainWindow::connectStrip(TrackStrip* strip) {
    connect(strip, &TrackStrip::selected, this, [this, strip] { selectTrack(stripIndex(strip)); });
    connect(strip, &TrackStrip::livePreview, this, [this](const SessionTrack& now) {
        // Heard at once while the knob moves; the undo step comes on release.
        QString error;
        studio_.updateTrack(now, error);
    });
    connect(strip, &TrackStrip::edited, this, [this](const SessionTrack& before, const SessionTrack& after, const QString& what) {
        undo_.push(new TrackEditCommand(studio_, before, after, what, [this] { refreshTracks(); }));
    });
    connect(strip, &TrackStrip::presetChosen, this, [this, strip](const SourcePreset& preset) {
        SessionTrack after = strip->track();
        after.preamp = preset.preamp;
        advisors_[after.id].setWindow(preset.window);
        strip->setWindow(preset.window);
        undo_.push(new TrackEditCommand(studio_, strip->track(), after, tr("Preset %1").arg(preset.name), [this] { refreshTracks(); }));
    });
    connect(strip, &TrackStrip::clipResetRequested, this, [this, strip] {
        studio_.resetMeters(strip->track().id);
        clipEventsSeen_[strip->track().id] = 0;
    });
    connect(strip, &TrackStrip::autoGainRequested, this, [this, strip] { startAutoGain(strip->track().id); });
    connect(strip, &TrackStrip::autoGainStopRequested, this, [this, strip] {
        const auto it = autoGain_.find(strip->track().id);
        if (it != autoGain_.end() && it->second->isListening()) it->second->stop();
    });
    connect(strip, &TrackStrip::autoGainCancelRequested, this, [this, strip] {
        const auto it = autoGain_.find(strip->track().id);
        if (it == autoGain_.end()) return;
        it->second->cancel();
        strip->setAutoGainState(TrackStrip::AutoGainState::Idle);
    });
}

// ---------------------------------------------------------------- timers

void MainWindow::updateMeters() {
    const double t = now();
    const bool recording = studio_.isRecording();
    if (recording != wasRecording_) {
        for (size_t i = 0; i < strips_.size(); ++i)
            timeline_->setRecording(static_cast<int>(i), studio_.position(), recording && strips_[i]->track().armed);
        wasRecording_ = recording;
    }
    const int64_t position = studio_.position();
    for (size_t i = 0; i < strips_.size(); ++i) {
        TrackStrip* strip = strips_[i];
        const SessionTrack& track = strip->track();
        MeterSnapshot raw0{}, track0{}, raw1{}, track1{};
        if (!studio_.meters(track.id, 0, raw0, track0)) continue;
        const bool stereo = track.input.stereo && studio_.meters(track.id, 1, raw1, track1);
        strip->setMeters(raw0, track0, stereo ? &raw1 : nullptr, stereo ? &track1 : nullptr);

        // The advice holds the last 3 s of peaks, so it follows the performance, not the last block.
        MeterSnapshot rawLoud = raw0, trackLoud = track0;
        if (stereo) {
            rawLoud.samplePeakDb = std::max(raw0.samplePeakDb, raw1.samplePeakDb);
            rawLoud.truePeakDb = std::max(raw0.truePeakDb, raw1.truePeakDb);
            trackLoud.truePeakDb = std::max(track0.truePeakDb, track1.truePeakDb);
        }
        const std::vector<GainAdvice> advice = advisors_[track.id].update(rawLoud, trackLoud, track.preamp.gainDb, t);
        if (advice.empty()) strip->setAdvice(QString());
        else strip->setAdvice(advice.front().text, advice.front().kind == GainAdviceKind::InterfaceClipping ||
                                                        (advice.front().kind == GainAdviceKind::LowerGain && trackLoud.truePeakDb > 0.0f));
        if (Track* live = studio_.engine().track(studio_.engineTrackId(track.id))) {
            // "Active now": the guard reduced gain for some samples since the last frame.
            const uint64_t active = live->clipGuard().activity().samplesActive;
            uint64_t& seen = clipGuardSamplesSeen_[track.id];
            strip->setClipGuardActive(track.clipGuard && active > seen);
            seen = active;
        }

        if (recording && track.armed) {
            const float peak = std::isfinite(track0.samplePeakDb) ? std::pow(10.0f, track0.samplePeakDb / 20.0f) : 0.0f;
            timeline_->appendLivePeak(static_cast<int>(i), position, peak);
            uint64_t& seen = clipEventsSeen_[track.id];
            if (track0.clipEvents > seen) {
                liveMarks_.push_back({TimelineMark::Kind::Clip, static_cast<int>(i), position});
                refreshTimeline();
            }
            seen = track0.clipEvents;
        }
    }
    timeline_->setPlayhead(position);
    transport_->setPosition(position, studio_.format().sampleRate);
}

void MainWindow::updateStatus() {
    const StreamFormat format = studio_.format();
    if (studio_.deviceOpen()) {
        const AudioDeviceInfo device = studio_.device();
        deviceLabel_->setText(device.hostApi == kVirtualHostApi ? tr("Virtual device") : device.fullName());
        formatLabel_->setText(tr("%1 kHz · %2 frames · %3 ms round trip")
                                  .arg(QString::number(format.sampleRate / 1000.0, 'g', 4))
                                  .arg(format.maxBlockFrames)
                                  .arg(QString::number(studio_.roundTripMs(), 'f', 1)));
        const float load = studio_.engineLoadPercent();
        loadLabel_->setText(tr("Load %1%").arg(QString::number(load, 'f', 0)));
    } else {
        deviceLabel_->setText(studio_.deviceLost() ? tr("Device lost") : tr("No audio device"));
        formatLabel_->clear();
        loadLabel_->clear();
    }
    const size_t xruns = studio_.xrunPositions().size();
    xrunButton_->setText(tr("Xruns: %1").arg(xruns));
    xrunButton_->setEnabled(xruns > 0);
    remainingLabel_->setText(formatDuration(studio_.remainingRecordSeconds()));

    int monitoring = 0;
    for (const SessionTrack& track : studio_.session().tracks)
        if (track.monitor == SessionMonitorMode::Input || (track.monitor == SessionMonitorMode::Auto && track.armed)) ++monitoring;
    transport_->setMonitoringText(monitoring == 0 ? tr("Input monitoring: off") : tr("Input monitoring: %n track(s)", nullptr, monitoring));
    transport_->setState(studio_.isRolling(), studio_.isRecording());
    monitorPanel_->setListeningLevel(studio_.engine().monitor().listeningLevelDbSpl());
    monitorPanel_->setDampingFactor(studio_.engine().monitor().dampingFactor());
}

// ---------------------------------------------------------------- transport

void MainWindow::togglePlay() {
    QString error;
    if (studio_.isRolling() || studio_.isRecording()) {
        stop();
        return;
    }
    if (!studio_.play(error)) reportError(tr("Cannot play"), error);
    transport_->setState(studio_.isRolling(), studio_.isRecording());
}

void MainWindow::record() {
    QString error;
    if (studio_.isRecording()) {
        stop();
        return;
    }
    clipEventsSeen_.clear();
    if (!studio_.record(error)) reportError(tr("Cannot record"), error);
    transport_->setState(studio_.isRolling(), studio_.isRecording());
}

void MainWindow::stop() {
    QString error;
    const bool wasRecording = studio_.isRecording();
    if (!studio_.stop(error)) reportError(tr("The take could not be saved completely"), error);
    transport_->setState(false, false);
    if (wasRecording) {
        undo_.setClean();
        // Xruns during the take: say so, with a way to find them.
        const auto& takes = studio_.recorder().lastTakes();
        size_t xruns = 0;
        for (const RecordedTake& take : takes) xruns = std::max(xruns, take.xruns.size());
        if (xruns > 0)
            showMessage({StudioMessage::Kind::Warning,
                         tr("%n dropout(s) (xruns) happened during the take. They are marked on the timeline; listen there, and "
                            "raise the buffer size in Audio > Settings if it happens again.", nullptr, static_cast<int>(xruns)),
                         StudioMessage::Action::ShowXruns});
        rebuildTracks();
    }
}

void MainWindow::armSelected() {
    if (selected_ < static_cast<int>(strips_.size())) strips_[static_cast<size_t>(selected_)]->toggleArm();
}
void MainWindow::muteSelected() {
    if (selected_ < static_cast<int>(strips_.size())) strips_[static_cast<size_t>(selected_)]->toggleMute();
}
void MainWindow::soloSelected() {
    if (selected_ < static_cast<int>(strips_.size())) strips_[static_cast<size_t>(selected_)]->toggleSolo();
}

void MainWindow::jumpToNextXrun() {
    std::vector<int64_t> all = studio_.xrunPositions();
    for (const TimelineMark& mark : liveMarks_)
        if (mark.kind == TimelineMark::Kind::Xrun) all.push_back(mark.position);
    if (all.empty()) return;
    std::sort(all.begin(), all.end());
    nextXrun_ %= all.size();
    const int64_t position = all[nextXrun_++];
    timeline_->showPosition(position);
    studio_.locate(position);
}

// ---------------------------------------------------------------- file

bool MainWindow::openSessionFolder(const QString& folder) {
    QString notice, error;
    if (!studio_.openSession(folder, notice, error)) {
        reportError(tr("Could not open the session"), error);
        return false;
    }
    addRecent(studio_.folder());
    timeline_->zoomToFit(); // the whole session in view, however long
    focusTimeline();
    for (const QString& line : notice.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const bool recovered = line.startsWith(QStringLiteral("Recovered"));
        showMessage({recovered ? StudioMessage::Kind::Info : StudioMessage::Kind::Warning,
                     recovered ? tr("%1. They are saved and on the timeline.").arg(line) : line,
                     StudioMessage::Action::None});
    }
    return true;
}

bool MainWindow::saveSession() {
    if (studio_.isUntitled() && promptsEnabled_) {
        saveAsDialog();
        return !studio_.isUntitled();
    }
    QString error;
    if (!studio_.save(error)) {
        reportError(tr("Could not save"), error);
        return false;
    }
    undo_.setClean();
    statusBar()->showMessage(tr("Saved %1").arg(studio_.folder()), 3000);
    return true;
}

bool MainWindow::saveSessionAs(const QString& folder) {
    QString error;
    if (!studio_.beginSaveAs(folder, error)) {
        reportError(tr("Could not save the session there"), error);
        return false;
    }
    // The copy runs on a worker thread; this loop keeps the window painting and
    // the meters moving, while the window-modal progress keeps edits out of it.
    QProgressDialog progress(tr("Copying the session and its audio to %1…").arg(QDir(folder).absolutePath()), tr("Cancel"), 0, 1000, this);
    progress.setObjectName(QStringLiteral("saveAsProgress"));
    progress.setWindowTitle(tr("Save As"));
    progress.setWindowModality(Qt::WindowModal);
    progress.setMinimumDuration(400);
    progress.setAccessibleName(tr("Save As progress"));
    connect(&progress, &QProgressDialog::canceled, &studio_, &Studio::cancelSaveAs);
    connect(&progress, &QDialog::rejected, &studio_, &Studio::cancelSaveAs); // Esc
    QTimer tick;
    tick.setInterval(50);
    connect(&tick, &QTimer::timeout, &progress, [this, &progress] { progress.setValue(static_cast<int>(std::lround(studio_.saveAsProgress() * 1000.0))); });
    tick.start();
    QEventLoop waitForCopy;
    bool ok = false, cancelled = false;
    connect(&studio_, &Studio::saveAsFinished, &waitForCopy, [&](bool success, bool wasCancelled, const QString& finishError) {
        ok = success;
        cancelled = wasCancelled;
        error = finishError;
        waitForCopy.quit();
    });
    waitForCopy.exec();
    tick.stop();
    progress.reset();
    if (!ok) {
        if (cancelled) statusBar()->showMessage(tr("Save As cancelled: the session stays in %1").arg(studio_.folder()), 5000);
        else reportError(tr("Could not save the session there"), error);
        return false;
    }
    undo_.setClean();
    addRecent(studio_.folder());
    refreshTitle();
    return true;
}

void MainWindow::saveAsDialog() {
    if (!promptsEnabled_) return;
    const QString base = QSettings(QStringLiteral("Gainstage"), QStringLiteral("Gainstage")).value(QStringLiteral("lastFolder"), QDir::homePath()).toString();
    const QString folder = QFileDialog::getSaveFileName(this, tr("Save session as (a new folder)"), base + QStringLiteral("/My Song"));
    if (folder.isEmpty()) return;
    userSettings().setValue(QStringLiteral("lastFolder"), QFileInfo(folder).absolutePath());
    saveSessionAs(folder);
}

void MainWindow::newSession() {
    if (!maybeKeepChanges()) return;
    QString error;
    if (!studio_.newSession(QString(), error)) reportError(tr("Could not start a new session"), error);
}

void MainWindow::discardUntitledSession() {
    if (!studio_.isUntitled()) return;
    if (promptsEnabled_) {
        int clips = 0;
        for (const SessionTrack& track : studio_.session().tracks) clips += static_cast<int>(track.clips.size());
        const auto answer = QMessageBox::warning(
            this, tr("Discard untitled session"),
            tr("Delete this untitled session and the audio recorded in it (%1)? This cannot be undone.")
                .arg(clips == 1 ? tr("1 clip") : tr("%1 clips").arg(clips)),
            QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Discard) return;
    }
    QString error;
    if (!studio_.discardUntitledSession(error)) reportError(tr("Could not discard the session"), error);
}

void MainWindow::openSessionDialog() {
    if (!maybeKeepChanges() || !promptsEnabled_) return;
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open a session folder"),
                                                             userSettings().value(QStringLiteral("lastFolder"), QDir::homePath()).toString());
    if (folder.isEmpty()) return;
    userSettings().setValue(QStringLiteral("lastFolder"), QFileInfo(folder).absolutePath());
    openSessionFolder(folder);
}

void MainWindow::openRecent() {
    recentMenu_->clear();
    const QStringList recent = userSettings().value(QStringLiteral("recentSessions")).toStringList();
    if (recent.isEmpty()) recentMenu_->addAction(tr("(none yet)"))->setEnabled(false);
    for (const QString& folder : recent) {
        QAction* a = recentMenu_->addAction(folder);
        connect(a, &QAction::triggered, this, [this, folder] {
            if (maybeKeepChanges()) openSessionFolder(folder);
        });
    }
}

void MainWindow::addRecent(const QString& folder) {
    if (studio_.isUntitled()) return;
    QSettings settings = userSettings();
    QStringList recent = settings.value(QStringLiteral("recentSessions")).toStringList();
    recent.removeAll(folder);
    recent.prepend(folder);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue(QStringLiteral("recentSessions"), recent);
}

void MainWindow::exportMixdown() {
    if (!promptsEnabled_) return;
    ExportDialog dialog(studio_.session(), studio_.folder(), mixdownEnd(studio_.session()), this);
    dialog.exec();
}

bool MainWindow::maybeKeepChanges() {
    if (!studio_.isModified() || !promptsEnabled_) return true;
    const auto answer = QMessageBox::question(this, tr("Unsaved changes"),
                                              tr("The session has changes that are not saved yet. Save them?"),
                                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Cancel) return false;
    if (answer == QMessageBox::Save) return saveSession();
    return true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (studio_.isRecording()) {
        QString error;
        studio_.stop(error); // the take is finished and saved before anything else
    }
    if (!maybeKeepChanges()) {
        event->ignore();
        return;
    }
    QSettings settings = userSettings();
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/splitter"), splitter_->saveState());
    event->accept();
}

// ---------------------------------------------------------------- tracks

void MainWindow::addTrack() {
    const Session& session = studio_.session();
    SessionTrack track;
    const int inputs = std::max(1, static_cast<int>(studio_.inputNames().size()));
    track.input = TrackInput{static_cast<int>(session.tracks.size()) % inputs, false};
    track.name = tr("Track %1").arg(session.tracks.size() + 1);
    undo_.push(new AddTrackCommand(studio_, track, static_cast<int>(session.tracks.size()), tr("Add track"), [this] { rebuildTracks(); }));
    selectTrack(static_cast<int>(strips_.size()) - 1);
}

void MainWindow::removeTrack() {
    if (strips_.empty() || selected_ >= static_cast<int>(strips_.size())) return;
    if (studio_.isRecording()) {
        reportError(tr("Cannot remove a track"), tr("stop recording first"));
        return;
    }
    const SessionTrack track = studio_.session().tracks[static_cast<size_t>(selected_)];
    undo_.push(new RemoveTrackCommand(studio_, track, selected_, [this] { rebuildTracks(); }));
}

void MainWindow::duplicateTrack() {
    if (strips_.empty() || selected_ >= static_cast<int>(strips_.size())) return;
    SessionTrack copy = studio_.session().tracks[static_cast<size_t>(selected_)];
    copy.id.clear();
    copy.clips.clear();
    copy.armed = false;
    copy.name = tr("%1 copy").arg(copy.name);
    undo_.push(new AddTrackCommand(studio_, copy, selected_ + 1, tr("Duplicate %1").arg(copy.name), [this] { rebuildTracks(); }));
    selectTrack(selected_ + 1);
}

// ---------------------------------------------------------------- audio

void MainWindow::audioSettings() {
    if (!promptsEnabled_) return;
    AudioDeviceRequest current = studio_.deviceRequest();
    if (studio_.deviceOpen()) {
        current.setDevice(studio_.device().fullName());
        current.sampleRate = static_cast<int>(std::lround(studio_.format().sampleRate));
        current.bufferFrames = studio_.format().maxBlockFrames;
    }
    AudioSettingsDialog dialog(listAudioDevices(), current, this);
    connect(&dialog, &AudioSettingsDialog::testToneRequested, this, [this](const AudioDeviceRequest& request) {
        const bool same = studio_.deviceOpen() && request.hostApi == studio_.device().hostApi && request.device == studio_.device().name &&
                          (request.sampleRate == 0 || request.sampleRate == static_cast<int>(std::lround(studio_.format().sampleRate))) &&
                          (request.bufferFrames == 0 || request.bufferFrames == studio_.format().maxBlockFrames);
        QString notice, error;
        if (!same && !studio_.openDevice(request, notice, error)) {
            reportError(tr("Cannot open that device"), error);
            return;
        }
        studio_.engine().playTestTone(1.0);
    });
    if (dialog.exec() != QDialog::Accepted) return;
    QString notice, error;
    if (!studio_.openDevice(dialog.request(), notice, error)) {
        reportError(tr("Cannot open the audio device"), error);
        QString ignored;
        studio_.openDevice(current, ignored, ignored);
    } else {
        statusBar()->showMessage(notice, 5000);
    }
}

void MainWindow::calibrateLatency() {
    if (promptsEnabled_ &&
        QMessageBox::information(this, tr("Calibrate latency"),
                                 tr("Connect output 1 of your interface to input 1 with a cable (turn your speakers down: a short "
                                    "noise burst plays), then press OK."),
                                 QMessageBox::Ok | QMessageBox::Cancel) != QMessageBox::Ok)
        return;
    QString report, error;
    if (studio_.calibrateLatency(report, error)) showMessage({StudioMessage::Kind::Info, report, StudioMessage::Action::None});
    else reportError(tr("Latency calibration failed"), error);
}

void MainWindow::loadMonitorForDevice() {
    if (!studio_.deviceOpen()) return;
    const MonitorSettingsLoad loaded = loadMonitorSettings(studio_.device().fullName());
    studio_.engine().monitor().setSettings(loaded.settings);
    monitorPanel_->setSettings(loaded.settings);
    for (const QString& warning : loaded.warnings) showMessage({StudioMessage::Kind::Warning, warning, StudioMessage::Action::None});
}

void MainWindow::applyMonitor(const MonitorSettings& settings) {
    studio_.engine().monitor().setSettings(settings);
    monitorPanel_->setSettings(settings);
    if (studio_.deviceOpen()) saveMonitorSettings(studio_.device().fullName(), settings);
}

// ---------------------------------------------------------------- Auto Gain

void MainWindow::startAutoGain(const QString& trackId) {
    Track* track = studio_.engine().track(studio_.engineTrackId(trackId));
    if (!track || !track->rawTap() || !studio_.deviceOpen()) {
        reportError(tr("Auto Gain cannot listen"), tr("no audio device is running"));
        return;
    }
    if (autoGain_.count(trackId)) return;
    auto session = std::make_unique<AutoGainSession>(track->rawTap(), studio_.format().sampleRate);
    session->start(AutoGainSession::kDefaultSeconds);
    autoGain_[trackId] = std::move(session);
    autoGainTimer_.start();
    showMessage({StudioMessage::Kind::Info, tr("Auto Gain is listening: play or sing your loudest part for 10 seconds."), StudioMessage::Action::None});
}

void MainWindow::pollAutoGain() {
    for (auto& [trackId, session] : autoGain_) {
        TrackStrip* strip = nullptr;
        for (TrackStrip* s : strips_)
            if (s->track().id == trackId) strip = s;
        if (autoGainAnalysing_.count(trackId)) continue;
        if (session->isListening()) {
            const bool done = session->poll();
            const double heard = session->secondsHeard();
            if (strip)
                strip->setAutoGainState(TrackStrip::AutoGainState::Listening, heard / session->listeningSeconds(),
                                        session->listeningSeconds() - heard);
            if (!done && session->isListening()) continue;
        }
        // Listening is over: in full, or stopped early with the button (what was heard is judged).
        autoGainAnalysing_.insert(trackId);
        // Finished listening (in full, or stopped early): analyse on a worker thread.
        if (strip) strip->setAutoGainState(TrackStrip::AutoGainState::Analysing);
        const SessionTrack* track = studio_.findTrack(trackId);
        if (!track) continue;
        const PreampSettings current = track->preamp;
        AutoGainSession* listening = session.get();
        const QString id = trackId;
        analysisPool_.start([this, listening, current, id] {
            const AutoGainOutcome outcome = listening->analyse(current);
            QMetaObject::invokeMethod(this, [this, id, outcome] { finishAutoGain(id, outcome); }, Qt::QueuedConnection);
        });
    }
}

void MainWindow::finishAutoGain(const QString& trackId, const AutoGainOutcome& outcome) {
    autoGain_.erase(trackId);
    autoGainAnalysing_.erase(trackId);
    if (autoGain_.empty()) autoGainTimer_.stop();
    const SessionTrack* track = studio_.findTrack(trackId);
    for (TrackStrip* strip : strips_)
        if (strip->track().id == trackId) strip->setAutoGainState(TrackStrip::AutoGainState::Idle);
    if (!track || outcome.result == AutoGainResult::Cancelled) return;
    if (outcome.result != AutoGainResult::Success) {
        showMessage({StudioMessage::Kind::Warning, QString::fromStdString(outcome.message), StudioMessage::Action::None});
        return;
    }
    SessionTrack before = *track, after = *track;
    before.preamp = outcome.before;
    after.preamp = outcome.after;
    undo_.push(new TrackEditCommand(studio_, before, after, tr("Auto Gain"), [this] { refreshTracks(); }));
    showMessage({StudioMessage::Kind::Info, QString::fromStdString(outcome.message), StudioMessage::Action::None});
}

// ---------------------------------------------------------------- messages, help, look

void MainWindow::showMessage(const StudioMessage& message) { banners_->show(message); }

void MainWindow::handleBannerAction(StudioMessage::Action action) {
    switch (action) {
    case StudioMessage::Action::ReopenDevice: {
        QString notice, error;
        if (!studio_.openDevice(studio_.deviceRequest(), notice, error))
            showMessage({StudioMessage::Kind::Error, tr("The device is still not there: %1").arg(error), StudioMessage::Action::ReopenDevice});
        break;
    }
    case StudioMessage::Action::ShowXruns: jumpToNextXrun(); break;
    case StudioMessage::Action::OpenAudioSettings: audioSettings(); break;
    case StudioMessage::Action::None: break;
    }
}

void MainWindow::reportError(const QString& what, const QString& error) {
    QString sentence = error;
    if (!sentence.isEmpty()) sentence[0] = sentence[0].toLower();
    showMessage({StudioMessage::Kind::Error, QStringLiteral("%1: %2.").arg(what, sentence), StudioMessage::Action::None});
}

QString MainWindow::shortcutsHtml() const {
    QString html = QStringLiteral("<table cellspacing=6>");
    for (const QAction* action : shortcutActions_) {
        QString text = action->text();
        text.remove(QLatin1Char('&'));
        html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                    .arg(action->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped(), text.toHtmlEscaped());
    }
    return html + QStringLiteral("</table>");
}

void MainWindow::showShortcuts() {
    if (!promptsEnabled_) return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Keyboard shortcuts"));
    auto* layout = new QVBoxLayout(&dialog);
    auto* text = new QTextBrowser(&dialog);
    text->setHtml(shortcutsHtml());
    text->setAccessibleName(tr("Keyboard shortcuts"));
    layout->addWidget(text);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    dialog.resize(420, 560);
    dialog.exec();
}

void MainWindow::showAbout() {
    if (!promptsEnabled_) return;
    QMessageBox::about(this, tr("About Gainstage"),
                       tr("<h3>Gainstage %1</h3><p>A recording studio for vocals and guitar at home: a virtual mic/DI preamp on "
                          "every input, meters that show the -6 to 0 dBFS window, Auto Gain, and takes that survive a crash.</p>")
                           .arg(QApplication::applicationVersion()));
}

void MainWindow::setTheme(bool dark) {
    const Theme theme = dark ? Theme::Dark : Theme::Light;
    userSettings().setValue(QStringLiteral("theme"), themeName(theme));
    if (auto* app = qobject_cast<QApplication*>(QCoreApplication::instance())) applyTheme(*app, theme);
}

QAction* MainWindow::findAction(const QString& objectName) const { return findChild<QAction*>(objectName); }

QLabel* MainWindow::statusLabel(const QString& objectName) const { return findChild<QLabel*>(objectName); }

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    if (startupProbe_ && !firstPaintSeen_ && watched == centralWidget() && event->type() == QEvent::Paint) {
        firstPaintSeen_ = true;
        const double ms = millisecondsSinceProcessStart();
        // After this paint is done: print and quit (the probe measures start-up, nothing else).
        QTimer::singleShot(0, this, [ms] {
            std::printf("first-paint-ms %.1f\n", ms);
            std::fflush(stdout);
            QCoreApplication::exit(0);
        });
    }
    return QMainWindow::eventFilter(watched, event);
}

} // namespace gainstage
