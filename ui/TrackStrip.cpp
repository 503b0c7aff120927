#include "ui/TrackStrip.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMenu>
#include <QPainter>
#include <QPainterPath>
#include <QStyleOptionComboBox>
#include <QStylePainter>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "ui/GainKnob.h"
#include "ui/MeterWidget.h"

namespace gainstage {

namespace {

// Every control row is this tall, so two rows and the knob fill a ~66 px track row.
constexpr int kRowHeight = 24;
constexpr int kGainDiameter = 38;
constexpr int kSmallDiameter = 26;
// Knob scales: Gain and Volume in tenths of a dB, Pan in hundredths.
constexpr int kTenthsPerDb = 10;
constexpr int kPanSteps = 100;
constexpr float kVolumeMinDb = -60.0f;
constexpr float kVolumeMaxDb = 12.0f;

QColor mix(const QColor& a, const QColor& b, double amountOfB) {
    const double k = std::clamp(amountOfB, 0.0, 1.0);
    return QColor::fromRgbF(static_cast<float>(a.redF() * (1.0 - k) + b.redF() * k),
                            static_cast<float>(a.greenF() * (1.0 - k) + b.greenF() * k),
                            static_cast<float>(a.blueF() * (1.0 - k) + b.blueF() * k));
}

bool isDark(const QPalette& palette) {
    return palette.color(QPalette::Window).lightnessF() < 0.5;
}

// Text on a coloured fill: dark on light accents, white on deep ones.
QColor textOn(const QColor& fill) {
    const double luminance = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF();
    return luminance > 0.5 ? QColor(0x1b, 0x1d, 0x20) : QColor(Qt::white);
}

// The accent colours a recordist knows from consoles; the same on light and dark.
const QColor kArmRed(0xe0, 0x3c, 0x31);
const QColor kMuteAmber(0xf0, 0xa8, 0x30);
const QColor kSoloGreen(0x7c, 0xc4, 0x4a);
const QColor kBlue(0x3d, 0x8e, 0xd8);
const QColor kGuardGreen(0x2f, 0xa8, 0x6a);

// Captions are a step smaller than values, so the value is what the eye reads.
QFont captionFont(const QFont& base) {
    QFont font = base;
    font.setPointSizeF(base.pointSizeF() > 0 ? base.pointSizeF() * 0.88 : 8.0);
    return font;
}

int toTenths(double db) {
    return static_cast<int>(std::lround(db * kTenthsPerDb));
}

QString panText(int value) {
    if (value == 0) return QStringLiteral("C");
    return QStringLiteral("%1 %2").arg(value < 0 ? QLatin1Char('L') : QLatin1Char('R')).arg(std::abs(value));
}

int inputKey(const TrackInput& input) {
    return input.channel * 2 + (input.stereo ? 1 : 0);
}

TrackInput inputFromKey(int key) {
    return TrackInput{key / 2, (key % 2) != 0};
}

} // namespace

// A flat, painted toggle or push button in the row's own look: an accent fill
// when on, an optional status light at the left, an optional progress fill.
class StripButton : public QAbstractButton {
public:
    enum class Shape { Rect, Round };
    enum class Light { None, Off, Ready, Active };

    StripButton(const QString& text, const QColor& accent, QWidget* parent) : QAbstractButton(parent), accent_(accent) {
        setText(text);
        setAttribute(Qt::WA_Hover);
        setFocusPolicy(Qt::StrongFocus);
        setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    }

    void setShape(Shape shape) {
        shape_ = shape;
        updateGeometry();
        update();
    }
    void setLight(Light light) {
        if (light_ == light) return;
        light_ = light;
        updateGeometry();
        update();
    }
    Light light() const { return light_; }
    // 0..1 filled from the left; < 0 for none.
    void setProgress(double progress) {
        progress_ = progress;
        update();
    }
    // The width the button keeps whatever its text (so a row never reflows).
    void setFixedTextWidth(int pixels) {
        textWidth_ = pixels;
        updateGeometry();
    }

    QSize sizeHint() const override {
        if (shape_ == Shape::Round) return {kRowHeight - 2, kRowHeight - 2};
        const QFontMetrics metrics(font());
        const int text = textWidth_ > 0 ? textWidth_ : metrics.horizontalAdvance(this->text());
        return {text + 14 + (light_ != Light::None ? 11 : 0), kRowHeight};
    }
    QSize minimumSizeHint() const override { return sizeHint(); }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter painter(this);
        painter.setRenderHint(QPainter::Antialiasing);
        if (!isEnabled()) painter.setOpacity(0.45);
        const QPalette& pal = palette();
        const bool dark = isDark(pal);
        const bool on = isCheckable() && isChecked();
        const bool hover = underMouse() && isEnabled();

        QColor fill = pal.color(QPalette::Button);
        if (hover) fill = dark ? fill.lighter(122) : fill.darker(104);
        QColor border = mix(pal.color(QPalette::Button), pal.color(QPalette::Shadow), dark ? 0.55 : 0.32);
        if (on) {
            fill = accent_;
            border = accent_.darker(dark ? 150 : 125);
        }
        if (isDown()) fill = fill.darker(118);

        if (shape_ == Shape::Round) {
            // The Arm button: a round lamp, dark red at rest, lit when armed.
            const double d = std::min(width(), height()) - 2.0;
            const QRectF r((width() - d) / 2.0, (height() - d) / 2.0, d, d);
            painter.setPen(QPen(border, 1.0));
            painter.setBrush(fill);
            painter.drawEllipse(r);
            const double dot = d * 0.42;
            const QRectF core(r.center().x() - dot / 2, r.center().y() - dot / 2, dot, dot);
            painter.setPen(Qt::NoPen);
            painter.setBrush(on ? QColor(255, 235, 230) : mix(fill, accent_, dark ? 0.75 : 0.85));
            painter.drawEllipse(core);
            if (hasFocus()) drawFocus(painter, r.adjusted(-0.5, -0.5, 0.5, 0.5), true);
            return;
        }

        const QRectF r = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
        QPainterPath path;
        path.addRoundedRect(r, 3.5, 3.5);
        painter.setPen(QPen(border, 1.0));
        painter.setBrush(fill);
        painter.drawPath(path);
        if (progress_ >= 0.0) {
            painter.save();
            painter.setClipPath(path);
            QColor done = pal.color(QPalette::Highlight);
            done.setAlphaF(dark ? 0.45f : 0.30f);
            painter.fillRect(QRectF(r.left(), r.top(), r.width() * std::clamp(progress_, 0.0, 1.0), r.height()), done);
            painter.restore();
        }

        QRectF textRect = r;
        if (light_ != Light::None) {
            const double size = 7.0;
            const QRectF lamp(r.left() + 7.0, r.center().y() - size / 2, size, size);
            QColor lampColour = mix(pal.color(QPalette::Button), pal.color(QPalette::Shadow), dark ? 0.6 : 0.3);
            if (light_ == Light::Ready) lampColour = on ? QColor(0xd8, 0xff, 0xe4) : kGuardGreen;
            if (light_ == Light::Active) lampColour = QColor(0xff, 0xc0, 0x2a);
            if (light_ == Light::Active) {
                QColor glow = lampColour;
                glow.setAlphaF(0.35f);
                painter.setPen(Qt::NoPen);
                painter.setBrush(glow);
                painter.drawEllipse(lamp.adjusted(-2.5, -2.5, 2.5, 2.5));
            }
            painter.setPen(QPen(lampColour.darker(140), 0.8));
            painter.setBrush(lampColour);
            painter.drawEllipse(lamp);
            textRect.setLeft(lamp.right() + 2.0);
        }
        painter.setPen(on ? textOn(accent_) : pal.color(QPalette::ButtonText));
        painter.drawText(textRect, Qt::AlignCenter, text());
        if (hasFocus()) drawFocus(painter, r.adjusted(1.5, 1.5, -1.5, -1.5), false);
    }

private:
    void drawFocus(QPainter& painter, const QRectF& r, bool round) const {
        QColor focus = palette().color(QPalette::Highlight);
        painter.setPen(QPen(focus, 1.2));
        painter.setBrush(Qt::NoBrush);
        if (round)
            painter.drawEllipse(r);
        else
            painter.drawRoundedRect(r, 2.5, 2.5);
    }

    QColor accent_;
    Shape shape_ = Shape::Rect;
    Light light_ = Light::None;
    double progress_ = -1.0;
    int textWidth_ = 0;
};

// The track name: no frame until it has focus, so it reads as a label and
// edits in place; focused, it shows the base colour and a highlight border.
class StripNameEdit : public QLineEdit {
public:
    explicit StripNameEdit(QWidget* parent) : QLineEdit(parent) {
        setFrame(false);
        setTextMargins(3, 0, 3, 0);
        // The style fills a frameless edit with Base too: keep the row showing
        // through until it has focus (then paintEvent fills the row's Base).
        QPalette pal = palette();
        pal.setColor(QPalette::Base, Qt::transparent);
        setPalette(pal);
    }

protected:
    void paintEvent(QPaintEvent* event) override {
        if (hasFocus()) {
            QPainter painter(this);
            painter.setRenderHint(QPainter::Antialiasing);
            painter.setPen(QPen(palette().color(QPalette::Highlight), 1.0));
            painter.setBrush(parentWidget() ? parentWidget()->palette().color(QPalette::Base) : QColor(Qt::white));
            painter.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 3.0, 3.0);
        }
        QLineEdit::paintEvent(event);
    }
    void focusInEvent(QFocusEvent* event) override {
        QLineEdit::focusInEvent(event);
        update();
    }
    void focusOutEvent(QFocusEvent* event) override {
        QLineEdit::focusOutEvent(event);
        update();
    }
};

// A combo box that shows a dim caption before its value ("Low Cut  80 Hz") and
// keeps one width whatever it holds, so the rows of the track list line up.
class StripCombo : public QComboBox {
public:
    StripCombo(const QString& caption, const QString& widestValue, QWidget* parent)
        : QComboBox(parent), caption_(caption), widest_(widestValue) {
        setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
        setFocusPolicy(Qt::StrongFocus);
    }

    QSize sizeHint() const override {
        const QFontMetrics metrics(font());
        int text = metrics.horizontalAdvance(widest_);
        if (!caption_.isEmpty()) text += captionWidth() + kCaptionGap;
        QStyleOptionComboBox option;
        initStyleOption(&option);
        const QSize contents(text, metrics.height());
        QSize size = style()->sizeFromContents(QStyle::CT_ComboBox, &option, contents, this);
        size.setHeight(kRowHeight);
        return size;
    }
    QSize minimumSizeHint() const override { return sizeHint(); }

protected:
    void paintEvent(QPaintEvent*) override {
        QStylePainter painter(this);
        QStyleOptionComboBox option;
        initStyleOption(&option);
        const QString value = option.currentText;
        option.currentText.clear();
        painter.drawComplexControl(QStyle::CC_ComboBox, option);
        QRect field = style()->subControlRect(QStyle::CC_ComboBox, &option, QStyle::SC_ComboBoxEditField, this);
        field.adjust(2, 0, 0, 0);
        const QPalette& pal = palette();
        if (!caption_.isEmpty()) {
            painter.save();
            painter.setFont(captionFont(font()));
            painter.setPen(mix(pal.color(QPalette::ButtonText), pal.color(QPalette::Button), 0.45));
            painter.drawText(field, Qt::AlignVCenter | Qt::AlignLeft, caption_);
            painter.restore();
            field.setLeft(field.left() + captionWidth() + kCaptionGap);
        }
        painter.setPen(pal.color(isEnabled() ? QPalette::Active : QPalette::Disabled, QPalette::ButtonText));
        painter.drawText(field, Qt::AlignVCenter | Qt::AlignLeft, fontMetrics().elidedText(value, Qt::ElideRight, field.width()));
    }

private:
    static constexpr int kCaptionGap = 4;
    int captionWidth() const { return QFontMetrics(captionFont(font())).horizontalAdvance(caption_); }

    QString caption_;
    QString widest_;
};


// The advice under the meter: one line, elided, amber for advice and red for clipping.
class StripAdviceLine : public QWidget {
public:
    explicit StripAdviceLine(QWidget* parent) : QWidget(parent) {
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }
    void setAdvice(const QString& text, bool clipping) {
        if (text == text_ && clipping == clipping_) return;
        text_ = text;
        clipping_ = clipping;
        setToolTip(text.isEmpty() ? QString() : text);
        setAccessibleDescription(text);
        update();
    }
    bool clipping() const { return clipping_; }
    QSize sizeHint() const override { return {120, fontMetrics().height()}; }
    QSize minimumSizeHint() const override { return {40, fontMetrics().height()}; }

protected:
    void paintEvent(QPaintEvent*) override {
        if (text_.isEmpty()) return;
        QPainter painter(this);
        painter.setRenderHint(QPainter::Antialiasing);
        const bool dark = isDark(palette());
        // Amber and red that read on either background.
        const QColor amber = dark ? QColor(0xf2, 0xb6, 0x3c) : QColor(0x9a, 0x5b, 0x00);
        const QColor red = dark ? QColor(0xff, 0x5f, 0x52) : QColor(0xc6, 0x28, 0x28);
        const QColor colour = clipping_ ? red : amber;
        // A small marker before the text so the colour is not the only cue.
        const double size = 6.0;
        const QRectF marker(1.0, height() / 2.0 - size / 2.0, size, size);
        painter.setPen(Qt::NoPen);
        painter.setBrush(colour);
        if (clipping_) {
            painter.drawRect(marker);
        } else {
            QPainterPath triangle;
            triangle.moveTo(marker.left(), marker.top());
            triangle.lineTo(marker.right(), marker.center().y());
            triangle.lineTo(marker.left(), marker.bottom());
            triangle.closeSubpath();
            painter.drawPath(triangle);
        }
        painter.setPen(colour);
        const QRect textRect = rect().adjusted(static_cast<int>(size) + 6, 0, 0, 0);
        painter.drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft, fontMetrics().elidedText(text_, Qt::ElideRight, textRect.width()));
    }

private:
    QString text_;
    bool clipping_ = false;
};

// ---------------------------------------------------------------------------

TrackStrip::TrackStrip(QWidget* parent) : QFrame(parent) {
    setFocusPolicy(Qt::ClickFocus);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    presets_ = builtInSourcePresets();
    buildControls();
    buildLayout();
    refresh();
    refreshPresetMenu();
    refreshAutoGain();
    // Any press or focus inside the row selects the row.
    for (QWidget* child : findChildren<QWidget*>()) child->installEventFilter(this);
}

QComboBox* TrackStrip::inputCombo() { return input_; }
QComboBox* TrackStrip::monitorCombo() { return monitor_; }
QComboBox* TrackStrip::sourceCombo() { return source_; }
QComboBox* TrackStrip::modelCombo() { return model_; }
QComboBox* TrackStrip::lowCutCombo() { return lowCut_; }
QComboBox* TrackStrip::inputZCombo() { return inputZ_; }
QAbstractButton* TrackStrip::armButton() { return arm_; }
QAbstractButton* TrackStrip::muteButton() { return mute_; }
QAbstractButton* TrackStrip::soloButton() { return solo_; }
QAbstractButton* TrackStrip::padButton() { return pad_; }
QAbstractButton* TrackStrip::phaseButton() { return phase_; }
QAbstractButton* TrackStrip::clipGuardButton() { return clipGuard_; }
QAbstractButton* TrackStrip::keepRawButton() { return keepRaw_; }
QAbstractButton* TrackStrip::autoGainButton() { return autoGain_; }
QAbstractButton* TrackStrip::autoGainCancelButton() { return autoGainCancel_; }

std::vector<float> TrackStrip::inputImpedanceChoices(Source source) {
    if (source == Source::Mic) return {150.0f, 300.0f, 600.0f, 1200.0f, 2400.0f, 5000.0f, 10000.0f};
    return {10.0e3f, 47.0e3f, 100.0e3f, 220.0e3f, 470.0e3f, 1.0e6f, 2.2e6f, 10.0e6f};
}

QString TrackStrip::impedanceText(float ohms) {
    const auto number = [](double v) { return QString::number(v, 'g', 3); };
    if (ohms >= 1.0e6f) return QStringLiteral("%1 M\u03A9").arg(number(ohms / 1.0e6));
    if (ohms >= 1.0e3f) return QStringLiteral("%1 k\u03A9").arg(number(ohms / 1.0e3));
    return QStringLiteral("%1 \u03A9").arg(number(ohms));
}

QString TrackStrip::gainText(double db) {
    const int tenths = toTenths(db);
    const QString number = QString::number(std::abs(tenths) / double(kTenthsPerDb), 'f', 1);
    if (tenths > 0) return QStringLiteral("+%1 dB").arg(number);
    if (tenths < 0) return QStringLiteral("-%1 dB").arg(number);
    return QStringLiteral("0.0 dB");
}

void TrackStrip::buildControls() {
    nameEdit_ = new StripNameEdit(this);
    nameEdit_->setAccessibleName(QStringLiteral("Track name"));
    nameEdit_->setToolTip(QStringLiteral("Track name: click to rename, Enter to keep the new name, Esc to go back."));
    nameEdit_->setFixedHeight(kRowHeight);
    QFont bold = nameEdit_->font();
    bold.setBold(true);
    nameEdit_->setFont(bold);
    connect(nameEdit_, &QLineEdit::editingFinished, this, [this] {
        const QString name = nameEdit_->text().trimmed();
        if (name.isEmpty() || name == track_.name) {
            nameEdit_->setText(track_.name);
            return;
        }
        const SessionTrack before = track_;
        track_.name = name;
        refreshNames();
        commit(before, QStringLiteral("Rename"));
    });

    arm_ = new StripButton(QString(), kArmRed, this);
    arm_->setShape(StripButton::Shape::Round);
    arm_->setCheckable(true);
    connect(arm_, &QAbstractButton::clicked, this, [this](bool on) { commitToggle(&SessionTrack::armed, on, QStringLiteral("Arm")); });

    mute_ = new StripButton(QStringLiteral("M"), kMuteAmber, this);
    mute_->setCheckable(true);
    mute_->setFixedTextWidth(8);
    connect(mute_, &QAbstractButton::clicked, this, [this](bool on) { commitToggle(&SessionTrack::mute, on, QStringLiteral("Mute")); });

    solo_ = new StripButton(QStringLiteral("S"), kSoloGreen, this);
    solo_->setCheckable(true);
    solo_->setFixedTextWidth(8);
    connect(solo_, &QAbstractButton::clicked, this, [this](bool on) { commitToggle(&SessionTrack::solo, on, QStringLiteral("Solo")); });

    monitor_ = new StripCombo(QStringLiteral("Mon"), QStringLiteral("Auto"), this);
    monitor_->addItem(QStringLiteral("Auto"), int(SessionMonitorMode::Auto));
    monitor_->addItem(QStringLiteral("In"), int(SessionMonitorMode::Input));
    monitor_->addItem(QStringLiteral("Off"), int(SessionMonitorMode::Off));
    monitor_->setAccessibleName(QStringLiteral("Monitor"));
    monitor_->setToolTip(QStringLiteral("Monitor: what you hear of this track.\n"
                                        "Auto: the input while armed (stopped or recording), the takes while playing.\n"
                                        "In: always the input.  Off: never the input."));
    monitor_->setItemData(0, QStringLiteral("The input while armed, the takes while playing"), Qt::ToolTipRole);
    monitor_->setItemData(1, QStringLiteral("Always hear the input"), Qt::ToolTipRole);
    monitor_->setItemData(2, QStringLiteral("Never hear the input"), Qt::ToolTipRole);
    connect(monitor_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index < 0) return;
        const SessionTrack before = track_;
        track_.monitor = static_cast<SessionMonitorMode>(monitor_->itemData(index).toInt());
        commit(before, QStringLiteral("Monitor"));
    });

    input_ = new StripCombo(QString(), QStringLiteral("In 10+11"), this);
    input_->setAccessibleName(QStringLiteral("Input"));
    input_->setToolTip(QStringLiteral("Input: the interface input this track records. A pair such as In 1+2 records in stereo."));
    connect(input_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index < 0) return;
        const SessionTrack before = track_;
        track_.input = inputFromKey(input_->itemData(index).toInt());
        trackMeter_->setChannelCount(track_.input.channelCount());
        rawMeter_->setChannelCount(track_.input.channelCount());
        commit(before, QStringLiteral("Input"));
    });

    source_ = new StripCombo(QString(), QStringLiteral("Mic"), this);
    source_->addItem(QStringLiteral("Mic"), int(Source::Mic));
    source_->addItem(QStringLiteral("DI"), int(Source::DI));
    source_->setAccessibleName(QStringLiteral("Source"));
    source_->setToolTip(QStringLiteral("Source: Mic for a microphone, DI for an instrument plugged straight in.\n"
                                       "Switching sets Input Z to suit the source and keeps Gain in its range."));
    connect(source_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index < 0) return;
        const SessionTrack before = track_;
        PreampSettings& preamp = track_.preamp;
        preamp.source = static_cast<Source>(source_->itemData(index).toInt());
        preamp.inputImpedanceOhms = defaultInputImpedanceOhms(preamp.source);
        const GainRange range = gainRangeFor(preamp.source);
        preamp.gainDb = std::clamp(preamp.gainDb, range.minDb, range.maxDb);
        refresh();
        commit(before, QStringLiteral("Source"));
    });

    presetButton_ = new QToolButton(this);
    presetButton_->setAccessibleName(QStringLiteral("Source presets"));
    presetButton_->setToolTip(QStringLiteral("Presets: a starting point for the preamp (source, Input Z, Low Cut, Gain)\n"
                                             "for a vocal, a guitar DI, an acoustic guitar or a bass DI."));
    presetButton_->setArrowType(Qt::DownArrow);
    presetButton_->setAutoRaise(true);
    presetButton_->setFixedSize(18, kRowHeight);
    // The menu opens on click without QToolButton's own menu arrow: the button is the arrow.
    presetMenu_ = new QMenu(presetButton_);
    connect(presetButton_, &QToolButton::clicked, this,
            [this] { presetMenu_->popup(presetButton_->mapToGlobal(QPoint(0, presetButton_->height()))); });

    model_ = new StripCombo(QString(), QStringLiteral("Transformer"), this);
    model_->addItem(QStringLiteral("Clean"), int(Model::Clean));
    model_->addItem(QStringLiteral("Tube"), int(Model::Tube));
    model_->addItem(QStringLiteral("Transformer"), int(Model::Transformer));
    model_->setAccessibleName(QStringLiteral("Model"));
    model_->setToolTip(QStringLiteral("Model: the preamp's character.\nClean stays transparent, Tube warms and softens as you drive it,\n"
                                      "Transformer thickens the low end."));
    connect(model_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index < 0) return;
        const SessionTrack before = track_;
        track_.preamp.model = static_cast<Model>(model_->itemData(index).toInt());
        commit(before, QStringLiteral("Model"));
    });

    gainKnob_ = new GainKnob(this);
    gainKnob_->setDiameter(kGainDiameter);
    gainKnob_->setSingleStep(5); // 0.5 dB, Auto Gain's own resolution
    gainKnob_->setPageStep(30);
    gainKnob_->setFineStep(1);
    gainKnob_->setDefaultValue(0);
    gainKnob_->setFormatter([](int v) { return gainText(v / double(kTenthsPerDb)); });
    gainKnob_->setAccessibleName(QStringLiteral("Gain"));

    pad_ = new StripButton(QStringLiteral("Pad"), kBlue, this);
    pad_->setCheckable(true);
    pad_->setFixedTextWidth(QFontMetrics(font()).horizontalAdvance(QStringLiteral("Pad")));
    pad_->setAccessibleName(QStringLiteral("Pad"));
    pad_->setToolTip(QStringLiteral("Pad: -20 dB before the Gain, for sources too loud for the input."));
    connect(pad_, &QAbstractButton::clicked, this, [this](bool on) {
        const SessionTrack before = track_;
        track_.preamp.pad = on;
        commit(before, QStringLiteral("Pad"));
    });

    phase_ = new StripButton(QStringLiteral("\u00D8"), kBlue, this);
    phase_->setCheckable(true);
    phase_->setFixedTextWidth(QFontMetrics(font()).horizontalAdvance(QStringLiteral("Pad")));
    phase_->setAccessibleName(QStringLiteral("Phase"));
    phase_->setToolTip(QStringLiteral("Phase: flips the polarity, e.g. for a mic under a snare or a second mic on a cabinet."));
    connect(phase_, &QAbstractButton::clicked, this, [this](bool on) {
        const SessionTrack before = track_;
        track_.preamp.phaseInverted = on;
        commit(before, QStringLiteral("Phase"));
    });

    lowCut_ = new StripCombo(QStringLiteral("Low Cut"), QStringLiteral("300 Hz"), this);
    lowCut_->addItem(QStringLiteral("Off"), int(LowCut::Off));
    for (LowCut cut : {LowCut::Hz50, LowCut::Hz80, LowCut::Hz160, LowCut::Hz300})
        lowCut_->addItem(QStringLiteral("%1 Hz").arg(static_cast<int>(lowCutHz(cut))), int(cut));
    lowCut_->setAccessibleName(QStringLiteral("Low Cut"));
    lowCut_->setToolTip(QStringLiteral("Low Cut: removes rumble and handling noise below the chosen frequency (18 dB per octave)."));
    connect(lowCut_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index < 0) return;
        const SessionTrack before = track_;
        track_.preamp.lowCut = static_cast<LowCut>(lowCut_->itemData(index).toInt());
        commit(before, QStringLiteral("Low Cut"));
    });

    inputZ_ = new StripCombo(QStringLiteral("Z"), impedanceText(2.2e6f), this);
    inputZ_->setAccessibleName(QStringLiteral("Input Z"));
    inputZ_->setToolTip(QStringLiteral("Input Z: the input impedance the mic or pickup sees. A lower value loads it more:\n"
                                       "less top end and a different character. The default changes nothing."));
    connect(inputZ_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index < 0) return;
        const SessionTrack before = track_;
        track_.preamp.inputImpedanceOhms = inputZ_->itemData(index).toFloat();
        commit(before, QStringLiteral("Input Z"));
    });

    autoGain_ = new StripButton(QStringLiteral("Auto Gain"), kBlue, this);
    // It shares its line with Cancel while listening, and fills it otherwise.
    autoGain_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    autoGain_->setFixedTextWidth(QFontMetrics(font()).horizontalAdvance(QStringLiteral("Listening\u2026 15 s  Stop")));
    autoGain_->setAccessibleName(QStringLiteral("Auto Gain"));
    connect(autoGain_, &QAbstractButton::clicked, this, [this] {
        switch (autoGainState_) {
        case AutoGainState::Idle: emit autoGainRequested(); break;
        case AutoGainState::Listening: emit autoGainStopRequested(); break;
        case AutoGainState::Analysing: break; // nothing to stop: the answer is a moment away; Cancel still works
        }
    });

    autoGainCancel_ = new StripButton(QStringLiteral("\u2715"), kArmRed, this);
    autoGainCancel_->setFixedTextWidth(8);
    autoGainCancel_->setAccessibleName(QStringLiteral("Cancel Auto Gain"));
    autoGainCancel_->setToolTip(QStringLiteral("Cancel Auto Gain and keep the Gain as it was (Esc)."));
    connect(autoGainCancel_, &QAbstractButton::clicked, this, [this] { emit autoGainCancelRequested(); });

    clipGuard_ = new StripButton(QStringLiteral("Clip Guard"), kGuardGreen, this);
    clipGuard_->setCheckable(true);
    clipGuard_->setLight(StripButton::Light::Off);
    clipGuard_->setAccessibleName(QStringLiteral("Clip Guard"));
    clipGuard_->setToolTip(QStringLiteral("Clip Guard: holds this track's peaks just under 0 dBFS, so a sudden shout or hit does not clip the take.\n"
                                          "Below that it changes nothing. The light turns amber while it is acting."));
    connect(clipGuard_, &QAbstractButton::clicked, this, [this](bool on) {
        commitToggle(&SessionTrack::clipGuard, on, QStringLiteral("Clip Guard"));
        refreshClipGuardLight();
    });

    keepRaw_ = new StripButton(QStringLiteral("Keep raw"), kBlue, this);
    keepRaw_->setCheckable(true);
    keepRaw_->setAccessibleName(QStringLiteral("Keep raw"));
    keepRaw_->setToolTip(QStringLiteral("Keep raw: also keep the unprocessed input with each take, so you can re-amp it later."));
    connect(keepRaw_, &QAbstractButton::clicked, this, [this](bool on) { commitToggle(&SessionTrack::keepRaw, on, QStringLiteral("Keep raw")); });
    // Clip Guard and Keep raw share a column: same width.
    const int sideBySide = std::max(clipGuard_->sizeHint().width(), keepRaw_->sizeHint().width());
    clipGuard_->setFixedWidth(sideBySide);
    keepRaw_->setFixedWidth(sideBySide);

    volumeKnob_ = new GainKnob(this);
    volumeKnob_->setDiameter(kSmallDiameter);
    volumeKnob_->setRange(toTenths(kVolumeMinDb), toTenths(kVolumeMaxDb));
    volumeKnob_->setSingleStep(5);
    volumeKnob_->setPageStep(30);
    volumeKnob_->setFineStep(1);
    volumeKnob_->setDefaultValue(0);
    volumeKnob_->setFormatter([](int v) { return gainText(v / double(kTenthsPerDb)); });
    volumeKnob_->setAccessibleName(QStringLiteral("Volume"));
    volumeKnob_->setToolTip(QStringLiteral("Volume: this track's level in the mix and the export, %1 to %2 dB (not the recording).\n"
                                           "Drag up or down (Shift: fine), arrow keys for 0.5 dB, double-click for 0 dB.")
                                .arg(kVolumeMinDb)
                                .arg(QStringLiteral("+%1").arg(kVolumeMaxDb)));

    panKnob_ = new GainKnob(this);
    panKnob_->setDiameter(kSmallDiameter);
    panKnob_->setRange(-kPanSteps, kPanSteps);
    panKnob_->setSingleStep(5);
    panKnob_->setPageStep(25);
    panKnob_->setFineStep(1);
    panKnob_->setDefaultValue(0);
    panKnob_->setFormatter(panText);
    panKnob_->setAccessibleName(QStringLiteral("Pan"));
    panKnob_->setToolTip(QStringLiteral("Pan: where this track sits between the left and right speakers in the mix and the export.\n"
                                        "Double-click for centre."));

    for (GainKnob* knob : {gainKnob_, volumeKnob_, panKnob_}) {
        const QString what = knob->accessibleName();
        connect(knob, &QAbstractSlider::sliderPressed, this, [this, knob] { knobPressed(knob); });
        connect(knob, &QAbstractSlider::valueChanged, this, [this, knob](int value) { knobChanged(knob, value); });
        connect(knob, &QAbstractSlider::sliderReleased, this, [this, knob, what] { knobReleased(knob, what); });
    }

    // The meters word their own tooltips ("Interface: the level arriving from
    // your audio interface...", the track meter's window and clip light).
    trackMeter_ = new MeterWidget(this);
    trackMeter_->setAccessibleName(QStringLiteral("Track meter"));
    // The stereo height for mono too: every row of the track list is equally tall.
    trackMeter_->setFixedHeight(26);
    rawMeter_ = new MeterWidget(this);
    rawMeter_->setCompact(true);
    rawMeter_->setFixedHeight(10);
    rawMeter_->setAccessibleName(QStringLiteral("Interface meter"));
    connect(trackMeter_, &MeterWidget::clipResetRequested, this, [this] {
        rawMeter_->clearClip();
        emit clipResetRequested();
    });
    connect(rawMeter_, &MeterWidget::clipResetRequested, this, [this] {
        trackMeter_->clearClip();
        emit clipResetRequested();
    });
    // The max number: one click starts both meters' maxima over together.
    connect(trackMeter_, &MeterWidget::resetMaxRequested, this, [this] {
        trackMeter_->resetMax();
        rawMeter_->resetMax();
    });

    adviceLine_ = new StripAdviceLine(this);
    adviceLine_->setAccessibleName(QStringLiteral("Advice"));
}

void TrackStrip::buildLayout() {
    const auto separator = [this] {
        auto* line = new QFrame(this);
        line->setFrameShape(QFrame::VLine);
        line->setFrameShadow(QFrame::Plain);
        line->setFixedWidth(1);
        QPalette pal = line->palette();
        pal.setColor(QPalette::WindowText, mix(palette().color(QPalette::Window), palette().color(QPalette::WindowText), 0.18));
        line->setPalette(pal);
        return line;
    };

    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(10, 5, 8, 5);
    row->setSpacing(6);

    // Track: Arm, name, M, S above; input and monitor below.
    const int trackWidth = arm_->sizeHint().width() + 4 + input_->sizeHint().width() + 4 + monitor_->sizeHint().width();
    nameEdit_->setFixedWidth(trackWidth - arm_->sizeHint().width() - mute_->sizeHint().width() - solo_->sizeHint().width() - 3 * 4 - 4);
    auto* track = new QGridLayout;
    track->setHorizontalSpacing(4);
    track->setVerticalSpacing(4);
    auto* top = new QHBoxLayout;
    top->setSpacing(4);
    top->addWidget(arm_);
    top->addWidget(nameEdit_);
    top->addStretch(1);
    top->addWidget(mute_);
    top->addWidget(solo_);
    auto* bottom = new QHBoxLayout;
    bottom->setSpacing(4);
    bottom->addSpacing(arm_->sizeHint().width() + 4);
    bottom->addWidget(input_);
    bottom->addStretch(1);
    bottom->addWidget(monitor_);
    track->addLayout(top, 0, 0);
    track->addLayout(bottom, 1, 0);
    row->addLayout(track);
    row->addWidget(separator());

    // Preamp: the knob in the middle of its switches, as on a channel strip.
    // Source sits over Model, Input Z over Low Cut: each pair shares one width.
    const int modelWidth = std::max(model_->sizeHint().width(), source_->sizeHint().width() + presetButton_->width());
    model_->setFixedWidth(modelWidth);
    source_->setFixedWidth(modelWidth - presetButton_->width());
    const int cutWidth = std::max(lowCut_->sizeHint().width(), inputZ_->sizeHint().width());
    lowCut_->setFixedWidth(cutWidth);
    inputZ_->setFixedWidth(cutWidth);
    auto* preamp = new QGridLayout;
    preamp->setHorizontalSpacing(4);
    preamp->setVerticalSpacing(4);
    auto* sourceRow = new QHBoxLayout;
    sourceRow->setSpacing(0);
    sourceRow->addWidget(source_);
    sourceRow->addWidget(presetButton_);
    preamp->addLayout(sourceRow, 0, 0);
    preamp->addWidget(model_, 1, 0);
    preamp->addWidget(inputZ_, 0, 1);
    preamp->addWidget(lowCut_, 1, 1);
    preamp->addWidget(gainKnob_, 0, 2, 2, 1, Qt::AlignCenter);
    preamp->addWidget(pad_, 0, 3);
    preamp->addWidget(phase_, 1, 3);
    row->addLayout(preamp);
    row->addWidget(separator());

    // Assist: Auto Gain above, Clip Guard and Keep raw below.
    auto* assist = new QGridLayout;
    assist->setHorizontalSpacing(4);
    assist->setVerticalSpacing(4);
    auto* autoRow = new QHBoxLayout;
    autoRow->setSpacing(4);
    autoRow->addWidget(autoGain_, 1);
    autoRow->addWidget(autoGainCancel_);
    assist->addLayout(autoRow, 0, 0, 1, 2);
    assist->addWidget(clipGuard_, 1, 0);
    assist->addWidget(keepRaw_, 1, 1);
    row->addLayout(assist);
    row->addWidget(separator());

    auto* mix = new QHBoxLayout;
    mix->setSpacing(2);
    mix->addWidget(volumeKnob_, 0, Qt::AlignVCenter);
    mix->addWidget(panKnob_, 0, Qt::AlignVCenter);
    row->addLayout(mix);
    row->addWidget(separator());

    // Meters: the Interface meter right above the Track meter on the same
    // scale, so the two levels compare at a glance; the advice under them.
    auto* meters = new QVBoxLayout;
    meters->setSpacing(2);
    meters->addWidget(rawMeter_, 0, Qt::AlignLeft);
    meters->addWidget(trackMeter_);
    meters->addWidget(adviceLine_);
    meters->addStretch(1);
    row->addLayout(meters, 1);

    // Tab order: left to right along the top line, then the bottom one, group by group.
    const QList<QWidget*> order{arm_,    nameEdit_, mute_,     solo_,      input_,          monitor_,   source_,
                                presetButton_, inputZ_, model_, lowCut_, gainKnob_, pad_, phase_,
                                autoGain_, autoGainCancel_, clipGuard_, keepRaw_, volumeKnob_, panKnob_};
    for (qsizetype i = 1; i < order.size(); ++i) setTabOrder(order[i - 1], order[i]);
}

void TrackStrip::alignRawMeter() {
    alignPending_ = false;
    // The Interface meter ends where the Track meter's scale ends (its max box
    // and clip light take the rest), so one level sits at one x on both bars.
    const int rawExtra = rawMeter_->width() - rawMeter_->scaleRect().width();
    const int wanted = trackMeter_->scaleRect().width() + rawExtra;
    if (wanted > 0 && rawMeter_->width() != wanted) rawMeter_->setFixedWidth(wanted);
}

void TrackStrip::setTrack(const SessionTrack& track) {
    track_ = track;
    refresh();
}

void TrackStrip::setInputNames(const QStringList& names) {
    inputNames_ = names;
    refreshInputs();
}

void TrackStrip::setSourcePresets(std::vector<SourcePreset> presets) {
    presets_ = std::move(presets);
    refreshPresetMenu();
}

void TrackStrip::refreshPresetMenu() {
    QMenu* menu = presetMenu_;
    menu->clear();
    for (const SourcePreset& preset : presets_) {
        QAction* action = menu->addAction(preset.name);
        const SourcePreset copy = preset;
        connect(action, &QAction::triggered, this, [this, copy] { emit presetChosen(copy); });
    }
    presetButton_->setEnabled(!presets_.empty());
}

void TrackStrip::refresh() {
    const QSignalBlocker blockers[] = {QSignalBlocker(monitor_), QSignalBlocker(input_),     QSignalBlocker(source_),
                                       QSignalBlocker(model_),   QSignalBlocker(lowCut_),    QSignalBlocker(inputZ_),
                                       QSignalBlocker(gainKnob_), QSignalBlocker(volumeKnob_), QSignalBlocker(panKnob_)};
    const PreampSettings& preamp = track_.preamp;
    if (!nameEdit_->hasFocus() || nameEdit_->text() != track_.name) nameEdit_->setText(track_.name);
    arm_->setChecked(track_.armed);
    mute_->setChecked(track_.mute);
    solo_->setChecked(track_.solo);
    monitor_->setCurrentIndex(monitor_->findData(int(track_.monitor)));
    source_->setCurrentIndex(source_->findData(int(preamp.source)));
    model_->setCurrentIndex(model_->findData(int(preamp.model)));
    lowCut_->setCurrentIndex(lowCut_->findData(int(preamp.lowCut)));
    pad_->setChecked(preamp.pad);
    phase_->setChecked(preamp.phaseInverted);
    clipGuard_->setChecked(track_.clipGuard);
    keepRaw_->setChecked(track_.keepRaw);
    refreshClipGuardLight();

    const GainRange range = gainRangeFor(preamp.source);
    gainKnob_->setRange(toTenths(range.minDb), toTenths(range.maxDb));
    gainKnob_->setValue(toTenths(preamp.gainDb));
    gainKnob_->setToolTip(QStringLiteral("Gain: the preamp's gain, %1 to %2 for %3.\n"
                                         "Drag up or down (Shift: fine), arrow keys for 0.5 dB, Page Up/Down for 3 dB, double-click for 0 dB.")
                              .arg(gainText(range.minDb), gainText(range.maxDb), preamp.source == Source::Mic ? QStringLiteral("a mic")
                                                                                                            : QStringLiteral("DI")));
    volumeKnob_->setValue(toTenths(track_.volumeDb));
    panKnob_->setValue(static_cast<int>(std::lround(track_.pan * kPanSteps)));

    refreshInputs();
    refreshInputZ();
    refreshNames();
    if (trackMeter_->channelCount() != track_.input.channelCount()) {
        trackMeter_->setChannelCount(track_.input.channelCount());
        rawMeter_->setChannelCount(track_.input.channelCount());
    }
}

void TrackStrip::refreshInputs() {
    const QSignalBlocker blocker(input_);
    input_->clear();
    // Always offer the track's own input, even on a device with fewer inputs.
    const int channels = std::max<int>(static_cast<int>(inputNames_.size()), track_.input.channel + track_.input.channelCount());
    const auto nameOf = [this](int channel) {
        return channel < inputNames_.size() ? inputNames_[channel] : QStringLiteral("In %1").arg(channel + 1);
    };
    for (int c = 0; c < channels; ++c) input_->addItem(nameOf(c), inputKey({c, false}));
    if (channels > 1) input_->insertSeparator(input_->count());
    for (int c = 0; c + 1 < channels; ++c) {
        const QString first = nameOf(c);
        const QString second = nameOf(c + 1);
        // "In 1" and "In 2" make "In 1+2"; names that do not share a prefix are joined whole.
        qsizetype common = 0;
        while (common < first.size() && common < second.size() && first[common] == second[common]) ++common;
        while (common > 0 && first[common - 1].isDigit()) --common;
        const QString label = common > 0 ? first + QLatin1Char('+') + second.mid(common) : first + QStringLiteral(" + ") + second;
        input_->addItem(label, inputKey({c, true}));
        input_->setItemData(input_->count() - 1, QStringLiteral("Stereo: %1 left, %2 right").arg(first, second), Qt::ToolTipRole);
    }
    input_->setCurrentIndex(input_->findData(inputKey(track_.input)));
}

void TrackStrip::refreshInputZ() {
    const QSignalBlocker blocker(inputZ_);
    inputZ_->clear();
    std::vector<float> choices = inputImpedanceChoices(track_.preamp.source);
    const float current = track_.preamp.inputImpedanceOhms;
    const auto near = [current](float ohms) { return std::abs(ohms - current) <= ohms * 0.005f; };
    // A value set elsewhere (the command line, a preset) is shown as it is.
    if (std::none_of(choices.begin(), choices.end(), near)) {
        choices.push_back(current);
        std::sort(choices.begin(), choices.end());
    }
    const float interfaceDefault = defaultInputImpedanceOhms(track_.preamp.source);
    int selected = 0;
    for (float ohms : choices) {
        inputZ_->addItem(impedanceText(ohms), ohms);
        if (ohms == interfaceDefault)
            inputZ_->setItemData(inputZ_->count() - 1, QStringLiteral("The interface's own input: changes nothing"), Qt::ToolTipRole);
        if (near(ohms)) selected = inputZ_->count() - 1;
    }
    inputZ_->setCurrentIndex(selected);
}

void TrackStrip::refreshNames() {
    const QString name = track_.name.isEmpty() ? QStringLiteral("(unnamed)") : track_.name;
    arm_->setAccessibleName(QStringLiteral("Arm track %1").arg(name));
    arm_->setToolTip(QStringLiteral("Arm %1: it records when you press Record, and you hear its input while Monitor is Auto.").arg(name));
    mute_->setAccessibleName(QStringLiteral("Mute track %1").arg(name));
    mute_->setToolTip(QStringLiteral("Mute %1 in the mix and the export.").arg(name));
    solo_->setAccessibleName(QStringLiteral("Solo track %1").arg(name));
    solo_->setToolTip(QStringLiteral("Solo %1: hear only the soloed tracks.").arg(name));
    setAccessibleName(QStringLiteral("Track %1").arg(name));
}

void TrackStrip::refreshAutoGain() {
    switch (autoGainState_) {
    case AutoGainState::Idle:
        autoGain_->setText(QStringLiteral("Auto Gain"));
        autoGain_->setProgress(-1.0);
        autoGain_->setToolTip(QStringLiteral("Auto Gain: click, then play or sing your loudest part. Gainstage listens\n"
                                             "and sets the Gain so your peaks land in the window."));
        break;
    case AutoGainState::Listening:
        autoGain_->setText(autoGainSecondsLeft_ >= 0.0
                               ? QStringLiteral("Listening\u2026 %1 s  Stop").arg(static_cast<int>(std::ceil(autoGainSecondsLeft_)))
                               : QStringLiteral("Listening\u2026  Stop"));
        autoGain_->setProgress(autoGainFraction_);
        autoGain_->setToolTip(QStringLiteral("Listening: keep playing your loudest part. Click to stop early and use what was heard."));
        break;
    case AutoGainState::Analysing:
        autoGain_->setText(QStringLiteral("Analysing\u2026"));
        autoGain_->setProgress(1.0);
        autoGain_->setToolTip(QStringLiteral("Analysing what was heard: the Gain is set in a moment."));
        break;
    }
    autoGainCancel_->setVisible(autoGainState_ != AutoGainState::Idle);
}

void TrackStrip::setSelected(bool selected) {
    if (selected_ == selected) return;
    selected_ = selected;
    update();
}

void TrackStrip::setMeters(const MeterSnapshot& raw0, const MeterSnapshot& track0, const MeterSnapshot* raw1, const MeterSnapshot* track1) {
    rawMeter_->setSnapshot(0, raw0);
    trackMeter_->setSnapshot(0, track0);
    if (raw1) rawMeter_->setSnapshot(1, *raw1);
    if (track1) trackMeter_->setSnapshot(1, *track1);
    const bool clipped = raw0.status == WindowStatus::Clipped || track0.status == WindowStatus::Clipped ||
                         (raw1 && raw1->status == WindowStatus::Clipped) || (track1 && track1->status == WindowStatus::Clipped);
    if (clipped != metersClipped_) {
        metersClipped_ = clipped;
        refreshAdviceTone();
    }
}

void TrackStrip::setWindow(LevelWindow window) {
    trackMeter_->setWindow(window);
    rawMeter_->setWindow(window);
}

void TrackStrip::setAdvice(const QString& oneLine, bool clipping) {
    advice_ = oneLine;
    clipping_ = clipping;
    refreshAdviceTone();
}

void TrackStrip::refreshAdviceTone() {
    adviceLine_->setAdvice(advice_, clipping_ || metersClipped_);
}

void TrackStrip::setAutoGainState(AutoGainState state, double fraction, double secondsLeft) {
    autoGainState_ = state;
    autoGainFraction_ = std::clamp(fraction, 0.0, 1.0);
    autoGainSecondsLeft_ = secondsLeft;
    refreshAutoGain();
}

void TrackStrip::setClipGuardActive(bool active) {
    clipGuardActive_ = active;
    refreshClipGuardLight();
}

void TrackStrip::refreshClipGuardLight() {
    // Green while it stands guard, amber while it is taking gain off.
    if (!track_.clipGuard)
        clipGuard_->setLight(StripButton::Light::Off);
    else
        clipGuard_->setLight(clipGuardActive_ ? StripButton::Light::Active : StripButton::Light::Ready);
}

void TrackStrip::toggleArm() { arm_->click(); }
void TrackStrip::toggleMute() { mute_->click(); }
void TrackStrip::toggleSolo() { solo_->click(); }

void TrackStrip::commit(const SessionTrack& before, const QString& what) {
    emit edited(before, track_, what);
}

void TrackStrip::commitToggle(bool SessionTrack::*field, bool on, const QString& what) {
    const SessionTrack before = track_;
    track_.*field = on;
    commit(before, what);
}

void TrackStrip::applyKnob(GainKnob* knob, int value, SessionTrack& track) const {
    if (knob == gainKnob_)
        track.preamp.gainDb = static_cast<float>(value) / kTenthsPerDb;
    else if (knob == volumeKnob_)
        track.volumeDb = static_cast<float>(value) / kTenthsPerDb;
    else
        track.pan = static_cast<float>(value) / kPanSteps;
}

void TrackStrip::knobPressed(GainKnob*) {
    dragBefore_ = track_;
}

void TrackStrip::knobChanged(GainKnob* knob, int value) {
    if (knob->isSliderDown()) {
        applyKnob(knob, value, track_);
        emit livePreview(track_);
        return;
    }
    // A key, wheel notch or double-click: a step of its own.
    const SessionTrack before = track_;
    applyKnob(knob, value, track_);
    commit(before, knob->accessibleName());
}

void TrackStrip::knobReleased(GainKnob* knob, const QString& what) {
    const bool moved = (knob == gainKnob_ && dragBefore_.preamp.gainDb != track_.preamp.gainDb) ||
                       (knob == volumeKnob_ && dragBefore_.volumeDb != track_.volumeDb) || (knob == panKnob_ && dragBefore_.pan != track_.pan);
    if (moved) emit edited(dragBefore_, track_, what);
}

void TrackStrip::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const QPalette& pal = palette();
    const bool dark = isDark(pal);
    QColor background = pal.color(QPalette::Window);
    if (selected_) background = mix(background, pal.color(QPalette::Highlight), dark ? 0.20 : 0.13);
    painter.fillRect(rect(), background);
    // The left edge: the selection accent, or a thin red line while armed.
    if (selected_)
        painter.fillRect(QRect(0, 0, 4, height()), pal.color(QPalette::Highlight));
    else if (track_.armed)
        painter.fillRect(QRect(0, 0, 3, height()), kArmRed);
    painter.fillRect(QRect(0, height() - 1, width(), 1), mix(pal.color(QPalette::Window), pal.color(QPalette::Shadow), dark ? 0.6 : 0.22));
}

void TrackStrip::mousePressEvent(QMouseEvent* event) {
    emit selected();
    QFrame::mousePressEvent(event);
}

void TrackStrip::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Escape && autoGainState_ != AutoGainState::Idle) {
        emit autoGainCancelRequested();
        event->accept();
        return;
    }
    QFrame::keyPressEvent(event);
}

bool TrackStrip::eventFilter(QObject* watched, QEvent* event) {
    switch (event->type()) {
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonDblClick:
        emit selected();
        break;
    case QEvent::FocusIn:
        if (!selected_) emit selected();
        break;
    case QEvent::Resize:
        // Filters see the resize before the meter has laid itself out: align afterwards.
        if ((watched == trackMeter_ || watched == rawMeter_) && !alignPending_) {
            alignPending_ = true;
            QMetaObject::invokeMethod(this, [this] { alignRawMeter(); }, Qt::QueuedConnection);
        }
        break;
    case QEvent::KeyPress:
        if (watched == nameEdit_ && static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape) {
            nameEdit_->setText(track_.name);
            nameEdit_->clearFocus();
            return true;
        }
        break;
    default: break;
    }
    return QFrame::eventFilter(watched, event);
}

void TrackStrip::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) {
        // The separators' colour is worked out from the row's palette.
        for (QFrame* line : findChildren<QFrame*>(Qt::FindDirectChildrenOnly)) {
            if (line->frameShape() != QFrame::VLine) continue;
            QPalette pal = line->palette();
            pal.setColor(QPalette::WindowText, mix(palette().color(QPalette::Window), palette().color(QPalette::WindowText), 0.18));
            line->setPalette(pal);
        }
    }
    QFrame::changeEvent(event);
}

} // namespace gainstage
