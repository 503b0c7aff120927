#include "core/MonitorSlot.h"

#include <algorithm>
#include <cmath>

namespace gainstage {

void MonitorSlot::prepare(double sampleRate, int maxBlockSize, int channels) {
    section_.prepare(sampleRate, maxBlockSize, channels);
    const double rate = sampleRate > 0.0 ? sampleRate : 48000.0;
    settleFrames_ = std::llround(kSettleSeconds * rate);
    fadeInFrames_ = std::max<int64_t>(1, std::llround(kFadeInSeconds * rate));
    fadeOutFrames_ = std::max<int64_t>(1, std::llround(kFadeOutSeconds * rate));
    reset();
}

void MonitorSlot::reset() noexcept {
    section_.reset();
    counter_ = 0;
    gain_ = 0.0;
    fadeOutJustDone_ = false;
    fadeOutRequested_.store(false, std::memory_order_relaxed);
    state_.store(State::Settling, std::memory_order_release);
}

void MonitorSlot::noteInstability() noexcept {
    if (state_.load(std::memory_order_relaxed) == State::Settling) counter_ = 0;
}

void MonitorSlot::process(AudioBlock& block) noexcept {
    section_.process(block);
    gate(block);
}

void MonitorSlot::gate(AudioBlock& block) noexcept {
    const int frames = block.numFrames();
    const int channels = block.numChannels();
    State state = state_.load(std::memory_order_relaxed);
    if (fadeOutRequested_.exchange(false, std::memory_order_acq_rel) && state != State::Closed) {
        state = State::FadingOut;
        fadeOutStep_ = 1.0 / static_cast<double>(fadeOutFrames_);
    }
    for (int i = 0; i < frames;) {
        switch (state) {
        case State::Open:
            return state_.store(state, std::memory_order_release); // unity: leave the rest untouched
        case State::Closed:
        case State::Settling: {
            // Silent frames; Settling counts them towards the fade-in.
            int run = frames - i;
            if (state == State::Settling) run = static_cast<int>(std::min<int64_t>(run, settleFrames_ - counter_));
            for (int c = 0; c < channels; ++c) std::fill(block.channel(c) + i, block.channel(c) + i + run, 0.0f);
            i += run;
            if (state == State::Settling) {
                counter_ += run;
                if (counter_ >= settleFrames_) state = State::FadingIn, counter_ = 0;
            }
            break;
        }
        case State::FadingIn: {
            const int run = static_cast<int>(std::min<int64_t>(frames - i, fadeInFrames_ - counter_));
            for (int k = 0; k < run; ++k) {
                const float g = static_cast<float>(static_cast<double>(counter_ + k + 1) / static_cast<double>(fadeInFrames_));
                for (int c = 0; c < channels; ++c) block.channel(c)[i + k] *= g;
            }
            counter_ += run;
            i += run;
            gain_ = static_cast<double>(counter_) / static_cast<double>(fadeInFrames_);
            if (counter_ >= fadeInFrames_) state = State::Open, gain_ = 1.0;
            break;
        }
        case State::FadingOut: {
            for (; i < frames && gain_ > 0.0; ++i) {
                gain_ = std::max(0.0, gain_ - fadeOutStep_);
                const float g = static_cast<float>(gain_);
                for (int c = 0; c < channels; ++c) block.channel(c)[i] *= g;
            }
            if (gain_ <= 0.0) {
                state = State::Closed;
                fadeOutJustDone_ = true;
            }
            break;
        }
        }
    }
    state_.store(state, std::memory_order_release);
}

} // namespace gainstage
