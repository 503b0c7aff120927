#pragma once
// "Which knob to turn" (issue 5): live advice per track from the two meters a
// track has, the raw meter (what the interface's converter delivers) and the
// track meter (what the virtual preamp makes of it). Because Gainstage sees
// both sides it can say whether the interface's gain or the virtual Gain is
// the one to move.
//
// Rules, in order of priority:
//  1. raw sample peak >= -0.1 dBFS: "Interface input is clipping: turn its gain down."
//     (nothing else is said: no setting after the converter can fix it);
//  2. raw peak < -40 dBFS while the virtual Gain is above +20 dB: "Turn the
//     interface's gain up and the virtual gain down: virtual gain raises the noise too.";
//  3. track true peak below the window: "Raise Gain by about N dB.";
//  4. track true peak above the window's top (0 dBFS by default): "Lower Gain by about N dB."
//  N moves the peak to the middle of the window (-3 dBFS for -6..0), in 0.5 dB steps.
//  Nothing is advised while the raw input is silent (below -70 dBFS).
//
// Threads: GainAdvisor runs on the meter thread (the one that reads the
// MeterSnapshots), never on the audio thread. It holds each peak for
// kHoldSeconds so that the advice reflects the performance, not the last
// block, and does not flicker between syllables or notes.

#include <QString>

#include <cstdint>
#include <deque>
#include <vector>

#include "dsp/Meter.h"

namespace gainstage {

enum class GainAdviceKind : uint8_t { InterfaceClipping, InterfaceGainUp, RaiseGain, LowerGain };

// "interface_clipping", "interface_gain_up", "raise_gain", "lower_gain" (the CLI's JSON values).
const char* gainAdviceKindName(GainAdviceKind kind) noexcept;

struct GainAdvice {
    GainAdviceKind kind = GainAdviceKind::RaiseGain;
    float db = 0.0f; // how far to turn, positive; 0 where the rule names no amount
    QString text;    // one sentence for the UI and the CLI

    bool operator==(const GainAdvice&) const = default;
};

struct GainAdviceLevels {
    float rawSamplePeakDb = -1.0e9f; // held raw sample peak
    float rawPeakDb = -1.0e9f;       // held raw true peak
    float trackPeakDb = -1.0e9f;     // held track true peak (after the preamp)
    float virtualGainDb = 0.0f;      // the preamp's Gain
    LevelWindow window;
};

inline constexpr float kAdviceClipDbfs = -0.1f;
inline constexpr float kAdviceRawLowDbfs = -40.0f;
inline constexpr float kAdviceHighVirtualGainDb = 20.0f;
inline constexpr float kAdviceSilenceDbfs = -70.0f;

// [any thread] The rules on already-held levels.
std::vector<GainAdvice> adviseGain(const GainAdviceLevels& levels);

// [meter thread] Holds the peaks of consecutive snapshots over kHoldSeconds.
class GainAdvisor {
public:
    static constexpr double kHoldSeconds = 3.0;

    void setWindow(LevelWindow window) { window_ = window; }
    void reset() { history_.clear(); }
    // One snapshot pair at `nowSeconds` (any monotonic clock). Returns the advice.
    std::vector<GainAdvice> update(const MeterSnapshot& raw, const MeterSnapshot& track, float virtualGainDb, double nowSeconds);
    // The held levels behind the last advice.
    GainAdviceLevels heldLevels() const { return held_; }

private:
    struct Entry {
        double time;
        float rawSample, rawTrue, track;
    };
    std::deque<Entry> history_;
    LevelWindow window_;
    GainAdviceLevels held_;
};

} // namespace gainstage
