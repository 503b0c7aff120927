// Low Cut: 3rd-order Butterworth high-pass in TPT form with gliding cutoff and
// an Off <-> on crossfade. See LowCut.h. [audio thread except prepare]
#include "dsp/LowCut.h"

#include <algorithm>
#include <cmath>

#include "dsp/Denormals.h"
#include "dsp/DspMath.h"

namespace gainstage {

namespace {
// A Butterworth 3rd order is a real pole and a pole pair of Q = 1 at the same
// frequency; k = 1/Q is the SVF's damping term.
constexpr double kSvfDamping = 1.0;
} // namespace

void LowCutFilter::prepare(double sampleRate, int /*maxBlockSize*/, int channels) {
    sampleRate_ = sampleRate > 0.0 ? sampleRate : 48000.0;
    channels_ = std::max(channels, 0);
    state_.assign(static_cast<size_t>(channels_), ChannelState{});
    logCutoff_.setLength(rampSamples(kGlideSeconds, sampleRate_));
    mix_.setLength(rampSamples(kFadeSeconds, sampleRate_));
    reset();
}

void LowCutFilter::reset() noexcept {
    clearState();
    const LowCut lowCut = setting_.load(std::memory_order_relaxed);
    engaged_ = lowCut != LowCut::Off;
    mix_.jumpTo(engaged_ ? 1.0 : 0.0);
    targetCutoffHz_ = engaged_ ? lowCutHz(lowCut) : lowCutHz(LowCut::Hz80);
    logCutoff_.jumpTo(std::log(targetCutoffHz_));
    updateCoefficients(targetCutoffHz_);
}

void LowCutFilter::clearState() noexcept {
    for (auto& s : state_) s = ChannelState{};
}

void LowCutFilter::updateCoefficients(double cutoffHz) noexcept {
    // Prewarped at the cutoff itself: the digital -3 dB point is exactly fc.
    // Cutoffs stay far below Nyquist (300 Hz at 44.1 kHz at most), so tan() is tame.
    const double g = std::tan(kPi * cutoffHz / sampleRate_);
    onePoleGain_ = g / (1.0 + g);
    svfG_ = g;
    svfDenominator_ = 1.0 / (1.0 + g * (kSvfDamping + g));
}

void LowCutFilter::applySetting(LowCut lowCut) noexcept {
    if (lowCut == LowCut::Off) {
        // Fade to dry at the cutoff we have; the filter keeps running until the fade ends.
        mix_.setTarget(0.0);
        return;
    }
    const double cutoff = lowCutHz(lowCut);
    targetCutoffHz_ = cutoff;
    if (!engaged_) {
        // Not running: start from rest directly at the new cutoff and fade in. A
        // high-pass starting from zero state passes the signal's current value,
        // so the filtered branch begins continuous with the dry one.
        logCutoff_.jumpTo(std::log(cutoff));
        updateCoefficients(cutoff);
        clearState();
        engaged_ = true;
    } else {
        logCutoff_.setTarget(std::log(cutoff));
    }
    mix_.setTarget(1.0);
}

void LowCutFilter::process(AudioBlock& block) noexcept {
    ScopedNoDenormals noDenormals;
    applySetting(setting_.load(std::memory_order_relaxed));
    if (!engaged_) return;

    const int channels = std::min(block.numChannels(), channels_);
    const int frames = block.numFrames();

    for (int n = 0; n < frames; ++n) {
        const double mix = std::clamp(mix_.next(), 0.0, 1.0);
        if (logCutoff_.isMoving()) {
            const double logCutoff = logCutoff_.next();
            updateCoefficients(logCutoff_.isMoving() ? std::exp(logCutoff) : targetCutoffHz_);
        }
        for (int c = 0; c < channels; ++c) {
            float* x = block.channel(c);
            ChannelState& s = state_[static_cast<size_t>(c)];
            const double in = x[n];

            // One-pole high-pass (TPT).
            const double v = (in - s.onePole) * onePoleGain_;
            const double lowPass = v + s.onePole;
            s.onePole = lowPass + v;
            const double stage1 = in - lowPass;

            // Q = 1 state-variable high-pass (TPT).
            const double highPass = (stage1 - (kSvfDamping + svfG_) * s.svf1 - s.svf2) * svfDenominator_;
            const double bandPass = svfG_ * highPass + s.svf1;
            s.svf1 = svfG_ * highPass + bandPass;
            const double svfLow = svfG_ * bandPass + s.svf2;
            s.svf2 = svfG_ * bandPass + svfLow;

            if (mix >= 1.0) x[n] = static_cast<float>(highPass);
            else if (mix > 0.0) x[n] = static_cast<float>(in + mix * (highPass - in));
            // mix == 0: the dry sample stays as it is.
        }
        if (!mix_.isMoving() && mix_.current() <= 0.0) {
            // Faded out: from the next sample on the input passes untouched.
            engaged_ = false;
            clearState();
            return;
        }
    }

    // A non-finite input can only reach here through a caller that skipped
    // Preamp's input check; never let it live on in the integrators.
    for (auto& s : state_)
        if (!std::isfinite(s.onePole + s.svf1 + s.svf2)) s = ChannelState{};
}

} // namespace gainstage
