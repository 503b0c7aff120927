// Gated integrated loudness in a fixed histogram. [see LoudnessGate.h]

#include "dsp/LoudnessGate.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gainstage {

namespace {
// BS.1770: L = -0.691 + 10 log10(sum of weighted mean squares).
constexpr double kLoudnessOffsetDb = -0.691;
} // namespace

double LoudnessGate::energyToLufs(double energy) noexcept {
    return energy > 0.0 ? kLoudnessOffsetDb + 10.0 * std::log10(energy) : -std::numeric_limits<double>::infinity();
}

double LoudnessGate::lufsToEnergy(double lufs) noexcept { return std::pow(10.0, (lufs - kLoudnessOffsetDb) / 10.0); }

void LoudnessGate::prepare() {
    bins_.assign(kBins, Bin{});
    tree_.assign(kBins + 1, Sums{});
    absoluteGateEnergy_ = lufsToEnergy(kAbsoluteGateLufs);
    reset();
}

void LoudnessGate::reset() noexcept {
    std::fill(bins_.begin(), bins_.end(), Bin{});
    std::fill(tree_.begin(), tree_.end(), Sums{});
    gatedBlocks_ = 0;
    gatedEnergy_ = 0.0;
    integratedLufs_ = -std::numeric_limits<double>::infinity();
}

void LoudnessGate::treeAdd(int rank, double count, double energy) noexcept {
    for (; rank <= kBins; rank += rank & -rank) {
        tree_[static_cast<size_t>(rank)].count += count;
        tree_[static_cast<size_t>(rank)].energy += energy;
    }
}

LoudnessGate::Sums LoudnessGate::treeSum(int ranks) const noexcept {
    Sums sum;
    for (; ranks > 0; ranks -= ranks & -ranks) {
        sum.count += tree_[static_cast<size_t>(ranks)].count;
        sum.energy += tree_[static_cast<size_t>(ranks)].energy;
    }
    return sum;
}

static int binOf(double lufs) noexcept {
    const double position = (lufs - LoudnessGate::kAbsoluteGateLufs) / LoudnessGate::kBinLu;
    if (!(position > 0.0)) return 0;
    return static_cast<int>(std::min(position, static_cast<double>(LoudnessGate::kBins - 1)));
}

void LoudnessGate::addBlock(double energy) noexcept {
    if (bins_.empty() || !(energy >= absoluteGateEnergy_)) return; // also rejects NaN
    if (energy > std::numeric_limits<double>::max()) return;      // an infinite block would poison every sum
    const int bin = binOf(energyToLufs(energy));
    Bin& b = bins_[static_cast<size_t>(bin)];
    b.minEnergy = b.count > 0.0 ? std::min(b.minEnergy, energy) : energy;
    b.maxEnergy = b.count > 0.0 ? std::max(b.maxEnergy, energy) : energy;
    b.count += 1.0;
    b.energy += energy;
    treeAdd(kBins - bin, 1.0, energy);
    ++gatedBlocks_;
    gatedEnergy_ += energy;
    update();
}

void LoudnessGate::update() noexcept {
    if (gatedBlocks_ == 0) {
        integratedLufs_ = -std::numeric_limits<double>::infinity();
        return;
    }
    const double mean = gatedEnergy_ / static_cast<double>(gatedBlocks_);
    const double thresholdEnergy = mean * std::pow(10.0, kRelativeGateLu / 10.0);
    if (thresholdEnergy <= absoluteGateEnergy_) {
        // Every block over the absolute gate also passes the relative one.
        integratedLufs_ = energyToLufs(mean);
        return;
    }
    const double thresholdLufs = energyToLufs(thresholdEnergy);
    const int bin = binOf(thresholdLufs);
    // Bins strictly above the threshold's bin (ranks 1 .. kBins-1-bin) count whole.
    Sums above = treeSum(kBins - 1 - bin);
    // The threshold's own bin: whole, none, or the share of its blocks' range above the threshold.
    const Bin& b = bins_[static_cast<size_t>(bin)];
    double share = 0.0;
    if (b.count > 0.0) {
        if (thresholdEnergy <= b.minEnergy) share = 1.0;
        else if (thresholdEnergy > b.maxEnergy) share = 0.0;
        else share = std::log(b.maxEnergy / thresholdEnergy) / std::log(b.maxEnergy / b.minEnergy);
    }
    above.count += share * b.count;
    above.energy += share * b.energy;
    integratedLufs_ = above.count > 0.0 ? energyToLufs(above.energy / above.count)
                                        : -std::numeric_limits<double>::infinity();
}

} // namespace gainstage
