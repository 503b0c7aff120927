#pragma once
// The Monitor panel: the controls of the monitor section (Speakers or
// Headphones, speaker model, amp, crossfeed, monitor volume, Dim, Mono, Mute)
// as a compact panel for the bottom or the right of the studio window.
//
// A pure view and controller of one MonitorSettings value: it never touches
// the engine. The owner applies what it emits (to Engine::monitor() and to the
// per-device preferences) and feeds back the read-outs the engine measures.
//   - livePreview: while a slider is dragged, every step (apply it, do not
//     record it);
//   - edited: once per committed change (a click, a choice, a released
//     slider, a key press), with the value before and after: one undo step.
// setSettings() shows a value and emits nothing, so undo/redo and loading a
// device's preferences cannot echo back as new edits.
//
// What is heard, never what is recorded: the panel's tooltip says so.
//
// Threads: [GUI thread], all of it.

#include <QMetaType>
#include <QString>
#include <QWidget>

#include "dsp/MonitorChain.h"

class QAbstractButton;
class QBoxLayout;
class QButtonGroup;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;

namespace gainstage {

class MonitorPanel final : public QWidget {
    Q_OBJECT
public:
    explicit MonitorPanel(QWidget* parent = nullptr);

    // [GUI thread] Shows `settings`; emits nothing.
    void setSettings(const MonitorSettings& settings);
    MonitorSettings settings() const { return settings_; }

    // [GUI thread] From MonitorSection::listeningLevelDbSpl(), a few times a second:
    // "≈ 84 dB SPL at 1 m", or "—" for NaN (Headphones, Flat: no speaker to ask).
    void setListeningLevel(double dbSpl);
    // [GUI thread] From MonitorSection::dampingFactor(): "damping 160" beside the amp.
    // The panel also works it out itself whenever the amp changes, so it is never stale.
    void setDampingFactor(double dampingFactor);

    // Horizontal for a dock at the bottom (sections side by side), vertical for
    // one at the right (sections stacked). Vertical by default.
    void setOrientation(Qt::Orientation orientation);
    Qt::Orientation orientation() const { return orientation_; }

    // What the read-outs show now (for the owner's status line and for tests).
    QString listeningLevelText() const;
    QString dampingText() const;
    QString volumeText() const;

signals:
    void livePreview(const gainstage::MonitorSettings& now);
    void edited(const gainstage::MonitorSettings& before, const gainstage::MonitorSettings& after, const QString& what);

private:
    QWidget* buildOutputSection();
    QWidget* buildSpeakerSection();
    QWidget* buildHeadphonesSection();
    QWidget* buildLevelSection();

    // Puts `after` in place and records one undo step, unless nothing changed.
    void commit(const MonitorSettings& after, const QString& what);
    // Slider drags: previews while held, one undo step on release.
    void connectDrag(QSlider* slider, void (MonitorPanel::*apply)(MonitorSettings&, int) const, const QString& what);
    void applyVolume(MonitorSettings& s, int position) const;
    void applyAmpGain(MonitorSettings& s, int position) const;

    // Brings every control in line with settings_ without emitting anything.
    void refresh();
    void refreshAmpChoices();
    void refreshCrossfeedChoices();
    void refreshVisibility();
    void refreshReadouts();

    MonitorSettings settings_;
    MonitorSettings dragStart_;
    bool dragging_ = false;
    Qt::Orientation orientation_ = Qt::Vertical;
    double listeningLevel_;
    double dampingFactor_;

    QBoxLayout* sections_ = nullptr;
    QButtonGroup* outputGroup_ = nullptr;
    QPushButton* speakersButton_ = nullptr;
    QPushButton* headphonesButton_ = nullptr;
    QWidget* speakerSection_ = nullptr;
    QWidget* headphonesSection_ = nullptr;
    QComboBox* speaker_ = nullptr;
    QComboBox* ampPower_ = nullptr;
    QComboBox* ampType_ = nullptr;
    QLabel* damping_ = nullptr;
    QSlider* ampGain_ = nullptr;
    QLabel* ampGainValue_ = nullptr;
    QPushButton* ampSag_ = nullptr;
    QComboBox* crossfeed_ = nullptr;
    QSlider* volume_ = nullptr;
    QLabel* volumeValue_ = nullptr;
    QLabel* listening_ = nullptr;
    QPushButton* dim_ = nullptr;
    QPushButton* mono_ = nullptr;
    QPushButton* mute_ = nullptr;
};

} // namespace gainstage

Q_DECLARE_METATYPE(gainstage::MonitorSettings)
