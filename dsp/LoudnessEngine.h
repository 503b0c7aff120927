#pragma once
// Programme loudness after ITU-R BS.1770-4 / EBU R128 for one or more channels:
// K-weighting per channel, channel weights, momentary (400 ms) and short-term
// (3 s) sliding windows, the maxima of both, and gated integrated loudness.
// Both Meter (one channel) and LoudnessMeter run on this. [prepare:
// non-real-time; process and getters: the thread that owns the state, usually
// the audio thread]
//
// Time is cut into 100 ms hops counted from reset() (round(fs / 10) samples,
// as libebur128 does). At the end of every hop the momentary and short-term
// values are compared with their maxima and, from the fourth hop on, the
// 400 ms block ending there is a gating block (75 % overlap) that updates the
// integrated loudness. Before 400 ms / 3 s have elapsed the windows count the
// time before reset() as silence, which is what a meter that starts at the
// first sample shows.
//
// Channel weights (BS.1770-4 Table 3): 1.0 for channels 0-2 (L, R, C), 1.41 for
// 3 and 4 (Ls, Rs); channels from 5 on get 1.0, since this project records
// music and voice, not 5.1 with an LFE (an LFE must be left out by the caller).
// Input must be finite; the meters sanitise it first.

#include <vector>

#include "dsp/KWeighting.h"
#include "dsp/LoudnessGate.h"
#include "dsp/MeterWindowSum.h"

namespace gainstage {

class LoudnessEngine {
public:
    static constexpr int kMomentaryHops = 4;   // 400 ms
    static constexpr int kShortTermHops = 30;  // 3 s

    static double channelWeight(int channel) noexcept { return channel == 3 || channel == 4 ? 1.41 : 1.0; }

    // [non-real-time] `maxChunk` is the largest n given to process().
    void prepare(double sampleRate, int channels, int maxChunk);
    // [non-real-time or audio thread]
    void reset() noexcept;
    // [audio thread] `channels` holds numChannels() finite signals of n <= maxChunk samples.
    void process(const float* const* channels, int n) noexcept;

    int numChannels() const noexcept { return static_cast<int>(filters_.size()); }
    int hopLength() const noexcept { return windows_.hopLength(); }

    double momentaryLufs() const noexcept;
    double shortTermLufs() const noexcept;
    double integratedLufs() const noexcept { return gate_.integratedLufs(); }
    double maxMomentaryLufs() const noexcept { return LoudnessGate::energyToLufs(maxMomentary_); }
    double maxShortTermLufs() const noexcept { return LoudnessGate::energyToLufs(maxShortTerm_); }

private:
    void endOfHop() noexcept;

    std::vector<KWeighting> filters_;
    std::vector<double> weights_;
    std::vector<double> filtered_; // one channel's K-weighted chunk
    std::vector<double> weighted_; // sum over channels of weight * filtered^2
    std::vector<float> energy_;    // the same, as stored in the windows
    int maxChunk_ = 0;
    MeterWindowSum windows_;       // window 0: momentary, window 1: short-term
    LoudnessGate gate_;
    double maxMomentary_ = 0.0;    // energies
    double maxShortTerm_ = 0.0;
};

} // namespace gainstage
