// BS.1770 / EBU R128 loudness for the meters. [see LoudnessEngine.h]

#include "dsp/LoudnessEngine.h"

#include <algorithm>
#include <cmath>

namespace gainstage {

namespace {
constexpr double kEnergyFloor = 1e-30;
}

void LoudnessEngine::prepare(double sampleRate, int channels, int maxChunk) {
    channels = std::max(channels, 1);
    maxChunk_ = std::max(maxChunk, 1);
    filters_.assign(static_cast<size_t>(channels), KWeighting{});
    weights_.resize(static_cast<size_t>(channels));
    for (int c = 0; c < channels; ++c) {
        filters_[static_cast<size_t>(c)].prepare(sampleRate);
        weights_[static_cast<size_t>(c)] = channelWeight(c);
    }
    filtered_.assign(static_cast<size_t>(maxChunk_), 0.0);
    weighted_.assign(static_cast<size_t>(maxChunk_), 0.0);
    energy_.assign(static_cast<size_t>(maxChunk_), 0.0f);
    const int hop = std::max(1, static_cast<int>(std::lround(sampleRate / 10.0)));
    windows_.prepare(hop, kMomentaryHops, kShortTermHops);
    gate_.prepare();
    reset();
}

void LoudnessEngine::reset() noexcept {
    for (auto& filter : filters_) filter.reset();
    windows_.reset();
    gate_.reset();
    maxMomentary_ = 0.0;
    maxShortTerm_ = 0.0;
}

void LoudnessEngine::process(const float* const* channels, int n) noexcept {
    n = std::min(n, maxChunk_);
    if (n <= 0 || filters_.empty()) return;

    double* filtered = filtered_.data();
    double* weighted = weighted_.data();
    for (size_t c = 0; c < filters_.size(); ++c) {
        filters_[c].process(channels[c], filtered, n);
        const double weight = weights_[c];
        if (c == 0) {
            for (int i = 0; i < n; ++i) weighted[i] = weight * (filtered[i] * filtered[i]);
        } else {
            for (int i = 0; i < n; ++i) weighted[i] += weight * (filtered[i] * filtered[i]);
        }
    }
    // The filters' decay after a signal stops reaches exactly zero only at the end of
    // the double range; flushing far below audibility (-300 dB) lets the windows of a
    // silent stretch read exactly silent soon after, on any FPU.
    float* energy = energy_.data();
    for (int i = 0; i < n; ++i) energy[i] = weighted[i] < kEnergyFloor ? 0.0f : static_cast<float>(weighted[i]);

    for (int done = 0; done < n;) {
        const int length = std::min(n - done, windows_.framesToHop());
        if (windows_.add(energy + done, length)) endOfHop();
        done += length;
    }
}

void LoudnessEngine::endOfHop() noexcept {
    const double momentary = windows_.sum(0) / windows_.windowLength(0);
    const double shortTerm = windows_.sum(1) / windows_.windowLength(1);
    maxMomentary_ = std::max(maxMomentary_, momentary);
    maxShortTerm_ = std::max(maxShortTerm_, shortTerm);
    // A gating block needs 400 ms of real audio, so the first one ends at the fourth hop.
    if (windows_.hopsCompleted() >= static_cast<uint64_t>(kMomentaryHops)) gate_.addBlock(momentary);
}

double LoudnessEngine::momentaryLufs() const noexcept {
    return LoudnessGate::energyToLufs(windows_.sum(0) / windows_.windowLength(0));
}

double LoudnessEngine::shortTermLufs() const noexcept {
    return LoudnessGate::energyToLufs(windows_.sum(1) / windows_.windowLength(1));
}

} // namespace gainstage
