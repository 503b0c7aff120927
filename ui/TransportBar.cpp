// The transport bar. [GUI thread]
#include "ui/TransportBar.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>

#include <cmath>

namespace gainstage {

namespace {

QToolButton* transportButton(QWidget* parent, const QString& name, QStyle::StandardPixmap icon, const QString& text,
                             const QString& tip) {
    auto* button = new QToolButton(parent);
    button->setObjectName(name);
    button->setIcon(parent->style()->standardIcon(icon));
    button->setText(text);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button->setToolTip(tip);
    button->setAccessibleName(text);
    button->setAutoRaise(false);
    button->setMinimumHeight(30);
    return button;
}

} // namespace

TransportBar::TransportBar(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->setSpacing(6);

    start_ = transportButton(this, QStringLiteral("returnToStart"), QStyle::SP_MediaSkipBackward, tr("Start"),
                             tr("Return to the start of the session (Home)"));
    play_ = transportButton(this, QStringLiteral("play"), QStyle::SP_MediaPlay, tr("Play"), tr("Play from the playhead (Space)"));
    play_->setCheckable(true);
    stop_ = transportButton(this, QStringLiteral("stop"), QStyle::SP_MediaStop, tr("Stop"), tr("Stop playing or recording (Space)"));
    record_ = transportButton(this, QStringLiteral("record"), QStyle::SP_DialogYesButton, tr("Record"),
                              tr("Record the armed tracks from the playhead (R or Shift+R)"));
    record_->setCheckable(true);
    record_->setIcon(QIcon());
    record_->setText(QStringLiteral("\u25CF ") + tr("Record"));
    for (QToolButton* b : {start_, play_, stop_, record_}) layout->addWidget(b);
    connect(start_, &QToolButton::clicked, this, &TransportBar::returnToStartClicked);
    connect(play_, &QToolButton::clicked, this, [this] {
        play_->setChecked(!play_->isChecked()); // the state comes back through setState()
        emit playClicked();
    });
    connect(stop_, &QToolButton::clicked, this, &TransportBar::stopClicked);
    connect(record_, &QToolButton::clicked, this, [this] {
        record_->setChecked(!record_->isChecked());
        emit recordClicked();
    });

    time_ = new QLabel(this);
    time_->setObjectName(QStringLiteral("timeDisplay"));
    time_->setToolTip(tr("The playhead"));
    time_->setAccessibleName(tr("Time"));
    time_->setMinimumWidth(150);
    time_->setAlignment(Qt::AlignCenter);
    layout->addSpacing(8);
    layout->addWidget(time_);

    formatChoice_ = new QComboBox(this);
    formatChoice_->addItems({tr("min:sec"), tr("bars:beats")});
    formatChoice_->setToolTip(tr("Show time in minutes and seconds, or in bars and beats at the metronome's tempo"));
    formatChoice_->setAccessibleName(tr("Time format"));
    layout->addWidget(formatChoice_);
    connect(formatChoice_, &QComboBox::currentIndexChanged, this, [this](int index) {
        format_ = index == 1 ? TimeFormat::BarsBeats : TimeFormat::MinSec;
        showTime();
        emit timeFormatChanged(format_);
    });

    layout->addSpacing(12);
    click_ = new QToolButton(this);
    click_->setObjectName(QStringLiteral("metronome"));
    click_->setText(tr("Click"));
    click_->setCheckable(true);
    click_->setToolTip(tr("Metronome: a click while playing and recording (heard only, never recorded)"));
    click_->setAccessibleName(tr("Metronome"));
    layout->addWidget(click_);
    tempo_ = new QDoubleSpinBox(this);
    tempo_->setRange(30.0, 300.0);
    tempo_->setDecimals(1);
    tempo_->setValue(120.0);
    tempo_->setSuffix(tr(" BPM"));
    tempo_->setToolTip(tr("Tempo of the metronome and of the bars:beats display"));
    tempo_->setAccessibleName(tr("Tempo"));
    layout->addWidget(tempo_);
    countIn_ = new QSpinBox(this);
    countIn_->setRange(0, 4);
    countIn_->setPrefix(tr("Count-in "));
    countIn_->setSuffix(tr(" bar(s)"));
    countIn_->setToolTip(tr("Bars of click before recording starts (0: none)"));
    countIn_->setAccessibleName(tr("Count-in bars"));
    layout->addWidget(countIn_);
    const auto metronome = [this] {
        showTime();
        emit metronomeChanged(click_->isChecked(), tempo_->value(), countIn_->value());
    };
    connect(click_, &QToolButton::toggled, this, metronome);
    connect(tempo_, &QDoubleSpinBox::valueChanged, this, metronome);
    connect(countIn_, &QSpinBox::valueChanged, this, metronome);

    layout->addSpacing(12);
    monitoring_ = new QLabel(this);
    monitoring_->setToolTip(tr("Which tracks you hear live through the monitor outputs (set per track: Monitor Auto / In / Off)"));
    monitoring_->setAccessibleName(tr("Input monitoring"));
    layout->addWidget(monitoring_);
    layout->addStretch(1);
    showTime();
}

void TransportBar::setPosition(int64_t frames, double sampleRate) {
    if (frames == frames_ && sampleRate == sampleRate_) return;
    frames_ = frames;
    sampleRate_ = sampleRate > 0.0 ? sampleRate : 48000.0;
    showTime();
}

void TransportBar::setState(bool rolling, bool recording) {
    play_->setChecked(rolling && !recording);
    record_->setChecked(recording);
}

void TransportBar::setMonitoringText(const QString& text) {
    if (monitoring_->text() != text) monitoring_->setText(text);
}

void TransportBar::setMetronome(bool on, double bpm, int countInBars) {
    const QSignalBlocker a(click_), b(tempo_), c(countIn_);
    click_->setChecked(on);
    tempo_->setValue(bpm);
    countIn_->setValue(countInBars);
    showTime();
}

double TransportBar::tempo() const { return tempo_->value(); }

QString TransportBar::timeText() const { return time_->text(); }

void TransportBar::showTime() {
    const double seconds = static_cast<double>(frames_) / sampleRate_;
    QString text;
    if (format_ == TimeFormat::MinSec) {
        const int64_t tenths = static_cast<int64_t>(std::floor(seconds * 1000.0));
        text = QStringLiteral("%1:%2.%3")
                   .arg(tenths / 60000)
                   .arg((tenths / 1000) % 60, 2, 10, QLatin1Char('0'))
                   .arg(tenths % 1000, 3, 10, QLatin1Char('0'));
    } else {
        const double beats = seconds * tempo_->value() / 60.0;
        const int64_t whole = static_cast<int64_t>(std::floor(beats));
        const int ticks = static_cast<int>(std::floor((beats - whole) * 100.0));
        text = QStringLiteral("%1.%2.%3")
                   .arg(whole / beatsPerBar() + 1, 3, 10, QLatin1Char(' '))
                   .arg(whole % beatsPerBar() + 1)
                   .arg(ticks, 2, 10, QLatin1Char('0'));
    }
    if (time_->text() != text) time_->setText(text);
}

} // namespace gainstage
