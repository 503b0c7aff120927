// Peak bar and peak-hold ballistics, per chunk with sample-exact timing.
// [prepare: non-real-time; process/setFalloff: audio thread]

#include "dsp/MeterBallistics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gainstage {

namespace {
constexpr double kMaxFalloffDbPerSecond = 1000.0; // keeps g^-maxChunk far from float overflow
constexpr double kFloorGain = 1e-10;                // MeterBallistics::kFloorDb as a gain
static_assert(MeterBallistics::kFloorDb == -200.0, "kFloorGain must match kFloorDb");
}

void MeterBallistics::prepare(double sampleRate, int maxChunk, double holdSeconds, double falloffDbPerSecond) {
    sampleRate_ = sampleRate > 0.0 ? sampleRate : 48000.0;
    maxChunk_ = std::max(maxChunk, 1);
    holdSamples_ = holdSeconds > 0.0 ? static_cast<int64_t>(std::llround(holdSeconds * sampleRate_)) : 0;
    // The hold path assumes a restarted line stays flat for the rest of a chunk.
    if (holdSamples_ > 0) holdSamples_ = std::max<int64_t>(holdSamples_, maxChunk_);
    decay_.assign(static_cast<size_t>(maxChunk_) + 1, 1.0f);
    growth_.assign(static_cast<size_t>(maxChunk_) + 1, 1.0f);
    held_ = 0.0f;
    age_ = 0;
    falloffDbPerSecond_ = -1.0; // force the tables to be built
    setFalloff(falloffDbPerSecond);
}

void MeterBallistics::reset() noexcept {
    held_ = 0.0f;
    age_ = 0;
}

void MeterBallistics::setFalloff(double dbPerSecond) noexcept {
    if (!(dbPerSecond >= 0.0)) dbPerSecond = 0.0; // also catches NaN
    dbPerSecond = std::min(dbPerSecond, kMaxFalloffDbPerSecond);
    if (dbPerSecond == falloffDbPerSecond_) return;

    // Continue the line from its present level, so a rate change never makes it jump.
    if (held_ > 0.0f && age_ > holdSamples_) {
        held_ = static_cast<float>(lineGain());
        age_ = holdSamples_;
    }
    falloffDbPerSecond_ = dbPerSecond;
    fallDbPerSample_ = dbPerSecond / sampleRate_;
    const double g = std::pow(10.0, -fallDbPerSample_ / 20.0);
    double down = 1.0, up = 1.0;
    for (size_t k = 0; k < decay_.size(); ++k) {
        decay_[k] = static_cast<float>(down);
        growth_[k] = static_cast<float>(up);
        down *= g;
        up /= g;
    }
}

double MeterBallistics::lineGain() const noexcept {
    if (held_ <= 0.0f) return 0.0;
    const int64_t excess = age_ - holdSamples_;
    if (excess <= 0) return held_;
    const double db = 20.0 * std::log10(static_cast<double>(held_)) - fallDbPerSample_ * static_cast<double>(excess);
    return db < kFloorDb ? 0.0 : std::pow(10.0, db / 20.0);
}

double MeterBallistics::levelDb() const noexcept {
    const double gain = lineGain();
    if (gain <= 0.0) return -std::numeric_limits<double>::infinity();
    const double db = 20.0 * std::log10(gain);
    return db < kFloorDb ? -std::numeric_limits<double>::infinity() : db;
}

void MeterBallistics::process(const float* levels, int n) noexcept {
    n = std::min(n, maxChunk_);
    if (n <= 0) return;
    if (holdSamples_ == 0) processBar(levels, n);
    else processHold(levels, n);
}

void MeterBallistics::processBar(const float* levels, int n) noexcept {
    // bar at the chunk's last sample = g^(n-1) * max(held g^(age+1), max_k levels[k] g^-k),
    // so the chunk reduces to one maximum over levels scaled by a table.
    const float* up = growth_.data();
    float best0 = 0.0f, best1 = 0.0f, best2 = 0.0f, best3 = 0.0f; // independent chains for ILP
    int k = 0;
    for (; k + 4 <= n; k += 4) {
        best0 = std::max(best0, levels[k] * up[k]);
        best1 = std::max(best1, levels[k + 1] * up[k + 1]);
        best2 = std::max(best2, levels[k + 2] * up[k + 2]);
        best3 = std::max(best3, levels[k + 3] * up[k + 3]);
    }
    for (; k < n; ++k) best0 = std::max(best0, levels[k] * up[k]);
    const float best = std::max(std::max(best0, best1), std::max(best2, best3));

    double previous = 0.0;
    if (held_ > 0.0f) {
        const int64_t steps = age_ + 1;
        previous = steps < static_cast<int64_t>(decay_.size())
                       ? static_cast<double>(held_) * decay_[static_cast<size_t>(steps)]
                       : static_cast<double>(held_) * std::pow(10.0, -fallDbPerSample_ * static_cast<double>(steps) / 20.0);
    }
    if (best > 0.0f && best >= previous) {
        int at = n - 1;
        while (at > 0 && levels[at] * up[at] != best) --at; // the same products, so an exact match exists
        held_ = levels[at];
        age_ = n - 1 - at;
    } else {
        age_ += n;
        if (held_ > 0.0f && lineGain() <= 0.0) held_ = 0.0f; // fell through the floor
    }
}

void MeterBallistics::processHold(const float* levels, int n) noexcept {
    int i = 0;
    while (i < n) {
        const int64_t flatLeft = held_ > 0.0f ? holdSamples_ - age_ : static_cast<int64_t>(n);
        if (flatLeft > 0) {
            // Flat line: the last occurrence of the segment's maximum restarts it if it
            // reaches the line; nothing after it can (it is smaller), and holdSamples_ >=
            // maxChunk keeps the restarted line flat to the end of the chunk.
            const int len = static_cast<int>(std::min<int64_t>(flatLeft, n - i));
            float top = 0.0f;
            int at = -1;
            for (int k = i; k < i + len; ++k) {
                if (levels[k] >= top) {
                    top = levels[k];
                    at = k;
                }
            }
            if (top > 0.0f && top >= held_) {
                held_ = top;
                age_ = (i + len - 1) - at;
            } else {
                age_ += len;
            }
            i += len;
            continue;
        }

        // Falling line: at sample i+k it is start * g^k. Compare levels scaled by g^-k
        // against the line's level at i, so the search needs no per-sample power.
        const int64_t steps = age_ + 1 - holdSamples_;
        const double start = steps < static_cast<int64_t>(decay_.size())
                                 ? static_cast<double>(held_) * decay_[static_cast<size_t>(steps)]
                                 : static_cast<double>(held_) * std::pow(10.0, -fallDbPerSample_ * static_cast<double>(steps) / 20.0);
        if (start < kFloorGain) {
            held_ = 0.0f; // fell through the floor: nothing held any more
            age_ = 0;
            continue;
        }
        const float base = static_cast<float>(start);
        const float* up = growth_.data();
        int hit = -1;
        for (int k = 0; k < n - i; ++k) {
            if (levels[i + k] * up[k] >= base) {
                hit = k;
                break;
            }
        }
        if (hit < 0) {
            age_ += n - i;
            i = n;
        } else {
            held_ = levels[i + hit];
            age_ = 0;
            i += hit + 1;
        }
    }
}

} // namespace gainstage
