#pragma once
// The monitor section's signal chain: what the user hears, never what is
// recorded or exported. [prepare: non-real-time; reset/process: audio thread;
// setters: any thread]
//
//   Speakers:   power amp -> speaker model (incl. the amp-speaker divider) -> level back to unity
//   Headphones: crossfeed (or nothing)
//   then Mono check -> monitor volume, Dim (-20 dB), Mute
//
// Flat speakers and headphones without crossfeed are a true bypass: with the
// volume at 0 dB and Mono, Dim and Mute off the output is the input, bit for
// bit, with no latency.
//
// Level: the amp's gain only decides how hard it is driven (where it clips and
// how far the cones move); the chain takes it back out after the speaker, so
// switching models or gain does not jump the level. How loud it would be in a
// room is listeningLevelDbSpl() (SpeakerModel.h), for the UI.
//
// Switching. Output mode, speaker model and the amp's power, load, output
// impedance and sag change the structure, so they are switched, never jumped:
// the new setting is built in a second slot (filter design is bounded and
// allocation-free, see SpeakerFilter.h), runs unheard for 10 ms so its filters
// leave their start from rest, then a 30 ms crossfade moves over to it. A
// change that arrives during a switch waits for it to finish. Amp gain,
// crossfeed cutoff and feed, volume, Dim, Mono and Mute glide (Hermite ramps,
// 30-50 ms). Settings read once per block; the output does not depend on how a
// stream is split into blocks while the settings stay put.
//
// Mono or stereo: prepared with 1 or 2 channels; extra channels are left alone.

#include <array>
#include <memory>

#include "dsp/Crossfeed.h"
#include "dsp/PowerAmp.h"
#include "dsp/PreampRamp.h"
#include "dsp/Processor.h"
#include "dsp/SpeakerModel.h"

namespace gainstage {

enum class MonitorOutput { Speakers, Headphones };

inline constexpr float kMonitorMinVolumeDb = -60.0f, kMonitorMaxVolumeDb = 12.0f;
inline constexpr float kMonitorDimDb = -20.0f;

struct MonitorSettings {
    MonitorOutput output = MonitorOutput::Speakers;
    SpeakerId speaker = SpeakerId::Flat;
    // Amp. 0 (or < 0 for the output impedance) means the speaker's usual amp.
    float ampPowerW = 0.0f;
    float ampLoadOhms = 0.0f; // 0: the speaker's nominal impedance
    float ampOutputOhms = -1.0f;
    float ampGainDb = 0.0f;
    bool ampSag = false;
    // Headphones.
    CrossfeedPreset crossfeed = CrossfeedPreset::None;
    CrossfeedSetting customCrossfeed{};
    // Monitor controls.
    float volumeDb = 0.0f;
    bool dim = false, mono = false, mute = false;
};

// The amp a setting resolves to (the speaker's own where the setting says 0).
struct ResolvedAmp {
    double powerW = 50.0, loadOhms = 8.0, outputOhms = 0.05;
};
ResolvedAmp resolveAmp(const MonitorSettings& s) noexcept;

class MonitorChain final : public Processor {
public:
    MonitorChain();
    ~MonitorChain() override;
    void prepare(double sampleRate, int maxBlockSize, int channels) override;
    // Jumps to the current settings: no switch, no glide.
    void reset() noexcept override;
    void process(AudioBlock& block) noexcept override;
    // The latency of the current setting: the amp's oversampling for speaker models, else 0.
    int latencySamples() const noexcept override;
    static int latencyFor(const MonitorSettings& s, double sampleRate) noexcept;

    // [any thread] Values are clamped on the way in.
    void setSettings(const MonitorSettings& s) noexcept;
    MonitorSettings settings() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace gainstage
