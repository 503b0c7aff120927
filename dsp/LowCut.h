#pragma once
// Low Cut: the preamp's high-pass filter, Off / 50 / 80 / 160 / 300 Hz at
// 18 dB/oct (the Neve 1073 set, shared/REFERENCE.md).
//
// It is a 3rd-order Butterworth high-pass: a one-pole section and a Q = 1
// state-variable section, both at the cutoff, in topology-preserving (TPT)
// form. The bilinear transform is prewarped at the cutoff, so the response is
// exactly -3.01 dB at the nominal frequency at every sample rate. The TPT form
// stays well behaved while its cutoff moves, which lets a new setting glide
// (in log frequency) instead of jumping; switching Off <-> on crossfades the
// dry and filtered signals. When Off and the fade is over, the filter is not
// run at all and the output is the input, bit for bit.
//
// Threads: setLowCut() from any thread; prepare() non-real-time; reset() and
// process() on the audio thread (process reads the setting once per block).

#include <atomic>
#include <vector>

#include "dsp/PreampRamp.h"
#include "dsp/PreampSettings.h"
#include "dsp/Processor.h"

namespace gainstage {

class LowCutFilter final : public Processor {
public:
    // How long a cutoff glide and an Off <-> on crossfade take.
    static constexpr double kGlideSeconds = 0.05;
    static constexpr double kFadeSeconds = 0.05;

    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    void reset() noexcept override;
    void process(AudioBlock& block) noexcept override;

    // [any thread]
    void setLowCut(LowCut lowCut) noexcept { setting_.store(lowCut, std::memory_order_relaxed); }
    LowCut lowCut() const noexcept { return setting_.load(std::memory_order_relaxed); }

private:
    struct ChannelState {
        double onePole = 0.0; // one-pole integrator
        double svf1 = 0.0;    // SVF band-pass integrator
        double svf2 = 0.0;    // SVF low-pass integrator
    };

    // Picks up the setting at the start of a block.
    void applySetting(LowCut lowCut) noexcept;
    void updateCoefficients(double cutoffHz) noexcept;
    void clearState() noexcept;

    std::atomic<LowCut> setting_{LowCut::Off};

    double sampleRate_ = 48000.0;
    int channels_ = 0;
    std::vector<ChannelState> state_;

    PreampRamp logCutoff_; // natural log of the cutoff in Hz
    PreampRamp mix_;       // 0 = dry (Off), 1 = filtered
    bool engaged_ = false; // the filter is running (on, or fading out)
    double targetCutoffHz_ = 80.0; // where the glide lands, exactly

    // Coefficients for the current cutoff (TPT, g = tan(pi fc / fs)).
    double onePoleGain_ = 0.0; // g / (1 + g)
    double svfG_ = 0.0;        // g
    double svfDenominator_ = 1.0; // 1 / (1 + g (k + g)), k = 1/Q = 1
};

} // namespace gainstage
