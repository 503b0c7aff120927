// Up/down chain of polyphase IIR halfbands; see Oversampler.h.
// [prepare: non-real-time; upsample/downsample/reset: audio thread]

#include "dsp/Oversampler.h"

#include <algorithm>

namespace gainstage {

namespace {

// Stage 1: 8 coefficients, transition 0.0833 of the 2x rate (20 kHz .. 28 kHz at
// 48 kHz in): about 128 dB of stopband, so what folds back is far below the
// -100 dBc the models promise at moderate drive, with float rounding the floor.
constexpr HalfbandSpec kSteepSpec{2 * Oversampler::kSteepSections, Oversampler::kSteepTransition};
// Stage 2: transition 0.3 of the 4x rate (passband to ~19 kHz, stopband from
// ~77 kHz at 48 kHz in): 2 coefficients give about 73 dB, and the signal meets
// it twice. Measured on the models' alias figures it is indistinguishable from
// a 98 dB, 3-coefficient stage, at two thirds of the cost and 0.3 samples less delay.
constexpr HalfbandSpec kLightSpec{2 * Oversampler::kLightSections, Oversampler::kLightTransition};

struct Designs {
    std::vector<double> steep = designHalfband(kSteepSpec);
    std::vector<double> light = designHalfband(kLightSpec);
    // One up + one down pass of a stage delays low frequencies by 2*tau - 1 samples
    // of the high rate: tau each way, minus one because the decimator keeps the odd
    // output phase (see Oversampler::downsample).
    double steepPass = 2.0 * halfbandLowFrequencyDelay(steep) - 1.0;
    double lightPass = 2.0 * halfbandLowFrequencyDelay(light) - 1.0;
};

const Designs& designs() noexcept {
    static const Designs instance;
    return instance;
}

// Branch A takes the coefficients at even positions (a1, a3, ...), branch B the odd ones.
template <int Sections>
void load(AllpassPair<Sections>& pair, const std::vector<double>& coefficients) {
    for (int i = 0; i < Sections; ++i) {
        const float a = static_cast<float>(coefficients[static_cast<size_t>(2 * i)]);
        const float b = static_cast<float>(coefficients[static_cast<size_t>(2 * i + 1)]);
        pair.coefficient[i] = Float4{a, b, 0.0f, 0.0f};
    }
    pair.reset();
}

} // namespace

int Oversampler::factorFor(double sampleRate) noexcept {
    if (sampleRate < 88000.0) return 4;
    if (sampleRate < 176000.0) return 2;
    return 1;
}

double Oversampler::lowFrequencyDelayFor(double sampleRate) noexcept {
    const auto& d = designs();
    switch (factorFor(sampleRate)) {
    case 4: return d.steepPass / 2.0 + d.lightPass / 4.0;
    case 2: return d.steepPass / 2.0;
    default: return 0.0;
    }
}

const std::vector<double>& Oversampler::steepCoefficients() noexcept { return designs().steep; }
const std::vector<double>& Oversampler::lightCoefficients() noexcept { return designs().light; }

void Oversampler::prepare(double sampleRate, int maxBlockSize, int channels) {
    factor_ = factorFor(sampleRate);
    delay_ = lowFrequencyDelayFor(sampleRate);
    channels_.assign(static_cast<size_t>(std::max(channels, 0)), {});
    for (auto& c : channels_) {
        load(c.up1, designs().steep);
        load(c.down1, designs().steep);
        load(c.up2, designs().light);
        load(c.down2, designs().light);
    }
    high_.assign(static_cast<size_t>(std::max(maxBlockSize, 1)) * static_cast<size_t>(factor_), 0.0f);
}

void Oversampler::reset() noexcept {
    for (auto& c : channels_) {
        c.up1.reset();
        c.up2.reset();
        c.down1.reset();
        c.down2.reset();
    }
}

namespace {

template <int F>
void upsampleBlock(Oversampler::Channel& state, const float* in, float* out, int count) noexcept {
    Oversampler::Channel c = state;
    for (int n = 0; n < count; ++n) {
        const Float4 high = Oversampler::upsample<F>(c, in[n]);
        for (int k = 0; k < F; ++k) out[n * F + k] = high[k];
    }
    state = c;
}

template <int F>
void downsampleBlock(Oversampler::Channel& state, const float* in, float* out, int count) noexcept {
    Oversampler::Channel c = state;
    for (int n = 0; n < count; ++n) {
        Float4 high{};
        for (int k = 0; k < F; ++k) high[k] = in[n * F + k];
        out[n] = Oversampler::downsample<F>(c, high);
    }
    state = c;
}

} // namespace

float* Oversampler::upsample(int channel, const float* in, int count) noexcept {
    auto& c = channels_[static_cast<size_t>(channel)];
    switch (factor_) {
    case 4: upsampleBlock<4>(c, in, high_.data(), count); break;
    case 2: upsampleBlock<2>(c, in, high_.data(), count); break;
    default: upsampleBlock<1>(c, in, high_.data(), count); break;
    }
    return high_.data();
}

void Oversampler::downsample(int channel, const float* in, float* out, int count) noexcept {
    auto& c = channels_[static_cast<size_t>(channel)];
    switch (factor_) {
    case 4: downsampleBlock<4>(c, in, out, count); break;
    case 2: downsampleBlock<2>(c, in, out, count); break;
    default: downsampleBlock<1>(c, in, out, count); break;
    }
}

} // namespace gainstage
