#pragma once
// Auto Gain, the pure algorithm (issue 5): given the RAW input of a take in
// which the user performed their loudest part, find the preamp Gain that puts
// the take's loudest TRUE peak after the preamp at the target (-3 dBTP by
// default, inside the -6..0 window).
//
// How it works, and why:
//  - Nonlinearity. Tube and Transformer compress as they are driven (and Clean
//    limits past its headroom), so "target minus raw peak" is wrong exactly
//    where it matters. The captured raw audio is rendered through a private
//    Preamp with the track's own settings (model, source, Pad, Low Cut, Input Z,
//    trim, calibration) at each candidate Gain, and the true peak of the
//    result is measured (BS.1770-4 detector). Candidates come from a secant
//    search on peak(Gain) - target, safeguarded by bisection once the target is
//    bracketed; it stops within kToleranceDb, typically after 2-4 renders.
//  - Stray transients. A single click or bump must not set the gain for the
//    whole performance. The take is cut into 100 ms blocks; the loudest block
//    is a stray transient when its peak is more than kStrayMarginDb above every
//    block at least 200 ms away AND the part of it above half its peak (-6 dB)
//    lasts under kStrayMaxSeconds. A stray is excluded (with 10 ms either side)
//    from the peak the target applies to; up to kMaxStrays are taken out,
//    loudest first. A real accent (a hard strum, a shouted word) lasts far
//    longer than 5 ms above -6 dB of its peak, so it counts.
//  - Interface clipping is judged on every raw sample (strays included): a
//    converter that clipped cannot be repaired digitally.
//
// Undo: the outcome carries the settings before and after (only gainDb
// differs). The UI makes ONE QUndoCommand from that pair (redo applies
// `after`, undo applies `before`, both through Preamp::setSettings), so an
// Auto Gain run is a single undoable change however many renders it took.
//
// [any thread but the audio thread] It allocates and takes tens of ms per
// render; `cancel` is polled between renders.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "dsp/PreampSettings.h"

namespace gainstage {

enum class AutoGainResult : uint8_t { Success, InputClipped, TooQuiet, TooLoud, NoSignal, Cancelled };

// "success", "input_clipped", "too_quiet", "too_loud", "no_signal", "cancelled" (the CLI's JSON values).
const char* autoGainResultName(AutoGainResult result) noexcept;

struct AutoGainOptions {
    float targetDbtp = -3.0f;     // where the loudest true peak should land
    float windowLowDb = -6.0f;    // the recording level window the target must be inside
    float windowHighDb = 0.0f;
};

struct AutoGainOutcome {
    AutoGainResult result = AutoGainResult::NoSignal;
    PreampSettings before;          // undo: the settings it started from
    PreampSettings after;           // redo: the same with the new Gain (== before unless Success: only Success changes anything)
    float gainDb = 0.0f;            // the Gain predictedPeakDbtp belongs to: after.gainDb on Success, the
                                    // Gain limit it reached for Too quiet / Too loud, else the current Gain
    float predictedPeakDbtp = -1.0e9f; // loudest true peak after the preamp at gainDb (strays excluded)
    float rawSamplePeakDb = -1.0e9f;   // of every raw sample
    float rawTruePeakDb = -1.0e9f;     // raw true peak, strays excluded
    float interfaceChangeDb = 0.0f; // InputClipped: negative (turn down by); TooQuiet: positive (raise by)
    int renders = 0;
    int strayTransients = 0;        // stray transients left out
    std::string message;            // one sentence for the user
};

class AutoGain {
public:
    static constexpr float kClipDbfs = -0.1f;        // raw sample peak at or above: the converter clipped
    static constexpr float kNoSignalDbfs = -70.0f;   // raw true peak below: nothing was played
    static constexpr float kToleranceDb = 0.05f;     // the search stops this close to the target
    static constexpr float kReachDb = 0.5f;          // at a Gain limit, this far off the target still counts as reached
    static constexpr float kStrayMarginDb = 6.0f;
    static constexpr double kStrayMaxSeconds = 0.005;
    static constexpr int kMaxStrays = 3;
    static constexpr int kMaxRenders = 16;
    static constexpr float kMinTargetDbtp = -20.0f;
    static constexpr float kMaxTargetDbtp = 0.0f;

    // `channels`: planar raw audio (1 or 2 channels are used), all the same length.
    static AutoGainOutcome run(const std::vector<std::vector<float>>& channels, double sampleRate, const PreampSettings& current,
                               const AutoGainOptions& options = {}, const std::atomic<bool>* cancel = nullptr);

    // The loudest true peak (dBTP) of `channels` through a preamp with `settings`,
    // latency compensated, over every sample. For tests and the CLI's check.
    static float renderedTruePeakDb(const std::vector<std::vector<float>>& channels, double sampleRate, const PreampSettings& settings);
};

} // namespace gainstage
