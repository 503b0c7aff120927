// The monitor chain: amp + speaker or crossfeed, Mono check, volume, Dim, Mute,
// with switched structure and glided levels. [see MonitorChain.h for threads]
#include "dsp/MonitorChain.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "dsp/Denormals.h"
#include "dsp/DspMath.h"

namespace gainstage {

namespace {

constexpr double kWarmupSeconds = 0.010;
constexpr double kFadeSeconds = 0.030;
constexpr double kLevelGlideSeconds = 0.030;

enum class SlotKind { Bypass, Speaker, Crossfeed };

// What needs a switch (a second slot) rather than a glide.
struct StructureKey {
    SlotKind kind = SlotKind::Bypass;
    SpeakerId speaker = SpeakerId::Flat;
    double powerW = 0, loadOhms = 0, outputOhms = 0;
    bool sag = false;
    bool operator==(const StructureKey&) const = default;
};

StructureKey keyFor(const MonitorSettings& s) noexcept {
    StructureKey key;
    if (s.output == MonitorOutput::Headphones) {
        key.kind = s.crossfeed == CrossfeedPreset::None ? SlotKind::Bypass : SlotKind::Crossfeed;
        return key;
    }
    if (s.speaker == SpeakerId::Flat) return key;
    const ResolvedAmp amp = resolveAmp(s);
    key.kind = SlotKind::Speaker;
    key.speaker = s.speaker;
    key.powerW = amp.powerW;
    key.loadOhms = amp.loadOhms;
    key.outputOhms = amp.outputOhms;
    key.sag = s.ampSag;
    return key;
}

CrossfeedSetting crossfeedFor(const MonitorSettings& s) noexcept {
    return s.crossfeed == CrossfeedPreset::Custom ? s.customCrossfeed : crossfeedPresetSetting(s.crossfeed);
}

float clampFinite(float v, float lo, float hi, float fallback) noexcept {
    return std::clamp(std::isfinite(v) ? v : fallback, lo, hi);
}

} // namespace

ResolvedAmp resolveAmp(const MonitorSettings& s) noexcept {
    const SpeakerParameters& p = speakerParameters(s.speaker);
    ResolvedAmp amp;
    amp.powerW = s.ampPowerW > 0.0f ? s.ampPowerW : p.ampPowerW;
    amp.loadOhms = s.ampLoadOhms > 0.0f ? s.ampLoadOhms : p.nominalOhms;
    amp.outputOhms = s.ampOutputOhms >= 0.0f ? s.ampOutputOhms : p.ampOutputOhms;
    amp.powerW = std::clamp(amp.powerW, static_cast<double>(kAmpMinPowerW), static_cast<double>(kAmpMaxPowerW));
    amp.loadOhms = std::clamp(amp.loadOhms, static_cast<double>(kAmpMinLoadOhms), static_cast<double>(kAmpMaxLoadOhms));
    amp.outputOhms = std::clamp(amp.outputOhms, static_cast<double>(kAmpMinOutputOhms), static_cast<double>(kAmpMaxOutputOhms));
    return amp;
}

struct MonitorChain::Impl {
    struct Slot {
        StructureKey key;
        PowerAmp amp;
        SpeakerModel speaker;
        Crossfeed crossfeed;
        std::array<std::vector<float>, 2> buffer;
    };

    // The settings, one atomic per field so any thread can set any of them.
    std::atomic<int> output{0}, speaker{0}, crossfeed{0};
    std::atomic<float> ampPowerW{0.0f}, ampLoadOhms{0.0f}, ampOutputOhms{-1.0f}, ampGainDb{0.0f};
    std::atomic<float> crossfeedHz{700.0f}, crossfeedDb{4.5f}, volumeDb{0.0f};
    std::atomic<bool> ampSag{false}, dim{false}, mono{false}, mute{false};

    std::array<Slot, 2> slots;
    int active = 0;
    bool switching = false;
    int warmupRemaining = 0;
    PreampRamp fade, monoMix, level;
    double sampleRate = 48000.0;
    int maxBlock = 0, channels = 2;

    MonitorSettings read() const noexcept {
        MonitorSettings s;
        s.output = static_cast<MonitorOutput>(output.load(std::memory_order_relaxed));
        s.speaker = static_cast<SpeakerId>(speaker.load(std::memory_order_relaxed));
        s.ampPowerW = ampPowerW.load(std::memory_order_relaxed);
        s.ampLoadOhms = ampLoadOhms.load(std::memory_order_relaxed);
        s.ampOutputOhms = ampOutputOhms.load(std::memory_order_relaxed);
        s.ampGainDb = ampGainDb.load(std::memory_order_relaxed);
        s.ampSag = ampSag.load(std::memory_order_relaxed);
        s.crossfeed = static_cast<CrossfeedPreset>(crossfeed.load(std::memory_order_relaxed));
        s.customCrossfeed = {crossfeedHz.load(std::memory_order_relaxed), crossfeedDb.load(std::memory_order_relaxed)};
        s.volumeDb = volumeDb.load(std::memory_order_relaxed);
        s.dim = dim.load(std::memory_order_relaxed);
        s.mono = mono.load(std::memory_order_relaxed);
        s.mute = mute.load(std::memory_order_relaxed);
        return s;
    }

    static double levelFor(const MonitorSettings& s) noexcept {
        if (s.mute) return 0.0;
        return dbToGain(static_cast<double>(s.volumeDb) + (s.dim ? kMonitorDimDb : 0.0));
    }

    // Bounded, allocation-free: may run on the audio thread.
    void configure(Slot& slot, const StructureKey& key, const MonitorSettings& s) noexcept {
        slot.key = key;
        if (key.kind == SlotKind::Speaker) {
            slot.amp.setRatedPowerW(static_cast<float>(key.powerW));
            slot.amp.setNominalLoadOhms(static_cast<float>(key.loadOhms));
            slot.amp.setOutputImpedanceOhms(static_cast<float>(key.outputOhms));
            slot.amp.setSag(key.sag);
            slot.amp.setGainDb(s.ampGainDb);
            slot.amp.reset();
            slot.speaker.configure(speakerParameters(key.speaker), key.outputOhms, ampRailVolts(key.powerW, key.loadOhms));
        } else if (key.kind == SlotKind::Crossfeed) {
            slot.crossfeed.setSetting(crossfeedFor(s));
            slot.crossfeed.reset();
        }
    }

    // Continuous controls, every block, on whichever slots run.
    static void glide(Slot& slot, const MonitorSettings& s) noexcept {
        if (slot.key.kind == SlotKind::Speaker) slot.amp.setGainDb(s.ampGainDb);
        if (slot.key.kind == SlotKind::Crossfeed) slot.crossfeed.setSetting(crossfeedFor(s));
    }

    void run(Slot& slot, int count) noexcept {
        std::array<float*, 2> pointers{slot.buffer[0].data(), slot.buffer[1].data()};
        AudioBlock block(pointers.data(), channels, count);
        switch (slot.key.kind) {
        case SlotKind::Bypass: break;
        case SlotKind::Crossfeed: slot.crossfeed.process(block); break;
        case SlotKind::Speaker: {
            slot.amp.process(block);
            slot.speaker.process(block);
            // Take the amp's gain back out (its ramp, sample for sample).
            const float* gain = slot.amp.gainTrack();
            if (gain[0] == gain[count - 1] && !slot.amp.isGainGliding()) {
                const float inverse = 1.0f / gain[0];
                for (int c = 0; c < channels; ++c)
                    for (int n = 0; n < count; ++n) pointers[static_cast<size_t>(c)][n] *= inverse;
            } else {
                for (int c = 0; c < channels; ++c)
                    for (int n = 0; n < count; ++n) pointers[static_cast<size_t>(c)][n] /= gain[n];
            }
            break;
        }
        }
    }
};

MonitorChain::MonitorChain() : impl_(std::make_unique<Impl>()) {}
MonitorChain::~MonitorChain() = default;

void MonitorChain::prepare(double sampleRate, int maxBlockSize, int channels) {
    auto& s = *impl_;
    s.sampleRate = sampleRate;
    s.maxBlock = std::max(maxBlockSize, 1);
    s.channels = std::clamp(channels, 1, 2);
    for (auto& slot : s.slots) {
        slot.amp.prepare(sampleRate, s.maxBlock, s.channels);
        slot.speaker.prepare(sampleRate, s.maxBlock, s.channels);
        slot.crossfeed.prepare(sampleRate, s.maxBlock, s.channels);
        for (auto& b : slot.buffer) b.assign(static_cast<size_t>(s.maxBlock), 0.0f);
    }
    s.fade.setLength(rampSamples(kFadeSeconds, sampleRate));
    s.monoMix.setLength(rampSamples(kLevelGlideSeconds, sampleRate));
    s.level.setLength(rampSamples(kLevelGlideSeconds, sampleRate));
    reset();
}

void MonitorChain::reset() noexcept {
    auto& s = *impl_;
    const MonitorSettings settings = s.read();
    s.active = 0;
    s.switching = false;
    s.warmupRemaining = 0;
    s.configure(s.slots[0], keyFor(settings), settings);
    s.fade.jumpTo(0.0);
    s.monoMix.jumpTo(settings.mono ? 1.0 : 0.0);
    s.level.jumpTo(Impl::levelFor(settings));
}

int MonitorChain::latencyFor(const MonitorSettings& settings, double sampleRate) noexcept {
    return keyFor(settings).kind == SlotKind::Speaker ? PowerAmp::latencyFor(sampleRate) : 0;
}

int MonitorChain::latencySamples() const noexcept {
    return latencyFor(impl_->read(), impl_->sampleRate);
}

void MonitorChain::setSettings(const MonitorSettings& m) noexcept {
    auto& s = *impl_;
    s.output.store(static_cast<int>(m.output), std::memory_order_relaxed);
    s.speaker.store(std::clamp(static_cast<int>(m.speaker), 0, kSpeakerModelCount - 1), std::memory_order_relaxed);
    s.ampPowerW.store(m.ampPowerW > 0.0f ? clampFinite(m.ampPowerW, kAmpMinPowerW, kAmpMaxPowerW, 50.0f) : 0.0f, std::memory_order_relaxed);
    s.ampLoadOhms.store(m.ampLoadOhms > 0.0f ? clampFinite(m.ampLoadOhms, kAmpMinLoadOhms, kAmpMaxLoadOhms, 8.0f) : 0.0f, std::memory_order_relaxed);
    s.ampOutputOhms.store(m.ampOutputOhms >= 0.0f ? clampFinite(m.ampOutputOhms, kAmpMinOutputOhms, kAmpMaxOutputOhms, 0.05f) : -1.0f,
                          std::memory_order_relaxed);
    s.ampGainDb.store(clampFinite(m.ampGainDb, kAmpMinGainDb, kAmpMaxGainDb, 0.0f), std::memory_order_relaxed);
    s.ampSag.store(m.ampSag, std::memory_order_relaxed);
    s.crossfeed.store(static_cast<int>(m.crossfeed), std::memory_order_relaxed);
    s.crossfeedHz.store(clampFinite(m.customCrossfeed.cutoffHz, kCrossfeedMinHz, kCrossfeedMaxHz, 700.0f), std::memory_order_relaxed);
    s.crossfeedDb.store(clampFinite(m.customCrossfeed.feedDb, kCrossfeedMinDb, kCrossfeedMaxDb, 4.5f), std::memory_order_relaxed);
    s.volumeDb.store(clampFinite(m.volumeDb, kMonitorMinVolumeDb, kMonitorMaxVolumeDb, 0.0f), std::memory_order_relaxed);
    s.dim.store(m.dim, std::memory_order_relaxed);
    s.mono.store(m.mono, std::memory_order_relaxed);
    s.mute.store(m.mute, std::memory_order_relaxed);
}

MonitorSettings MonitorChain::settings() const noexcept { return impl_->read(); }

void MonitorChain::process(AudioBlock& block) noexcept {
    auto& s = *impl_;
    if (block.numChannels() == 0) return;
    ScopedNoDenormals noDenormals;
    const MonitorSettings settings = s.read();
    const int channels = std::min(block.numChannels(), s.channels);
    s.level.setTarget(Impl::levelFor(settings));
    s.monoMix.setTarget(settings.mono && channels > 1 ? 1.0 : 0.0);

    if (!s.switching) {
        const StructureKey key = keyFor(settings);
        if (!(key == s.slots[static_cast<size_t>(s.active)].key)) {
            Impl::Slot& incoming = s.slots[static_cast<size_t>(1 - s.active)];
            s.configure(incoming, key, settings);
            s.switching = true;
            s.warmupRemaining = rampSamples(kWarmupSeconds, s.sampleRate);
            s.fade.jumpTo(0.0);
            s.fade.setTarget(1.0);
        }
    }
    for (auto& slot : s.slots) Impl::glide(slot, settings);

    for (int start = 0; start < block.numFrames(); start += s.maxBlock) {
        const int count = std::min(s.maxBlock, block.numFrames() - start);
        Impl::Slot& current = s.slots[static_cast<size_t>(s.active)];
        Impl::Slot& incoming = s.slots[static_cast<size_t>(1 - s.active)];
        const bool transparentSlot = current.key.kind == SlotKind::Bypass && !s.switching;
        const bool levelsNeutral = !s.level.isMoving() && s.level.current() == 1.0 && !s.monoMix.isMoving() && s.monoMix.current() == 0.0;
        if (transparentSlot && levelsNeutral) continue; // true bypass: not a bit changes

        for (int c = 0; c < channels; ++c) {
            const float* in = block.channel(c) + start;
            std::copy(in, in + count, current.buffer[static_cast<size_t>(c)].data());
            if (s.switching) std::copy(in, in + count, incoming.buffer[static_cast<size_t>(c)].data());
        }
        s.run(current, count);
        if (s.switching) {
            s.run(incoming, count);
            for (int n = 0; n < count; ++n) {
                if (s.warmupRemaining > 0) {
                    --s.warmupRemaining;
                    continue;
                }
                const float w = static_cast<float>(s.fade.next());
                for (int c = 0; c < channels; ++c) {
                    float& a = current.buffer[static_cast<size_t>(c)][static_cast<size_t>(n)];
                    a += w * (incoming.buffer[static_cast<size_t>(c)][static_cast<size_t>(n)] - a);
                }
            }
        }
        float* left = current.buffer[0].data();
        float* right = channels > 1 ? current.buffer[1].data() : nullptr;
        for (int n = 0; n < count; ++n) {
            const double m = s.monoMix.next();
            const double g = s.level.next();
            if (right) {
                if (m != 0.0) {
                    const float mid = 0.5f * (left[n] + right[n]);
                    left[n] += static_cast<float>(m) * (mid - left[n]);
                    right[n] += static_cast<float>(m) * (mid - right[n]);
                }
                if (g != 1.0) right[n] = static_cast<float>(right[n] * g);
            }
            if (g != 1.0) left[n] = static_cast<float>(left[n] * g);
        }
        for (int c = 0; c < channels; ++c) {
            const float* out = current.buffer[static_cast<size_t>(c)].data();
            std::copy(out, out + count, block.channel(c) + start);
        }
        if (s.switching && s.warmupRemaining == 0 && !s.fade.isMoving()) {
            s.active = 1 - s.active;
            s.switching = false;
        }
    }
}

} // namespace gainstage
