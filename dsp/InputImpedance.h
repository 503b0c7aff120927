#pragma once
// Input Z: what the preamp's input impedance does to the source plugged into it.
//
// This is an impedance interaction, not an EQ. The source (a dynamic mic, or a
// passive guitar pickup on a cable) has an impedance Zs(s); the input loads it
// with Zl, and the voltage the preamp sees is Zl / (Zl + Zs). The recording was
// made through the interface's own input (kInterfaceMicInputOhms /
// kInterfaceDiInputOhms), so the stage applies the difference:
//
//   H(s) = [Zl / (Zl + Zs)] / [Zi / (Zi + Zs)],   Zi = the interface's input
//
// With Zl = Zi it changes nothing, and is then skipped: an exact bypass.
//
// Mic: Zs = Re + s Le + Zm, where Zm is the diaphragm's motional impedance, a
// parallel R-L-C (peak Rm at the resonance). H is 3rd order: a pole pair near
// the resonance (a dip there when the load is low) and a real pole near
// (Re + Zl) / Le (the top end lost into a low load).
// DI: the pickup is L and R in series; the cable capacitance C sits across the
// input resistance, so Zl = R || C. H is 2nd order over 2nd order: the
// pickup's resonance, whose peak and damping move with the load.
//
// Realisation, in double precision: the analogue H is factored into its poles
// and zeros and each root is prewarped on its own, which puts it at exactly
// z = exp(sT) (the bilinear transform of (s - K tanh(sT/2)), K = 2/T: the
// usual frequency prewarp generalised to every root, instead of one frequency
// for the whole filter). One prewarp frequency cannot follow this circuit:
// even at the pickup resonance it left DI 68 k 0.57 dB and DI 250 k 0.27 dB
// off the analogue curve below 10 kHz at 48 kHz. Then:
//   - the DC gain is set exactly to H(0);
//   - the mic's real pole and zero lie near or above Nyquist, where no root
//     mapping can follow them, so that first-order pair is matched in
//     magnitude at DC and 10 kHz instead;
//   - the DI's root mapping leaves a small top-end tilt when the loaded and
//     the reference resonances differ a lot (a line-level load); a single
//     zero, matched at 10 kHz, takes it up.
// Measured against the circuit (test_inputz): within 0.04 dB below 10 kHz for
// every front-panel load at 44.1-192 kHz. Poles and zeros are computed by the
// same code, so at Zl = Zi they are bit-identical and cancel exactly.
//
// A change of impedance glides in the log domain over kGlideSeconds, with the
// coefficients recomputed every sample while it moves. A change of source
// glides to the interface's value (where the stage is neutral), switches
// source model there once the filter's remainder has died away (-240 dBFS),
// then glides to the new value.
//
// Threads: setters from any thread; prepare() non-real-time; reset() and
// process() on the audio thread (process reads the setters once per block).

#include <atomic>
#include <vector>

#include "dsp/PreampRamp.h"
#include "dsp/PreampSettings.h"
#include "dsp/Processor.h"

namespace gainstage {

// ---- The modelled sources, in one place (the README quotes these). ----

// A typical dynamic vocal mic. The motional branch works out at Lm = Rm / (w0 Q)
// = 79.6 mH and Cm = 1 / (w0^2 Lm) = 14.1 uF; the mic's impedance is about
// 200 ohms in the midrange, 350 ohms at the resonance and, through Le, 320 ohms at 10 kHz.
struct DynamicMicModel {
    double coilOhms;         // Re, voice-coil DC resistance
    double coilHenries;      // Le, voice-coil inductance
    double motionalPeakOhms; // Rm, motional impedance at the diaphragm resonance
    double resonanceHz;      // diaphragm resonance
    double resonanceQ;       // Q of the motional parallel R-L-C
};
inline constexpr DynamicMicModel kDynamicMic{200.0, 4.0e-3, 150.0, 150.0, 2.0};

// A passive guitar pickup on a few metres of cable. Its resonance is at about
// 4.6 kHz: Q 5.9 into 1 M, 2.6 into 250 k, 0.9 into 68 k.
struct GuitarPickupModel {
    double henries;     // pickup inductance
    double ohms;        // pickup DC resistance
    double cableFarads; // cable capacitance, across the input
};
inline constexpr GuitarPickupModel kGuitarPickup{2.5, 7000.0, 470.0e-12};

// Any load in this range is accepted (the front panel offers Mic 300 / 1200 /
// 2400 ohms and DI 68 k / 250 k / 1 M; the command line takes any value).
inline constexpr float kMinInputImpedanceOhms = 50.0f;
inline constexpr float kMaxInputImpedanceOhms = 10.0e6f;

class InputImpedance final : public Processor {
public:
    static constexpr double kGlideSeconds = 0.05;

    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    void reset() noexcept override;
    void process(AudioBlock& block) noexcept override;

    // [any thread]
    void setSource(Source source) noexcept { source_.store(source, std::memory_order_relaxed); }
    // [any thread] Clamped to [kMinInputImpedanceOhms, kMaxInputImpedanceOhms]; NaN means the interface's value.
    void setImpedanceOhms(float ohms) noexcept;
    Source source() const noexcept { return source_.load(std::memory_order_relaxed); }
    float impedanceOhms() const noexcept { return ohms_.load(std::memory_order_relaxed); }

    // The interface's own input for `source`: the load at which this stage is neutral.
    static double interfaceOhms(Source source) noexcept {
        return source == Source::Mic ? kInterfaceMicInputOhms : kInterfaceDiInputOhms;
    }

private:
    // A biquad (the resonant part) and a first-order section (the mic's top
    // end), both direct form II transposed.
    struct Coefficients {
        double b0 = 1.0, b1 = 0.0, b2 = 0.0, a1 = 0.0, a2 = 0.0;
        double c0 = 1.0, c1 = 0.0, d1 = 0.0;
    };
    struct ChannelState {
        double s1 = 0.0, s2 = 0.0, s3 = 0.0;
    };
    // The numerator of H: the source loaded by the interface's own input.
    // Fixed per sample rate, so computed once in prepare().
    struct Reference {
        double b1 = 0.0, b2 = 0.0; // monic digital numerator of the resonant part
        double dcSum = 1.0;        // 1 + b1 + b2
        double zero = 0.0;         // first-order zero (mic only)
        double dcGain = 1.0;       // Zi / (Zi + Zs(0))
        double dividerSquared = 1.0; // |Zi / (Zi + Zs)|^2 at the match frequency (DI only)
    };
    struct Resonant {
        double a1 = 0.0, a2 = 0.0;
    };

    Resonant micLoadedPoles(double loadOhms, double* realPole) const noexcept;
    Resonant pickupLoadedPoles(double loadOhms) const noexcept;
    double shelfRoot(double t) const noexcept;
    double firstOrderRoot(double analogueRoot) const noexcept;
    double pickupDividerSquared(double loadOhms) const noexcept;
    Coefficients design(Source source, double loadOhms) const noexcept;
    double goalOhms() const noexcept;
    void swapSource() noexcept;
    void clearState() noexcept;

    std::atomic<Source> source_{Source::Mic};
    std::atomic<float> ohms_{kInterfaceMicInputOhms};

    double sampleRate_ = 48000.0;
    double fitOmega_ = 0.0; // where the first-order pair is matched, rad/sample
    int channels_ = 0;
    std::vector<ChannelState> state_;
    Reference reference_[2]; // by Source

    // Audio-thread copies of the settings, picked up once per block.
    Source targetSource_ = Source::Mic;
    double targetOhms_ = kInterfaceMicInputOhms;

    Source activeSource_ = Source::Mic; // the source model the filter currently is
    double loadOhms_ = kInterfaceMicInputOhms; // the load the coefficients are for
    double goalOhms_ = kInterfaceMicInputOhms; // where the glide is going
    PreampRamp logLoad_;                       // natural log of the load
    Coefficients coefficients_;
    bool bypassed_ = true;
};

} // namespace gainstage
