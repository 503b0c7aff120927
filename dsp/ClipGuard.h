#pragma once
// Clip Guard: an optional safety stage after the preamp that keeps what is
// recorded below a true-peak ceiling (default -0.3 dBTP), with no latency.
//
// Design (issue 5):
//  - No lookahead, so no latency: the stage is a gain g[n] applied to the
//    sample as it arrives, the same gain on every channel (the stereo image
//    does not move).
//  - The level it compares with the ceiling is the largest of
//      * the causal BS.1770 true peak of the input (dsp/TruePeakDetector: exact,
//        but it completes an intersample point about 6 samples late);
//      * the current sample times the fast ratio: the largest ratio of the last
//        few completed intersample points to their own two neighbouring
//        samples. It predicts the intersample peak next to the sample that has
//        just arrived, so the guard engages from idle before an over is formed
//        from samples already passed at unity (waiting for the detector let
//        the ~6 samples in between overshoot by what a fast rise adds). It reads
//        only the points around the sample, not a ratio held over 50 ms, so it
//        is a close estimate and not a worst case: a signal whose true peak
//        stays under the ceiling does not normally reach it (the bit-identity
//        test's material, scaled up, first engages between -0.31 and -0.20
//        dBTP), but this is measured, not guaranteed;
//      * engaged only, the current sample times the intersample ratio learnt
//        from the recent past (true peak over the local sample peak; it falls
//        back towards 1 over kRatioReleaseSeconds).
//    When that level exceeds the ceiling the
//    gain drops at once to what brings it to the ceiling, holds kHoldSeconds (longer than the true-peak
//    filter's reach, so the gain is steady while the intersample points around
//    a peak are formed) and then returns to unity with kReleaseSeconds (an
//    exponential aimed just above unity, so it arrives in finite time). A
//    gain that only moves at peaks of a steady or slowly rising signal does
//    not click.
//  - Transparent below the ceiling: as long as the level never exceeds the
//    ceiling the gain is exactly 1 and the samples are passed through
//    untouched: the output is bit-identical to the input.
//  - Activity (how often it engaged, for how many samples, and the deepest
//    gain reduction) is counted in atomics any thread may read, for the take
//    report; resetActivity() clears them.
//
// Limitation, stated: a full-scale burst out of silence (no intersample point
// of it measured yet, so no ratio) can overshoot the ceiling by its own
// intersample excess for the first ~6 samples; the sample itself is always
// held under the ceiling. Material that rises over milliseconds, as audio
// does, is held to the ceiling in true peak from the first sample engaged
// (tests/test_clipguard.cpp: 0.5 to 20 dB over).

#include <atomic>
#include <cstdint>
#include <memory>

#include "dsp/Processor.h"

namespace gainstage {

struct ClipGuardActivity {
    uint64_t engagements = 0;    // times the gain left unity
    uint64_t samplesActive = 0;  // frames processed with a gain below unity
    float maxReductionDb = 0.0f; // deepest gain reduction, dB (>= 0)
};

class ClipGuard final : public Processor {
public:
    static constexpr float kDefaultCeilingDbtp = -0.3f;
    static constexpr double kHoldSeconds = 0.010;
    static constexpr double kReleaseSeconds = 0.050;
    static constexpr double kRatioReleaseSeconds = 0.05;

    ClipGuard();
    ~ClipGuard() override;

    // [non-real-time] Up to 2 channels.
    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    // [non-real-time or audio thread] Clears the detector and gain state (not the activity counts).
    void reset() noexcept override;
    // [audio thread] In place; block.numFrames() may exceed maxBlockSize (it is split).
    void process(AudioBlock& block) noexcept override;
    int latencySamples() const noexcept override { return 0; }

    // [any thread] The ceiling in dBTP, -20..0. Takes effect at the next block.
    void setCeilingDbtp(float dbtp) noexcept;
    float ceilingDbtp() const noexcept { return ceilingDbtp_.load(std::memory_order_relaxed); }

    // [any thread]
    ClipGuardActivity activity() const noexcept;
    void resetActivity() noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::atomic<float> ceilingDbtp_{kDefaultCeilingDbtp};
    std::atomic<uint64_t> engagements_{0};
    std::atomic<uint64_t> samplesActive_{0};
    std::atomic<float> maxReductionDb_{0.0f};
};

} // namespace gainstage
