#pragma once
// The glide every preamp control uses on its way to a new setting. [audio thread]
//
// A ramp moves from where it is to its target in a fixed number of samples
// along a cubic Hermite curve that leaves with the slope it had and arrives
// with zero slope. Starting from rest it is the familiar smoothstep; retargeted
// mid-glide it keeps both value and slope continuous, so a control moved again
// while it is still moving cannot put a corner into the signal. (A linear ramp
// has a corner at each end, which a click detector sees on a low tone.)
//
// The last step lands exactly on the target, so a neutral control ends on
// exactly 1.0 (or 0.0) and its stage can go back to being a bit-exact bypass.
// next() is called once per sample, so the trajectory depends only on the
// sample count, never on block boundaries.

namespace gainstage {

class PreampRamp {
public:
    // [non-real-time or audio thread] Glide time in samples (at least 1). Ends any glide.
    void setLength(int samples) noexcept {
        length_ = samples < 1 ? 1 : samples;
        jumpTo(target_);
    }

    // Jump: current = target = value, at rest.
    void jumpTo(double value) noexcept {
        current_ = target_ = start_ = value;
        startSlope_ = 0.0;
        position_ = length_;
    }

    // Glide towards `value`; a no-op when it is already the target.
    void setTarget(double value) noexcept {
        if (value == target_) return;
        // The new curve starts at the current value with the current slope
        // (scaled to the new span of `length_` samples).
        startSlope_ = isMoving() ? slopePerSample() * length_ : 0.0;
        start_ = current_;
        target_ = value;
        position_ = 0;
    }

    // Advance one sample and return the new value.
    double next() noexcept {
        if (position_ >= length_) return current_;
        if (++position_ >= length_) {
            current_ = target_;
            startSlope_ = 0.0;
        } else {
            const double t = static_cast<double>(position_) / length_;
            const double t2 = t * t;
            const double t3 = t2 * t;
            current_ = (2.0 * t3 - 3.0 * t2 + 1.0) * start_ + (t3 - 2.0 * t2 + t) * startSlope_ + (3.0 * t2 - 2.0 * t3) * target_;
        }
        return current_;
    }

    bool isMoving() const noexcept { return position_ < length_; }
    int remaining() const noexcept { return length_ - position_; }
    double current() const noexcept { return current_; }
    double target() const noexcept { return target_; }

private:
    // d(value)/d(sample) at the current position.
    double slopePerSample() const noexcept {
        const double t = static_cast<double>(position_) / length_;
        const double t2 = t * t;
        const double dt = (6.0 * t2 - 6.0 * t) * start_ + (3.0 * t2 - 4.0 * t + 1.0) * startSlope_ + (6.0 * t - 6.0 * t2) * target_;
        return dt / length_;
    }

    double current_ = 0.0;
    double target_ = 0.0;
    double start_ = 0.0;
    double startSlope_ = 0.0; // d(value)/dt over the whole glide, t in [0, 1]
    int length_ = 1;
    int position_ = 1;
};

// Glide length in samples for `seconds` at `sampleRate`.
inline int rampSamples(double seconds, double sampleRate) noexcept {
    const double samples = seconds * sampleRate;
    return samples < 1.0 ? 1 : static_cast<int>(samples + 0.5);
}

} // namespace gainstage
