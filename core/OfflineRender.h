#pragma once
// Offline re-amping: runs a recording through the virtual preamp, as fast as
// the CPU allows, and returns audio aligned sample for sample with the input.
//
// Every channel gets its own Preamp, so any channel count works and each
// channel is treated as the separate source it was recorded from. The model's
// latency is compensated: the input is followed by `latency` zero frames (which
// flush the model's tail out) and the first `latency` output frames (the
// model's start-up delay) are dropped, so the output has exactly the input's
// frame count and a click lands on the same frame.
//
// [any thread but the audio thread; one call owns its preamps]

#include <optional>

#include "core/AudioFile.h"
#include "dsp/MonitorChain.h"
#include "dsp/PreampSettings.h"

namespace gainstage {

inline constexpr int kRenderBlockFrames = 4096;

struct RenderResult {
    AudioData audio;
    int latencySamples = 0; // what was compensated
};

// `settings` should already be in range; Preamp clamps whatever is not.
RenderResult renderThroughPreamp(AudioData input, const PreampSettings& settings, int blockFrames = kRenderBlockFrames);

// The preamp first, then (if given) the monitor chain: what the take sounds like
// through a power amp and speaker, or on headphones with crossfeed. Channels go
// through the chain in pairs (1+2, 3+4, ...; a last odd channel alone), each pair
// as the stereo signal it is. Both latencies are compensated, the same way, so
// the output still lines up with the input sample for sample;
// `latencySamples` is their sum.
RenderResult renderThroughChain(AudioData input, const PreampSettings& settings, const std::optional<MonitorSettings>& monitor,
                                int blockFrames = kRenderBlockFrames);

} // namespace gainstage
