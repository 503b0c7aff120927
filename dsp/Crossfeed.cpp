// Headphone crossfeed. [see Crossfeed.h for threads]
#include "dsp/Crossfeed.h"

#include <algorithm>
#include <cmath>

#include "dsp/Denormals.h"
#include "dsp/DspMath.h"

namespace gainstage {

namespace {
constexpr double kGlideSeconds = 0.05;

inline double cleanSample(float v) noexcept {
    return std::isfinite(v) ? static_cast<double>(std::clamp(v, -1000.0f, 1000.0f)) : 0.0;
}
} // namespace

CrossfeedSetting crossfeedPresetSetting(CrossfeedPreset preset) noexcept {
    switch (preset) {
    case CrossfeedPreset::ChuMoy: return {700.0f, 6.0f};
    case CrossfeedPreset::Meier: return {650.0f, 9.5f};
    default: return {700.0f, 4.5f};
    }
}

Crossfeed::Coefficients Crossfeed::design(double cutoffHz, double feedDb, double sampleRate) noexcept {
    const double crossDb = -3.0 - feedDb * 5.0 / 6.0;
    const double directLowDb = -3.0 + feedDb / 6.0;
    const double cross = std::pow(10.0, crossDb / 20.0);
    const double shelfDepth = 1.0 - std::pow(10.0, directLowDb / 20.0); // how far the shelf dips at DC
    // The shelf's corner (bs2b's placement): above the cutoff by the level ratio of
    // the cross path to the shelf's depth, counted at 12 dB per octave.
    const double shelfHz = cutoffHz * std::pow(2.0, (crossDb - 20.0 * std::log10(shelfDepth)) / 12.0);
    Coefficients c;
    c.crossPole = std::exp(-2.0 * kPi * cutoffHz / sampleRate);
    c.crossGain = cross * (1.0 - c.crossPole);
    c.directPole = std::exp(-2.0 * kPi * shelfHz / sampleRate);
    c.directB0 = 1.0 - shelfDepth * (1.0 - c.directPole);
    c.directB1 = -c.directPole;
    c.output = 1.0 / (1.0 - shelfDepth + cross);
    return c;
}

void Crossfeed::setCutoffHz(float hz) noexcept {
    cutoffHz_.store(std::clamp(std::isfinite(hz) ? hz : 700.0f, kCrossfeedMinHz, kCrossfeedMaxHz), std::memory_order_relaxed);
}

void Crossfeed::setFeedDb(float db) noexcept {
    feedDb_.store(std::clamp(std::isfinite(db) ? db : 4.5f, kCrossfeedMinDb, kCrossfeedMaxDb), std::memory_order_relaxed);
}

void Crossfeed::prepare(double sampleRate, int, int) {
    sampleRate_ = sampleRate;
    cutoff_.setLength(rampSamples(kGlideSeconds, sampleRate));
    feed_.setLength(rampSamples(kGlideSeconds, sampleRate));
    reset();
}

void Crossfeed::reset() noexcept {
    cutoff_.jumpTo(cutoffHz());
    feed_.jumpTo(feedDb());
    coefficients_ = design(cutoff_.current(), feed_.current(), sampleRate_);
    crossL_ = crossR_ = directXL_ = directXR_ = directYL_ = directYR_ = 0.0;
}

void Crossfeed::process(AudioBlock& block) noexcept {
    if (block.numChannels() < 2) return;
    ScopedNoDenormals noDenormals;
    cutoff_.setTarget(cutoffHz());
    feed_.setTarget(feedDb());
    float* left = block.channel(0);
    float* right = block.channel(1);
    Coefficients c = coefficients_;
    double crossL = crossL_, crossR = crossR_, xL = directXL_, xR = directXR_, yL = directYL_, yR = directYR_;
    for (int n = 0; n < block.numFrames(); ++n) {
        if (cutoff_.isMoving() || feed_.isMoving()) c = design(cutoff_.next(), feed_.next(), sampleRate_);
        const double l = cleanSample(left[n]), r = cleanSample(right[n]);
        crossL = c.crossGain * l + c.crossPole * crossL;
        crossR = c.crossGain * r + c.crossPole * crossR;
        yL = c.directB0 * l + c.directB1 * xL + c.directPole * yL;
        yR = c.directB0 * r + c.directB1 * xR + c.directPole * yR;
        xL = l;
        xR = r;
        left[n] = static_cast<float>((yL + crossR) * c.output);
        right[n] = static_cast<float>((yR + crossL) * c.output);
    }
    coefficients_ = c;
    crossL_ = crossL;
    crossR_ = crossR;
    directXL_ = xL;
    directXR_ = xR;
    directYL_ = yL;
    directYR_ = yR;
}

} // namespace gainstage
