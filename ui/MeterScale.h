#pragma once
// Where a level lands on a horizontal meter, and back. Pure arithmetic with no
// widgets, so the mapping can be tested exactly. [any thread]
//
// The scale runs from kMinDb (-60 dBFS) at pixel 0 to kMaxDb (+3 dBFS) at the
// full length. It is piecewise linear with a knee at -20 dBFS: the top 23 dB
// (-20..+3), where a recordist sets Gain, get 55% of the length and the
// bottom 40 dB share the rest, the way DAW meters spread out the top end.
//
// Invariants:
// - dbToPixel() is the width in pixels of a bar showing that level: the bar
//   covers pixel columns [0, dbToPixel(db, length)). It never decreases as the
//   level rises, is 0 for silence (-inf), NaN and anything at or below kMinDb,
//   and is `length` at or above kMaxDb.
// - pixelToDb() is its exact inverse on whole pixels:
//   dbToPixel(pixelToDb(px, length), length) == px for every px in 0..length,
//   and pixelToDb(dbToPixel(db)) is within half a pixel's worth of dB of db.

#include <array>
#include <cmath>

namespace gainstage {

struct MeterScale {
    static constexpr float kMinDb = -60.0f;
    static constexpr float kMaxDb = 3.0f;
    static constexpr float kKneeDb = -20.0f;
    // Share of the length below the knee; the -20..+3 dB region has the rest.
    static constexpr double kKneePosition = 0.45;

    struct Tick {
        float db;
        const char* label;
    };
    // The labelled levels: sparse at the bottom, dense around the -6..0 window.
    static constexpr std::array<Tick, 6> kTicks{{
        {-48.0f, "-48"}, {-24.0f, "-24"}, {-12.0f, "-12"}, {-6.0f, "-6"}, {-3.0f, "-3"}, {0.0f, "0"}}};

    // 0..1 along the scale, before rounding to pixels.
    static double position(float db) noexcept {
        // Written so that NaN also takes the silence branch.
        if (!(db > kMinDb)) return 0.0;
        if (db >= kMaxDb) return 1.0;
        if (db < kKneeDb)
            return kKneePosition * (double(db) - kMinDb) / (double(kKneeDb) - kMinDb);
        return kKneePosition + (1.0 - kKneePosition) * (double(db) - kKneeDb) / (double(kMaxDb) - kKneeDb);
    }

    // Inverse of position() for 0..1 (clamped).
    static float dbAt(double position) noexcept {
        if (!(position > 0.0)) return kMinDb;
        if (position >= 1.0) return kMaxDb;
        if (position < kKneePosition)
            return float(kMinDb + position / kKneePosition * (double(kKneeDb) - kMinDb));
        return float(kKneeDb + (position - kKneePosition) / (1.0 - kKneePosition) * (double(kMaxDb) - kKneeDb));
    }

    static int dbToPixel(float db, int length) noexcept {
        if (length <= 0) return 0;
        return int(std::floor(position(db) * length + 0.5));
    }

    static float pixelToDb(int px, int length) noexcept {
        if (length <= 0) return kMinDb;
        return dbAt(double(px) / length);
    }

    // How many dB one pixel spans at that level; the round-trip tolerance.
    static double dbPerPixel(float db, int length) noexcept {
        if (length <= 0) return 0.0;
        const bool top = db >= kKneeDb;
        const double span = top ? double(kMaxDb) - kKneeDb : double(kKneeDb) - kMinDb;
        const double share = top ? 1.0 - kKneePosition : kKneePosition;
        return span / (share * length);
    }

    static std::array<int, kTicks.size()> tickPixels(int length) noexcept {
        std::array<int, kTicks.size()> pixels{};
        for (std::size_t i = 0; i < kTicks.size(); ++i) pixels[i] = dbToPixel(kTicks[i].db, length);
        return pixels;
    }
};

} // namespace gainstage
