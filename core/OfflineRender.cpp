// Offline re-amping through Preamp, with latency compensation.
// [any thread but the audio thread]
#include "core/OfflineRender.h"

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "dsp/Preamp.h"

namespace gainstage {

namespace {

// Settings go in before reset() so the smoothers start at their targets: an
// offline render must not begin with a gain ramp from the defaults.
void prepareForRender(Preamp& preamp, double sampleRate, int blockFrames, const PreampSettings& settings) {
    preamp.prepare(sampleRate, blockFrames, 1);
    preamp.setSettings(settings);
    preamp.reset();
}

void processInBlocks(Preamp& preamp, std::vector<float>& samples, int blockFrames) {
    for (size_t start = 0; start < samples.size(); start += static_cast<size_t>(blockFrames)) {
        const int length = static_cast<int>(std::min(samples.size() - start, static_cast<size_t>(blockFrames)));
        float* channel = samples.data() + start;
        AudioBlock block(&channel, 1, length);
        preamp.process(block);
    }
}

// Renders one channel in place and returns the latency it compensated.
int renderChannel(std::vector<float>& samples, double sampleRate, const PreampSettings& settings, int blockFrames) {
    Preamp preamp;
    prepareForRender(preamp, sampleRate, blockFrames, settings);
    const int latency = std::max(0, preamp.latencySamples());
    const size_t frames = samples.size();
    samples.resize(frames + static_cast<size_t>(latency), 0.0f);
    processInBlocks(preamp, samples, blockFrames);
    samples.erase(samples.begin(), samples.begin() + latency);
    return latency;
}

} // namespace

RenderResult renderThroughPreamp(AudioData input, const PreampSettings& settings, int blockFrames) {
    RenderResult result;
    for (auto& channel : input.channels)
        result.latencySamples = renderChannel(channel, input.sampleRate, settings, std::max(1, blockFrames));
    result.audio = std::move(input);
    return result;
}

} // namespace gainstage
