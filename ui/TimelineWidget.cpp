// The timeline: ruler, lanes, clips with waveforms, marks, playhead, live take. [GUI thread]
#include "ui/TimelineWidget.h"

#include <QApplication>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QStyle>
#include <QToolTip>
#include <QVarLengthArray>
#include <QWheelEvent>

#include <algorithm>
#include <array>
#include <cmath>

namespace gainstage {

namespace {

constexpr int kPlayheadHalfWidth = 7;   // half the playhead's strip: its head is 11 px wide
constexpr int kMarkHitPixels = 4;       // how near a mark a click counts as on it
constexpr int kClipMarginY = 3;         // gap between a clip and its lane's edges
constexpr int kClipTitleHeight = 15;    // the name strip on top of a clip
constexpr int kMinLabelSpacing = 72;    // pixels between two ruler labels at least
constexpr int kMinMinorSpacing = 6;     // pixels between two small ruler ticks at least
constexpr double kSlackSeconds = 30.0;  // room after the last thing, to record into

// One hue per track, as a recordist colours a session; they repeat after eight tracks.
constexpr std::array<int, 8> kTrackHues = {205, 145, 28, 275, 185, 335, 52, 100};

const QColor kXrunColour(255, 59, 48);
const QColor kClipColour(255, 149, 0);
const QColor kOverrunColour(214, 60, 255);
const QColor kRecordColour(230, 40, 40);

bool isDark(const QPalette& palette) {
    return palette.color(QPalette::Window).lightness() < 128;
}

QColor markColour(TimelineMark::Kind kind) {
    switch (kind) {
    case TimelineMark::Kind::Xrun: return kXrunColour;
    case TimelineMark::Kind::Clip: return kClipColour;
    case TimelineMark::Kind::Overrun: return kOverrunColour;
    }
    return kXrunColour;
}

struct ClipColours {
    QColor body, title, wave, border, text;
};

ClipColours coloursForTrack(int track, bool dark) {
    const int hue = kTrackHues[static_cast<size_t>(std::max(track, 0)) % kTrackHues.size()];
    ClipColours c;
    if (dark) {
        c.body = QColor::fromHsl(hue, 70, 62);
        c.title = QColor::fromHsl(hue, 80, 44);
        c.wave = QColor::fromHsl(hue, 170, 175);
        c.border = QColor::fromHsl(hue, 110, 110);
        c.text = QColor(235, 235, 235);
    } else {
        c.body = QColor::fromHsl(hue, 120, 212);
        c.title = QColor::fromHsl(hue, 110, 178);
        c.wave = QColor::fromHsl(hue, 150, 78);
        c.border = QColor::fromHsl(hue, 100, 120);
        c.text = QColor(20, 20, 20);
    }
    return c;
}

// Ruler steps in seconds with how many small ticks each one splits into.
struct RulerStep {
    double seconds;
    int minors;
};
constexpr std::array<RulerStep, 24> kSecondSteps = {{
    {0.001, 5}, {0.002, 4}, {0.005, 5}, {0.01, 5}, {0.02, 4}, {0.05, 5}, {0.1, 5}, {0.2, 4},
    {0.5, 5}, {1, 5}, {2, 4}, {5, 5}, {10, 5}, {15, 3}, {30, 6}, {60, 6},
    {120, 4}, {300, 5}, {600, 10}, {900, 3}, {1800, 6}, {3600, 6}, {7200, 4}, {14400, 4},
}};

QString formatSeconds(double seconds, int decimals) {
    const bool negative = seconds < 0;
    seconds = std::abs(seconds);
    const double scale = std::pow(10.0, decimals);
    const long long units = std::llround(seconds * scale);
    const long long whole = units / static_cast<long long>(scale);
    const long long fraction = units % static_cast<long long>(scale);
    const long long h = whole / 3600, m = (whole / 60) % 60, s = whole % 60;
    QString text = h > 0 ? QStringLiteral("%1:%2:%3").arg(h).arg(m, 2, 10, QLatin1Char('0')).arg(s, 2, 10, QLatin1Char('0'))
                         : QStringLiteral("%1:%2").arg(m).arg(s, 2, 10, QLatin1Char('0'));
    if (decimals > 0) text += QStringLiteral(".%1").arg(fraction, decimals, 10, QLatin1Char('0'));
    return negative ? QStringLiteral("-") + text : text;
}

} // namespace

TimelineWidget::TimelineWidget(QWidget* parent) : QWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setAccessibleName(tr("Timeline"));
    setAccessibleDescription(tr("Tracks and their takes over time. Click to move the playhead, drag a take to move it, Delete removes the selected take, Ctrl+wheel zooms."));

    scrollBar_ = new QScrollBar(Qt::Horizontal, this);
    scrollBar_->setAccessibleName(tr("Timeline scroll"));
    scrollBar_->setToolTip(tr("Scroll through the session (the mouse wheel does too; Ctrl+wheel zooms)"));
    connect(scrollBar_, &QScrollBar::valueChanged, this, [this](int value) {
        if (syncingScrollBar_) return;
        viewStart_ = static_cast<int64_t>(std::llround(value * framesPerPixel_));
        clampView();
        update();
    });
    updateScrollBar();
}

TimelineWidget::~TimelineWidget() = default;

// --- model -------------------------------------------------------------------

void TimelineWidget::setSampleRate(double sampleRate) {
    if (!(sampleRate > 0.0) || sampleRate == sampleRate_) return;
    sampleRate_ = sampleRate;
    updateScrollBar();
    update();
}

void TimelineWidget::setTrackCount(int count) {
    count = std::max(count, 0);
    if (count == trackCount_) return;
    trackCount_ = count;
    updateGeometry();
    updateAccessibleDescription();
    update();
}

void TimelineWidget::setTrackHeight(int rowHeight) {
    setRowGeometry(headerHeight_, rowHeight);
}

void TimelineWidget::setRowGeometry(int headerHeight, int rowHeight) {
    headerHeight = std::max(headerHeight, 16);
    rowHeight = std::max(rowHeight, 16);
    if (headerHeight == headerHeight_ && rowHeight == rowHeight_) return;
    headerHeight_ = headerHeight;
    rowHeight_ = rowHeight;
    updateGeometry();
    update();
}

void TimelineWidget::setClips(std::vector<TimelineClip> clips) {
    clips_ = std::move(clips);
    // New peaks arriving from the worker must not drop a drag in progress.
    if (drag_.clip >= static_cast<int>(clips_.size())) drag_ = Drag{};
    if (selectedClip_ >= static_cast<int>(clips_.size())) setSelectedClip(-1);
    updateScrollBar();
    updateAccessibleDescription();
    update();
}

void TimelineWidget::setMarks(std::vector<TimelineMark> marks) {
    marks_ = std::move(marks);
    updateScrollBar();
    update();
}

void TimelineWidget::setPlayhead(int64_t position) {
    if (position == playhead_) return;
    const QRect before = playheadStrip(playhead_);
    playhead_ = position;
    update(before);
    update(playheadStrip(playhead_));
    if (position > contentEnd() - static_cast<int64_t>(kSlackSeconds * sampleRate_ / 2)) updateScrollBar();
}

void TimelineWidget::setRecording(int track, int64_t start, bool on) {
    if (on) {
        LiveTake& take = live_[track];
        take.start = start;
        take.peaks.clear();
        update(laneRect(track));
    } else {
        auto it = live_.find(track);
        if (it == live_.end()) return;
        live_.erase(it);
        update(laneRect(track));
    }
    updateScrollBar();
}

void TimelineWidget::appendLivePeak(int track, int64_t position, float peakLinear) {
    auto it = live_.find(track);
    if (it == live_.end()) return;
    LiveTake& take = it->second;
    const QRect before = liveRect(track, take);
    const float peak = std::abs(peakLinear);
    take.peaks.append(position, -peak, peak);
    const QRect after = liveRect(track, take);
    // Only the new end of the take changes (and its title on the first value).
    const int from = take.peaks.size() == 1 ? after.left() : std::max(after.left(), before.right() - 2);
    update(QRect(QPoint(from, after.top()), QPoint(after.right() + 2, after.bottom())));
    if (position > contentEnd() - static_cast<int64_t>(kSlackSeconds * sampleRate_ / 2)) updateScrollBar();
}

void TimelineWidget::setTimeFormat(TimeFormat format, double tempoBpm, int beatsPerBar) {
    timeFormat_ = format;
    if (tempoBpm >= 10.0 && tempoBpm <= 999.0) tempoBpm_ = tempoBpm;
    if (beatsPerBar >= 1 && beatsPerBar <= 32) beatsPerBar_ = beatsPerBar;
    update();
}

// --- zoom and scroll ---------------------------------------------------------

void TimelineWidget::zoomIn() {
    const double x = xForSample(playhead_);
    zoomAround(0.5, x >= 0 && x <= viewWidth() ? static_cast<int>(std::lround(x)) : viewWidth() / 2);
}

void TimelineWidget::zoomOut() {
    const double x = xForSample(playhead_);
    zoomAround(2.0, x >= 0 && x <= viewWidth() ? static_cast<int>(std::lround(x)) : viewWidth() / 2);
}

void TimelineWidget::zoomAround(double factor, int x) {
    const double anchor = static_cast<double>(viewStart_) + x * framesPerPixel_;
    const double fpp = std::clamp(framesPerPixel_ * factor, kMinFramesPerPixel, kMaxFramesPerPixel);
    if (fpp == framesPerPixel_) return;
    framesPerPixel_ = fpp;
    viewStart_ = static_cast<int64_t>(std::llround(anchor - x * fpp));
    clampView();
    updateScrollBar();
    update();
    emit zoomChanged(framesPerPixel_);
}

void TimelineWidget::setFramesPerPixel(double framesPerPixel) {
    if (!(framesPerPixel > 0.0)) return;
    zoomAround(framesPerPixel / framesPerPixel_, 0);
}

void TimelineWidget::zoomToFit() {
    const int64_t end = std::max<int64_t>(contentEnd() - static_cast<int64_t>(kSlackSeconds * sampleRate_), static_cast<int64_t>(10 * sampleRate_));
    const int usable = std::max(viewWidth() - 24, 50);
    framesPerPixel_ = std::clamp(static_cast<double>(end) / usable, kMinFramesPerPixel, kMaxFramesPerPixel);
    viewStart_ = 0;
    clampView();
    updateScrollBar();
    update();
    emit zoomChanged(framesPerPixel_);
}

void TimelineWidget::showPosition(int64_t position) {
    const double x = xForSample(position);
    const int margin = std::min(40, viewWidth() / 8);
    if (x >= margin && x <= viewWidth() - margin) return;
    setViewStart(position - static_cast<int64_t>(viewWidth() * framesPerPixel_ / 4));
}

void TimelineWidget::setViewStart(int64_t sample) {
    viewStart_ = sample;
    clampView();
    updateScrollBar();
    update();
}

int64_t TimelineWidget::contentEnd() const {
    int64_t last = playhead_;
    for (const TimelineClip& clip : clips_) last = std::max(last, clip.timelineOffset + clip.length);
    for (const TimelineMark& mark : marks_) last = std::max(last, mark.position);
    for (const auto& [track, take] : live_) last = std::max(last, take.peaks.empty() ? take.start : take.peaks.lastPosition() + 1);
    const int64_t slack = std::max(static_cast<int64_t>(kSlackSeconds * sampleRate_), last / 4);
    return std::max(last + slack, static_cast<int64_t>(60 * sampleRate_));
}

void TimelineWidget::clampView() {
    const int64_t maxStart = std::max<int64_t>(0, contentEnd() - static_cast<int64_t>(viewWidth() * framesPerPixel_));
    viewStart_ = std::clamp<int64_t>(viewStart_, 0, maxStart);
}

void TimelineWidget::updateScrollBar() {
    if (!scrollBar_) return;
    const double totalPixels = static_cast<double>(contentEnd()) / framesPerPixel_;
    const int maximum = static_cast<int>(std::clamp(totalPixels - viewWidth(), 0.0, 2.0e9));
    syncingScrollBar_ = true;
    scrollBar_->setRange(0, maximum);
    scrollBar_->setPageStep(std::max(viewWidth(), 1));
    scrollBar_->setSingleStep(std::max(viewWidth() / 16, 1));
    scrollBar_->setValue(static_cast<int>(std::clamp(static_cast<double>(viewStart_) / framesPerPixel_, 0.0, 2.0e9)));
    syncingScrollBar_ = false;
}

// --- geometry ----------------------------------------------------------------

int TimelineWidget::viewWidth() const {
    return width();
}

int TimelineWidget::lanesBottom() const {
    const int scrollTop = scrollBar_ ? height() - scrollBar_->sizeHint().height() : height();
    return std::min(headerHeight_ + trackCount_ * rowHeight_, scrollTop);
}

double TimelineWidget::xForSample(int64_t sample) const {
    return static_cast<double>(sample - viewStart_) / framesPerPixel_;
}

int64_t TimelineWidget::sampleAtX(double x) const {
    return viewStart_ + static_cast<int64_t>(std::llround(x * framesPerPixel_));
}

int TimelineWidget::trackAtY(int y) const {
    if (y < headerHeight_ || y >= lanesBottom()) return -1;
    const int track = (y - headerHeight_) / rowHeight_;
    return track < trackCount_ ? track : -1;
}

QRect TimelineWidget::laneRect(int track) const {
    return QRect(0, headerHeight_ + track * rowHeight_, width(), rowHeight_);
}

QRect TimelineWidget::playheadStrip(int64_t position) const {
    const int x = static_cast<int>(std::floor(xForSample(position)));
    return QRect(x - kPlayheadHalfWidth, 0, 2 * kPlayheadHalfWidth + 2, lanesBottom());
}

int64_t TimelineWidget::clipOffset(int clipIndex) const {
    if (drag_.moving && drag_.clip == clipIndex) return drag_.offset;
    return clips_[static_cast<size_t>(clipIndex)].timelineOffset;
}

QRect TimelineWidget::clipRect(int clipIndex) const {
    if (clipIndex < 0 || clipIndex >= static_cast<int>(clips_.size())) return {};
    const TimelineClip& clip = clips_[static_cast<size_t>(clipIndex)];
    const int64_t offset = clipOffset(clipIndex);
    const double x0 = std::clamp(xForSample(offset), -1.0e6, 1.0e7);
    const double x1 = std::clamp(xForSample(offset + clip.length), -1.0e6, 1.0e7);
    const int left = static_cast<int>(std::floor(x0));
    const int right = std::max(left + 2, static_cast<int>(std::ceil(x1)));
    const QRect lane = laneRect(clip.track);
    return QRect(QPoint(left, lane.top() + kClipMarginY), QPoint(right - 1, lane.bottom() - kClipMarginY));
}

QRect TimelineWidget::liveRect(int track, const LiveTake& take) const {
    const int64_t end = take.peaks.empty() ? take.start : take.peaks.lastPosition() + 1;
    const int left = static_cast<int>(std::floor(std::clamp(xForSample(take.start), -1.0e6, 1.0e7)));
    const int right = std::max(left + 2, static_cast<int>(std::ceil(std::clamp(xForSample(end), -1.0e6, 1.0e7))));
    const QRect lane = laneRect(track);
    return QRect(QPoint(left, lane.top() + kClipMarginY), QPoint(right - 1, lane.bottom() - kClipMarginY));
}

int TimelineWidget::clipAt(const QPoint& point) const {
    const int track = trackAtY(point.y());
    if (track < 0) return -1;
    for (int i = static_cast<int>(clips_.size()) - 1; i >= 0; --i) {
        if (clips_[static_cast<size_t>(i)].track != track) continue;
        if (clipRect(i).contains(point)) return i;
    }
    return -1;
}

int TimelineWidget::markAt(const QPoint& point) const {
    int best = -1;
    double bestDistance = kMarkHitPixels + 1;
    const int track = trackAtY(point.y());
    const bool inRuler = point.y() >= 0 && point.y() < headerHeight_;
    for (int i = 0; i < static_cast<int>(marks_.size()); ++i) {
        const TimelineMark& mark = marks_[static_cast<size_t>(i)];
        const double x = xForSample(mark.position);
        // The flag hangs to the right of the line, so it counts as the mark too.
        const double dx = point.x() < x ? x - point.x() : std::max(0.0, point.x() - x - 7.0);
        if (dx > kMarkHitPixels) continue;
        const bool onLane = track >= 0 && (mark.track < 0 || mark.track == track);
        const bool onRulerFlag = inRuler && mark.track < 0 && point.y() >= headerHeight_ - 10;
        if (!onLane && !onRulerFlag) continue;
        if (dx < bestDistance) {
            bestDistance = dx;
            best = i;
        }
    }
    return best;
}

QSize TimelineWidget::sizeHint() const {
    const int scroll = scrollBar_ ? scrollBar_->sizeHint().height() : 0;
    return QSize(800, headerHeight_ + std::max(trackCount_, 1) * rowHeight_ + scroll);
}

QSize TimelineWidget::minimumSizeHint() const {
    const int scroll = scrollBar_ ? scrollBar_->sizeHint().height() : 0;
    return QSize(200, headerHeight_ + rowHeight_ + scroll);
}

void TimelineWidget::setSelectedClip(int clipIndex) {
    if (clipIndex == selectedClip_) return;
    if (selectedClip_ >= 0 && selectedClip_ < static_cast<int>(clips_.size())) update(clipRect(selectedClip_).adjusted(-3, -3, 3, 3));
    selectedClip_ = clipIndex;
    if (selectedClip_ >= 0) update(clipRect(selectedClip_).adjusted(-3, -3, 3, 3));
    emit selectedClipChanged(selectedClip_);
}

QString TimelineWidget::timeText(int64_t sample, bool precise) const {
    const double seconds = static_cast<double>(sample) / sampleRate_;
    if (timeFormat_ == TimeFormat::BarsBeats) {
        const double beats = seconds * tempoBpm_ / 60.0;
        const long long beat = static_cast<long long>(std::floor(beats));
        const long long bar = beat / beatsPerBar_ + 1;
        const long long inBar = beat % beatsPerBar_ + 1;
        return precise ? QStringLiteral("%1.%2 (%3)").arg(bar).arg(inBar).arg(formatSeconds(seconds, 3)) : QStringLiteral("%1.%2").arg(bar).arg(inBar);
    }
    return formatSeconds(seconds, precise ? 3 : 1);
}

void TimelineWidget::updateAccessibleDescription() {
    setAccessibleDescription(tr("%n track(s), ", nullptr, trackCount_) + tr("%n take(s). Click to move the playhead, drag a take to move it, Delete removes the selected take, Ctrl+wheel zooms.", nullptr, static_cast<int>(clips_.size())));
}

QString TimelineWidget::toolTipAt(const QPoint& point) const {
    if (point.y() >= lanesBottom()) return {};
    const int mark = markAt(point);
    if (mark >= 0) {
        const TimelineMark& m = marks_[static_cast<size_t>(mark)];
        const QString where = m.track < 0 ? tr("all tracks") : tr("track %1").arg(m.track + 1);
        switch (m.kind) {
        case TimelineMark::Kind::Xrun:
            return tr("Xrun at %1 (%2): the interface dropped audio here. Listen back; retake if you hear a click. Click to go there.").arg(timeText(m.position, true), where);
        case TimelineMark::Kind::Clip:
            return tr("Clip at %1 (%2): the input reached full scale. Lower Gain for the next take. Click to go there.").arg(timeText(m.position, true), where);
        case TimelineMark::Kind::Overrun:
            return tr("Overrun at %1 (%2): the disk fell behind and audio was lost here. Click to go there.").arg(timeText(m.position, true), where);
        }
    }
    if (point.y() < headerHeight_) return tr("%1 - click to move the playhead here").arg(timeText(sampleAtX(point.x()), true));
    const int track = trackAtY(point.y());
    for (const auto& [liveTrack, take] : live_) {
        if (liveTrack == track && liveRect(liveTrack, take).contains(point))
            return tr("Recording on track %1 since %2").arg(track + 1).arg(timeText(take.start, true));
    }
    const int clip = clipAt(point);
    if (clip >= 0) {
        const TimelineClip& c = clips_[static_cast<size_t>(clip)];
        const QString span = tr("%1, starts at %2, %3 long").arg(c.name, timeText(c.timelineOffset, true), formatSeconds(static_cast<double>(c.length) / sampleRate_, 3));
        if (c.missing) return tr("%1\nThe file is missing: %2").arg(span, c.path);
        return tr("%1\n%2\nDrag to move it; Delete removes it.").arg(span, c.path);
    }
    return tr("%1 - click to move the playhead here").arg(timeText(sampleAtX(point.x()), true));
}

// --- painting ----------------------------------------------------------------

void TimelineWidget::paintEvent(QPaintEvent* event) {
    QPainter p(this);
    const QRect lanesArea(0, 0, width(), lanesBottom());
    const QColor empty = palette().color(QPalette::Window).darker(isDark(palette()) ? 115 : 104);
    // Each exposed rectangle on its own: a 60 Hz playhead exposes two thin strips,
    // and the work between them is never done.
    for (const QRect& exposedRect : event->region()) {
        const QRect exposed = exposedRect & rect();
        if (exposed.isEmpty()) continue;
        p.setClipRect(exposed);
        if (exposed.bottom() >= lanesArea.bottom()) p.fillRect(QRect(0, lanesArea.bottom() + 1, width(), height() - lanesArea.height()) & exposed, empty);
        paintLanes(p, exposed);
        paintRuler(p, exposed); // after the lanes: its grid lines run across them
        for (int i = 0; i < static_cast<int>(clips_.size()); ++i) {
            if (drag_.moving && drag_.clip == i) continue; // drawn last, above the others
            paintClip(p, exposed, i);
        }
        for (const auto& [track, take] : live_) paintLiveTake(p, exposed, track, take);
        if (drag_.moving) paintClip(p, exposed, drag_.clip);
        paintMarks(p, exposed);
        paintPlayhead(p, exposed);
    }
}

void TimelineWidget::paintRuler(QPainter& p, const QRect& exposed) {
    const QRect ruler(0, 0, width(), headerHeight_);
    const QRect area = ruler & exposed;
    const bool dark = isDark(palette());
    const QColor background = dark ? palette().color(QPalette::Window).darker(130) : palette().color(QPalette::Button);
    const QColor tick = palette().color(QPalette::WindowText);
    QColor minorTick = tick;
    minorTick.setAlphaF(0.45f);
    const QColor gridLine = dark ? QColor(255, 255, 255, 18) : QColor(0, 0, 0, 20);

    if (!area.isEmpty()) p.fillRect(area, background);

    // Pick the step: the smallest whose labels are at least kMinLabelSpacing apart.
    double stepFrames = 0.0;
    int minors = 1;
    bool beatLabels = false;
    if (timeFormat_ == TimeFormat::BarsBeats) {
        const double beatFrames = sampleRate_ * 60.0 / tempoBpm_;
        const double barFrames = beatFrames * beatsPerBar_;
        if (beatFrames / framesPerPixel_ >= kMinLabelSpacing) {
            stepFrames = beatFrames;
            minors = 4;
            beatLabels = true;
        } else {
            int bars = 1;
            while (bars * barFrames / framesPerPixel_ < kMinLabelSpacing && bars < (1 << 16)) bars *= 2;
            stepFrames = bars * barFrames;
            minors = bars == 1 ? beatsPerBar_ : 4;
        }
    } else {
        const RulerStep* chosen = &kSecondSteps.back();
        for (const RulerStep& step : kSecondSteps) {
            if (step.seconds * sampleRate_ / framesPerPixel_ >= kMinLabelSpacing) {
                chosen = &step;
                break;
            }
        }
        stepFrames = chosen->seconds * sampleRate_;
        minors = chosen->minors;
    }
    const double minorFrames = stepFrames / minors;
    const bool drawMinors = minorFrames / framesPerPixel_ >= kMinMinorSpacing;
    int decimals = 0;
    if (timeFormat_ == TimeFormat::MinSec) {
        const double stepSeconds = stepFrames / sampleRate_;
        decimals = stepSeconds >= 1.0 ? 0 : stepSeconds >= 0.1 ? 1 : stepSeconds >= 0.01 ? 2 : 3;
    }

    // Ticks from a little left of the exposed area (labels extend to the right of their tick).
    const double leftSample = static_cast<double>(sampleAtX(exposed.left() - kMinLabelSpacing));
    const double rightSample = static_cast<double>(sampleAtX(exposed.right() + 1));
    const long long firstMajor = static_cast<long long>(std::floor(std::max(leftSample, 0.0) / stepFrames));
    QFont font = p.font();
    font.setPointSizeF(std::max(7.0, font.pointSizeF() * 0.85));
    p.setFont(font);
    const QFontMetrics metrics(font);
    const int lanesEnd = lanesBottom();
    for (long long k = firstMajor; k * stepFrames <= rightSample; ++k) {
        const double major = k * stepFrames;
        const int x = static_cast<int>(std::lround((major - static_cast<double>(viewStart_)) / framesPerPixel_));
        // A faint line through the lanes at each labelled tick, to read positions against.
        if (exposed.bottom() >= headerHeight_ && x >= exposed.left() && x <= exposed.right()) {
            p.setPen(gridLine);
            p.drawLine(x, headerHeight_, x, lanesEnd - 1);
        }
        if (area.isEmpty()) continue;
        p.setPen(tick);
        p.drawLine(x, headerHeight_ - 10, x, headerHeight_ - 1);
        QString label;
        if (timeFormat_ == TimeFormat::BarsBeats) {
            const double beatFrames = sampleRate_ * 60.0 / tempoBpm_;
            const long long beat = std::llround(major / beatFrames);
            label = beatLabels ? QStringLiteral("%1.%2").arg(beat / beatsPerBar_ + 1).arg(beat % beatsPerBar_ + 1) : QString::number(beat / beatsPerBar_ + 1);
        } else {
            label = formatSeconds(major / sampleRate_, decimals);
        }
        p.drawText(x + 3, headerHeight_ - 11 - metrics.descent() + 1, label);
        if (drawMinors) {
            p.setPen(minorTick);
            for (int m = 1; m < minors; ++m) {
                const int mx = static_cast<int>(std::lround((major + m * minorFrames - static_cast<double>(viewStart_)) / framesPerPixel_));
                p.drawLine(mx, headerHeight_ - 4, mx, headerHeight_ - 1);
            }
        }
    }
    if (!area.isEmpty()) {
        p.setPen(dark ? QColor(0, 0, 0, 160) : QColor(0, 0, 0, 60));
        p.drawLine(area.left(), headerHeight_ - 1, area.right(), headerHeight_ - 1);
    }
}

void TimelineWidget::paintLanes(QPainter& p, const QRect& exposed) {
    const bool dark = isDark(palette());
    const QColor base = palette().color(QPalette::Base);
    // AlternateBase when the theme gives a distinct one; else a shade of Base.
    QColor alternate = palette().color(QPalette::AlternateBase);
    if (alternate == base) alternate = dark ? base.lighter(112) : base.darker(104);
    const QColor separator = dark ? QColor(0, 0, 0, 140) : QColor(0, 0, 0, 40);
    const int first = std::max(0, (exposed.top() - headerHeight_) / rowHeight_);
    for (int track = first; track < trackCount_; ++track) {
        const QRect lane = laneRect(track);
        if (lane.top() > exposed.bottom() || lane.top() >= lanesBottom()) break;
        const QRect area = lane & exposed;
        if (area.isEmpty()) continue;
        p.fillRect(area, track % 2 ? alternate : base);
        if (live_.count(track)) {
            QColor tint = kRecordColour;
            tint.setAlpha(dark ? 22 : 16);
            p.fillRect(area, tint);
        }
        p.setPen(separator);
        p.drawLine(area.left(), lane.bottom(), area.right(), lane.bottom());
    }
}

void TimelineWidget::paintWaveform(QPainter& p, const QRect& area, const QRect& exposed, const QColor& colour,
                                   const std::function<void(int64_t, int, float*, float*, bool*)>& columns) {
    const QRect visible = area & exposed;
    if (visible.width() <= 0 || area.height() < 4) return;
    const int count = visible.width();
    if (static_cast<int>(mins_.size()) < count) {
        mins_.resize(static_cast<size_t>(count));
        maxs_.resize(static_cast<size_t>(count));
    }
    if (coveredSize_ < count) {
        covered_ = std::make_unique<bool[]>(static_cast<size_t>(count));
        coveredSize_ = count;
    }
    std::fill(covered_.get(), covered_.get() + count, true);
    columns(sampleAtX(visible.left()), count, mins_.data(), maxs_.data(), covered_.get());

    const double centre = area.top() + area.height() / 2.0;
    const double half = area.height() / 2.0 - 1.0;
    QColor axis = colour;
    axis.setAlpha(90);
    p.setPen(axis);
    p.drawLine(visible.left(), static_cast<int>(centre), visible.right(), static_cast<int>(centre));

    // Columns at full scale are drawn in the clip colour: they are what a recordist looks for.
    constexpr float kFullScale = 0.9999f;
    QVarLengthArray<QLine, 1024> normal, clipped;
    for (int i = 0; i < count; ++i) {
        if (!covered_[static_cast<size_t>(i)]) continue;
        const float hi = std::clamp(maxs_[static_cast<size_t>(i)], -1.0f, 1.0f);
        const float lo = std::clamp(mins_[static_cast<size_t>(i)], -1.0f, 1.0f);
        const int top = static_cast<int>(std::floor(centre - hi * half));
        const int bottom = std::max(top, static_cast<int>(std::ceil(centre - lo * half)));
        const int x = visible.left() + i;
        const bool over = maxs_[static_cast<size_t>(i)] >= kFullScale || mins_[static_cast<size_t>(i)] <= -kFullScale;
        (over ? clipped : normal).append(QLine(x, top, x, bottom));
    }
    p.setPen(colour);
    p.drawLines(normal.constData(), static_cast<int>(normal.size()));
    if (!clipped.isEmpty()) {
        p.setPen(kXrunColour);
        p.drawLines(clipped.constData(), static_cast<int>(clipped.size()));
    }
}

void TimelineWidget::paintClip(QPainter& p, const QRect& exposed, int clipIndex) {
    if (clipIndex < 0 || clipIndex >= static_cast<int>(clips_.size())) return;
    const TimelineClip& clip = clips_[static_cast<size_t>(clipIndex)];
    if (clip.track < 0 || clip.track >= trackCount_) return;
    const QRect r = clipRect(clipIndex);
    if (!r.intersects(exposed)) return;
    const bool dark = isDark(palette());
    const ClipColours colours = coloursForTrack(clip.track, dark);
    const bool selected = clipIndex == selectedClip_;
    const bool dragging = drag_.moving && drag_.clip == clipIndex;
    const QRectF body = QRectF(r).adjusted(0.5, 0.5, -0.5, -0.5);

    p.setRenderHint(QPainter::Antialiasing, true);
    QPainterPath outline;
    outline.addRoundedRect(body, 4, 4);
    QColor fill = clip.missing ? palette().color(QPalette::Window) : colours.body;
    if (dragging) fill.setAlpha(210);
    p.fillPath(outline, fill);
    const bool titled = r.height() >= 2 * kClipTitleHeight;
    const QRect waveArea = titled ? r.adjusted(1, kClipTitleHeight, -1, -2) : r.adjusted(1, 1, -1, -1);
    if (titled && !clip.missing) {
        QPainterPath title;
        title.addRoundedRect(QRectF(body.left(), body.top(), body.width(), kClipTitleHeight + 4), 4, 4);
        p.save();
        p.setClipRect(QRect(r.left(), r.top(), r.width(), kClipTitleHeight) & exposed);
        p.fillPath(title, colours.title);
        p.restore();
    }
    p.setRenderHint(QPainter::Antialiasing, false);

    if (clip.missing) {
        p.save();
        p.setClipPath(outline, Qt::IntersectClip);
        p.fillRect(r, QBrush(dark ? QColor(255, 255, 255, 60) : QColor(0, 0, 0, 50), Qt::BDiagPattern));
        p.restore();
    } else if (clip.peaks) {
        const PeakData& peaks = *clip.peaks;
        const int64_t offset = clipOffset(clipIndex);
        const int64_t sourceOffset = clip.sourceOffset;
        const int64_t length = clip.length;
        const double fpp = framesPerPixel_;
        paintWaveform(p, waveArea, exposed, colours.wave, [&](int64_t firstSample, int count, float* mins, float* maxs, bool* covered) {
            peaks.columns(-1, firstSample - offset + sourceOffset, fpp, count, mins, maxs);
            // Beyond the clip's own length the file goes on, but it does not play: leave it blank.
            for (int i = 0; i < count; ++i) {
                const double frame = static_cast<double>(firstSample - offset) + i * fpp;
                covered[i] = frame + fpp > 0 && frame < static_cast<double>(length);
            }
        });
    }

    // Name, and what is wrong when something is.
    QFont font = p.font();
    font.setPointSizeF(std::max(7.0, font.pointSizeF() * 0.85));
    p.setFont(font);
    const QFontMetrics metrics(font);
    const int textLeft = std::max(r.left(), 0) + 5;
    const int textWidth = r.right() - textLeft - 4;
    if (textWidth > 12) {
        p.setPen(clip.missing ? palette().color(QPalette::WindowText) : colours.text);
        const QRect titleRect(textLeft, r.top(), textWidth, titled ? kClipTitleHeight : metrics.height() + 2);
        p.drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter, metrics.elidedText(clip.name, Qt::ElideRight, textWidth));
        QString note;
        if (clip.missing) note = tr("missing");
        else if (!clip.peaks) note = tr("reading…");
        if (!note.isEmpty() && r.height() >= 2 * kClipTitleHeight) {
            QFont bold = font;
            bold.setBold(true);
            p.setFont(bold);
            p.setPen(clip.missing ? kXrunColour : palette().color(QPalette::PlaceholderText));
            p.drawText(QRect(textLeft, r.top() + kClipTitleHeight, textWidth, r.height() - kClipTitleHeight), Qt::AlignLeft | Qt::AlignVCenter, note);
            p.setFont(font);
        }
    }

    p.setRenderHint(QPainter::Antialiasing, true);
    QPen border(selected ? palette().color(QPalette::Highlight) : (clip.missing ? kXrunColour : colours.border), selected ? 2.0 : 1.0);
    if (clip.missing) border.setStyle(Qt::DashLine);
    p.setPen(border);
    p.setBrush(Qt::NoBrush);
    p.drawRoundedRect(selected ? body.adjusted(0.5, 0.5, -0.5, -0.5) : body, 4, 4);
    p.setRenderHint(QPainter::Antialiasing, false);
}

void TimelineWidget::paintLiveTake(QPainter& p, const QRect& exposed, int track, const LiveTake& take) {
    if (track < 0 || track >= trackCount_) return;
    const QRect r = liveRect(track, take);
    if (!r.intersects(exposed)) return;
    const bool dark = isDark(palette());
    QColor body = kRecordColour;
    body.setAlpha(dark ? 70 : 45);
    QColor title = kRecordColour;
    title.setAlpha(dark ? 150 : 110);
    const QColor wave = dark ? QColor(255, 150, 140) : QColor(165, 20, 20);

    p.fillRect(r, body);
    const bool titled = r.height() >= 2 * kClipTitleHeight;
    if (titled) p.fillRect(QRect(r.left(), r.top(), r.width(), kClipTitleHeight), title);
    const QRect waveArea = titled ? r.adjusted(1, kClipTitleHeight, -1, -2) : r.adjusted(1, 1, -1, -1);
    const double fpp = framesPerPixel_;
    paintWaveform(p, waveArea, exposed, wave, [&](int64_t firstSample, int count, float* mins, float* maxs, bool* covered) {
        take.peaks.columns(firstSample, fpp, count, mins, maxs, covered);
    });
    p.setPen(kRecordColour);
    p.drawLine(r.topRight(), r.bottomRight());

    if (titled && r.width() > 30) {
        QFont font = p.font();
        font.setPointSizeF(std::max(7.0, font.pointSizeF() * 0.85));
        font.setBold(true);
        p.setFont(font);
        p.setPen(Qt::white);
        p.setRenderHint(QPainter::Antialiasing, true);
        p.setBrush(Qt::white);
        const int left = std::max(r.left(), 0);
        p.drawEllipse(QPointF(left + 9, r.top() + kClipTitleHeight / 2.0), 3.5, 3.5);
        p.setBrush(Qt::NoBrush);
        p.setRenderHint(QPainter::Antialiasing, false);
        p.drawText(QRect(left + 16, r.top(), r.right() - left - 18, kClipTitleHeight), Qt::AlignLeft | Qt::AlignVCenter,
                   QFontMetrics(font).elidedText(tr("Recording"), Qt::ElideRight, r.right() - left - 18));
    }
}

void TimelineWidget::paintMarks(QPainter& p, const QRect& exposed) {
    const int bottom = lanesBottom();
    for (const TimelineMark& mark : marks_) {
        const double xf = xForSample(mark.position);
        if (xf < exposed.left() - 12 || xf > exposed.right() + 2) continue;
        const int x = static_cast<int>(std::lround(xf));
        const QColor colour = markColour(mark.kind);
        int top, end, flagTop;
        if (mark.track < 0) {
            top = headerHeight_ - 10;
            end = bottom - 1;
            flagTop = headerHeight_ - 10;
        } else {
            if (mark.track >= trackCount_) continue;
            const QRect lane = laneRect(mark.track);
            top = lane.top() + 1;
            end = std::min(lane.bottom() - 1, bottom - 1);
            flagTop = lane.top() + 1;
        }
        p.setPen(QPen(colour, 1.0));
        p.drawLine(x, top, x, end);
        // A small pennant at the top, so a mark is found at a glance even on a busy lane.
        const QPointF flag[3] = {QPointF(x + 0.5, flagTop), QPointF(x + 8.5, flagTop + 3.5), QPointF(x + 0.5, flagTop + 7)};
        p.setRenderHint(QPainter::Antialiasing, true);
        p.setPen(Qt::NoPen);
        p.setBrush(colour);
        p.drawPolygon(flag, 3);
        p.setBrush(Qt::NoBrush);
        p.setRenderHint(QPainter::Antialiasing, false);
    }
}

void TimelineWidget::paintPlayhead(QPainter& p, const QRect& exposed) {
    const double xf = xForSample(playhead_);
    if (xf < exposed.left() - kPlayheadHalfWidth || xf > exposed.right() + kPlayheadHalfWidth) return;
    const int x = static_cast<int>(std::floor(xf));
    const QColor colour = isDark(palette()) ? QColor(250, 250, 250) : QColor(10, 110, 230);
    p.fillRect(QRect(x, headerHeight_ - 6, 2, lanesBottom() - headerHeight_ + 6), colour);
    const QPointF head[3] = {QPointF(x + 1 - 5.5, headerHeight_ - 12), QPointF(x + 1 + 5.5, headerHeight_ - 12), QPointF(x + 1, headerHeight_ - 3)};
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(Qt::NoPen);
    p.setBrush(colour);
    p.drawPolygon(head, 3);
    p.setBrush(Qt::NoBrush);
    p.setRenderHint(QPainter::Antialiasing, false);
}

// --- input -------------------------------------------------------------------

void TimelineWidget::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    const int h = scrollBar_->sizeHint().height();
    scrollBar_->setGeometry(0, height() - h, width(), h);
    clampView();
    updateScrollBar();
}

void TimelineWidget::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) {
        QWidget::mousePressEvent(event);
        return;
    }
    const QPoint point = event->position().toPoint();
    if (point.y() >= lanesBottom()) return;
    const int mark = markAt(point);
    if (mark >= 0) {
        emit markActivated(mark);
        return;
    }
    if (point.y() < headerHeight_) {
        emit locateRequested(std::max<int64_t>(0, sampleAtX(point.x())));
        return;
    }
    const int clip = clipAt(point);
    if (clip >= 0) {
        setSelectedClip(clip);
        drag_ = Drag{};
        drag_.clip = clip;
        drag_.pressX = point.x();
        drag_.originalOffset = clips_[static_cast<size_t>(clip)].timelineOffset;
        drag_.offset = drag_.originalOffset;
        return;
    }
    setSelectedClip(-1);
    emit locateRequested(std::max<int64_t>(0, sampleAtX(point.x())));
}

void TimelineWidget::mouseMoveEvent(QMouseEvent* event) {
    if (drag_.clip < 0 || !(event->buttons() & Qt::LeftButton)) return;
    const int dx = event->position().toPoint().x() - drag_.pressX;
    if (!drag_.moving && std::abs(dx) < QApplication::startDragDistance()) return;
    const QRect before = clipRect(drag_.clip);
    drag_.moving = true;
    drag_.offset = std::max<int64_t>(0, drag_.originalOffset + static_cast<int64_t>(std::llround(dx * framesPerPixel_)));
    update(before.united(clipRect(drag_.clip)).adjusted(-3, -3, 3, 3));
}

void TimelineWidget::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton || drag_.clip < 0) return;
    const Drag finished = drag_;
    const QRect area = clipRect(finished.clip);
    drag_ = Drag{};
    update(area.united(clipRect(finished.clip)).adjusted(-3, -3, 3, 3));
    if (finished.moving && finished.offset != finished.originalOffset) emit clipMoveRequested(finished.clip, finished.offset);
}

void TimelineWidget::wheelEvent(QWheelEvent* event) {
    const QPoint delta = event->angleDelta();
    if (event->modifiers() & Qt::ControlModifier) {
        if (delta.y() == 0) return;
        // 120 is one notch: one notch zooms by 2x; a touchpad's small steps zoom smoothly.
        zoomAround(std::pow(2.0, -delta.y() / 120.0), static_cast<int>(event->position().x()));
        event->accept();
        return;
    }
    const int steps = delta.x() != 0 ? delta.x() : delta.y();
    if (steps == 0) return;
    setViewStart(viewStart_ - static_cast<int64_t>(std::llround(steps / 120.0 * (viewWidth() / 8.0) * framesPerPixel_)));
    event->accept();
}

void TimelineWidget::keyPressEvent(QKeyEvent* event) {
    switch (event->key()) {
    case Qt::Key_Delete:
    case Qt::Key_Backspace:
        if (selectedClip_ >= 0 && !drag_.moving) {
            emit clipDeleteRequested(selectedClip_);
            return;
        }
        break;
    case Qt::Key_Escape:
        if (drag_.moving) {
            drag_ = Drag{};
            update();
        } else {
            setSelectedClip(-1);
        }
        return;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        return;
    case Qt::Key_Minus:
        zoomOut();
        return;
    default: break;
    }
    QWidget::keyPressEvent(event);
}

bool TimelineWidget::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = toolTipAt(help->pos());
        if (text.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            // Valid only over the pixel column it describes, so moving on updates it.
            QToolTip::showText(help->globalPos(), text, this, QRect(help->pos().x() - 2, help->pos().y() - 2, 5, 5));
        }
        return true;
    }
    return QWidget::event(event);
}

void TimelineWidget::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange) update();
    QWidget::changeEvent(event);
}

} // namespace gainstage
