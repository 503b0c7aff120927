#pragma once
// One track's row in the studio window: name, Arm, Monitor, Mute, Solo and the
// input; the preamp (Source, Model, Gain, Pad, Low Cut, Phase, Input Z); Auto
// Gain, Clip Guard and Keep raw; Volume and Pan; the track meter with the
// small Interface (raw) meter beside it and one line of advice under them.
//
// The row is a view and controller of ONE SessionTrack value and nothing else:
// it never talks to the engine or the undo stack. Its owner pushes values in
// (setTrack, setMeters, setAdvice...) and listens:
// - livePreview(now) while a knob is being dragged: apply it to the engine, no
//   undo step yet;
// - edited(before, after, what) for each committed change, one undo step each.
//   A drag commits once, at the release, with `before` as it was at the press.
//   Keyboard and wheel steps on a knob commit per step with the same `what`
//   ("Gain", "Volume", "Pan") so the owner may merge consecutive ones.
//   Switching Source is one edit that also resets Input Z to that source's
//   default and brings Gain into the new source's range.
// setTrack() and every other setter emit nothing, so the owner can push a
// value back (after undo, or after the engine clamped it) without echoes.
//
// [GUI thread]

#include <QFrame>
#include <QString>
#include <QStringList>

#include <vector>

#include "core/Session.h"
#include "core/SourcePresets.h"
#include "dsp/Meter.h"

class QAbstractButton;
class QComboBox;
class QLineEdit;
class QMenu;
class QToolButton;

namespace gainstage {

class GainKnob;
class MeterWidget;
class StripButton;
class StripCombo;
class StripAdviceLine;

class TrackStrip : public QFrame {
    Q_OBJECT
public:
    enum class AutoGainState { Idle, Listening, Analysing };

    explicit TrackStrip(QWidget* parent = nullptr);

    // Shows `track`; emits nothing.
    void setTrack(const SessionTrack& track);
    const SessionTrack& track() const { return track_; }

    // The device's input channel names ("In 1", "In 2", ...). The input menu
    // offers each of them and each adjacent pair as a stereo input ("In 1+2").
    void setInputNames(const QStringList& names);

    // The highlighted row (the one keyboard A/M/S act on).
    void setSelected(bool selected);
    bool isSelected() const { return selected_; }

    // The latest meter readings (the owner polls at 60 Hz). raw1/track1 are the
    // second channel of a stereo input, null for a mono one.
    void setMeters(const MeterSnapshot& raw0, const MeterSnapshot& track0, const MeterSnapshot* raw1, const MeterSnapshot* track1);
    void setWindow(LevelWindow window);

    // The assistant's one line ("Raise Gain by about 4.5 dB."), "" for none.
    // Shown amber; red when `clipping` or when either meter latched a clip.
    void setAdvice(const QString& oneLine, bool clipping = false);
    QString advice() const { return advice_; }

    // What the Auto Gain button shows: "Auto Gain"; "Listening… 4 s  Stop"
    // with `fraction` (0..1) of the listening time filled in (a second click
    // stops early); "Analysing…". Cancel (the small button, or Esc) is offered
    // while listening or analysing. `secondsLeft` < 0 leaves the count out.
    void setAutoGainState(AutoGainState state, double fraction = 0.0, double secondsLeft = -1.0);
    AutoGainState autoGainState() const { return autoGainState_; }

    // The light on the Clip Guard button: Clip Guard is reducing gain right now.
    void setClipGuardActive(bool active);
    bool clipGuardActive() const { return clipGuardActive_; }

    MeterWidget* trackMeter() { return trackMeter_; }
    MeterWidget* rawMeter() { return rawMeter_; }

    // Direct access for the owner's keyboard shortcuts and for tests.
    GainKnob* gainKnob() { return gainKnob_; }
    GainKnob* volumeKnob() { return volumeKnob_; }
    GainKnob* panKnob() { return panKnob_; }
    QLineEdit* nameEdit() { return nameEdit_; }
    QComboBox* inputCombo();
    QComboBox* monitorCombo();
    QComboBox* sourceCombo();
    QComboBox* modelCombo();
    QComboBox* lowCutCombo();
    QComboBox* inputZCombo();
    QAbstractButton* armButton();
    QAbstractButton* muteButton();
    QAbstractButton* soloButton();
    QAbstractButton* padButton();
    QAbstractButton* phaseButton();
    QAbstractButton* clipGuardButton();
    QAbstractButton* keepRawButton();
    QAbstractButton* autoGainButton();
    QAbstractButton* autoGainCancelButton();
    QToolButton* presetButton() { return presetButton_; }
    QMenu* presetMenu() { return presetMenu_; }

    // The presets the Source menu offers (the built-in ones unless told otherwise).
    void setSourcePresets(std::vector<SourcePreset> presets);

    // Input Z choices for a source, in ohms, and how one reads ("1.2 kΩ", "1 MΩ").
    static std::vector<float> inputImpedanceChoices(Source source);
    static QString impedanceText(float ohms);
    // "+24.0 dB", "-3.5 dB", "0.0 dB".
    static QString gainText(double db);

public slots:
    // The same as clicking the button: each commits one edit.
    void toggleArm();
    void toggleMute();
    void toggleSolo();

signals:
    // A press anywhere on the row, or focus moving into it.
    void selected();
    // A knob (Gain, Volume, Pan) is being dragged: apply `now`, no undo step yet.
    void livePreview(const gainstage::SessionTrack& now);
    // One committed change, one undo step. `what`: "Rename", "Arm", "Monitor",
    // "Mute", "Solo", "Input", "Source", "Model", "Gain", "Pad", "Low Cut",
    // "Phase", "Input Z", "Clip Guard", "Keep raw", "Volume", "Pan".
    void edited(const gainstage::SessionTrack& before, const gainstage::SessionTrack& after, const QString& what);
    void autoGainRequested();       // the button, idle
    void autoGainStopRequested();   // the button again while listening: judge what was heard
    void autoGainCancelRequested(); // Cancel or Esc while listening or analysing
    // A clip light was clicked (both lights are out now): reset the engine's
    // clip latch of this track's meters.
    void clipResetRequested();
    // A Source preset was picked; the owner applies preset.preamp as one edit.
    void presetChosen(const gainstage::SourcePreset& preset);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void buildControls();
    void buildLayout();
    void refresh();              // every control from track_, signals blocked
    void refreshInputs();
    void refreshInputZ();
    void refreshNames();         // accessible names and tooltips that carry the track name
    void refreshAutoGain();
    void refreshAdviceTone();
    void refreshClipGuardLight();
    void refreshPresetMenu();
    void alignRawMeter();
    void commit(const SessionTrack& before, const QString& what);
    void commitToggle(bool SessionTrack::*field, bool on, const QString& what);
    void knobPressed(GainKnob* knob);
    void knobChanged(GainKnob* knob, int value);
    void knobReleased(GainKnob* knob, const QString& what);
    void applyKnob(GainKnob* knob, int value, SessionTrack& track) const;

    SessionTrack track_;
    SessionTrack dragBefore_; // the value at the press of the knob being dragged
    QStringList inputNames_;
    std::vector<SourcePreset> presets_;
    bool selected_ = false;
    bool clipGuardActive_ = false;
    bool clipping_ = false;
    bool metersClipped_ = false;
    bool alignPending_ = false;
    QString advice_;
    AutoGainState autoGainState_ = AutoGainState::Idle;
    double autoGainFraction_ = 0.0;
    double autoGainSecondsLeft_ = -1.0;

    QLineEdit* nameEdit_ = nullptr;
    StripButton* arm_ = nullptr;
    StripButton* mute_ = nullptr;
    StripButton* solo_ = nullptr;
    StripCombo* monitor_ = nullptr;
    StripCombo* input_ = nullptr;
    StripCombo* source_ = nullptr;
    QToolButton* presetButton_ = nullptr;
    QMenu* presetMenu_ = nullptr;
    StripCombo* model_ = nullptr;
    GainKnob* gainKnob_ = nullptr;
    StripButton* pad_ = nullptr;
    StripButton* phase_ = nullptr;
    StripCombo* lowCut_ = nullptr;
    StripCombo* inputZ_ = nullptr;
    StripButton* autoGain_ = nullptr;
    StripButton* autoGainCancel_ = nullptr;
    StripButton* clipGuard_ = nullptr;
    StripButton* keepRaw_ = nullptr;
    GainKnob* volumeKnob_ = nullptr;
    GainKnob* panKnob_ = nullptr;
    MeterWidget* trackMeter_ = nullptr;
    MeterWidget* rawMeter_ = nullptr;
    StripAdviceLine* adviceLine_ = nullptr;
};

} // namespace gainstage
