#pragma once
// The transport bar: Record, Play, Stop, Return to start, the time display
// (min:sec or bars:beats), the metronome (on/off, tempo, count-in) and the
// input-monitoring state. A view: it emits what was pressed and shows what it
// is told. [GUI thread]

#include <QWidget>

class QDoubleSpinBox;
class QLabel;
class QComboBox;
class QSpinBox;
class QToolButton;

namespace gainstage {

class TransportBar final : public QWidget {
    Q_OBJECT
public:
    enum class TimeFormat { MinSec, BarsBeats };

    explicit TransportBar(QWidget* parent = nullptr);

    void setPosition(int64_t frames, double sampleRate);
    void setState(bool rolling, bool recording);
    // "Input monitoring: 2 tracks hear their input" (or "off").
    void setMonitoringText(const QString& text);
    void setMetronome(bool on, double bpm, int countInBars);
    TimeFormat timeFormat() const { return format_; }
    double tempo() const;
    int beatsPerBar() const { return 4; }
    QString timeText() const;

    QToolButton* recordButton() const { return record_; }
    QToolButton* playButton() const { return play_; }
    QToolButton* stopButton() const { return stop_; }
    QToolButton* startButton() const { return start_; }

signals:
    void recordClicked();
    void playClicked();
    void stopClicked();
    void returnToStartClicked();
    void metronomeChanged(bool on, double bpm, int countInBars);
    void timeFormatChanged(gainstage::TransportBar::TimeFormat format);

private:
    void showTime();

    QToolButton* start_;
    QToolButton* play_;
    QToolButton* stop_;
    QToolButton* record_;
    QLabel* time_;
    QComboBox* formatChoice_;
    QToolButton* click_;
    QDoubleSpinBox* tempo_;
    QSpinBox* countIn_;
    QLabel* monitoring_;
    TimeFormat format_ = TimeFormat::MinSec;
    int64_t frames_ = 0;
    double sampleRate_ = 48000.0;
};

} // namespace gainstage
