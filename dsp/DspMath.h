#pragma once
// Small numeric helpers shared by the processors.

#include <cmath>
#include <limits>

namespace gainstage {

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr float kMinusInfinityDb = -std::numeric_limits<float>::infinity();

inline float dbToGain(float db) noexcept { return std::pow(10.0f, db * 0.05f); }
inline double dbToGain(double db) noexcept { return std::pow(10.0, db * 0.05); }

// -inf for silence, so that callers can tell "no signal" from "very quiet".
inline float gainToDb(float gain) noexcept {
    return gain > 0.0f ? 20.0f * std::log10(gain) : kMinusInfinityDb;
}
inline double gainToDb(double gain) noexcept {
    return gain > 0.0 ? 20.0 * std::log10(gain) : -std::numeric_limits<double>::infinity();
}

// Finite check that survives optimisation (NaN and +-Inf both fail it).
inline bool isFiniteSample(float x) noexcept { return std::isfinite(x); }

} // namespace gainstage
