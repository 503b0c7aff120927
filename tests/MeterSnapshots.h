#pragma once
// Meter readings for the meter widget's tests and its paint benchmark
// (tests/test_ui_meter.cpp, tests/bench/bench_meter_paint.cpp), so that both
// draw the same kind of moment.

#include <cstdint>
#include <limits>

#include "dsp/Meter.h"

namespace gainstage::test {

constexpr float kSilence = -std::numeric_limits<float>::infinity();

// Nothing measured yet above -inf, one second in.
inline MeterSnapshot silence() {
    MeterSnapshot s{};
    s.samplePeakDb = s.truePeakDb = s.peakBarDb = s.peakHoldDb = s.truePeakHoldDb = s.rmsDb = kSilence;
    s.momentaryLufs = s.shortTermLufs = s.integratedLufs = kSilence;
    s.maxSamplePeakDb = s.maxTruePeakDb = s.maxMomentaryLufs = s.maxShortTermLufs = kSilence;
    s.clipEvents = s.clippedSamples = 0;
    s.framesMeasured = 48000;
    s.status = WindowStatus::Low;
    return s;
}

// A plausible moment of a performance peaking at `peakDb`, RMS `rmsBelow` under it.
inline MeterSnapshot playing(float peakDb, float rmsBelow = 12.0f) {
    MeterSnapshot s = silence();
    s.samplePeakDb = peakDb - 0.8f;
    s.truePeakDb = peakDb - 0.5f;
    s.peakBarDb = peakDb - 0.6f;
    s.peakHoldDb = peakDb;
    s.truePeakHoldDb = peakDb + 0.4f;
    s.rmsDb = peakDb - rmsBelow;
    s.maxSamplePeakDb = peakDb;
    s.maxTruePeakDb = peakDb + 0.4f;
    s.status = peakDb + 0.4f > 0.0f ? WindowStatus::Clipped
               : peakDb >= -6.0f    ? WindowStatus::InWindow
                                    : WindowStatus::Low;
    return s;
}

} // namespace gainstage::test
