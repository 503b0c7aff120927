#pragma once
// True-peak detector for one channel after ITU-R BS.1770-4 Annex 2. [audio thread]
//
// Below 96 kHz the signal is oversampled 4x with the Recommendation's own 48-tap
// polyphase FIR (4 phases x 12 taps), from 96 kHz up to 192 kHz 2x with a
// half-band windowed-sinc interpolator designed here, and at 192 kHz and above
// the true peak is the sample peak. For every input sample the detector reports
// the largest |value| of the interpolated points that sample completes; callers
// take the maximum with the sample itself, because BS.1770's filter does not
// pass the original samples through unchanged and a true peak can never read
// below the sample peak.
//
// Invariants: input must be finite (the Meter sanitises it first); all memory
// is allocated in prepare(); process() keeps the last taps-1 samples at the
// front of one linear buffer, so the FIR never wraps an index.

#include <vector>

namespace gainstage {

class TruePeakDetector {
public:
    // [non-real-time] `maxChunk` is the largest n that process() will be given.
    void prepare(double sampleRate, int maxChunk);
    // [non-real-time or audio thread]
    void reset() noexcept;

    // [audio thread] Fills peaks()[0..n) and returns their maximum. n <= maxChunk.
    float process(const float* input, int n) noexcept;
    const float* peaks() const noexcept { return peaks_.data(); }

    // 4, 2 or 1 (1: no interpolation, peaks are |x|).
    int oversampling() const noexcept { return factor_; }

    // The Recommendation's table: phase p, tap k (ITU-R BS.1770-4, Annex 2, Table 1).
    static constexpr int kItuPhases = 4;
    static constexpr int kItuTaps = 12;
    static const double kItuCoefficients[kItuPhases][kItuTaps];
    static constexpr int kHalfBandTaps = 24;

private:
    void process4x(int n) noexcept;
    void process2x(int n) noexcept;

    int factor_ = 4;
    int taps_ = kItuTaps;  // history needed: taps_ - 1 samples
    int maxChunk_ = 0;
    std::vector<float> history_; // [taps-1 old samples][chunk][padding for the last vector]
    std::vector<float> peaks_;   // padded like history_
    // Coefficients in the order the window is read (oldest sample first).
    float itu_[kItuPhases][kItuTaps] = {};
    float halfBand_[kHalfBandTaps] = {};
};

} // namespace gainstage
