#pragma once
// Gated integrated loudness (ITU-R BS.1770-4 section 2.8 / EBU R128) in fixed
// memory, so a meter can run for days. [prepare: non-real-time; addBlock and
// the getters: audio thread, or whoever owns the state]
//
// Every 400 ms gating block that passes the absolute gate (-70 LUFS) lands in
// one of 8000 bins of 0.01 LU between -70 and +10 LUFS; a bin keeps how many
// blocks it holds, their summed energy and the smallest and largest of them,
// so sums are exact and only the relative-gate decision can be approximate.
// The relative threshold (-10 LU below the mean of all blocks over -70) comes
// from exact totals; bins above it are summed exactly. The bin the threshold
// falls in counts whole if the threshold is at or under its smallest block,
// not at all if over its largest (exact for tones and other steady levels,
// where many identical blocks can sit right at the threshold), and otherwise
// in proportion to the part of its [smallest, largest] range in LU that lies
// above the threshold. Against keeping every block the error stays under
// 0.01 LU (0.003 LU worst in tests/test_meters.cpp on 100 000 blocks of
// randomly wandering level). Blocks louder than +10 LUFS (only possible
// with float signals well over full scale) go in the top bin with their true
// energy.
//
// Bin sums are kept in two Fenwick trees indexed from the loudest bin down,
// so adding a block and re-evaluating the integrated loudness at every 100 ms
// hop each cost about log2(8000) = 13 steps.

#include <cstdint>
#include <vector>

namespace gainstage {

class LoudnessGate {
public:
    static constexpr double kAbsoluteGateLufs = -70.0;
    static constexpr double kRelativeGateLu = -10.0;
    static constexpr double kTopLufs = 10.0;
    static constexpr double kBinLu = 0.01;
    static constexpr int kBins = 8000; // (kTopLufs - kAbsoluteGateLufs) / kBinLu

    // [non-real-time]
    void prepare();
    // [non-real-time or audio thread]
    void reset() noexcept;

    // [audio thread] The mean-square energy of one gating block (channel weighted);
    // updates the integrated loudness.
    void addBlock(double energy) noexcept;

    double integratedLufs() const noexcept { return integratedLufs_; }
    uint64_t blocksAboveAbsoluteGate() const noexcept { return gatedBlocks_; }

    static double energyToLufs(double energy) noexcept;
    static double lufsToEnergy(double lufs) noexcept;

private:
    struct Sums {
        double count = 0.0;
        double energy = 0.0;
    };
    struct Bin {
        double count = 0.0;
        double energy = 0.0;
        double minEnergy = 0.0;
        double maxEnergy = 0.0;
    };
    void treeAdd(int rank, double count, double energy) noexcept;
    Sums treeSum(int ranks) const noexcept; // over the loudest `ranks` bins
    void update() noexcept;

    double absoluteGateEnergy_ = 0.0;
    std::vector<Bin> bins_;
    std::vector<Sums> tree_; // 1-based Fenwick tree; rank 1 is the loudest bin
    uint64_t gatedBlocks_ = 0;
    double gatedEnergy_ = 0.0;
    double integratedLufs_ = 0.0;
};

} // namespace gainstage
