// Up/down chain of polyphase IIR halfbands; see Oversampler.h.
// [prepare: non-real-time; upsample/downsample/reset: audio thread]

#include "dsp/Oversampler.h"

#include <algorithm>

namespace gainstage {

namespace {

// Stage 1: 8 coefficients, transition 0.0833 of the 2x rate (20 kHz .. 28 kHz at
// 48 kHz in): about 128 dB of stopband, so what folds back is far below the
// -100 dBc the models promise at moderate drive, with float rounding the floor.
constexpr HalfbandSpec kSteepSpec{8, 0.0833};
// Stage 2: transition 0.28 of the 4x rate (passband to ~20 kHz, stopband from
// ~76 kHz at 48 kHz in): 3 coefficients give about 98 dB.
constexpr HalfbandSpec kLightSpec{3, 0.28};

struct Designs {
    std::vector<double> steep = designHalfband(kSteepSpec);
    std::vector<double> light = designHalfband(kLightSpec);
    // One up + one down pass of a stage delays low frequencies by 2*tau - 1 samples
    // of the high rate: tau each way, minus one because the decimator keeps the odd
    // output phase (see HalfbandFilter::downsample).
    double steepPass = 2.0 * halfbandLowFrequencyDelay(steep) - 1.0;
    double lightPass = 2.0 * halfbandLowFrequencyDelay(light) - 1.0;
};

const Designs& designs() noexcept {
    static const Designs instance;
    return instance;
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
    filters_.assign(static_cast<size_t>(std::max(channels, 0)), {});
    for (auto& f : filters_) {
        f.up1.setCoefficients(designs().steep);
        f.down1.setCoefficients(designs().steep);
        f.up2.setCoefficients(designs().light);
        f.down2.setCoefficients(designs().light);
    }
    high_.assign(static_cast<size_t>(std::max(maxBlockSize, 1)) * static_cast<size_t>(factor_), 0.0f);
    middle_.assign(static_cast<size_t>(std::max(maxBlockSize, 1)) * 2, 0.0f);
}

void Oversampler::reset() noexcept {
    for (auto& f : filters_) {
        f.up1.reset();
        f.up2.reset();
        f.down1.reset();
        f.down2.reset();
    }
}

float* Oversampler::upsample(int channel, const float* in, int count) noexcept {
    auto& f = filters_[static_cast<size_t>(channel)];
    switch (factor_) {
    case 4:
        f.up1.upsample(in, middle_.data(), count);
        f.up2.upsample(middle_.data(), high_.data(), 2 * count);
        break;
    case 2:
        f.up1.upsample(in, high_.data(), count);
        break;
    default:
        std::copy(in, in + count, high_.data());
        break;
    }
    return high_.data();
}

void Oversampler::downsample(int channel, const float* in, float* out, int count) noexcept {
    auto& f = filters_[static_cast<size_t>(channel)];
    switch (factor_) {
    case 4:
        f.down2.downsample(in, middle_.data(), 2 * count);
        f.down1.downsample(middle_.data(), out, count);
        break;
    case 2:
        f.down1.downsample(in, out, count);
        break;
    default:
        std::copy(in, in + count, out);
        break;
    }
}

} // namespace gainstage
