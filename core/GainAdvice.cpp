// "Which knob to turn": rules and the held-peak advisor. [meter thread / any thread]
#include "core/GainAdvice.h"

#include <algorithm>
#include <cmath>

namespace gainstage {

namespace {

// Half-dB steps: a meter shows 0.1 dB, but a knob is turned by feel.
float roundToHalfDb(float db) { return std::max(0.5f, std::round(db * 2.0f) / 2.0f); }

float finiteOr(float db, float fallback) { return std::isfinite(db) ? db : fallback; }

} // namespace

const char* gainAdviceKindName(GainAdviceKind kind) noexcept {
    switch (kind) {
    case GainAdviceKind::InterfaceClipping: return "interface_clipping";
    case GainAdviceKind::InterfaceGainUp: return "interface_gain_up";
    case GainAdviceKind::RaiseGain: return "raise_gain";
    case GainAdviceKind::LowerGain: return "lower_gain";
    }
    return "unknown";
}

std::vector<GainAdvice> adviseGain(const GainAdviceLevels& levels) {
    std::vector<GainAdvice> advice;
    if (levels.rawSamplePeakDb >= kAdviceClipDbfs) {
        advice.push_back({GainAdviceKind::InterfaceClipping, 0.0f, QStringLiteral("Interface input is clipping: turn its gain down.")});
        return advice;
    }
    if (!(levels.rawPeakDb >= kAdviceSilenceDbfs)) return advice;
    if (levels.rawPeakDb < kAdviceRawLowDbfs && levels.virtualGainDb > kAdviceHighVirtualGainDb)
        advice.push_back({GainAdviceKind::InterfaceGainUp, 0.0f,
                          QStringLiteral("Turn the interface's gain up and the virtual gain down: virtual gain raises the noise too.")});
    const float middle = 0.5f * (levels.window.lowDb + levels.window.highDb);
    if (levels.trackPeakDb < levels.window.lowDb) {
        const float db = roundToHalfDb(middle - levels.trackPeakDb);
        advice.push_back({GainAdviceKind::RaiseGain, db, QStringLiteral("Raise Gain by about %1 dB.").arg(double(db), 0, 'f', 1)});
    } else if (levels.trackPeakDb > levels.window.highDb) {
        const float db = roundToHalfDb(levels.trackPeakDb - middle);
        advice.push_back({GainAdviceKind::LowerGain, db, QStringLiteral("Lower Gain by about %1 dB.").arg(double(db), 0, 'f', 1)});
    }
    return advice;
}

std::vector<GainAdvice> GainAdvisor::update(const MeterSnapshot& raw, const MeterSnapshot& track, float virtualGainDb, double nowSeconds) {
    constexpr float kFloor = -1.0e9f;
    // The hold lines (not only the latest block) so that no block between two
    // polls of the meter thread goes unseen.
    history_.push_back({nowSeconds, finiteOr(std::max(raw.samplePeakDb, raw.peakHoldDb), kFloor),
                        finiteOr(std::max({raw.truePeakDb, raw.truePeakHoldDb, raw.samplePeakDb}), kFloor),
                        finiteOr(std::max({track.truePeakDb, track.truePeakHoldDb, track.samplePeakDb}), kFloor)});
    while (!history_.empty() && history_.front().time < nowSeconds - kHoldSeconds) history_.pop_front();
    held_ = GainAdviceLevels{};
    held_.virtualGainDb = virtualGainDb;
    held_.window = window_;
    for (const Entry& e : history_) {
        held_.rawSamplePeakDb = std::max(held_.rawSamplePeakDb, e.rawSample);
        held_.rawPeakDb = std::max(held_.rawPeakDb, e.rawTrue);
        held_.trackPeakDb = std::max(held_.trackPeakDb, e.track);
    }
    return adviseGain(held_);
}

} // namespace gainstage
