// The three preamp models (Clean, Tube, Transformer). [audio thread for
// process/reset, non-real-time for prepare]
//
// First working version: every curve runs at the host rate (no anti-aliasing
// yet) and no model adds latency. The oversampled versions replace the
// per-sample kernels without changing the interface.

#include "dsp/PreampModels.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "dsp/Denormals.h"
#include "dsp/DspMath.h"
#include "dsp/SmoothedValue.h"

namespace gainstage {

namespace {

// Anything beyond +60 dBFS is a broken upstream, not audio; non-finite input
// is treated as a dropout so no state can ever hold a NaN.
constexpr float kMaxInput = 1000.0f;
inline float sanitize(float x) noexcept {
    if (!std::isfinite(x)) return 0.0f;
    return std::clamp(x, -kMaxInput, kMaxInput);
}

// Smooth, odd, bounded: x / sqrt(1 + x^2). Cheap and analytic on the real axis.
inline float softSat(float x) noexcept { return x / std::sqrt(1.0f + x * x); }

// Digital full-scale amplitude of a sine peak at `dbu` for 0 dBFS = `calibrationDbu`.
inline float amplitudeForDbu(float dbu, float calibrationDbu) noexcept {
    return dbToGain(dbu - calibrationDbu);
}

} // namespace

// ---------------------------------------------------------------- Clean ----
// Headroom +22 dBu: linear below the knee, then k + h * softSat((|x| - k) / h).
struct CleanModel::Impl {
    static constexpr float kKneeDbu = 22.0f;
    static constexpr float kCeilingOverKnee = 0.41f; // h = 0.41 k: the limit sits 3 dB above the knee
    GainSmoothedValue knee;
    int channels = 0;
};

CleanModel::CleanModel() : impl_(std::make_unique<Impl>()) {}
CleanModel::~CleanModel() = default;

void CleanModel::prepare(double sampleRate, int /*maxBlockSize*/, int channels) {
    impl_->channels = channels;
    impl_->knee.prepare(sampleRate, 0.05);
    reset();
}

void CleanModel::reset() noexcept {
    impl_->knee.setCurrentAndTarget(amplitudeForDbu(Impl::kKneeDbu, calibrationDbu_.load(std::memory_order_relaxed)));
}

void CleanModel::process(AudioBlock& block) noexcept {
    ScopedNoDenormals noDenormals;
    auto& s = *impl_;
    s.knee.setTarget(amplitudeForDbu(Impl::kKneeDbu, calibrationDbu_.load(std::memory_order_relaxed)));
    const int channels = std::min(block.numChannels(), s.channels);
    const int frames = block.numFrames();
    for (int n = 0; n < frames; ++n) {
        const float k = s.knee.next();
        const float h = Impl::kCeilingOverKnee * k;
        for (int c = 0; c < channels; ++c) {
            float* x = block.channel(c);
            const float in = sanitize(x[n]);
            const float a = std::fabs(in);
            x[n] = a <= k ? in : std::copysign(k + h * softSat((a - k) / h), in);
        }
    }
}

// ----------------------------------------------------------------- Tube ----
struct TubeModel::Impl {
    static constexpr float kSaturationDbu = 36.0f; // u = 1 (start of hard overload) at +36 dBu
    static constexpr float kBias = 0.5f;
    struct Channel {
        float env = 0.0f, dc = 0.0f, lp = 0.0f;
    };
    std::vector<Channel> state;
    GainSmoothedValue scale;
    float attack = 0.0f, release = 0.0f, dcCoef = 0.0f;
};

TubeModel::TubeModel() : impl_(std::make_unique<Impl>()) {}
TubeModel::~TubeModel() = default;

void TubeModel::prepare(double sampleRate, int /*maxBlockSize*/, int channels) {
    impl_->state.assign(static_cast<size_t>(channels), {});
    impl_->scale.prepare(sampleRate, 0.05);
    impl_->attack = static_cast<float>(1.0 - std::exp(-1.0 / (0.02 * sampleRate)));
    impl_->release = static_cast<float>(1.0 - std::exp(-1.0 / (0.15 * sampleRate)));
    impl_->dcCoef = static_cast<float>(1.0 - std::exp(-2.0 * kPi * 8.0 / sampleRate));
    reset();
}

void TubeModel::reset() noexcept {
    for (auto& c : impl_->state) c = {};
    impl_->scale.setCurrentAndTarget(1.0f / amplitudeForDbu(Impl::kSaturationDbu, calibrationDbu_.load(std::memory_order_relaxed)));
}

int TubeModel::latencySamples() const noexcept { return 0; }
int TubeModel::latencyFor(double) noexcept { return 0; }

void TubeModel::process(AudioBlock& block) noexcept {
    ScopedNoDenormals noDenormals;
    auto& s = *impl_;
    s.scale.setTarget(1.0f / amplitudeForDbu(Impl::kSaturationDbu, calibrationDbu_.load(std::memory_order_relaxed)));
    const int channels = std::min(block.numChannels(), static_cast<int>(s.state.size()));
    const float b0 = Impl::kBias;
    const float slope0 = 1.0f / std::pow(1.0f + b0 * b0, -1.5f);
    for (int n = 0; n < block.numFrames(); ++n) {
        const float g = s.scale.next();
        for (int c = 0; c < channels; ++c) {
            auto& ch = s.state[static_cast<size_t>(c)];
            float* x = block.channel(c);
            const float u = sanitize(x[n]) * g;
            const float p = u * u;
            ch.env += (p > ch.env ? s.attack : s.release) * (p - ch.env);
            const float e = ch.env * 10.0f;
            const float b = b0 + 0.3f * e / (1.0f + e);
            const float v = (softSat(u + b) - softSat(b)) * slope0;
            ch.dc += s.dcCoef * ((v - u) - ch.dc);
            x[n] = (v - ch.dc) / g;
        }
    }
}

// ---------------------------------------------------------- Transformer ----
struct TransformerModel::Impl {
    static constexpr float kCoreDbu = 20.0f;  // flux reaches saturation for a 40 Hz sine at +20 dBu
    static constexpr float kAmpDbu = 26.0f;   // the line amplifier behind it limits at +26 dBu
    struct Channel {
        float flux = 0.0f;
    };
    std::vector<Channel> state;
    GainSmoothedValue fluxScale, ampScale;
    float dt = 0.0f, leak = 0.0f;
};

TransformerModel::TransformerModel() : impl_(std::make_unique<Impl>()) {}
TransformerModel::~TransformerModel() = default;

void TransformerModel::prepare(double sampleRate, int /*maxBlockSize*/, int channels) {
    impl_->state.assign(static_cast<size_t>(channels), {});
    impl_->fluxScale.prepare(sampleRate, 0.05);
    impl_->ampScale.prepare(sampleRate, 0.05);
    impl_->dt = static_cast<float>(1.0 / sampleRate);
    impl_->leak = static_cast<float>(2.0 * kPi * 5.0);
    reset();
}

void TransformerModel::reset() noexcept {
    const float cal = calibrationDbu_.load(std::memory_order_relaxed);
    for (auto& c : impl_->state) c = {};
    impl_->fluxScale.setCurrentAndTarget(amplitudeForDbu(Impl::kCoreDbu, cal) / static_cast<float>(2.0 * kPi * 40.0));
    impl_->ampScale.setCurrentAndTarget(1.0f / amplitudeForDbu(Impl::kAmpDbu, cal));
}

int TransformerModel::latencySamples() const noexcept { return 0; }
int TransformerModel::latencyFor(double) noexcept { return 0; }

void TransformerModel::process(AudioBlock& block) noexcept {
    ScopedNoDenormals noDenormals;
    auto& s = *impl_;
    const float cal = calibrationDbu_.load(std::memory_order_relaxed);
    s.fluxScale.setTarget(amplitudeForDbu(Impl::kCoreDbu, cal) / static_cast<float>(2.0 * kPi * 40.0));
    s.ampScale.setTarget(1.0f / amplitudeForDbu(Impl::kAmpDbu, cal));
    const int channels = std::min(block.numChannels(), static_cast<int>(s.state.size()));
    for (int n = 0; n < block.numFrames(); ++n) {
        const float phiSat = s.fluxScale.next();
        const float amp = s.ampScale.next();
        for (int c = 0; c < channels; ++c) {
            auto& ch = s.state[static_cast<size_t>(c)];
            float* x = block.channel(c);
            const float v = sanitize(x[n]);
            // Normalised flux p = phi / phiSat; the magnetising current is p + p^3,
            // its drop across the source resistance both leaks the flux and distorts.
            const float p = ch.flux;
            const float drop = s.leak * (p + p * p * p);
            ch.flux = std::clamp(p + s.dt * (v / phiSat - drop), -20.0f, 20.0f);
            const float core = v - s.leak * phiSat * p * p * p;
            const float a = core * amp;
            x[n] = a / std::sqrt(std::sqrt(1.0f + a * a * a * a)) / amp;
        }
    }
}

} // namespace gainstage
