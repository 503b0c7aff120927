#pragma once
// Meter ballistics on a per-sample level |x| (or true-peak envelope): a peak
// bar that falls at a fixed rate in dB/s, or a peak-hold line that holds for a
// time and then falls at that rate. [prepare: non-real-time; the rest: audio
// thread, or whoever owns the state]
//
// Timing is counted in samples, and the chunk algorithms below give the same
// state as stepping sample by sample, so the reading never depends on how the
// audio is split into blocks.
//
// The state is (held level, samples since it was set); the line is
//   held                              while age <= hold,
//   held falling at the rate          after that.
// A sample at or above the line restarts it. For the bar (hold 0) that is the
// same as bar[n] = max(|x[n]|, bar[n-1] * g), evaluated per chunk in closed form.
// Levels fallen below kFloorDb read as silence (-inf), so an old peak does not
// leave a line at -900 dB after a long pause.

#include <cstdint>
#include <vector>

namespace gainstage {

class MeterBallistics {
public:
    static constexpr double kFloorDb = -200.0;

    // [non-real-time] `maxChunk` is the largest n given to process().
    void prepare(double sampleRate, int maxChunk, double holdSeconds, double falloffDbPerSecond);
    // [non-real-time or audio thread]
    void reset() noexcept;
    // [audio thread] A new fall rate; the line continues from where it is now. O(maxChunk).
    void setFalloff(double dbPerSecond) noexcept;

    // [audio thread] levels[0..n) are >= 0 and finite; n <= maxChunk.
    void process(const float* levels, int n) noexcept;

    // The line at the last processed sample, in dB (-inf for none).
    double levelDb() const noexcept;
    double falloffDbPerSecond() const noexcept { return falloffDbPerSecond_; }

private:
    double lineGain() const noexcept;   // the line now, linear
    void processBar(const float* levels, int n) noexcept;
    void processHold(const float* levels, int n) noexcept;

    double sampleRate_ = 48000.0;
    int maxChunk_ = 1;
    int64_t holdSamples_ = 0;
    double falloffDbPerSecond_ = 13.3;
    double fallDbPerSample_ = 0.0;
    std::vector<float> decay_;   // decay_[k]  = g^k,  g the per-sample fall factor
    std::vector<float> growth_;  // growth_[k] = g^-k
    float held_ = 0.0f;          // level that set the line (0: no line)
    int64_t age_ = 0;            // samples since held_ was set
};

} // namespace gainstage
