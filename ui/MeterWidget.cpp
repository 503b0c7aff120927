#include "ui/MeterWidget.h"

#include <QEvent>
#include <QFontMetrics>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "ui/MeterScale.h"

namespace gainstage {

namespace {

constexpr int kTenthsSilence = std::numeric_limits<int>::min();
constexpr int kTenthsTiny = std::numeric_limits<int>::min() + 1;
// The accessible description follows the level at most this often, so a
// screen reader is not flooded at the 60 Hz polling rate.
constexpr qint64 kDescriptionIntervalMs = 250;

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                            float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

bool isDark(const QPalette& palette) { return palette.color(QPalette::Window).lightness() < 128; }

int tenthsOf(float db) {
    if (!(db > -std::numeric_limits<float>::infinity())) return kTenthsSilence;
    if (db < -99.95f) return kTenthsTiny;
    return int(std::lround(double(db) * 10.0));
}

QString windowNumber(float db) { return QString::number(double(db), 'g', 3); }

} // namespace

MeterWidget::MeterWidget(QWidget* parent) : QWidget(parent) {
    // Every pixel is painted, so Qt need not clear the background first.
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMouseTracking(true);
    // Reachable with Tab: Space or Enter then clears the clip light and the max.
    setFocusPolicy(Qt::TabFocus);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setAccessibleName(tr("Track meter"));
    setToolTip(generalToolTip());
    maxStatic_.setTextFormat(Qt::PlainText);
    updateColours();
    updateLayout();
    updateDescription(true);
}

QRect MeterWidget::laneRect(int channel) const {
    if (channel < 0 || channel >= channelCount_) return {};
    return lanes_[std::size_t(channel)];
}

void MeterWidget::setChannelCount(int channels) {
    channels = std::clamp(channels, 1, kMaxChannels);
    channelCount_ = channels;
    channels_ = {};
    updateLayout();
    updateMaxText();
    updateDescription(true);
    updateGeometry();
    update();
}

void MeterWidget::setWindow(LevelWindow window) {
    if (!(window.lowDb < window.highDb)) return;
    window_ = window;
    setToolTip(generalToolTip());
    updateLayout();
    updateMaxText();
    updateDescription(true);
    update();
}

void MeterWidget::setCompact(bool compact) {
    if (compact == compact_) return;
    compact_ = compact;
    // Only replace names we gave ourselves; an owner's own name stays.
    const QString name = accessibleName();
    if (name.isEmpty() || name == tr("Track meter") || name == tr("Interface meter"))
        setAccessibleName(compact ? tr("Interface meter") : tr("Track meter"));
    setToolTip(generalToolTip());
    updateLayout();
    updateDescription(true);
    updateGeometry();
    update();
}

QString MeterWidget::levelText(float db) {
    const int tenths = tenthsOf(db);
    if (tenths == kTenthsSilence) return QStringLiteral("-inf");
    if (tenths == kTenthsTiny) return QStringLiteral("<-99");
    if (tenths == 0) return QStringLiteral("0.0");
    const QString digits = QString::number(std::abs(tenths) / 10.0, 'f', 1);
    return (tenths > 0 ? QStringLiteral("+") : QStringLiteral("-")) + digits;
}

void MeterWidget::setSnapshot(int channel, const MeterSnapshot& snapshot) {
    if (channel < 0 || channel >= channelCount_) return;
    Channel& c = channels_[std::size_t(channel)];
    const bool hadPrevious = c.seen;
    const MeterSnapshot previous = c.last;
    c.last = snapshot;
    c.seen = true;
    bool changed = placeChannel(c);

    // The engine's clip counts and maxima persist until its meter is reset, so
    // only something new since the previous poll lights the light: otherwise a
    // click could not put it out before the owner resets the engine.
    const bool newClipEvents = snapshot.clipEvents > 0 && (!hadPrevious || snapshot.clipEvents != previous.clipEvents);
    const bool hotBlock = snapshot.samplePeakDb >= kClipSamplePeakDb || snapshot.truePeakDb > 0.0f;
    const bool newHotMax =
        (snapshot.maxSamplePeakDb >= kClipSamplePeakDb &&
         (!hadPrevious || snapshot.maxSamplePeakDb > previous.maxSamplePeakDb)) ||
        (snapshot.maxTruePeakDb > 0.0f && (!hadPrevious || snapshot.maxTruePeakDb > previous.maxTruePeakDb));
    if ((newClipEvents || hotBlock || newHotMax) && !clipLit_) {
        clipLit_ = true;
        changed = true;
        updateDescription(true);
    }

    if (c.maxLocal) {
        // framesMeasured counts since the engine's reset: when it goes back,
        // the owner has reset the engine and its max is trustworthy again.
        if (snapshot.framesMeasured < c.maxResetFrames) {
            c.maxLocal = false;
            c.maxDb = snapshot.maxTruePeakDb;
        } else if (snapshot.truePeakDb > c.maxDb) {
            c.maxDb = snapshot.truePeakDb;
        }
    } else {
        c.maxDb = snapshot.maxTruePeakDb;
    }
    const int tenthsBefore = maxTenths_;
    updateMaxText();
    if (maxTenths_ != tenthsBefore) changed = true;

    if (!descriptionTimer_.isValid() || descriptionTimer_.elapsed() >= kDescriptionIntervalMs)
        updateDescription(false);
    if (changed) update();
}

void MeterWidget::clearClip() {
    if (!clipLit_) return;
    clipLit_ = false;
    updateDescription(true);
    update();
}

void MeterWidget::resetMax() {
    for (Channel& c : channels_) {
        c.maxDb = -std::numeric_limits<float>::infinity();
        c.maxLocal = c.seen;
        c.maxResetFrames = c.last.framesMeasured;
    }
    updateMaxText();
    updateDescription(true);
    update();
}

QSize MeterWidget::sizeHint() const {
    if (compact_) return {90, 10};
    return {260, channelCount_ > 1 ? 26 : 22};
}

QSize MeterWidget::minimumSizeHint() const {
    if (compact_) return {40, 6};
    return {140, 14};
}

MeterWidget::Zone MeterWidget::zoneOf(float db) const {
    if (db > 0.0f) return Zone::Over;
    if (db > window_.highDb) return Zone::Hot;
    if (db >= window_.lowDb) return Zone::InWindow;
    return Zone::Below;
}

int MeterWidget::zonePixel(Zone zone) const {
    // Ordered so that the zones never overlap, whatever the window.
    const int over = zeroPx_;
    const int hot = std::min(windowHighPx_, over);
    const int in = std::min(windowLowPx_, hot);
    switch (zone) {
    case Zone::Below: return 0;
    case Zone::InWindow: return in;
    case Zone::Hot: return hot;
    case Zone::Over: return over;
    }
    return 0;
}

bool MeterWidget::placeChannel(Channel& c) const {
    const int length = scaleRect_.width();
    const MeterSnapshot& s = c.last;
    const int bar = c.seen ? MeterScale::dbToPixel(s.peakBarDb, length) : 0;
    int rms = 0, hold = -1, truePeak = -1;
    bool truePeakOver = false;
    if (!compact_ && c.seen) {
        rms = MeterScale::dbToPixel(s.rmsDb, length);
        const int h = MeterScale::dbToPixel(s.peakHoldDb, length);
        hold = h > 0 ? h : -1;
        const int t = MeterScale::dbToPixel(s.truePeakHoldDb, length);
        truePeak = t > 0 ? t : -1;
        truePeakOver = s.truePeakHoldDb > 0.0f;
    }
    const bool changed = bar != c.barPx || rms != c.rmsPx || hold != c.holdPx || truePeak != c.truePeakPx ||
                         truePeakOver != c.truePeakOver;
    c.barPx = bar;
    c.rmsPx = rms;
    c.holdPx = hold;
    c.truePeakPx = truePeak;
    c.truePeakOver = truePeakOver;
    return changed;
}

void MeterWidget::updateMaxText() {
    float maxDb = -std::numeric_limits<float>::infinity();
    for (int i = 0; i < channelCount_; ++i) maxDb = std::max(maxDb, channels_[std::size_t(i)].maxDb);
    const int tenths = tenthsOf(maxDb);
    if (tenths == maxTenths_) return;
    maxTenths_ = tenths;
    maxText_ = levelText(maxDb);
    maxSilent_ = tenths == kTenthsSilence;
    // The box shows tenths, so its colour follows the rounded value too.
    maxZone_ = zoneOf(tenths <= kTenthsTiny ? maxDb : float(tenths) / 10.0f);
    maxStatic_.setText(maxText_);
    maxStatic_.prepare(QTransform(), maxFont_);
}

void MeterWidget::updateColours() {
    const QPalette& pal = palette();
    const bool dark = isDark(pal);
    Palette& c = colours_;
    c.window = pal.color(QPalette::Window);
    const QColor base = pal.color(QPalette::Base);
    const QColor text = pal.color(QPalette::WindowText);
    c.trough = dark ? base.darker(150) : base.darker(118);
    c.frame = mix(c.window, text, 0.3);
    c.label = mix(c.window, text, 0.75);
    c.tick = mix(c.trough, text, dark ? 0.22 : 0.18);

    // Fixed semantic colours; the light set is a shade deeper for contrast.
    const QColor teal = dark ? QColor(0x2c, 0x8c, 0x88) : QColor(0x1f, 0x7a, 0x76);
    const QColor green = dark ? QColor(0x34, 0xc7, 0x59) : QColor(0x1f, 0xa3, 0x45);
    const QColor amber = dark ? QColor(0xf2, 0xb3, 0x2a) : QColor(0xc9, 0x8a, 0x00);
    const QColor red = dark ? QColor(0xff, 0x45, 0x3a) : QColor(0xd9, 0x2b, 0x22);
    c.bar = {teal, green, amber, red};
    for (int z = 0; z < kZones; ++z) {
        c.rms[std::size_t(z)] = mix(c.bar[std::size_t(z)], Qt::white, 0.5);
        c.hold[std::size_t(z)] = dark ? mix(c.bar[std::size_t(z)], Qt::white, 0.65) : c.bar[std::size_t(z)].darker(150);
    }
    c.band = mix(c.trough, green, dark ? 0.24 : 0.28);
    c.bandEdge = mix(c.trough, green, dark ? 0.75 : 0.85);
    c.overZone = mix(c.trough, red, dark ? 0.2 : 0.18);
    // A tick inside the band keeps the band's green cast.
    c.bandTick = mix(c.band, text, dark ? 0.12 : 0.1);
    c.windowLabel = dark ? mix(green, Qt::white, 0.25) : green.darker(125);
    c.truePeak = dark ? QColor(0xff, 0xc8, 0x3c) : QColor(0xb0, 0x6a, 0x00);
    c.truePeakOver = dark ? QColor(0xff, 0x6a, 0x5a) : QColor(0xb0, 0x10, 0x10);
    c.clipOff = mix(c.trough, red, 0.14);
    c.clipOffRim = mix(c.trough, red, 0.45);
    c.clipOn = QColor(0xff, 0x2a, 0x1e);
    c.clipOnCore = QColor(0xff, 0xa0, 0x90);
    c.maxBox = c.trough;
}

void MeterWidget::updateLayout() {
    const int w = width();
    const int h = height();
    if (compact_) {
        const int light = std::clamp(h, 6, 14);
        clipRect_ = QRect(w - light, (h - light) / 2, light, light);
        maxRect_ = QRect();
        labelRect_ = QRect();
        scaleRect_ = QRect(0, 0, std::max(1, clipRect_.left() - 3), h);
    } else {
        const bool labels = h >= 18;
        const int labelH = labels ? std::clamp((h - 2) / 2, 9, 11) : 0;
        const int barsH = h - labelH;
        // A fixed size, so mono and stereo rows line up.
        const int light = std::clamp(barsH, 8, 12);
        clipRect_ = QRect(w - light, (barsH - light) / 2, light, light);

        maxFont_ = font();
        // Capped low enough that mono and stereo rows keep the same scale width.
        maxFont_.setPixelSize(std::clamp(h * 11 / 20, 8, 12));
        const QFontMetrics fm(maxFont_);
        const int maxW = fm.horizontalAdvance(QStringLiteral("-99.9")) + 8;
        maxRect_ = QRect(clipRect_.left() - 4 - maxW, 0, maxW, h);

        // Room on the right for the "0" label and the +3 dB of headroom.
        scaleRect_ = QRect(0, 0, std::max(1, maxRect_.left() - 6), barsH);
        labelRect_ = labels ? QRect(0, barsH, scaleRect_.width(), labelH) : QRect();
        labelFont_ = font();
        labelFont_.setPixelSize(std::max(7, labelH - 1));
    }

    const int gap = channelCount_ > 1 && scaleRect_.height() >= 5 ? 1 : 0;
    const int laneH = std::max(1, (scaleRect_.height() - gap * (channelCount_ - 1)) / channelCount_);
    // The bars sit at the bottom of the bar region, next to the scale labels.
    const int used = laneH * channelCount_ + gap * (channelCount_ - 1);
    int y = scaleRect_.top() + (scaleRect_.height() - used);
    for (int i = 0; i < kMaxChannels; ++i) {
        lanes_[std::size_t(i)] = i < channelCount_ ? QRect(scaleRect_.left(), y, scaleRect_.width(), laneH) : QRect();
        y += laneH + gap;
    }

    const int length = scaleRect_.width();
    windowLowPx_ = MeterScale::dbToPixel(window_.lowDb, length);
    windowHighPx_ = MeterScale::dbToPixel(window_.highDb, length);
    zeroPx_ = MeterScale::dbToPixel(0.0f, length);
    tickPx_ = MeterScale::tickPixels(length);
    updateLabels();

    for (Channel& c : channels_) placeChannel(c);
    maxTenths_ = kTenthsSilence + 2; // forces the text to be prepared with the new font
    updateMaxText();
}

void MeterWidget::updateLabels() {
    for (Label& l : labels_) l.visible = false;
    if (labelRect_.isEmpty()) return;
    const QFontMetrics fm(labelFont_);
    // The window's edges are placed first so that a crowded scale keeps them.
    std::array<std::size_t, 6> order{};
    std::size_t n = 0;
    for (std::size_t i = 0; i < labels_.size(); ++i)
        if (MeterScale::kTicks[i].db == window_.lowDb || MeterScale::kTicks[i].db == window_.highDb) order[n++] = i;
    for (std::size_t i = 0; i < labels_.size(); ++i)
        if (!(MeterScale::kTicks[i].db == window_.lowDb || MeterScale::kTicks[i].db == window_.highDb))
            order[n++] = i;

    std::array<QRect, 6> taken{};
    std::size_t takenCount = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = order[k];
        Label& l = labels_[i];
        const QString text = QString::fromLatin1(MeterScale::kTicks[i].label);
        const int textW = fm.horizontalAdvance(text);
        const int x = labelRect_.left() + tickPx_[i] - textW / 2;
        const QRect box(x - 2, labelRect_.top(), textW + 4, labelRect_.height());
        const bool clash = std::any_of(taken.begin(), taken.begin() + long(takenCount),
                                       [&](const QRect& r) { return r.intersects(box); });
        if (clash || box.left() < 0 || box.right() > maxRect_.left() - 2) continue;
        taken[takenCount++] = box;
        l.text.setText(text);
        l.text.setTextFormat(Qt::PlainText);
        l.text.prepare(QTransform(), labelFont_);
        // Digits have no descenders: the baseline sits on the row's bottom edge.
        l.at = QPoint(x, labelRect_.top() + labelRect_.height() - fm.ascent());
        l.windowEdge = MeterScale::kTicks[i].db == window_.lowDb || MeterScale::kTicks[i].db == window_.highDb;
        l.visible = true;
    }
}

void MeterWidget::fillZoned(QPainter& painter, const QRect& lane, int fromPx, int toPx,
                            const std::array<QColor, kZones>& colours) const {
    static constexpr std::array<Zone, kZones> kOrder{Zone::Below, Zone::InWindow, Zone::Hot, Zone::Over};
    for (std::size_t z = 0; z < kOrder.size(); ++z) {
        const int start = std::max(fromPx, zonePixel(kOrder[z]));
        const int end = z + 1 < kOrder.size() ? std::min(toPx, zonePixel(kOrder[z + 1])) : toPx;
        if (end > start) painter.fillRect(lane.left() + start, lane.top(), end - start, lane.height(), colours[z]);
    }
}

void MeterWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const Palette& c = colours_;
    p.fillRect(rect(), c.window);

    // The trough with the target window as a green band, visible even in silence.
    const QRect& s = scaleRect_;
    p.fillRect(s, c.trough);
    p.fillRect(s.left() + windowLowPx_, s.top(), windowHighPx_ - windowLowPx_, s.height(), c.band);
    // Past 0 dBFS the trough itself warns.
    p.fillRect(s.left() + std::max(zeroPx_, windowHighPx_), s.top(), s.width() - std::max(zeroPx_, windowHighPx_),
               s.height(), c.overZone);
    if (!compact_) {
        for (std::size_t i = 0; i < tickPx_.size(); ++i) {
            const float db = MeterScale::kTicks[i].db;
            if (db == window_.lowDb || db == window_.highDb) continue;
            const bool inBand = tickPx_[i] - 1 >= windowLowPx_ && tickPx_[i] - 1 < windowHighPx_;
            p.fillRect(s.left() + tickPx_[i] - 1, s.top(), 1, s.height(), inBand ? c.bandTick : c.tick);
        }
    }
    p.fillRect(s.left() + windowLowPx_, s.top(), 1, s.height(), c.bandEdge);
    p.fillRect(s.left() + windowHighPx_ - 1, s.top(), 1, s.height(), c.bandEdge);

    for (int i = 0; i < channelCount_; ++i) {
        const Channel& ch = channels_[std::size_t(i)];
        const QRect& lane = lanes_[std::size_t(i)];
        fillZoned(p, lane, 0, ch.barPx, c.bar);
        if (compact_) continue;
        if (lane.height() >= 5 && ch.rmsPx > 0) {
            const int innerH = std::max(2, lane.height() / 3);
            const QRect inner(lane.left(), lane.top() + (lane.height() - innerH + 1) / 2, lane.width(), innerH);
            fillZoned(p, inner, 0, ch.rmsPx, c.rms);
        }
        if (ch.holdPx > 0) {
            const int x = std::max(0, ch.holdPx - 2);
            const Zone zone = ch.holdPx - 1 >= zeroPx_ ? Zone::Over
                              : ch.holdPx - 1 >= zonePixel(Zone::Hot) ? Zone::Hot
                              : ch.holdPx - 1 >= zonePixel(Zone::InWindow) ? Zone::InWindow
                                                                          : Zone::Below;
            p.fillRect(lane.left() + x, lane.top(), ch.holdPx - x, lane.height(), c.hold[std::size_t(zone)]);
        }
        if (ch.truePeakPx > 0) {
            // A downward triangle on the lane's top edge, built from rows.
            const QColor& colour = ch.truePeakOver ? c.truePeakOver : c.truePeak;
            const int cx = lane.left() + ch.truePeakPx - 1;
            const int rows = std::clamp(lane.height() / 2, 2, 4);
            for (int r = 0; r < rows; ++r) {
                const int half = rows - 1 - r;
                p.fillRect(cx - half, lane.top() + r, 2 * half + 1, 1, colour);
            }
        }
    }

    if (!labelRect_.isEmpty()) {
        const QRect& l = labelRect_;
        for (std::size_t i = 0; i < tickPx_.size(); ++i)
            p.fillRect(l.left() + tickPx_[i] - 1, l.top(), 1, 2, c.tick);
        // The window's extent under the bars, like a bracket on the scale.
        p.fillRect(l.left() + windowLowPx_, l.top(), windowHighPx_ - windowLowPx_, 2, c.bandEdge);
        p.setFont(labelFont_);
        for (const Label& label : labels_) {
            if (!label.visible) continue;
            p.setPen(label.windowEdge ? c.windowLabel : c.label);
            p.drawStaticText(label.at, label.text);
        }
    }

    if (!maxRect_.isEmpty()) {
        const QRect box = maxRect_.adjusted(0, 1, 0, -1);
        p.fillRect(box, c.frame);
        p.fillRect(box.adjusted(1, 1, -1, -1), c.maxBox);
        const QColor& textColour = maxSilent_ || maxZone_ == Zone::Below ? c.label
                                   : maxZone_ == Zone::InWindow         ? c.windowLabel
                                                                        : c.bar[std::size_t(maxZone_)];
        p.setPen(textColour);
        p.setFont(maxFont_);
        const QSizeF size = maxStatic_.size();
        p.drawStaticText(QPointF(box.left() + (box.width() - size.width()) / 2.0,
                                 box.top() + (box.height() - size.height()) / 2.0),
                         maxStatic_);
    }

    const QRect light = clipRect_;
    if (clipLit_) {
        p.fillRect(light, c.clipOn);
        const int inset = std::max(1, light.width() / 4);
        p.fillRect(light.adjusted(inset, inset, -inset, -inset), c.clipOnCore);
    } else {
        p.fillRect(light, c.clipOffRim);
        p.fillRect(light.adjusted(1, 1, -1, -1), c.clipOff);
    }
    if (hasFocus()) {
        // Keyboard focus: a thin outline, so Tab users see where Space goes.
        p.setPen(palette().color(QPalette::Highlight));
        p.setBrush(Qt::NoBrush);
        p.drawRect(rect().adjusted(0, 0, -1, -1));
    }
}

void MeterWidget::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    updateLayout();
}

void MeterWidget::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    switch (event->type()) {
    case QEvent::PaletteChange:
    case QEvent::StyleChange:
        updateColours();
        update();
        break;
    case QEvent::FontChange:
        updateLayout();
        update();
        break;
    default: break;
    }
}

QString MeterWidget::generalToolTip() const {
    const QString lo = windowNumber(window_.lowDb), hi = windowNumber(window_.highDb);
    if (compact_)
        return tr("Interface: the level arriving from your audio interface, before the preamp. "
                  "The green band is %1 to %2 dBFS. If its clip light turns red, the interface itself "
                  "clipped: turn down the gain knob on the interface, not the preamp's Gain. "
                  "Click the light (or Tab to the meter and press Space) to clear it.")
            .arg(lo, hi);
    return tr("Aim for peaks between %1 and %2 dBFS (green band). "
              "The bar shows the peak level and the bright inner bar the average (RMS); the line holds the "
              "recent peak and the small triangle the true peak. Peaks left of the band: raise Gain. "
              "Past 0 dBFS the bar turns red and the clip light stays on until you click it: lower Gain. "
              "The number is the loudest true peak since you last clicked it. "
              "With the keyboard, Tab to the meter and press Space to clear the light and the number.")
        .arg(lo, hi);
}

QString MeterWidget::toolTipAt(const QPoint& pos) const {
    if (clipRect_.adjusted(-2, -2, 2, 2).contains(pos))
        return clipLit_ ? tr("Clipped: the signal reached full scale (0 dBFS). Lower %1 and click to clear.")
                              .arg(compact_ ? tr("the interface's gain") : tr("Gain"))
                        : tr("Clip light: turns red when the signal reaches full scale (0 dBFS) and stays on "
                             "until you click it, so you never miss a clip.");
    if (maxRect_.contains(pos))
        return tr("Loudest true peak since reset: %1 dBTP. Aim for %2 to %3. Click to reset.")
            .arg(maxText_, windowNumber(window_.lowDb), windowNumber(window_.highDb));
    return generalToolTip();
}

bool MeterWidget::event(QEvent* event) {
    // Space and Enter belong to the focused meter, not to the window's Play shortcut.
    if (event->type() == QEvent::ShortcutOverride && isResetKey(static_cast<QKeyEvent*>(event))) {
        event->accept();
        return true;
    }
    if (event->type() == QEvent::ToolTip) {
        const auto* help = static_cast<QHelpEvent*>(event);
        const QPoint pos = help->pos();
        const QRect area = clipRect_.adjusted(-2, -2, 2, 2).contains(pos) ? clipRect_
                           : maxRect_.contains(pos)                        ? maxRect_
                                                                           : scaleRect_;
        QToolTip::showText(help->globalPos(), toolTipAt(pos), this, area);
        return true;
    }
    return QWidget::event(event);
}

bool MeterWidget::isResetKey(const QKeyEvent* event) {
    const int key = event->key();
    const bool plain = event->modifiers() == Qt::NoModifier || event->modifiers() == Qt::KeypadModifier;
    return plain && (key == Qt::Key_Space || key == Qt::Key_Return || key == Qt::Key_Enter);
}

void MeterWidget::keyPressEvent(QKeyEvent* event) {
    if (!isResetKey(event)) {
        QWidget::keyPressEvent(event);
        return;
    }
    // The keyboard's way to click both: the clip light and the max.
    if (clipLit_) {
        clearClip();
        emit clipResetRequested();
    }
    resetMax();
    emit resetMaxRequested();
    event->accept();
}

void MeterWidget::focusInEvent(QFocusEvent* event) {
    QWidget::focusInEvent(event);
    update();
}

void MeterWidget::focusOutEvent(QFocusEvent* event) {
    QWidget::focusOutEvent(event);
    update();
}

void MeterWidget::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) {
        QWidget::mousePressEvent(event);
        return;
    }
    const QPoint pos = event->position().toPoint();
    // The light is small, so a couple of pixels around it count too.
    press_ = clipRect_.adjusted(-2, -2, 2, 2).contains(pos) ? Press::Clip
             : maxRect_.contains(pos)                        ? Press::Max
                                                             : Press::None;
    event->accept();
}

void MeterWidget::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) {
        QWidget::mouseReleaseEvent(event);
        return;
    }
    const QPoint pos = event->position().toPoint();
    const Press pressed = press_;
    press_ = Press::None;
    // Like a button: it counts only if released where it was pressed.
    if (pressed == Press::Clip && clipRect_.adjusted(-2, -2, 2, 2).contains(pos)) {
        clearClip();
        emit clipResetRequested();
    } else if (pressed == Press::Max && maxRect_.contains(pos)) {
        resetMax();
        emit resetMaxRequested();
    }
    event->accept();
}

void MeterWidget::mouseMoveEvent(QMouseEvent* event) {
    const QPoint pos = event->position().toPoint();
    const bool clickable = clipRect_.adjusted(-2, -2, 2, 2).contains(pos) || maxRect_.contains(pos);
    if (clickable != (cursor().shape() == Qt::PointingHandCursor)) {
        if (clickable)
            setCursor(Qt::PointingHandCursor);
        else
            unsetCursor();
    }
    QWidget::mouseMoveEvent(event);
}

QString MeterWidget::describeLevels() const {
    static const char* const kZoneWords[kZones] = {
        QT_TR_NOOP("below the window"), QT_TR_NOOP("in the window"), QT_TR_NOOP("above the window"),
        QT_TR_NOOP("over 0 dBFS")};
    QStringList parts;
    for (int i = 0; i < channelCount_; ++i) {
        const Channel& c = channels_[std::size_t(i)];
        const QString who = channelCount_ > 1 ? (i == 0 ? tr("left ") : tr("right ")) : QString();
        const float db = c.seen ? c.last.peakHoldDb : -std::numeric_limits<float>::infinity();
        if (tenthsOf(db) == kTenthsSilence)
            parts << who + tr("silence");
        else
            parts << tr("%1peak %2 dBFS, %3").arg(who, levelText(db), tr(kZoneWords[int(zoneOf(db))]));
    }
    QString text = parts.join(QStringLiteral("; "));
    if (!compact_ && !maxSilent_) text += tr("; max %1 dBTP").arg(maxText_);
    if (clipLit_) text += tr("; clip light on");
    return text;
}

void MeterWidget::updateDescription(bool force) {
    const QString text = describeLevels();
    descriptionTimer_.start();
    if (!force && text == description_) return;
    description_ = text;
    setAccessibleDescription(text);
}

} // namespace gainstage
