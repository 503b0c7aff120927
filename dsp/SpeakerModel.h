#pragma once
// A monitor speaker driven by a power amp. [prepare: non-real-time;
// configure: non-real-time or audio thread between blocks (bounded, no
// allocation); reset/process: audio thread]
//
// Input is the amp's output in rail units (1.0 = the amp's peak voltage, see
// PowerAmp); output is the sound at 1 m, normalised so that the speaker's mean
// level from 300 Hz to 3 kHz is 0 dB. What it does, in order:
//
//   1. Mono devices sum L and R.
//   2. Excursion: the cone's displacement is the drive voltage through the box's
//      low-pass (same poles as its acoustic high-pass); as it nears Xmax the
//      suspension stiffens (x -> x / sqrt(1 + x^2)), and the missing excursion is
//      taken off the drive. Only low frequencies move the cone far, so this
//      distorts the bass of small drivers when pushed and nothing else.
//   3. The linear response, one cascade of biquads realised from the physics:
//      box alignment (sealed 2nd order / ported 4th order, Small's vented-box
//      polynomial), baffle step, break-up and cabinet resonances, woofer +
//      tweeter through a Linkwitz-Riley crossover, the top driver's roll-off,
//      and the divider between the amp's output impedance and the speaker's
//      electrical impedance (Re, Le, the motional impedance of the driver in
//      its box: one peak sealed, two ported).
//   4. Small devices' output limiter (phone): a peak compressor.
//
// Flat does none of this: process() does not touch the buffer.
//
// The amp-speaker divider is exact: with a source impedance the voltage across
// the motional impedance (so the cone velocity) changes by Z / (Z + Zout)
// against a perfect voltage source, which is also why Qes' = Qes (Re + Zout)/Re.

#include <vector>

#include "dsp/Processor.h"
#include "dsp/SpeakerFilter.h"
#include "dsp/SpeakerParameters.h"

namespace gainstage {

// ---- analysis (any thread) ----

// Electrical impedance of the speaker (ohms, complex) at `hz`.
SpeakerComplex speakerImpedance(const SpeakerParameters& p, double hz) noexcept;
// Z / (Z + Zout): the amp-speaker divider, as an analogue response.
// False for Flat or when it does not fit.
bool ampLoadDivider(const SpeakerParameters& p, double ampOutputOhms, AnalogResponse& out) noexcept;
// The whole linear response (step 3 above), normalised (see the header).
bool speakerResponse(const SpeakerParameters& p, double ampOutputOhms, AnalogResponse& out) noexcept;

struct SpeakerFigures {
    double lowHz = 0, highHz = 0;        // -3 dB points re the 300 Hz-3 kHz mean
    double minImpedanceOhms = 0, maxImpedanceOhms = 0;
    double maxImpedanceHz = 0;
    double closedBoxHz = 0, closedBoxQ = 0; // sealed: fc and Qtc
};
SpeakerFigures speakerFigures(const SpeakerParameters& p, double ampOutputOhms) noexcept;

// Cone excursion at low frequencies, in mm per volt (sealed boxes; 0 when not modelled).
double excursionMmPerVolt(const SpeakerParameters& p) noexcept;

// Listening level at 1 m, dB SPL, implied by the amp and the signal: a sine whose
// peak reaches full scale with the amp's gain at 0 dB drives the amp to its rated
// power; the level is capped there (the amp clips). `signalRmsDbfs` is the RMS
// level of the programme at the amp's input.
double listeningLevelDbSpl(double sensitivityDbSpl, double ratedPowerW, double ampGainDb, double signalRmsDbfs) noexcept;

// ---- the processor ----

class SpeakerModel final : public Processor {
public:
    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    void reset() noexcept override;
    // In place; in rail units in, normalised sound out.
    void process(AudioBlock& block) noexcept override;

    // Designs the filters for `p` with an amp of `ampOutputOhms` whose rails are
    // at `railVolts`. Call after prepare(); clears the state.
    void configure(const SpeakerParameters& p, double ampOutputOhms, double railVolts) noexcept;
    bool isBypass() const noexcept { return bypass_; }
    const SpeakerCascade& cascade() const noexcept { return cascade_; }

private:
    SpeakerCascade cascade_;
    SpeakerCascade excursion_; // drive voltage -> x / Xmax
    std::vector<SpeakerDouble2> work_;
    double sampleRate_ = 48000.0;
    int maxBlock_ = 0;
    int channels_ = 2;
    bool bypass_ = true;
    bool mono_ = false;
    bool excursionOn_ = false;
    double voltsToExcursion_ = 0.0; // rail units -> x / Xmax
    // Peak compressor (phone).
    bool compressorOn_ = false;
    double threshold_ = 1.0, slope_ = 0.0, attack_ = 0.0, release_ = 0.0;
    double envelope_ = 0.0;
};

} // namespace gainstage
