// Auto Gain's listening side. [control thread, see the header]
#include "core/AutoGainSession.h"

#include <algorithm>
#include <cmath>

namespace gainstage {

AutoGainSession::AutoGainSession(std::shared_ptr<RawTap> tap, double sampleRate) : tap_(std::move(tap)), sampleRate_(sampleRate) {
    if (tap_) scratch_.resize(tap_->ring.capacity());
}

AutoGainSession::~AutoGainSession() {
    if (tap_ && listening_) tap_->enabled.store(false, std::memory_order_release);
}

void AutoGainSession::start(double seconds) {
    seconds_ = std::clamp(std::isfinite(seconds) ? seconds : kDefaultSeconds, kMinSeconds, kMaxSeconds);
    cancelled_.store(false, std::memory_order_relaxed);
    heard_.assign(tap_ ? static_cast<size_t>(tap_->channels) : 1, {});
    for (auto& c : heard_) c.reserve(static_cast<size_t>(seconds_ * sampleRate_) + 1);
    if (!tap_) return;
    // Frames a previous listener left behind are not this performance.
    tap_->ring.discard(tap_->ring.readAvailable());
    lostAtStart_ = tap_->lostFrames.load(std::memory_order_relaxed);
    listening_ = true;
    tap_->enabled.store(true, std::memory_order_release);
}

void AutoGainSession::drain() {
    if (!tap_) return;
    const size_t channels = static_cast<size_t>(tap_->channels);
    const size_t wanted = static_cast<size_t>(std::ceil(seconds_ * sampleRate_));
    while (true) {
        const size_t got = tap_->ring.tryRead(scratch_.data(), scratch_.size() / channels * channels) / channels;
        if (got == 0) break;
        for (size_t i = 0; i < got && heard_[0].size() < wanted; ++i)
            for (size_t c = 0; c < channels; ++c) heard_[c].push_back(scratch_[i * channels + c]);
    }
}

bool AutoGainSession::poll() {
    if (!listening_) return false;
    drain();
    if (heard_[0].size() >= static_cast<size_t>(std::ceil(seconds_ * sampleRate_))) {
        stop();
        return true;
    }
    return false;
}

void AutoGainSession::stop() {
    if (!listening_) return;
    tap_->enabled.store(false, std::memory_order_release);
    drain(); // what the audio thread wrote before it saw the flag go down
    listening_ = false;
}

void AutoGainSession::cancel() {
    cancelled_.store(true, std::memory_order_relaxed);
    if (tap_) tap_->enabled.store(false, std::memory_order_release);
    listening_ = false;
}

double AutoGainSession::secondsHeard() const {
    return heard_.empty() ? 0.0 : static_cast<double>(heard_[0].size()) / sampleRate_;
}

uint64_t AutoGainSession::lostFrames() const {
    return tap_ ? tap_->lostFrames.load(std::memory_order_relaxed) - lostAtStart_ : 0;
}

AutoGainOutcome AutoGainSession::analyse(const PreampSettings& current, const AutoGainOptions& options) {
    return AutoGain::run(heard_, sampleRate_, current, options, &cancelled_);
}

bool AutoGainSession::apply(Preamp& preamp, const AutoGainOutcome& outcome) {
    if (outcome.result != AutoGainResult::Success) return false;
    preamp.setSettings(outcome.after);
    return true;
}

} // namespace gainstage
