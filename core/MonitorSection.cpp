// The monitor section's controls and the chain behind them. [threads: see MonitorSection.h]
#include "core/MonitorSection.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dsp/PowerAmp.h"
#include "dsp/SpeakerModel.h"

namespace gainstage {

namespace {

float clampFinite(float v, float lo, float hi, float fallback) noexcept {
    return std::clamp(std::isfinite(v) ? v : fallback, lo, hi);
}

} // namespace

MonitorSection::MonitorSection() { setSettings(MonitorSettings{}); }

void MonitorSection::prepare(double sampleRate, int maxBlockSize, int channels) {
    channels_ = std::clamp(channels, 1, 2);
    const double rate = sampleRate > 0.0 ? sampleRate : 48000.0;
    programmeCoefficientPerSample_ = 1.0 / (kProgrammeSeconds * rate);
    chain_.setSettings(settings());
    chain_.prepare(rate, maxBlockSize, channels_);
    reset();
}

void MonitorSection::reset() noexcept {
    chain_.setSettings(settings());
    chain_.reset();
    meanSquare_ = 0.0;
    programmeRmsDbfs_.store(-200.0, std::memory_order_relaxed);
}

void MonitorSection::process(AudioBlock& block) noexcept {
    const int frames = block.numFrames();
    const int channels = std::min(block.numChannels(), channels_);
    if (frames <= 0 || channels <= 0) return;

    // The programme level the amp would see (before the chain), for listeningLevelDbSpl().
    double sum = 0.0;
    for (int c = 0; c < channels; ++c) {
        const float* x = block.channel(c);
        for (int n = 0; n < frames; ++n) sum += static_cast<double>(x[n]) * x[n];
    }
    const double blockMeanSquare = sum / (static_cast<double>(frames) * channels);
    const double weight = 1.0 - std::exp(-programmeCoefficientPerSample_ * frames);
    meanSquare_ += weight * (blockMeanSquare - meanSquare_);
    if (!(meanSquare_ >= 1e-20)) meanSquare_ = 0.0; // neither denormals nor a NaN from a bad input linger
    programmeRmsDbfs_.store(meanSquare_ > 0.0 ? 10.0 * std::log10(meanSquare_) : -200.0, std::memory_order_relaxed);

    // Read once per block; the chain glides or crossfades to it.
    // Channels beyond the prepared ones are left alone by the chain.
    chain_.setSettings(settings());
    chain_.process(block);
}

int MonitorSection::latencySamples() const noexcept { return chain_.latencySamples(); }

void MonitorSection::setOutput(MonitorOutput output) noexcept {
    output_.store(output == MonitorOutput::Headphones ? 1 : 0, std::memory_order_relaxed);
}

void MonitorSection::setSpeaker(SpeakerId speaker) noexcept {
    speaker_.store(std::clamp(static_cast<int>(speaker), 0, kSpeakerModelCount - 1), std::memory_order_relaxed);
}

void MonitorSection::setAmpPowerW(float watts) noexcept {
    ampPowerW_.store(watts > 0.0f ? clampFinite(watts, kAmpMinPowerW, kAmpMaxPowerW, 0.0f) : 0.0f, std::memory_order_relaxed);
}

void MonitorSection::setAmpLoadOhms(float ohms) noexcept {
    ampLoadOhms_.store(ohms > 0.0f ? clampFinite(ohms, kAmpMinLoadOhms, kAmpMaxLoadOhms, 0.0f) : 0.0f, std::memory_order_relaxed);
}

void MonitorSection::setAmpOutputOhms(float ohms) noexcept {
    ampOutputOhms_.store(ohms >= 0.0f ? clampFinite(ohms, kAmpMinOutputOhms, kAmpMaxOutputOhms, -1.0f) : -1.0f,
                         std::memory_order_relaxed);
}

void MonitorSection::setAmpGainDb(float db) noexcept {
    ampGainDb_.store(clampFinite(db, kAmpMinGainDb, kAmpMaxGainDb, 0.0f), std::memory_order_relaxed);
}

void MonitorSection::setAmpSag(bool on) noexcept { ampSag_.store(on, std::memory_order_relaxed); }

void MonitorSection::setCrossfeed(CrossfeedPreset preset) noexcept {
    crossfeed_.store(std::clamp(static_cast<int>(preset), 0, static_cast<int>(CrossfeedPreset::Custom)), std::memory_order_relaxed);
}

void MonitorSection::setCustomCrossfeed(float cutoffHz, float feedDb) noexcept {
    crossfeedHz_.store(clampFinite(cutoffHz, kCrossfeedMinHz, kCrossfeedMaxHz, 700.0f), std::memory_order_relaxed);
    crossfeedDb_.store(clampFinite(feedDb, kCrossfeedMinDb, kCrossfeedMaxDb, 4.5f), std::memory_order_relaxed);
    crossfeed_.store(static_cast<int>(CrossfeedPreset::Custom), std::memory_order_relaxed);
}

void MonitorSection::setVolumeDb(float db) noexcept {
    volumeDb_.store(clampFinite(db, kMonitorMinVolumeDb, kMonitorMaxVolumeDb, 0.0f), std::memory_order_relaxed);
}

void MonitorSection::setDim(bool on) noexcept { dim_.store(on, std::memory_order_relaxed); }
void MonitorSection::setMono(bool on) noexcept { mono_.store(on, std::memory_order_relaxed); }
void MonitorSection::setMute(bool on) noexcept { mute_.store(on, std::memory_order_relaxed); }

void MonitorSection::setSettings(const MonitorSettings& s) noexcept {
    setOutput(s.output);
    setSpeaker(s.speaker);
    setAmpPowerW(s.ampPowerW);
    setAmpLoadOhms(s.ampLoadOhms);
    setAmpOutputOhms(s.ampOutputOhms);
    setAmpGainDb(s.ampGainDb);
    setAmpSag(s.ampSag);
    crossfeedHz_.store(clampFinite(s.customCrossfeed.cutoffHz, kCrossfeedMinHz, kCrossfeedMaxHz, 700.0f), std::memory_order_relaxed);
    crossfeedDb_.store(clampFinite(s.customCrossfeed.feedDb, kCrossfeedMinDb, kCrossfeedMaxDb, 4.5f), std::memory_order_relaxed);
    setCrossfeed(s.crossfeed);
    setVolumeDb(s.volumeDb);
    setDim(s.dim);
    setMono(s.mono);
    setMute(s.mute);
}

MonitorSettings MonitorSection::settings() const noexcept {
    MonitorSettings s;
    s.output = output_.load(std::memory_order_relaxed) == 1 ? MonitorOutput::Headphones : MonitorOutput::Speakers;
    s.speaker = static_cast<SpeakerId>(speaker_.load(std::memory_order_relaxed));
    s.ampPowerW = ampPowerW_.load(std::memory_order_relaxed);
    s.ampLoadOhms = ampLoadOhms_.load(std::memory_order_relaxed);
    s.ampOutputOhms = ampOutputOhms_.load(std::memory_order_relaxed);
    s.ampGainDb = ampGainDb_.load(std::memory_order_relaxed);
    s.ampSag = ampSag_.load(std::memory_order_relaxed);
    s.crossfeed = static_cast<CrossfeedPreset>(crossfeed_.load(std::memory_order_relaxed));
    s.customCrossfeed = {crossfeedHz_.load(std::memory_order_relaxed), crossfeedDb_.load(std::memory_order_relaxed)};
    s.volumeDb = volumeDb_.load(std::memory_order_relaxed);
    s.dim = dim_.load(std::memory_order_relaxed);
    s.mono = mono_.load(std::memory_order_relaxed);
    s.mute = mute_.load(std::memory_order_relaxed);
    return s;
}

double MonitorSection::dampingFactor() const noexcept {
    const ResolvedAmp amp = resolvedAmp();
    return amp.outputOhms > 0.0 ? amp.loadOhms / amp.outputOhms : std::numeric_limits<double>::infinity();
}

double MonitorSection::listeningLevelDbSpl(double signalRmsDbfs) const noexcept {
    const MonitorSettings s = settings();
    if (s.output == MonitorOutput::Headphones || s.speaker == SpeakerId::Flat) return std::numeric_limits<double>::quiet_NaN();
    const ResolvedAmp amp = resolveAmp(s);
    return gainstage::listeningLevelDbSpl(speakerParameters(s.speaker).sensitivityDbSpl, amp.powerW, s.ampGainDb, signalRmsDbfs);
}

} // namespace gainstage
