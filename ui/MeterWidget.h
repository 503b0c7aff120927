#pragma once
// The level meter on a track row of the studio window: one horizontal bar per
// channel (mono or stereo, stacked) on the MeterScale, drawn so that the
// target window (-6..0 dBFS by default) is the first thing the eye finds.
//
// It shows the peak bar coloured by zone (under the window teal, in it green,
// over 0 dBFS red, and amber between the window's top and 0 when the window
// ends below 0), the RMS as a brighter inner bar, the peak-hold line, the held
// true peak as a small triangle, the loudest true peak since reset as a number
// (click to reset) and a clip light that stays on until it is clicked. The
// compact variant (setCompact) is the thin "Interface" meter beside the main
// one: window band, peak bar and clip light only.
//
// Invariants: the widget never talks to the engine; its owner polls
// MeterSnapshots (60 Hz) and hands them over with setSnapshot(), which asks
// for a repaint only when something on screen changed. Painting allocates
// nothing per frame: rectangles, colours and label texts are worked out when
// the size, palette, window or displayed number change. [GUI thread]

#include <QColor>
#include <QElapsedTimer>
#include <QFont>
#include <QRect>
#include <QStaticText>
#include <QString>
#include <QWidget>

#include <array>
#include <cstdint>
#include <limits>

#include "dsp/Meter.h"

namespace gainstage {

class MeterWidget final : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxChannels = 2;
    // Sample peaks at or above this count as a clip for the clip light.
    static constexpr float kClipSamplePeakDb = -0.1f;

    explicit MeterWidget(QWidget* parent = nullptr);

    // [GUI thread] 1 (mono) or 2 (stereo, two stacked bars); clamped to 1..2.
    // Forgets what the channels showed.
    void setChannelCount(int channels);
    int channelCount() const { return channelCount_; }

    // [GUI thread] The target window drawn as the green band; ignored unless
    // lowDb < highDb.
    void setWindow(LevelWindow window);
    LevelWindow window() const { return window_; }

    // [GUI thread] The latest snapshot of one channel (0-based; others ignored).
    void setSnapshot(int channel, const MeterSnapshot& snapshot);

    // [GUI thread] The thin Interface variant: band, peak bar and clip light.
    void setCompact(bool compact);
    bool isCompact() const { return compact_; }

    // [GUI thread] The clip light holds until it is clicked or cleared here.
    bool clipLit() const { return clipLit_; }
    // [GUI thread] The number in the max box: "-3.2", "+0.5", "-inf".
    QString maxText() const { return maxText_; }

    // [GUI thread] Where things are, in widget coordinates (for clicks and tests).
    QRect scaleRect() const { return scaleRect_; }      // the bars; x = left + MeterScale::dbToPixel(db, width)
    QRect laneRect(int channel) const;                  // one channel's bar
    QRect maxRect() const { return maxRect_; }          // empty when compact
    QRect clipLightRect() const { return clipRect_; }

    // [any thread] How a level reads in the max box and the accessible text.
    static QString levelText(float db);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

public slots:
    // [GUI thread] Turn the clip light off without telling anyone (the owner
    // calls this when it reset the engine's meter itself).
    void clearClip();
    // [GUI thread] Start the max over from silence.
    void resetMax();

signals:
    // The user clicked the clip light: reset the engine's clip latch.
    void clipResetRequested();
    // The user clicked the max number: reset the engine's meter maxima.
    void resetMaxRequested();

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;
    bool event(QEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void focusInEvent(QFocusEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;

private:
    static bool isResetKey(const QKeyEvent* event);
    enum class Zone : uint8_t { Below, InWindow, Hot, Over };
    static constexpr int kZones = 4;

    struct Channel {
        bool seen = false;
        MeterSnapshot last{};
        // On-screen positions in pixels along the scale; -1 when not drawn.
        int barPx = 0;
        int rmsPx = 0;
        int holdPx = -1;
        int truePeakPx = -1;
        bool truePeakOver = false;
        // The max shown: the engine's maxTruePeakDb, or after resetMax() our
        // own running max until the engine's meter is seen to restart.
        float maxDb = -std::numeric_limits<float>::infinity();
        bool maxLocal = false;
        uint64_t maxResetFrames = 0;
    };

    struct Palette {
        QColor window, trough, band, bandEdge, bandTick, overZone, tick, label, windowLabel, frame;
        std::array<QColor, kZones> bar, rms, hold;
        QColor truePeak, truePeakOver, clipOff, clipOffRim, clipOn, clipOnCore, maxBox;
    };

    void updateLayout();
    void updateColours();
    void updateLabels();
    void updateMaxText();
    void updateDescription(bool force);
    bool placeChannel(Channel& channel) const;
    Zone zoneOf(float db) const;
    int zonePixel(Zone zone) const; // first pixel column of a zone along the scale
    void fillZoned(QPainter& painter, const QRect& lane, int fromPx, int toPx,
                   const std::array<QColor, kZones>& colours) const;
    QString generalToolTip() const;
    QString toolTipAt(const QPoint& pos) const;
    QString describeLevels() const;

    int channelCount_ = 1;
    LevelWindow window_{};
    bool compact_ = false;
    bool clipLit_ = false;
    std::array<Channel, kMaxChannels> channels_{};

    // Layout, recomputed on resize.
    QRect scaleRect_, labelRect_, maxRect_, clipRect_;
    std::array<QRect, kMaxChannels> lanes_{};
    int windowLowPx_ = 0, windowHighPx_ = 0, zeroPx_ = 0;
    std::array<int, 6> tickPx_{};
    struct Label {
        QPoint at;
        QStaticText text;
        bool windowEdge = false;
        bool visible = false;
    };
    std::array<Label, 6> labels_{};
    QFont labelFont_, maxFont_;
    Palette colours_{};

    QString maxText_ = QStringLiteral("-inf");
    QStaticText maxStatic_;
    Zone maxZone_ = Zone::Below;
    bool maxSilent_ = true;
    int maxTenths_ = std::numeric_limits<int>::min();

    QElapsedTimer descriptionTimer_;
    QString description_;

    enum class Press : uint8_t { None, Clip, Max };
    Press press_ = Press::None;
};

} // namespace gainstage
