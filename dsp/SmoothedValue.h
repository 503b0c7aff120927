#pragma once
// Per-sample parameter smoothing. The owner sets a target (once per block, on
// the audio thread, from an atomic); next() is called once per sample, so the
// trajectory depends only on the sample count, never on block boundaries.
//
// LinearSmoothedValue ramps linearly (phase, mixes, crossfades).
// GainSmoothedValue ramps in dB, i.e. multiplicatively, which is how a gain
// change sounds even; it lands exactly on the target, so a gain of exactly 1.0
// stays bit-transparent once the ramp is over.

#include <cmath>

namespace gainstage {

class LinearSmoothedValue {
public:
    void prepare(double sampleRate, double rampSeconds) noexcept {
        rampLength_ = rampSeconds * sampleRate < 1.0 ? 1 : static_cast<int>(rampSeconds * sampleRate);
    }
    void setCurrentAndTarget(float value) noexcept {
        current_ = target_ = value;
        remaining_ = 0;
    }
    void setTarget(float value) noexcept {
        if (value == target_) return;
        target_ = value;
        remaining_ = rampLength_;
        step_ = (target_ - current_) / static_cast<float>(rampLength_);
    }
    float next() noexcept {
        if (remaining_ == 0) return current_;
        if (--remaining_ == 0) current_ = target_;
        else current_ += step_;
        return current_;
    }
    bool isSmoothing() const noexcept { return remaining_ > 0; }
    float current() const noexcept { return current_; }
    float target() const noexcept { return target_; }

private:
    float current_ = 0.0f;
    float target_ = 0.0f;
    float step_ = 0.0f;
    int remaining_ = 0;
    int rampLength_ = 1;
};

class GainSmoothedValue {
public:
    void prepare(double sampleRate, double rampSeconds) noexcept {
        rampLength_ = rampSeconds * sampleRate < 1.0 ? 1 : static_cast<int>(rampSeconds * sampleRate);
    }
    // Gains must be > 0; a true mute is done with a LinearSmoothedValue mix.
    void setCurrentAndTarget(float gain) noexcept {
        current_ = target_ = gain;
        remaining_ = 0;
    }
    void setTarget(float gain) noexcept {
        if (gain == target_) return;
        target_ = gain;
        remaining_ = rampLength_;
        ratio_ = std::pow(static_cast<double>(target_) / current_, 1.0 / rampLength_);
        currentPrecise_ = current_;
    }
    float next() noexcept {
        if (remaining_ == 0) return current_;
        if (--remaining_ == 0) {
            current_ = target_;
        } else {
            currentPrecise_ *= ratio_;
            current_ = static_cast<float>(currentPrecise_);
        }
        return current_;
    }
    bool isSmoothing() const noexcept { return remaining_ > 0; }
    float current() const noexcept { return current_; }
    float target() const noexcept { return target_; }

private:
    float current_ = 1.0f;
    float target_ = 1.0f;
    double currentPrecise_ = 1.0;
    double ratio_ = 1.0;
    int remaining_ = 0;
    int rampLength_ = 1;
};

} // namespace gainstage
