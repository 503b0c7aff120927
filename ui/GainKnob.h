#pragma once
// A rotary knob for the track row's dB-like values (Gain, Volume, Pan), drawn
// as a ring with its value written underneath ("+24.0 dB").
//
// It is a QAbstractSlider, so the owner can tell a drag from a step the usual
// way: while the mouse holds it isSliderDown() is true (sliderPressed at the
// press, valueChanged per move, sliderReleased at the release); a key, a wheel
// notch or a double-click changes the value with the slider up. That split is
// what lets the track row apply a drag live and commit it as one undo step.
//
// Handling, as in hardware-modelled mixers:
// - drag up/right raises, down/left lowers; the whole range is kPixelsPerRange
//   pixels of travel, ten times finer with Shift held;
// - Up/Down (and Right/Left) move by singleStep(), PageUp/PageDown by
//   pageStep(), Home/End to the ends; with Shift the arrows move by fineStep();
// - one wheel notch is one singleStep() (fineStep() with Shift);
// - double-click, Delete or Backspace return to defaultValue().
// The ring is lit from defaultValue() to the value, so 0 dB (or centre pan)
// reads as "nothing done".
//
// [GUI thread]

#include <QAbstractSlider>
#include <QString>

#include <functional>

namespace gainstage {

class GainKnob : public QAbstractSlider {
    Q_OBJECT
public:
    using Formatter = std::function<QString(int value)>;
    static constexpr int kPixelsPerRange = 240;

    explicit GainKnob(QWidget* parent = nullptr);

    // How a value reads under the knob (and to screen readers).
    void setFormatter(Formatter formatter);
    QString valueText() const;
    QString valueText(int value) const;

    // Where double-click and Delete go back to, and where the lit ring starts.
    void setDefaultValue(int value);
    int defaultValue() const { return defaultValue_; }

    // The Shift step for keys and the wheel (values of the slider's scale).
    void setFineStep(int step);
    int fineStep() const { return fineStep_; }

    // Size of the ring in pixels; the widget adds the value line under it.
    void setDiameter(int pixels);
    int diameter() const { return diameter_; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void sliderChange(SliderChange change) override;

private:
    void anchorDrag(const QPointF& position, bool fine);
    QRectF ringRect() const;

    Formatter formatter_;
    int defaultValue_ = 0;
    int fineStep_ = 1;
    int diameter_ = 40;
    // Drag state: the point and value the current drag measures from. Shift
    // pressed or released mid-drag re-anchors, so the value never jumps.
    QPointF dragAnchor_;
    int dragAnchorValue_ = 0;
    bool dragFine_ = false;
    int wheelRemainder_ = 0;
};

} // namespace gainstage
