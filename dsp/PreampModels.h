#pragma once
// The three preamp models, each a Processor of its own so that Preamp can run
// one, or two while it crossfades after a Model change.
//
// Input and output are digital full scale. The calibration (0 dBFS = N dBu)
// maps the digital signal to the analogue level at which the model saturates,
// so that a model's headroom means something: with a higher calibration the
// same digital level is a hotter analogue signal and drives the model harder.
//
// Every model has unity small-signal gain. The nonlinear ones are anti-aliased
// (see the .cpp for how), and report their exact latency.

#include <atomic>
#include <memory>

#include "dsp/Processor.h"

namespace gainstage {

class ModelStage : public Processor {
public:
    // [any thread] 0 dBFS = `dbu` dBu. Takes effect smoothly.
    void setCalibrationDbu(float dbu) noexcept { calibrationDbu_.store(dbu, std::memory_order_relaxed); }

protected:
    std::atomic<float> calibrationDbu_{18.0f};
};

// Transparent until its headroom (+22 dBu analogue, so +4 dBFS at the default
// calibration), then a smooth limit. No latency; bit-transparent below the knee.
class CleanModel final : public ModelStage {
public:
    CleanModel();
    ~CleanModel() override;
    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    void reset() noexcept override;
    void process(AudioBlock& block) noexcept override;
    int latencySamples() const noexcept override { return 0; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Asymmetric triode-like stage: mostly 2nd harmonic, THD rising about 1 dB per
// dB of level, envelope-driven bias shift (natural compression), and a top end
// that softens as it is driven.
class TubeModel final : public ModelStage {
public:
    TubeModel();
    ~TubeModel() override;
    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    void reset() noexcept override;
    void process(AudioBlock& block) noexcept override;
    int latencySamples() const noexcept override;
    static int latencyFor(double sampleRate) noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Transformer: core saturation that grows at low frequencies and with level
// (the flux is the integral of the voltage), and a resonance at the high end.
class TransformerModel final : public ModelStage {
public:
    TransformerModel();
    ~TransformerModel() override;
    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    void reset() noexcept override;
    void process(AudioBlock& block) noexcept override;
    int latencySamples() const noexcept override;
    static int latencyFor(double sampleRate) noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace gainstage
