// Clip Guard: zero-latency true-peak safety gain (see ClipGuard.h for the design).
// process() runs on the audio thread: everything it touches is allocated in prepare().
#include "dsp/ClipGuard.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "dsp/TruePeakDetector.h"

namespace gainstage {

namespace {

// The gain brings the level to the ceiling itself: engaging then starts from
// unity without a step (a step at a crest is a click).
constexpr double kAimBelowCeilingDb = 0.0;
// The exponential release aims this far above unity, so it reaches unity (and
// the guard becomes transparent again) in finite time: about 6 time constants
// from a deep reduction.
constexpr double kReleaseOvershoot = 1.001;
// The intersample ratio is learnt only where the signal is this close to full
// scale (quiet noise has large, meaningless ratios).
constexpr float kRatioLearnLevel = 0.1f;
// Past samples kept; the detector's latest intersample point is compared with
// the samples kPointFirstLag..kPointLastLag back (its neighbours, a little
// wider), not with newer ones, or a rising signal would hide its ratio.
constexpr int kLocalPeakSpan = 16;
constexpr int kPointFirstLag = 3;
constexpr int kPointLastLag = 8;
// The point's own two neighbours (samples i-6 and i-5): the ratio of the point
// to them is what bounds the intersample peak next to the sample that has just
// arrived. The wide window above reads low on a rising signal (its newer
// samples are already larger), which is what let an engagement from idle
// overshoot; this one does not. Kept for the last kFastRatioSpan points only.
constexpr int kNeighbourLagNewer = 5;
constexpr int kNeighbourLagOlder = 6;
constexpr int kFastRatioSpan = 8;

double dbToLinear(double db) { return std::pow(10.0, db / 20.0); }

} // namespace

struct ClipGuard::Impl {
    int channels = 1;
    int maxBlock = 0;
    TruePeakDetector detectors[2];
    std::array<float, kLocalPeakSpan> recentPeaks{};
    int recentIndex = 0;
    double ratio = 1.0;
    std::array<double, kFastRatioSpan> pointRatios{};
    int pointIndex = 0;
    double ratioDecay = 0.0;
    double releaseCoefficient = 0.0;
    int holdSamples = 0;
    int holdRemaining = 0;
    double gain = 1.0;
};

ClipGuard::ClipGuard() : impl_(std::make_unique<Impl>()) {}
ClipGuard::~ClipGuard() = default;

void ClipGuard::prepare(double sampleRate, int maxBlockSize, int channels) {
    Impl& s = *impl_;
    s.channels = std::clamp(channels, 1, 2);
    s.maxBlock = std::max(maxBlockSize, 1);
    for (auto& d : s.detectors) d.prepare(sampleRate, s.maxBlock);
    s.holdSamples = static_cast<int>(std::ceil(kHoldSeconds * sampleRate));
    s.releaseCoefficient = std::exp(-1.0 / (kReleaseSeconds * sampleRate));
    s.ratioDecay = std::exp(-1.0 / (kRatioReleaseSeconds * sampleRate));
    reset();
}

void ClipGuard::reset() noexcept {
    Impl& s = *impl_;
    for (auto& d : s.detectors) d.reset();
    s.recentPeaks.fill(0.0f);
    s.recentIndex = 0;
    s.ratio = 1.0;
    s.pointRatios.fill(1.0);
    s.pointIndex = 0;
    s.holdRemaining = 0;
    s.gain = 1.0;
}

void ClipGuard::setCeilingDbtp(float dbtp) noexcept {
    if (!std::isfinite(dbtp)) return;
    ceilingDbtp_.store(std::clamp(dbtp, -20.0f, 0.0f), std::memory_order_relaxed);
}

ClipGuardActivity ClipGuard::activity() const noexcept {
    return {engagements_.load(std::memory_order_relaxed), samplesActive_.load(std::memory_order_relaxed),
            maxReductionDb_.load(std::memory_order_relaxed)};
}

void ClipGuard::resetActivity() noexcept {
    engagements_.store(0, std::memory_order_relaxed);
    samplesActive_.store(0, std::memory_order_relaxed);
    maxReductionDb_.store(0.0f, std::memory_order_relaxed);
}

void ClipGuard::process(AudioBlock& block) noexcept {
    Impl& s = *impl_;
    if (s.maxBlock == 0) return;
    const int channels = std::min(s.channels, block.numChannels());
    const double ceiling = dbToLinear(ceilingDbtp_.load(std::memory_order_relaxed));
    const double aim = ceiling * dbToLinear(-kAimBelowCeilingDb);
    uint64_t engaged = 0, active = 0;
    double minGain = 1.0;

    for (int offset = 0; offset < block.numFrames(); offset += s.maxBlock) {
        const int n = std::min(s.maxBlock, block.numFrames() - offset);
        float* data[2] = {block.channel(0) + offset, channels > 1 ? block.channel(1) + offset : nullptr};
        const float* tp[2] = {nullptr, nullptr};
        for (int c = 0; c < channels; ++c) {
            s.detectors[c].process(data[c], n);
            tp[c] = s.detectors[c].peaks();
        }
        for (int i = 0; i < n; ++i) {
            float sample = std::fabs(data[0][i]);
            float truePeak = tp[0][i];
            if (channels > 1) {
                sample = std::max(sample, std::fabs(data[1][i]));
                truePeak = std::max(truePeak, tp[1][i]);
            }
            if (!std::isfinite(sample)) sample = 0.0f;
            s.recentPeaks[static_cast<size_t>(s.recentIndex)] = sample;
            s.recentIndex = (s.recentIndex + 1) % kLocalPeakSpan;
            // The samples around the intersample point the detector has just
            // completed: with the 12-tap filter it lies between samples i-6 and i-5.
            float localPeak = 0.0f;
            for (int k = kPointFirstLag; k <= kPointLastLag; ++k)
                localPeak = std::max(localPeak, s.recentPeaks[static_cast<size_t>((s.recentIndex - 1 - k + kLocalPeakSpan) % kLocalPeakSpan)]);

            // Learn how far the intersample points rise above the samples around them.
            s.ratio = 1.0 + (s.ratio - 1.0) * s.ratioDecay;
            if (localPeak > kRatioLearnLevel) s.ratio = std::max(s.ratio, static_cast<double>(truePeak) / localPeak);
            // And, over the last few points only, above their own two neighbours.
            const float neighbours = std::max(s.recentPeaks[static_cast<size_t>((s.recentIndex - 1 - kNeighbourLagNewer + kLocalPeakSpan) % kLocalPeakSpan)],
                                              s.recentPeaks[static_cast<size_t>((s.recentIndex - 1 - kNeighbourLagOlder + kLocalPeakSpan) % kLocalPeakSpan)]);
            s.pointRatios[static_cast<size_t>(s.pointIndex)] =
                neighbours > kRatioLearnLevel ? std::max(1.0, static_cast<double>(truePeak) / neighbours) : 1.0;
            s.pointIndex = (s.pointIndex + 1) % kFastRatioSpan;
            double fastRatio = 1.0;
            for (double r : s.pointRatios) fastRatio = std::max(fastRatio, r);

            // The level compared with the ceiling:
            //  - always the exact measures (the sample, and the true peak the
            //    detector has completed, ~6 samples late);
            //  - always the sample times the fast ratio: the intersample peak the
            //    points just measured predict next to the sample that has just
            //    arrived. Waiting for the detector to confirm an over would let
            //    the ~6 samples already passed at unity form it (an overshoot that
            //    grows with how fast the level rises). The fast ratio reads the
            //    points around the sample, not a max held over 50 ms, so a signal
            //    whose true peak stays under the ceiling does not normally reach
            //    it either (ClipGuard.h: measured, not guaranteed).
            //  - engaged (this sample included), the sample times the ratio learnt
            //    over the recent past, which also remembers intersample points
            //    further back than the fast ratio's few.
            const double measured = std::max(static_cast<double>(truePeak), static_cast<double>(sample));
            double level = std::max(measured, sample * fastRatio);
            if (s.gain < 1.0 || level > ceiling) level = std::max(level, sample * s.ratio);
            const double needed = level > ceiling ? aim / level : 1.0;

            if (needed < s.gain) {
                if (s.gain >= 1.0) ++engaged;
                s.gain = needed;
                s.holdRemaining = s.holdSamples;
            } else if (s.holdRemaining > 0) {
                --s.holdRemaining;
            } else if (s.gain < 1.0) {
                s.gain = std::min(needed, kReleaseOvershoot - (kReleaseOvershoot - s.gain) * s.releaseCoefficient);
                if (s.gain >= 1.0) s.gain = 1.0;
            }
            if (s.gain < 1.0) {
                // Below unity only: at unity the sample is left exactly as it came.
                const float g = static_cast<float>(s.gain);
                data[0][i] *= g;
                if (channels > 1) data[1][i] *= g;
                ++active;
                minGain = std::min(minGain, s.gain);
            }
        }
    }
    if (engaged) engagements_.fetch_add(engaged, std::memory_order_relaxed);
    if (active) samplesActive_.fetch_add(active, std::memory_order_relaxed);
    if (minGain < 1.0) {
        const float reduction = static_cast<float>(-20.0 * std::log10(minGain));
        if (reduction > maxReductionDb_.load(std::memory_order_relaxed))
            maxReductionDb_.store(reduction, std::memory_order_relaxed);
    }
}

} // namespace gainstage
