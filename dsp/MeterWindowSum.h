#pragma once
// Sliding sums of a per-sample energy over one or two rectangular windows that
// are whole numbers of "hops" long (the meters use 100 ms hops: RMS 3 hops,
// momentary 4, short-term 30). [prepare: non-real-time; add/sum: audio thread]
//
// Why not one running sum with add-new/subtract-old: that drifts, and after
// loud audio the sum of a silent window comes out as a tiny positive number
// (-150 dB) instead of 0 (-inf). Here every partial sum restarts at each hop:
//   window = (current hop so far) + (complete hops in between)
//          + (oldest hop's sum - what has already slid out of it),
// where the last term re-adds the same floats in the same order as the hop's
// own sum, so once a loud sample has slid out it cancels exactly. Error cannot
// build up for longer than one hop, and a silent window sums to exactly 0.
//
// The caller splits its input at hop boundaries (framesToHop()), so the inner
// loop never wraps the ring.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace gainstage {

class MeterWindowSum {
public:
    static constexpr int kMaxWindows = 2;

    // [non-real-time] Windows of `hopsA` and (if > 0) `hopsB` hops of `hopLength` samples.
    void prepare(int hopLength, int hopsA, int hopsB = 0) {
        hop_ = std::max(hopLength, 1);
        windows_ = hopsB > 0 ? 2 : 1;
        hops_[0] = std::max(hopsA, 1);
        hops_[1] = hopsB > 0 ? hopsB : hops_[0];
        maxHops_ = std::max(hops_[0], hops_[1]);
        ring_.assign(static_cast<size_t>(maxHops_) * static_cast<size_t>(hop_), 0.0f);
        hopSums_.assign(static_cast<size_t>(maxHops_), 0.0);
        reset();
    }

    // [non-real-time or audio thread]
    void reset() noexcept {
        std::fill(ring_.begin(), ring_.end(), 0.0f);
        std::fill(hopSums_.begin(), hopSums_.end(), 0.0);
        inHop_ = 0;
        hopIndex_ = 0;
        partial_ = 0.0;
        removed_[0] = removed_[1] = 0.0;
        hopsCompleted_ = 0;
    }

    int hopLength() const noexcept { return hop_; }
    int windowLength(int window) const noexcept { return hops_[window] * hop_; }
    int framesToHop() const noexcept { return hop_ - inHop_; }
    uint64_t hopsCompleted() const noexcept { return hopsCompleted_; }

    // [audio thread] Appends n energies (n <= framesToHop()); true when this completes a hop.
    bool add(const float* energy, int n) noexcept {
        n = std::min(n, framesToHop());
        const size_t hopStart = static_cast<size_t>(hopIndex_) * static_cast<size_t>(hop_);
        float* write = ring_.data() + hopStart + static_cast<size_t>(inHop_);
        const float* out0 = ring_.data() + oldestHopStart(0) + static_cast<size_t>(inHop_);
        double partial = partial_, removed0 = removed_[0];
        if (windows_ == 2) {
            const float* out1 = ring_.data() + oldestHopStart(1) + static_cast<size_t>(inHop_);
            double removed1 = removed_[1];
            for (int i = 0; i < n; ++i) {
                // Read what slides out before writing: the longest window's oldest
                // sample shares its slot with the newest one.
                removed0 += out0[i];
                removed1 += out1[i];
                write[i] = energy[i];
                partial += energy[i];
            }
            removed_[1] = removed1;
        } else {
            for (int i = 0; i < n; ++i) {
                removed0 += out0[i];
                write[i] = energy[i];
                partial += energy[i];
            }
        }
        partial_ = partial;
        removed_[0] = removed0;
        inHop_ += n;
        if (inHop_ < hop_) return false;

        hopSums_[static_cast<size_t>(hopIndex_)] = partial_;
        hopIndex_ = hopIndex_ + 1 == maxHops_ ? 0 : hopIndex_ + 1;
        inHop_ = 0;
        partial_ = 0.0;
        removed_[0] = removed_[1] = 0.0;
        ++hopsCompleted_;
        return true;
    }

    // [audio thread, or whoever owns the state] Sum over the last windowLength(window)
    // samples; samples before reset() count as zeros.
    double sum(int window) const noexcept {
        const int hops = hops_[window];
        double total = partial_;
        for (int k = 1; k < hops; ++k) total += hopSums_[static_cast<size_t>(hopSlot(k))];
        total += hopSums_[static_cast<size_t>(hopSlot(hops))] - removed_[window];
        return std::max(total, 0.0);
    }

private:
    // Ring slot of the hop completed k hops ago (k >= 1).
    int hopSlot(int k) const noexcept { return (hopIndex_ - k + maxHops_) % maxHops_; }
    size_t oldestHopStart(int window) const noexcept {
        // The hop that is sliding out of the window: hops_[window] hops before the current one.
        return static_cast<size_t>(hopSlot(hops_[window])) * static_cast<size_t>(hop_);
    }

    int hop_ = 1;
    int windows_ = 1;
    int hops_[kMaxWindows] = {1, 1};
    int maxHops_ = 1;
    std::vector<float> ring_;      // the last maxHops_ hops of energies, hop-aligned
    std::vector<double> hopSums_;  // sums of the completed hops, same slots as ring_
    int inHop_ = 0;                // samples so far in the current hop
    int hopIndex_ = 0;             // slot of the current hop
    double partial_ = 0.0;         // sum of the current hop so far
    double removed_[kMaxWindows] = {0.0, 0.0}; // per window: part of its oldest hop already slid out
    uint64_t hopsCompleted_ = 0;
};

} // namespace gainstage
