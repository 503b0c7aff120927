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

// Runs channels [first, first + count) through one monitor chain, in place, and
// returns the latency it compensated.
int renderMonitorGroup(AudioData& audio, size_t first, int count, const MonitorSettings& settings, int blockFrames) {
    MonitorChain chain;
    chain.setSettings(settings);
    chain.prepare(audio.sampleRate, blockFrames, count);
    chain.reset(); // settings in before reset: no switch, no glide at the start
    const int latency = std::max(0, chain.latencySamples());
    const size_t frames = audio.channels[first].size();
    for (int c = 0; c < count; ++c) audio.channels[first + static_cast<size_t>(c)].resize(frames + static_cast<size_t>(latency), 0.0f);
    for (size_t start = 0; start < frames + static_cast<size_t>(latency); start += static_cast<size_t>(blockFrames)) {
        const int length = static_cast<int>(std::min(frames + static_cast<size_t>(latency) - start, static_cast<size_t>(blockFrames)));
        float* pointers[2] = {audio.channels[first].data() + start, count > 1 ? audio.channels[first + 1].data() + start : nullptr};
        AudioBlock block(pointers, count, length);
        chain.process(block);
    }
    for (int c = 0; c < count; ++c) {
        auto& channel = audio.channels[first + static_cast<size_t>(c)];
        channel.erase(channel.begin(), channel.begin() + latency);
    }
    return latency;
}

} // namespace

RenderResult renderThroughChain(AudioData input, const PreampSettings& settings, const std::optional<MonitorSettings>& monitor,
                                int blockFrames) {
    RenderResult result = renderThroughPreamp(std::move(input), settings, blockFrames);
    if (!monitor) return result;
    blockFrames = std::max(1, blockFrames);
    int monitorLatency = 0;
    const size_t channels = result.audio.channels.size();
    for (size_t first = 0; first < channels; first += 2) {
        const int count = first + 1 < channels ? 2 : 1;
        monitorLatency = renderMonitorGroup(result.audio, first, count, *monitor, blockFrames);
    }
    result.latencySamples += monitorLatency;
    return result;
}

RenderResult renderThroughPreamp(AudioData input, const PreampSettings& settings, int blockFrames) {
    RenderResult result;
    for (auto& channel : input.channels)
        result.latencySamples = renderChannel(channel, input.sampleRate, settings, std::max(1, blockFrames));
    result.audio = std::move(input);
    return result;
}

} // namespace gainstage
