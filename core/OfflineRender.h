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

#include "core/AudioFile.h"
#include "dsp/PreampSettings.h"

namespace gainstage {

inline constexpr int kRenderBlockFrames = 4096;

struct RenderResult {
    AudioData audio;
    int latencySamples = 0; // what was compensated
};

// `settings` should already be in range; Preamp clamps whatever is not.
RenderResult renderThroughPreamp(AudioData input, const PreampSettings& settings, int blockFrames = kRenderBlockFrames);

} // namespace gainstage
