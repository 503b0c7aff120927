// The preamp chain for one track:
//
//   input check -> Input Z -> Pad + Gain -> Model -> Low Cut -> Phase + trim
//
// Threads: setters and settings() from any thread (atomics); prepare() is
// non-real-time; reset() and process() run on the audio thread, without
// allocation or locks. process() takes the settings once per block and every
// stage glides to them sample by sample, so the output never depends on how
// the input was split into blocks.
//
// Neutral means bit-transparent: at the default settings each stage is either
// skipped (Input Z at the interface's value, Low Cut Off, unity gains) or, for
// the Clean model, exact below its knee. The one exception is a subnormal
// input sample, which is flushed to zero like everything below FLT_MIN here.

#include "dsp/Preamp.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "dsp/Denormals.h"
#include "dsp/DspMath.h"
#include "dsp/InputImpedance.h"
#include "dsp/LowCut.h"
#include "dsp/PreampModels.h"
#include "dsp/PreampRamp.h"

namespace gainstage {

namespace {

constexpr double kGainGlideSeconds = 0.05;  // Gain, Pad and trim
constexpr double kPhaseGlideSeconds = 0.05; // through zero, so a flip cannot click
constexpr double kModelFadeSeconds = 0.03;  // the crossfade between two models
// A model starts from rest when it is switched in, and its first milliseconds
// (oversampling filters filling, envelopes settling) are not audio: it runs
// unheard for this long before the crossfade begins.
constexpr double kModelWarmUpSeconds = 0.01;

constexpr float kMinTrimDb = -24.0f;
constexpr float kMaxTrimDb = 24.0f;
constexpr float kMinCalibrationDbu = 6.0f;
constexpr float kMaxCalibrationDbu = 24.0f;

// Anything beyond +60 dBFS is a broken upstream, not audio.
constexpr float kSignalLimit = 1000.0f;

// NaN and +-Inf become silence (a dropout, not a full-scale spike), subnormals
// become a zero of the same sign, and absurd levels are limited. Decided on the
// bits, because with denormals-are-zero set a subnormal compares equal to 0.
// Returns true for a non-finite input.
inline bool cleanSample(float& x) noexcept {
    const uint32_t bits = std::bit_cast<uint32_t>(x);
    const uint32_t exponent = bits & 0x7F800000u;
    if (exponent == 0x7F800000u) {
        x = 0.0f;
        return true;
    }
    if (exponent == 0u) x = std::bit_cast<float>(bits & 0x80000000u);
    else x = std::clamp(x, -kSignalLimit, kSignalLimit);
    return false;
}

// Returns true if any sample was non-finite.
bool cleanBlock(const AudioBlock& block) noexcept {
    bool nonFinite = false;
    for (int c = 0; c < block.numChannels(); ++c) {
        float* x = block.channel(c);
        for (int n = 0; n < block.numFrames(); ++n) nonFinite |= cleanSample(x[n]);
    }
    return nonFinite;
}

// A gain that glides in dB and lands on exactly the gain of its target, so that
// 0 dB ends as exactly 1.0f.
class DbGlide {
public:
    void setLength(int samples) noexcept { db_.setLength(samples); }
    void jumpTo(double db) noexcept {
        db_.jumpTo(db);
        landed_ = toGain(db);
    }
    void setTarget(double db) noexcept {
        if (db == db_.target()) return;
        db_.setTarget(db);
        landed_ = toGain(db);
    }
    float next() noexcept {
        if (!db_.isMoving()) return landed_;
        const double db = db_.next();
        return db_.isMoving() ? toGain(db) : landed_;
    }
    bool isMoving() const noexcept { return db_.isMoving(); }
    float landed() const noexcept { return landed_; }

private:
    static float toGain(double db) noexcept { return static_cast<float>(std::pow(10.0, db / 20.0)); }
    PreampRamp db_;
    float landed_ = 1.0f;
};

int modelIndex(Model model) noexcept {
    switch (model) {
    case Model::Tube: return 1;
    case Model::Transformer: return 2;
    case Model::Clean: break;
    }
    return 0;
}

Model validModel(Model model) noexcept {
    return model == Model::Tube || model == Model::Transformer ? model : Model::Clean;
}

LowCut validLowCut(LowCut lowCut) noexcept {
    switch (lowCut) {
    case LowCut::Hz50:
    case LowCut::Hz80:
    case LowCut::Hz160:
    case LowCut::Hz300: return lowCut;
    case LowCut::Off: break;
    }
    return LowCut::Off;
}

Source validSource(Source source) noexcept { return source == Source::DI ? Source::DI : Source::Mic; }

float clampGain(float gainDb, Source source) noexcept {
    const GainRange range = gainRangeFor(source);
    return std::clamp(gainDb, range.minDb, range.maxDb);
}

} // namespace

struct Preamp::Impl {
    // ---- settings: written by any thread, read once per block ----
    std::atomic<Source> source{Source::Mic};
    std::atomic<Model> model{Model::Clean};
    std::atomic<float> gainDb{0.0f};
    std::atomic<bool> pad{false};
    std::atomic<LowCut> lowCut{LowCut::Off};
    std::atomic<bool> phaseInverted{false};
    std::atomic<float> inputOhms{kInterfaceMicInputOhms};
    std::atomic<float> trimDb{0.0f};
    std::atomic<float> calibrationDbu{kDefaultCalibrationDbu};
    std::atomic<double> sampleRate{48000.0};

    // ---- audio state ----
    bool prepared = false;
    int channels = 0;
    int maxBlockSize = 0;

    InputImpedance inputZ;
    LowCutFilter lowCutFilter;
    CleanModel clean;
    TubeModel tube;
    TransformerModel transformer;
    ModelStage* models[3] = {&clean, &tube, &transformer};

    DbGlide preGain; // Pad + Gain
    PreampRamp phase; // +1 normal, -1 inverted
    DbGlide trim;

    int activeModel = 0;  // the model being faded in, or the only one running
    int fadingFrom = 0;   // the model being faded out
    int targetModel = 0;  // picked up at the block start
    bool fading = false;
    PreampRamp fade;      // weight of activeModel, 0 -> 1
    int warmUpSamples = 0;
    int warmUpRemaining = 0; // of the current fade, before the weight moves

    // The outgoing model's copy of the signal during a fade.
    std::vector<std::vector<float>> scratch;
    std::vector<float*> scratchPointers;

    // Reads the settings once: the block's targets for every stage.
    void pickUpSettings(bool jump) noexcept;
    void processChunk(AudioBlock chunk) noexcept;
    void runModels(const AudioBlock& chunk) noexcept;
    void startFade() noexcept;
    void applyPreGain(const AudioBlock& chunk) noexcept;
    void applyPostGain(const AudioBlock& chunk) noexcept;
};

void Preamp::Impl::pickUpSettings(bool jump) noexcept {
    const Source src = source.load(std::memory_order_relaxed);
    const double preDb = static_cast<double>(clampGain(gainDb.load(std::memory_order_relaxed), src)) +
                         (pad.load(std::memory_order_relaxed) ? static_cast<double>(kPadDb) : 0.0);
    const double polarity = phaseInverted.load(std::memory_order_relaxed) ? -1.0 : 1.0;
    const double trimTarget = trimDb.load(std::memory_order_relaxed);
    if (jump) {
        preGain.jumpTo(preDb);
        phase.jumpTo(polarity);
        trim.jumpTo(trimTarget);
    } else {
        preGain.setTarget(preDb);
        phase.setTarget(polarity);
        trim.setTarget(trimTarget);
    }
    // The stages' own atomics are written only here, so they see one consistent
    // set of values per block.
    inputZ.setSource(src);
    inputZ.setImpedanceOhms(inputOhms.load(std::memory_order_relaxed));
    lowCutFilter.setLowCut(lowCut.load(std::memory_order_relaxed));
    const float dbu = calibrationDbu.load(std::memory_order_relaxed);
    for (ModelStage* m : models) m->setCalibrationDbu(dbu);
    targetModel = modelIndex(model.load(std::memory_order_relaxed));
}

void Preamp::Impl::applyPreGain(const AudioBlock& chunk) noexcept {
    if (!preGain.isMoving() && preGain.landed() == 1.0f) return;
    for (int n = 0; n < chunk.numFrames(); ++n) {
        const float g = preGain.next();
        for (int c = 0; c < chunk.numChannels(); ++c) chunk.channel(c)[n] *= g;
    }
}

void Preamp::Impl::applyPostGain(const AudioBlock& chunk) noexcept {
    if (!phase.isMoving() && !trim.isMoving() && static_cast<float>(phase.current()) * trim.landed() == 1.0f) return;
    for (int n = 0; n < chunk.numFrames(); ++n) {
        const float g = static_cast<float>(phase.next()) * trim.next();
        for (int c = 0; c < chunk.numChannels(); ++c) chunk.channel(c)[n] *= g;
    }
}

void Preamp::Impl::startFade() noexcept {
    fadingFrom = activeModel;
    activeModel = targetModel;
    // The incoming model has been idle: start it from rest, under the fade.
    models[activeModel]->reset();
    fade.jumpTo(0.0);
    warmUpRemaining = warmUpSamples;
    if (warmUpRemaining == 0) fade.setTarget(1.0);
    fading = true;
}

void Preamp::Impl::runModels(const AudioBlock& chunk) noexcept {
    const int frames = chunk.numFrames();
    int pos = 0;
    while (pos < frames) {
        // Switched back before the new model was heard: the outgoing one never
        // stopped, so simply keep it.
        if (fading && warmUpRemaining > 0 && targetModel == fadingFrom) {
            activeModel = fadingFrom;
            fading = false;
            warmUpRemaining = 0;
        }
        // A change that arrives during a fade waits for it to end, then starts
        // at the very next sample (not the next block), so blocks cannot matter.
        if (!fading && targetModel != activeModel) startFade();
        if (!fading) {
            AudioBlock rest = chunk.subBlock(pos, frames - pos);
            models[activeModel]->process(rest);
            if (cleanBlock(rest)) models[activeModel]->reset();
            return;
        }

        const int length = std::min(frames - pos, warmUpRemaining > 0 ? warmUpRemaining : fade.remaining());
        AudioBlock incoming = chunk.subBlock(pos, length);
        for (int c = 0; c < chunk.numChannels(); ++c)
            std::copy_n(incoming.channel(c), length, scratch[static_cast<size_t>(c)].data());
        AudioBlock outgoing(scratchPointers.data(), chunk.numChannels(), length);
        models[fadingFrom]->process(outgoing);
        models[activeModel]->process(incoming);
        if (cleanBlock(outgoing)) models[fadingFrom]->reset();
        if (cleanBlock(incoming)) models[activeModel]->reset();
        pos += length;

        if (warmUpRemaining > 0) {
            // Still unheard: the output is the outgoing model's.
            for (int c = 0; c < chunk.numChannels(); ++c) std::copy_n(outgoing.channel(c), length, incoming.channel(c));
            warmUpRemaining -= length;
            if (warmUpRemaining == 0) fade.setTarget(1.0);
            continue;
        }
        for (int n = 0; n < length; ++n) {
            const double w = std::clamp(fade.next(), 0.0, 1.0);
            if (w >= 1.0) continue; // the incoming model's sample as it is
            for (int c = 0; c < chunk.numChannels(); ++c) {
                float* y = incoming.channel(c);
                y[n] = static_cast<float>((1.0 - w) * outgoing.channel(c)[n] + w * y[n]);
            }
        }
        if (!fade.isMoving()) fading = false;
    }
}

void Preamp::Impl::processChunk(AudioBlock chunk) noexcept {
    cleanBlock(chunk);
    inputZ.process(chunk);
    applyPreGain(chunk);
    runModels(chunk);
    lowCutFilter.process(chunk);
    applyPostGain(chunk);
}

// ---------------------------------------------------------------------------

Preamp::Preamp() : impl_(std::make_unique<Impl>()) {}
Preamp::~Preamp() = default;

void Preamp::prepare(double sampleRate, int maxBlockSize, int channels) {
    Impl& s = *impl_;
    const double rate = sampleRate > 0.0 ? sampleRate : 48000.0;
    s.sampleRate.store(rate, std::memory_order_relaxed);
    s.channels = std::max(channels, 0);
    s.maxBlockSize = std::max(maxBlockSize, 1);

    s.inputZ.prepare(rate, s.maxBlockSize, s.channels);
    s.lowCutFilter.prepare(rate, s.maxBlockSize, s.channels);
    for (ModelStage* m : s.models) m->prepare(rate, s.maxBlockSize, s.channels);

    s.preGain.setLength(rampSamples(kGainGlideSeconds, rate));
    s.trim.setLength(rampSamples(kGainGlideSeconds, rate));
    s.phase.setLength(rampSamples(kPhaseGlideSeconds, rate));
    s.fade.setLength(rampSamples(kModelFadeSeconds, rate));
    s.warmUpSamples = rampSamples(kModelWarmUpSeconds, rate);

    s.scratch.assign(static_cast<size_t>(s.channels), std::vector<float>(static_cast<size_t>(s.maxBlockSize), 0.0f));
    s.scratchPointers.resize(static_cast<size_t>(s.channels));
    for (size_t c = 0; c < s.scratch.size(); ++c) s.scratchPointers[c] = s.scratch[c].data();

    s.prepared = true;
    reset();
}

void Preamp::reset() noexcept {
    Impl& s = *impl_;
    s.pickUpSettings(true);
    if (!s.prepared) return;
    s.inputZ.reset();
    s.lowCutFilter.reset();
    for (ModelStage* m : s.models) m->reset();
    s.activeModel = s.fadingFrom = s.targetModel;
    s.fading = false;
    s.warmUpRemaining = 0;
    s.fade.jumpTo(1.0);
}

void Preamp::process(AudioBlock& block) noexcept {
    Impl& s = *impl_;
    if (!s.prepared) return;
    ScopedNoDenormals noDenormals;
    s.pickUpSettings(false);

    // Channels beyond those prepared are left alone; blocks longer than
    // prepared are run in pieces (every stage is per-sample, so that is exact).
    const AudioBlock view = block.firstChannels(std::min(block.numChannels(), s.channels));
    for (int offset = 0; offset < view.numFrames(); offset += s.maxBlockSize)
        s.processChunk(view.subBlock(offset, std::min(s.maxBlockSize, view.numFrames() - offset)));
}

int Preamp::latencySamples() const noexcept {
    return latencyFor(impl_->model.load(std::memory_order_relaxed), impl_->sampleRate.load(std::memory_order_relaxed));
}

int Preamp::latencyFor(Model model, double sampleRate) noexcept {
    switch (validModel(model)) {
    case Model::Tube: return TubeModel::latencyFor(sampleRate);
    case Model::Transformer: return TransformerModel::latencyFor(sampleRate);
    case Model::Clean: break;
    }
    return 0;
}

// ---- setters [any thread] ----

void Preamp::setSource(Source source) noexcept {
    const Source valid = validSource(source);
    if (impl_->source.exchange(valid, std::memory_order_relaxed) == valid) return;
    // Another input: its own impedance, and a gain within its range.
    impl_->inputOhms.store(defaultInputImpedanceOhms(valid), std::memory_order_relaxed);
    impl_->gainDb.store(clampGain(impl_->gainDb.load(std::memory_order_relaxed), valid), std::memory_order_relaxed);
}

void Preamp::setGainDb(float gainDb) noexcept {
    if (std::isnan(gainDb)) return;
    impl_->gainDb.store(clampGain(gainDb, impl_->source.load(std::memory_order_relaxed)), std::memory_order_relaxed);
}

void Preamp::setPad(bool engaged) noexcept { impl_->pad.store(engaged, std::memory_order_relaxed); }

void Preamp::setLowCut(LowCut lowCut) noexcept { impl_->lowCut.store(validLowCut(lowCut), std::memory_order_relaxed); }

void Preamp::setPhaseInverted(bool inverted) noexcept { impl_->phaseInverted.store(inverted, std::memory_order_relaxed); }

void Preamp::setInputImpedanceOhms(float ohms) noexcept {
    if (std::isnan(ohms)) return;
    impl_->inputOhms.store(std::clamp(ohms, kMinInputImpedanceOhms, kMaxInputImpedanceOhms), std::memory_order_relaxed);
}

void Preamp::setModel(Model model) noexcept { impl_->model.store(validModel(model), std::memory_order_relaxed); }

void Preamp::setOutputTrimDb(float trimDb) noexcept {
    if (std::isnan(trimDb)) return;
    impl_->trimDb.store(std::clamp(trimDb, kMinTrimDb, kMaxTrimDb), std::memory_order_relaxed);
}

void Preamp::setCalibrationDbu(float dbu) noexcept {
    if (std::isnan(dbu)) return;
    impl_->calibrationDbu.store(std::clamp(dbu, kMinCalibrationDbu, kMaxCalibrationDbu), std::memory_order_relaxed);
}

void Preamp::setSettings(const PreampSettings& settings) noexcept {
    // Source first: it resets Input Z and re-clamps Gain, which the values below then override.
    setSource(settings.source);
    setGainDb(settings.gainDb);
    setPad(settings.pad);
    setLowCut(settings.lowCut);
    setPhaseInverted(settings.phaseInverted);
    setInputImpedanceOhms(settings.inputImpedanceOhms);
    setModel(settings.model);
    setOutputTrimDb(settings.outputTrimDb);
    setCalibrationDbu(settings.calibrationDbu);
}

PreampSettings Preamp::settings() const noexcept {
    const Impl& s = *impl_;
    PreampSettings out;
    out.source = s.source.load(std::memory_order_relaxed);
    out.model = s.model.load(std::memory_order_relaxed);
    out.gainDb = s.gainDb.load(std::memory_order_relaxed);
    out.pad = s.pad.load(std::memory_order_relaxed);
    out.lowCut = s.lowCut.load(std::memory_order_relaxed);
    out.phaseInverted = s.phaseInverted.load(std::memory_order_relaxed);
    out.inputImpedanceOhms = s.inputOhms.load(std::memory_order_relaxed);
    out.outputTrimDb = s.trimDb.load(std::memory_order_relaxed);
    out.calibrationDbu = s.calibrationDbu.load(std::memory_order_relaxed);
    return out;
}

} // namespace gainstage
