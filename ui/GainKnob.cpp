#include "ui/GainKnob.h"

#include <QAccessible>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace gainstage {

namespace {

// The ring runs clockwise from 7:30 to 4:30, like a hardware pot.
constexpr double kStartDegrees = 225.0;
constexpr double kSweepDegrees = 270.0;
constexpr int kRingWidth = 4;

QColor mix(const QColor& a, const QColor& b, double amountOfB) {
    const double k = std::clamp(amountOfB, 0.0, 1.0);
    return QColor::fromRgbF(static_cast<float>(a.redF() * (1.0 - k) + b.redF() * k),
                            static_cast<float>(a.greenF() * (1.0 - k) + b.greenF() * k),
                            static_cast<float>(a.blueF() * (1.0 - k) + b.blueF() * k));
}

} // namespace

GainKnob::GainKnob(QWidget* parent) : QAbstractSlider(parent) {
    setFocusPolicy(Qt::StrongFocus);
    setCursor(Qt::SizeVerCursor);
    setTracking(true);
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
}

void GainKnob::setFormatter(Formatter formatter) {
    formatter_ = std::move(formatter);
    updateGeometry();
    update();
}

QString GainKnob::valueText(int v) const {
    return formatter_ ? formatter_(v) : QString::number(v);
}

QString GainKnob::valueText() const {
    return valueText(value());
}

void GainKnob::setDefaultValue(int value) {
    defaultValue_ = value;
    update();
}

void GainKnob::setFineStep(int step) {
    fineStep_ = std::max(1, step);
}

void GainKnob::setDiameter(int pixels) {
    diameter_ = std::max(16, pixels);
    updateGeometry();
    update();
}

QSize GainKnob::sizeHint() const {
    const QFontMetrics metrics(font());
    // Wide enough for the longest value of the range, so the row never reflows as it turns.
    const int textWidth = std::max({metrics.horizontalAdvance(valueText(minimum())), metrics.horizontalAdvance(valueText(maximum())),
                                    metrics.horizontalAdvance(valueText(defaultValue_))});
    return {std::max(diameter_, textWidth) + 6, diameter_ + metrics.height() + 1};
}

QSize GainKnob::minimumSizeHint() const {
    return sizeHint();
}

QRectF GainKnob::ringRect() const {
    const double inset = kRingWidth / 2.0 + 1.0;
    const double x = (width() - diameter_) / 2.0;
    return QRectF(x + inset, inset, diameter_ - 2 * inset, diameter_ - 2 * inset);
}

void GainKnob::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPalette& pal = palette();
    const bool enabled = isEnabled();
    const bool dark = pal.color(QPalette::Window).lightnessF() < 0.5;

    const QRectF ring = ringRect();
    const double span = std::max(1, maximum() - minimum());
    const auto angleOf = [&](int v) { return kStartDegrees - kSweepDegrees * (v - minimum()) / span; };
    const double valueAngle = angleOf(value());
    const double zeroAngle = angleOf(std::clamp(defaultValue_, minimum(), maximum()));

    // Groove, then the lit part from the default to the value.
    const QColor groove = mix(pal.color(QPalette::Window), pal.color(QPalette::WindowText), dark ? 0.22 : 0.18);
    painter.setPen(QPen(groove, kRingWidth, Qt::SolidLine, Qt::FlatCap));
    painter.drawArc(ring, static_cast<int>(kStartDegrees * 16), static_cast<int>(-kSweepDegrees * 16));
    QColor lit = pal.color(QPalette::Highlight);
    if (!enabled) lit = groove;
    painter.setPen(QPen(lit, kRingWidth, Qt::SolidLine, Qt::FlatCap));
    if (std::abs(valueAngle - zeroAngle) > 0.01)
        painter.drawArc(ring, static_cast<int>(zeroAngle * 16), static_cast<int>((valueAngle - zeroAngle) * 16));

    // The cap: a plain disc a little inside the ring, with a pointer line.
    const double capInset = kRingWidth + 2.5;
    const QRectF cap = ring.adjusted(capInset - kRingWidth / 2.0, capInset - kRingWidth / 2.0, -(capInset - kRingWidth / 2.0),
                                     -(capInset - kRingWidth / 2.0));
    QLinearGradient body(cap.topLeft(), cap.bottomLeft());
    const QColor button = pal.color(QPalette::Button);
    body.setColorAt(0.0, button.lighter(dark ? 135 : 104));
    body.setColorAt(1.0, button.darker(dark ? 105 : 112));
    painter.setPen(QPen(mix(button, pal.color(QPalette::Shadow), dark ? 0.55 : 0.35), 1.0));
    painter.setBrush(body);
    painter.drawEllipse(cap);

    const double radians = valueAngle * std::numbers::pi / 180.0;
    const QPointF centre = cap.center();
    const double outer = cap.width() / 2.0 - 2.0;
    const double inner = cap.width() / 2.0 * 0.25;
    const QPointF tip(centre.x() + outer * std::cos(radians), centre.y() - outer * std::sin(radians));
    const QPointF root(centre.x() + inner * std::cos(radians), centre.y() - inner * std::sin(radians));
    painter.setPen(QPen(enabled ? pal.color(QPalette::ButtonText) : groove, 2.0, Qt::SolidLine, Qt::RoundCap));
    painter.drawLine(root, tip);

    if (hasFocus()) {
        QColor focus = pal.color(QPalette::Highlight);
        focus.setAlphaF(0.55f);
        painter.setPen(QPen(focus, 1.0, Qt::DotLine));
        painter.setBrush(Qt::NoBrush);
        painter.drawEllipse(ring.adjusted(-kRingWidth / 2.0 - 0.5, -kRingWidth / 2.0 - 0.5, kRingWidth / 2.0 + 0.5, kRingWidth / 2.0 + 0.5));
    }

    // The value, in the text colour; the knob is read by this line more than by its angle.
    painter.setPen(enabled ? pal.color(QPalette::WindowText) : groove);
    const QFontMetrics metrics(font());
    const QRect textRect(0, diameter_ - 1, width(), metrics.height() + 2);
    painter.drawText(textRect, Qt::AlignHCenter | Qt::AlignTop, valueText());
}

void GainKnob::anchorDrag(const QPointF& position, bool fine) {
    dragAnchor_ = position;
    dragAnchorValue_ = value();
    dragFine_ = fine;
}

void GainKnob::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) {
        event->ignore();
        return;
    }
    setFocus(Qt::MouseFocusReason);
    anchorDrag(event->position(), event->modifiers() & Qt::ShiftModifier);
    setSliderDown(true);
    event->accept();
}

void GainKnob::mouseMoveEvent(QMouseEvent* event) {
    if (!isSliderDown()) {
        event->ignore();
        return;
    }
    const bool fine = event->modifiers() & Qt::ShiftModifier;
    if (fine != dragFine_) anchorDrag(event->position(), fine);
    // Up and right both raise: a vertical drag is the habit, a sideways one must not fight it.
    const QPointF delta = event->position() - dragAnchor_;
    const double travel = -delta.y() + delta.x();
    const double perPixel = double(maximum() - minimum()) / kPixelsPerRange / (fine ? 10.0 : 1.0);
    const int target = dragAnchorValue_ + static_cast<int>(std::lround(travel * perPixel));
    setSliderPosition(std::clamp(target, minimum(), maximum()));
    event->accept();
}

void GainKnob::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton || !isSliderDown()) {
        event->ignore();
        return;
    }
    setSliderDown(false);
    event->accept();
}

void GainKnob::mouseDoubleClickEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) {
        event->ignore();
        return;
    }
    // The first click of the pair already pressed and released without moving,
    // so this is a plain step back to the default, not a drag.
    setValue(defaultValue_);
    event->accept();
}

void GainKnob::wheelEvent(QWheelEvent* event) {
    // Some systems turn Shift+wheel into a horizontal scroll: take whichever axis moved.
    const QPoint angle = event->angleDelta();
    const int delta = angle.y() != 0 ? angle.y() : angle.x();
    wheelRemainder_ += delta;
    const int notches = wheelRemainder_ / 120;
    wheelRemainder_ -= notches * 120;
    if (notches != 0) {
        const int step = (event->modifiers() & Qt::ShiftModifier) ? fineStep_ : singleStep();
        setValue(value() + notches * step);
    }
    event->accept();
}

void GainKnob::keyPressEvent(QKeyEvent* event) {
    const bool shift = event->modifiers() & Qt::ShiftModifier;
    switch (event->key()) {
    case Qt::Key_Up:
    case Qt::Key_Right:
        setValue(value() + (shift ? fineStep_ : singleStep()));
        event->accept();
        return;
    case Qt::Key_Down:
    case Qt::Key_Left:
        setValue(value() - (shift ? fineStep_ : singleStep()));
        event->accept();
        return;
    case Qt::Key_Delete:
    case Qt::Key_Backspace:
        setValue(defaultValue_);
        event->accept();
        return;
    default:
        QAbstractSlider::keyPressEvent(event); // PageUp/PageDown, Home/End
    }
}

void GainKnob::sliderChange(SliderChange change) {
    QAbstractSlider::sliderChange(change);
    if (change == SliderRangeChange) updateGeometry(); // the widest value text may have changed
    if (change == SliderValueChange) {
        setAccessibleDescription(valueText());
        QAccessibleValueChangeEvent event(this, value());
        QAccessible::updateAccessibility(&event);
    }
    update();
}

} // namespace gainstage
