#pragma once
// The fader and pan laws, shared by the audio thread (Track::processBlock) and
// the offline export (Mixdown), so an export sounds exactly like playback.
// [any thread: pure functions, no allocation]
//
// Fader: dB to gain, silence at or below -90 dB, at most +12 dB.
// Pan: a mono track is panned at constant power (sin/cos, -3.01 dB each side
// at centre, so a source keeps its loudness wherever it sits); a stereo track
// is balanced (the far side falls linearly to silence, the near side stays at
// unity).

#include <algorithm>
#include <cmath>
#include <numbers>

namespace gainstage {

inline constexpr float kFaderSilenceDb = -90.0f;
inline constexpr float kFaderMaxDb = 12.0f;

inline float faderGain(float db) noexcept {
    if (!(db > kFaderSilenceDb)) return 0.0f;
    return std::pow(10.0f, std::min(db, kFaderMaxDb) / 20.0f);
}

inline void panGains(float pan, bool stereo, float& left, float& right) noexcept {
    const float p = std::clamp(std::isfinite(pan) ? pan : 0.0f, -1.0f, 1.0f);
    if (stereo) {
        left = std::min(1.0f, 1.0f - p);
        right = std::min(1.0f, 1.0f + p);
    } else {
        const float angle = (p + 1.0f) * static_cast<float>(std::numbers::pi / 4.0);
        left = std::cos(angle);
        right = std::sin(angle);
    }
}

} // namespace gainstage
