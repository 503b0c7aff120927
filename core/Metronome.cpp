#include "core/Metronome.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace gainstage {

void Metronome::prepare(double sampleRate) {
    sampleRate_ = sampleRate > 0.0 ? sampleRate : 48000.0;
    clickFrames_ = std::max(1, static_cast<int>(std::lround(kClickSeconds * sampleRate_)));
    accent_ = std::make_unique<float[]>(static_cast<size_t>(clickFrames_));
    beat_ = std::make_unique<float[]>(static_cast<size_t>(clickFrames_));
    const float beatGain = std::pow(10.0f, kBeatRelativeDb / 20.0f);
    // A sine burst started a quarter period in (so it begins at full level on
    // the beat itself, which makes the click crisp and its onset exact) with an
    // exponential decay to about -60 dB at the end.
    const double decay = std::log(1000.0) / clickFrames_;
    for (int n = 0; n < clickFrames_; ++n) {
        const double envelope = std::exp(-decay * n);
        const double t = n / sampleRate_;
        accent_[static_cast<size_t>(n)] = static_cast<float>(envelope * std::cos(2.0 * std::numbers::pi * kAccentHz * t));
        beat_[static_cast<size_t>(n)] = static_cast<float>(beatGain * envelope * std::cos(2.0 * std::numbers::pi * kBeatHz * t));
    }
    playing_ = -1;
}

void Metronome::setTempo(double bpm) noexcept { tempo_.store(std::clamp(bpm, 20.0, 400.0), std::memory_order_relaxed); }
void Metronome::setBeatsPerBar(int beats) noexcept { beatsPerBar_.store(std::clamp(beats, 1, 32), std::memory_order_relaxed); }
void Metronome::setCountInBars(int bars) noexcept { countInBars_.store(std::clamp(bars, 0, 16), std::memory_order_relaxed); }

void Metronome::beginBlock() noexcept {
    samplesPerBeat_ = 60.0 * sampleRate_ / tempo_.load(std::memory_order_relaxed);
    beatsPerBarNow_ = beatsPerBar_.load(std::memory_order_relaxed);
    const float db = levelDb_.load(std::memory_order_relaxed);
    gain_ = db > -90.0f ? std::pow(10.0f, std::min(db, 0.0f) / 20.0f) : 0.0f;
}

int64_t Metronome::countInFrames() const noexcept {
    return beatStart(static_cast<int64_t>(countInBars_.load(std::memory_order_relaxed)) * beatsPerBarNow_);
}

int64_t Metronome::beatStart(int64_t beat) const noexcept { return std::llround(static_cast<double>(beat) * samplesPerBeat_); }

void Metronome::render(float* left, float* right, int frames, int64_t origin, bool active) noexcept {
    if (!accent_) return;
    // The first beat at or after the block's origin.
    int64_t beat = origin <= 0 ? 0 : static_cast<int64_t>(std::floor(static_cast<double>(origin) / samplesPerBeat_));
    while (beatStart(beat) < origin) ++beat;
    int64_t nextOnset = active ? beatStart(beat) - origin : INT64_MAX;
    for (int i = 0; i < frames;) {
        if (nextOnset == i) {
            playing_ = 0;
            playingAccent_ = beat % beatsPerBarNow_ == 0;
            ++beat;
            nextOnset = beatStart(beat) - origin;
        }
        // Run the sounding click up to the next onset or the block's end.
        const int64_t until = std::min<int64_t>(frames, nextOnset);
        if (playing_ < 0) {
            i = static_cast<int>(until);
            continue;
        }
        const float* table = playingAccent_ ? accent_.get() : beat_.get();
        for (; i < until && playing_ >= 0; ++i) {
            const float value = gain_ * table[playing_];
            left[i] += value;
            right[i] += value;
            if (++playing_ >= clickFrames_) playing_ = -1;
        }
        if (playing_ < 0) i = static_cast<int>(until);
    }
}

} // namespace gainstage
