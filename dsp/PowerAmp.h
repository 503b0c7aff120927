#pragma once
// A power amplifier: gain, rail clipping with a soft knee, optional supply sag.
// [prepare: non-real-time; reset/process: audio thread; setters: any thread]
//
// Units. The input is digital full scale. The output is in rail units: 1.0 is
// the amp's peak output voltage Vpk = sqrt(2 P R) for its rated power P into
// its nominal load R (50 W into 8 ohm: 28.3 V). Gain is stated as input
// sensitivity: at 0 dB a full-scale sine peak drives the amp exactly to rated
// power; at +6 dB a -6 dBFS sine does. So sensitivityDbfs() = -gain.
//
// Clipping. Linear up to 97 % of the rail, then a smooth approach to the rail
// (s(t) = t / sqrt(1 + t^2) over the last 3 %): the output compresses by 0.1 dB
// about 0.03 dB below Vpk and never exceeds it. The curve runs 4x oversampled
// below 88.2 kHz (2x at 88.2/96, 1x above; the preamp's Oversampler) with
// first-order antiderivative anti-aliasing on its residual, so a 5 kHz sine
// driven 6 dB into clip aliases at -80 dBc at 48 kHz (-56 with oversampling
// alone). Where nothing comes within 6 dB of the rails the curve is exactly
// linear and is skipped. A first-order
// Thiran allpass tops the halfbands' fractional delay up to the integer
// latencySamples().
//
// Sag. With sag on, the rails droop under sustained load: a 100 ms average of
// the power the signal asks for (1.0 = rated power, where it is capped since the
// amp cannot deliver more) lowers the rails by up to 15 %, as a real supply's
// reservoir does; short peaks pass at full rail.
//
// Output impedance is a property of the amp that the speaker model uses (the
// divider with the speaker's impedance curve); damping factor = Znominal / Zout.

#include <atomic>
#include <vector>

#include "dsp/Oversampler.h"
#include "dsp/PreampRamp.h"
#include "dsp/Processor.h"

namespace gainstage {

inline constexpr float kAmpMinPowerW = 0.1f, kAmpMaxPowerW = 2000.0f;
inline constexpr float kAmpMinLoadOhms = 2.0f, kAmpMaxLoadOhms = 16.0f;
inline constexpr float kAmpMinOutputOhms = 0.0f, kAmpMaxOutputOhms = 10.0f;
inline constexpr float kAmpMinGainDb = -40.0f, kAmpMaxGainDb = 40.0f;

// Peak output voltage for `ratedPowerW` into `loadOhms`: sqrt(2 P R).
double ampRailVolts(double ratedPowerW, double loadOhms) noexcept;
// Znominal / Zout (infinite for Zout = 0).
double dampingFactor(double nominalLoadOhms, double outputOhms) noexcept;

class PowerAmp final : public Processor {
public:
    static constexpr float kKnee = 0.97f;        // linear up to here (rail units)
    static constexpr double kSagDepth = 0.15;    // rails droop by up to 15 %
    static constexpr double kSagSeconds = 0.100; // supply time constant

    PowerAmp();
    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    void reset() noexcept override;
    void process(AudioBlock& block) noexcept override;
    int latencySamples() const noexcept override { return latency_; }
    static int latencyFor(double sampleRate) noexcept;

    // [any thread] Clamped to the ranges above.
    void setRatedPowerW(float watts) noexcept;
    void setNominalLoadOhms(float ohms) noexcept;
    void setOutputImpedanceOhms(float ohms) noexcept;
    void setGainDb(float db) noexcept; // smoothed
    void setSag(bool on) noexcept { sag_.store(on, std::memory_order_relaxed); }

    float ratedPowerW() const noexcept { return power_.load(std::memory_order_relaxed); }
    float nominalLoadOhms() const noexcept { return load_.load(std::memory_order_relaxed); }
    float outputImpedanceOhms() const noexcept { return outputOhms_.load(std::memory_order_relaxed); }
    float gainDb() const noexcept { return gainDb_.load(std::memory_order_relaxed); }
    bool sag() const noexcept { return sag_.load(std::memory_order_relaxed); }
    double railVolts() const noexcept { return ampRailVolts(ratedPowerW(), nominalLoadOhms()); }
    double dampingFactorValue() const noexcept { return dampingFactor(nominalLoadOhms(), outputImpedanceOhms()); }
    float sensitivityDbfs() const noexcept { return -gainDb(); }

    // [audio thread] The gain (linear) the last processed sample used: for callers
    // that undo it after the speaker (MonitorChain normalises the level).
    const float* gainTrack() const noexcept { return gainTrack_.data(); }
    bool isGainGliding() const noexcept { return gain_.isMoving(); }

private:
    struct Channel {
        struct {
            float x1 = 0.0f, x2 = 0.0f, antiderivative = 0.0f;
        } adaa;
        float sagEnvelope = 0.0f;
        float thiranX1 = 0.0f, thiranY1 = 0.0f;
    };
    template <int F>
    void run(Channel& channel, Oversampler::Channel& filters, float* x, int count, bool sag) noexcept;

    std::atomic<float> power_{50.0f}, load_{8.0f}, outputOhms_{0.05f}, gainDb_{0.0f};
    std::atomic<bool> sag_{false};
    Oversampler oversampler_;
    std::vector<Channel> channels_;
    std::vector<float> gainTrack_, railTrack_, driveTrack_;
    std::vector<Float4> highTrack_;
    PreampRamp gain_;
    double sampleRate_ = 48000.0;
    float thiran_ = 0.0f, sagCoefficient_ = 0.0f;
    int latency_ = 0, maxBlock_ = 0, factor_ = 1;
};

} // namespace gainstage
