#pragma once
// The studio window's timeline: a ruler, one lane per track with its clips and
// their waveforms, the xrun / clip / overrun marks, the playhead and the take
// being recorded, growing live.
//
// It owns no engine and reads no file: the owner passes the clips with their
// peaks already built (PeakCache on a worker thread), the marks and the
// playhead, and applies what the user asks for (locate, move, delete) itself,
// as undoable commands, then calls setClips again. Lanes line up with the track
// list beside it through setRowGeometry; the widget scrolls horizontally with
// its own scroll bar (or the wheel), and the owner scrolls vertically.
//
// Painting is bounded by what is exposed: setPlayhead repaints only the old and
// the new playhead strips, so a 60 Hz playhead over 16 lanes costs a few
// columns, and a full repaint asks each clip's peaks for one column per pixel
// (PeakData::columns uses the coarse level when zoomed out).
//
// Threads: [GUI thread] for everything.

#include "core/PeakCache.h"

#include <QString>
#include <QWidget>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

class QScrollBar;

namespace gainstage {

struct TimelineClip {
    int track = 0;
    QString name;
    QString path;
    int64_t timelineOffset = 0; // timeline sample of the clip's first frame
    int64_t length = 0;         // frames
    int64_t sourceOffset = 0;   // first frame of the file that plays
    bool missing = false;       // the file is not there: drawn hatched
    std::shared_ptr<const PeakData> peaks; // null while they are being built
};

struct TimelineMark {
    enum class Kind { Xrun, Clip, Overrun };
    Kind kind = Kind::Xrun;
    int track = -1; // -1: all tracks
    int64_t position = 0;
};

class TimelineWidget final : public QWidget {
    Q_OBJECT
public:
    enum class TimeFormat { MinSec, BarsBeats };

    static constexpr double kMinFramesPerPixel = 1.0;
    static constexpr double kMaxFramesPerPixel = 1 << 20;

    explicit TimelineWidget(QWidget* parent = nullptr);
    ~TimelineWidget() override;

    // [GUI thread] The model, in timeline samples at the session's rate.
    void setSampleRate(double sampleRate);
    void setTrackCount(int count);
    void setTrackHeight(int rowHeight);
    // [GUI thread] The ruler's height and each lane's, so lanes line up with the track list.
    void setRowGeometry(int headerHeight, int rowHeight);
    void setClips(std::vector<TimelineClip> clips);
    void setMarks(std::vector<TimelineMark> marks);
    // [GUI thread] Repaints only the strips of the old and the new position.
    void setPlayhead(int64_t position);
    // [GUI thread] Starts (on) or ends the live take on `track` at `start`; ending forgets its peaks
    // (the owner adds the finished take as a clip).
    void setRecording(int track, int64_t start, bool on);
    // [GUI thread] The track meter's peak (linear, 0..1+) at `position` while recording.
    void appendLivePeak(int track, int64_t position, float peakLinear);
    void setTimeFormat(TimeFormat format, double tempoBpm = 120.0, int beatsPerBar = 4);

    // Zoom by 2x, keeping the playhead fixed on screen (or the middle, when the playhead is not in view).
    void zoomIn();
    void zoomOut();
    // Zoom keeping the sample under x (widget pixels) at x.
    void zoomAround(double factor, int x);
    void setFramesPerPixel(double framesPerPixel);
    // The whole session (clips, live takes, marks, playhead) fills the view.
    void zoomToFit();
    // Scrolls, only if needed, so `position` is in view with a margin.
    void showPosition(int64_t position);
    // The timeline sample at the left edge.
    void setViewStart(int64_t sample);

    double framesPerPixel() const { return framesPerPixel_; }
    int64_t viewStart() const { return viewStart_; }
    int64_t playhead() const { return playhead_; }
    int selectedClip() const { return selectedClip_; }
    int headerHeight() const { return headerHeight_; }
    int rowHeight() const { return rowHeight_; }
    int trackCount() const { return trackCount_; }
    const std::vector<TimelineClip>& clips() const { return clips_; }

    // [GUI thread] Mapping between widget x and timeline samples at the current zoom and scroll.
    double xForSample(int64_t sample) const;
    int64_t sampleAtX(double x) const;
    // The lane under widget y, -1 for the ruler or below the last lane.
    int trackAtY(int y) const;
    // The clip drawn at a widget point (the topmost, latest in the list), -1 for none.
    int clipAt(const QPoint& point) const;
    // The mark whose line or flag is at a widget point, -1 for none.
    int markAt(const QPoint& point) const;
    // Where `clip` is drawn (while it is being dragged, where it is dragged to).
    QRect clipRect(int clipIndex) const;
    // The timeline's end as drawn: everything in the session plus some room to record into.
    int64_t contentEnd() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void locateRequested(int64_t sample);
    void clipMoveRequested(int clipIndex, int64_t newTimelineOffset);
    void clipDeleteRequested(int clipIndex);
    void markActivated(int index);
    void selectedClipChanged(int clipIndex);
    void zoomChanged(double framesPerPixel);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    bool event(QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    struct LiveTake {
        int64_t start = 0;
        LivePeaks peaks;
    };
    struct Drag {
        int clip = -1;
        int pressX = 0;
        int64_t originalOffset = 0;
        int64_t offset = 0;
        bool moving = false;
    };

    int lanesBottom() const;
    int viewWidth() const;
    QRect playheadStrip(int64_t position) const;
    QRect laneRect(int track) const;
    QRect liveRect(int track, const LiveTake& take) const;
    int64_t clipOffset(int clipIndex) const;
    void updateScrollBar();
    void clampView();
    void setSelectedClip(int clipIndex);
    QString timeText(int64_t sample, bool precise) const;
    QString toolTipAt(const QPoint& point) const;
    void updateAccessibleDescription();

    void paintRuler(QPainter& p, const QRect& exposed);
    void paintLanes(QPainter& p, const QRect& exposed);
    void paintClip(QPainter& p, const QRect& exposed, int clipIndex);
    void paintLiveTake(QPainter& p, const QRect& exposed, int track, const LiveTake& take);
    void paintWaveform(QPainter& p, const QRect& area, const QRect& exposed, const QColor& colour,
                       const std::function<void(int64_t, int, float*, float*, bool*)>& columns);
    void paintMarks(QPainter& p, const QRect& exposed);
    void paintPlayhead(QPainter& p, const QRect& exposed);

    QScrollBar* scrollBar_ = nullptr;
    double sampleRate_ = 48000.0;
    int trackCount_ = 0;
    int headerHeight_ = 28;
    int rowHeight_ = 72;
    std::vector<TimelineClip> clips_;
    std::vector<TimelineMark> marks_;
    std::map<int, LiveTake> live_;
    int64_t playhead_ = 0;
    double framesPerPixel_ = 1024.0;
    int64_t viewStart_ = 0;
    int selectedClip_ = -1;
    Drag drag_;
    bool syncingScrollBar_ = false;
    TimeFormat timeFormat_ = TimeFormat::MinSec;
    double tempoBpm_ = 120.0;
    int beatsPerBar_ = 4;
    // Scratch for painting, kept so that a 60 Hz repaint does not allocate.
    std::vector<float> mins_, maxs_;
    std::unique_ptr<bool[]> covered_;
    int coveredSize_ = 0;
};

} // namespace gainstage
