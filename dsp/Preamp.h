#pragma once
// One virtual mic/DI preamp for one track (mono or stereo). The chain is
//
//   input stage (Input Z) -> Pad -> Gain -> Model -> Low Cut -> Phase -> Output trim
//
// Controls are atomics: any thread may set them; process() picks them up at
// the start of the next block and smooths every change, so nothing clicks.
// With Clean at 0 dB, no Pad, no Low Cut, Phase normal, 0 dB trim and the
// interface's own Input Z, the output is bit-identical to the input for
// signals well below Clean's headroom.

#include <atomic>
#include <memory>

#include "dsp/PreampSettings.h"
#include "dsp/Processor.h"

namespace gainstage {

class Preamp final : public Processor {
public:
    Preamp();
    ~Preamp() override;

    // [non-real-time]
    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    // [non-real-time or audio thread] Clears filter and model state; jumps smoothers to their targets.
    void reset() noexcept override;
    // [audio thread]
    void process(AudioBlock& block) noexcept override;
    // [any thread] Latency of the current model at the prepared rate: 0 for Clean.
    int latencySamples() const noexcept override;

    // [any thread] Setters clamp to the legal range for the current source.
    // Changing the source also sets Input Z to that input's default and re-clamps
    // Gain; setSettings() applies the source first, then the other values.
    void setSource(Source source) noexcept;
    void setGainDb(float gainDb) noexcept;
    void setPad(bool engaged) noexcept;
    void setLowCut(LowCut lowCut) noexcept;
    void setPhaseInverted(bool inverted) noexcept;
    void setInputImpedanceOhms(float ohms) noexcept;
    void setModel(Model model) noexcept;
    void setOutputTrimDb(float trimDb) noexcept;
    void setCalibrationDbu(float dbu) noexcept;
    void setSettings(const PreampSettings& settings) noexcept;

    // [any thread] The values last set (clamped), not the smoothed ones.
    PreampSettings settings() const noexcept;

    // [any thread] Latency in samples that `model` would have at `sampleRate`.
    static int latencyFor(Model model, double sampleRate) noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace gainstage
