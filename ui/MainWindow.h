#pragma once
// The studio window: transport bar, banners, the track list (one TrackStrip
// per track, its meter always visible) beside the timeline, the monitor panel
// and the status area, with every edit undoable.
//
// Threads. Everything here runs on the GUI thread, which is the engine's
// control thread. Meters and the playhead are read at 60 Hz from the engine's
// atomics and triple buffers (Studio::meters, Engine::position); engine and
// disk events arrive as Studio signals, connected queued. Slow work (peak
// files, Auto Gain's analysis) runs on worker threads and comes back through
// queued calls; nothing here waits for the audio thread.
//
// Never losing a session: the Studio autosaves every 60 s and after every take;
// quitting with unsaved changes asks; recovered takes are announced in a banner.

#include <QMainWindow>
#include <QThreadPool>
#include <QTimer>
#include <QUndoStack>

#include <map>
#include <set>
#include <memory>
#include <vector>

#include "core/AutoGainSession.h"
#include "core/GainAdvice.h"
#include "core/PeakCache.h"
#include "core/Studio.h"
#include "ui/TimelineWidget.h"

class QLabel;
class QPushButton;
class QScrollArea;
class QSplitter;
class QVBoxLayout;

namespace gainstage {

class BannerArea;
class MonitorPanel;
class TrackStrip;
class TransportBar;

class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    static constexpr int kMeterIntervalMs = 16; // 60 Hz
    static constexpr int kStatusIntervalMs = 250;
    static constexpr int kMaxRecent = 8;

    explicit MainWindow(Studio& studio, QWidget* parent = nullptr);
    ~MainWindow() override;

    // [GUI thread] After show(): opens the device (the saved one, else the
    // default, else the Virtual device with a banner) and the session: `folder`,
    // else the newest untitled session holding audio (with a banner), else a
    // new untitled one with a track per input. `device` overrides the saved device.
    void startUp(const QString& folder, const AudioDeviceRequest* device = nullptr);

    // File actions without dialogs (the menus ask for the folder, then call these).
    bool openSessionFolder(const QString& folder);
    bool saveSession();
    bool saveSessionAs(const QString& folder);
    // Tests and scripted runs: never open a modal dialog (Save As falls back to an error banner).
    void setPromptsEnabled(bool enabled) { promptsEnabled_ = enabled; }

    // For tests and the help page.
    QUndoStack* undoStack() { return &undo_; }
    TransportBar* transportBar() const { return transport_; }
    BannerArea* banners() const { return banners_; }
    TimelineWidget* timeline() const { return timeline_; }
    MonitorPanel* monitorPanel() const { return monitorPanel_; }
    const std::vector<TrackStrip*>& strips() const { return strips_; }
    int selectedTrack() const { return selected_; }
    void selectTrack(int index);
    // Every action with a keyboard shortcut, in the order Help lists them.
    QList<QAction*> shortcutActions() const { return shortcutActions_; }
    QAction* findAction(const QString& objectName) const;
    QString shortcutsHtml() const;
    QLabel* statusLabel(const QString& objectName) const;

protected:
    void closeEvent(QCloseEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // Building
    void buildActions();
    void buildMenus();
    void buildLayout();
    void buildStatusArea();
    QAction* addAction(QMenu* menu, const QString& name, const QString& text, const QKeySequence& shortcut, const QString& tip);

    // Session view
    void rebuildTracks();
    void refreshTracks(); // the strips from the session, without rebuilding
    void refreshTimeline();
    void refreshTitle();
    void focusTimeline();
    void requestPeaks(const QString& path);
    void connectStrip(TrackStrip* strip);
    int stripIndex(const TrackStrip* strip) const;

    // Timers
    void updateMeters();
    void updateStatus();

    // Actions
    void newSession();
    void openSessionDialog();
    void openRecent();
    void saveAsDialog();
    void discardUntitledSession();
    void exportMixdown();
    void addTrack();
    void removeTrack();
    void duplicateTrack();
    void audioSettings();
    void calibrateLatency();
    void showAbout();
    void showShortcuts();
    void togglePlay();
    void record();
    void stop();
    void armSelected();
    void muteSelected();
    void soloSelected();
    void jumpToNextXrun();
    void setTheme(bool dark);

    // Auto Gain
    void startAutoGain(const QString& trackId);
    void pollAutoGain();
    void finishAutoGain(const QString& trackId, const AutoGainOutcome& outcome);

    // Monitor
    void loadMonitorForDevice();
    void applyMonitor(const MonitorSettings& settings);

    void showMessage(const StudioMessage& message);
    void handleBannerAction(StudioMessage::Action action);
    void addRecent(const QString& folder);
    bool maybeKeepChanges(); // false: the user cancelled
    void reportError(const QString& what, const QString& error);

    Studio& studio_;
    QUndoStack undo_;
    bool promptsEnabled_ = true;

    TransportBar* transport_ = nullptr;
    BannerArea* banners_ = nullptr;
    QScrollArea* trackScroll_ = nullptr;
    QWidget* trackColumn_ = nullptr;
    QVBoxLayout* trackLayout_ = nullptr;
    QSplitter* splitter_ = nullptr;
    TimelineWidget* timeline_ = nullptr;
    MonitorPanel* monitorPanel_ = nullptr;
    QDockWidget* monitorDock_ = nullptr;
    std::vector<TrackStrip*> strips_;
    int selected_ = 0;
    std::vector<std::pair<int, int>> timelineClipIndex_; // timeline clip -> (track, clip of the track)

    // Status area
    QLabel* deviceLabel_ = nullptr;
    QLabel* formatLabel_ = nullptr;
    QLabel* loadLabel_ = nullptr;
    QPushButton* xrunButton_ = nullptr;
    QLabel* remainingLabel_ = nullptr;
    size_t nextXrun_ = 0;

    QMenu* recentMenu_ = nullptr;
    QList<QAction*> shortcutActions_;
    QTimer meterTimer_;
    QTimer statusTimer_;
    QTimer autoGainTimer_;

    // Per track (session id)
    std::map<QString, GainAdvisor> advisors_;
    std::map<QString, uint64_t> clipEventsSeen_;
    std::map<QString, std::unique_ptr<AutoGainSession>> autoGain_;
    std::set<QString> autoGainAnalysing_; // listening over, analysis running on the worker
    std::map<QString, uint64_t> clipGuardSamplesSeen_;
    std::vector<TimelineMark> liveMarks_; // clips seen while recording
    std::vector<TimelineMark> marks_;     // as the timeline shows them (index = markActivated's)
    bool wasRecording_ = false;

    // Peak files, built on a worker thread.
    QThreadPool peakPool_;
    QThreadPool analysisPool_; // Auto Gain's renders
    std::map<QString, std::shared_ptr<const PeakData>> peaks_;
    std::map<QString, bool> peaksPending_;

    // The start-up probe (GAINSTAGE_STARTUP_PROBE=1): print the first paint's time and quit.
    bool startupProbe_ = false;
    bool firstPaintSeen_ = false;
};

} // namespace gainstage
