// Level meter (one channel) and programme loudness meter (several channels).
// [prepare: non-real-time; process/measure: audio thread; setters: any thread;
// snapshot(): the one reader thread] See Meter.h for what is measured.
//
// Work is done in chunks of kChunk samples whatever the host's block size, so
// every buffer has a fixed size allocated in prepare(), and the chunk loops
// (peaks, true-peak FIR, squares) run over short arrays that stay in L1.
// Everything that depends on time (ballistics, windows, 100 ms hops) counts
// samples, so the values after a given sample do not depend on the blocking.
//
// Bad input never poisons the state: NaN is measured as 0, +-Inf as full scale
// (and counted as a clip), and finite values are limited to +-kMaxLevel so that
// squares and sums stay finite.

#include "dsp/Meter.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include "dsp/Denormals.h"
#include "dsp/DspMath.h"
#include "dsp/LoudnessEngine.h"
#include "dsp/MeterBallistics.h"
#include "dsp/MeterWindowSum.h"
#include "dsp/TripleBuffer.h"
#include "dsp/TruePeakDetector.h"

namespace gainstage {

namespace {

constexpr int kChunk = 256;
// The largest 16-bit sample: a converter that clips delivers runs of it.
constexpr float kFullScale = 32767.0f / 32768.0f;
constexpr int kClipRunLength = 3;
// +120 dBFS: far above anything real, low enough that squares summed over hours stay finite.
constexpr float kMaxLevel = 1.0e6f;
constexpr double kHoldSeconds = 2.0;
constexpr float kDefaultFalloffDbPerSecond = 13.3f;
constexpr int kRmsHops = 3; // 300 ms of 100 ms hops

inline float sanitizeSample(float x) noexcept {
    if (x != x) return 0.0f;                                      // NaN
    if (std::isinf(x)) return x > 0.0f ? 1.0f : -1.0f;            // a converter cannot exceed full scale
    return std::clamp(x, -kMaxLevel, kMaxLevel);
}

// Two floats in one atomic word, so a reader never sees the low edge of one
// window with the high edge of another.
inline uint64_t packWindow(LevelWindow window) noexcept {
    return (static_cast<uint64_t>(std::bit_cast<uint32_t>(window.lowDb)) << 32) |
           std::bit_cast<uint32_t>(window.highDb);
}
inline LevelWindow unpackWindow(uint64_t bits) noexcept {
    LevelWindow window;
    window.lowDb = std::bit_cast<float>(static_cast<uint32_t>(bits >> 32));
    window.highDb = std::bit_cast<float>(static_cast<uint32_t>(bits & 0xffffffffu));
    return window;
}

static_assert(std::atomic<uint64_t>::is_always_lock_free, "the window is read on the audio thread");

constexpr double kSilentLufs = -std::numeric_limits<double>::infinity();

inline float toDb(double gain) noexcept {
    return gain > 0.0 ? static_cast<float>(20.0 * std::log10(gain)) : kMinusInfinityDb;
}

} // namespace

// ---------------------------------------------------------------------------
// Meter

struct Meter::Impl {
    // Set from any thread, read by the audio thread once per block.
    std::atomic<uint64_t> window{packWindow(LevelWindow{})};
    std::atomic<float> falloffDbPerSecond{kDefaultFalloffDbPerSecond};
    std::atomic<uint32_t> clipResetRequests{0};

    // Audio-thread state.
    bool prepared = false;
    uint32_t clipResetsHandled = 0;
    std::vector<float> clean;     // sanitised chunk, used only when the input needed it
    std::vector<float> levels;    // |x|
    std::vector<float> truePeaks; // per sample: max(|x|, interpolated points)
    std::vector<float> squares;
    TruePeakDetector truePeak;
    LoudnessEngine loudness;
    bool measuresLoudness = true; // fixed while prepared
    MeterWindowSum rms;
    MeterBallistics bar, hold, trueHold;

    uint64_t runLength = 0;   // current run of full-scale samples
    bool runIsClip = false;   // the current run has been counted as a clip event
    uint64_t clipEvents = 0;
    uint64_t clippedSamples = 0;

    float blockSamplePeak = 0.0f;
    float blockTruePeak = 0.0f;
    float maxSamplePeak = 0.0f;
    float maxTruePeak = 0.0f;
    uint64_t frames = 0;

    TripleBuffer<MeterSnapshot> published;

    void applyParameters() noexcept {
        const float falloff = falloffDbPerSecond.load(std::memory_order_relaxed);
        if (falloff != static_cast<float>(bar.falloffDbPerSecond())) {
            bar.setFalloff(falloff);
            hold.setFalloff(falloff);
            trueHold.setFalloff(falloff);
        }
        const uint32_t requests = clipResetRequests.load(std::memory_order_acquire);
        if (requests != clipResetsHandled) {
            clipResetsHandled = requests;
            clearClip();
        }
    }

    void clearClip() noexcept {
        clipEvents = 0;
        clippedSamples = 0;
        // A run in progress stays a run, but it has to qualify again to count.
        runIsClip = false;
    }

    void resetAll() noexcept {
        truePeak.reset();
        loudness.reset();
        rms.reset();
        bar.reset();
        hold.reset();
        trueHold.reset();
        runLength = 0;
        runIsClip = false;
        clipEvents = 0;
        clippedSamples = 0;
        clipResetsHandled = clipResetRequests.load(std::memory_order_acquire);
        blockSamplePeak = blockTruePeak = maxSamplePeak = maxTruePeak = 0.0f;
        frames = 0;
    }

    void countClips(const float* x, int n) noexcept {
        for (int k = 0; k < n; ++k) {
            const float v = x[k];
            const float a = std::fabs(v);
            if (v == v && a >= kFullScale) {
                ++runLength;
                if (runIsClip) {
                    ++clippedSamples;
                } else if (a > 1.0f || runLength >= kClipRunLength) {
                    runIsClip = true;
                    ++clipEvents;
                    clippedSamples += runLength; // the whole run so far, including its first samples
                }
            } else {
                runLength = 0;
                runIsClip = false;
            }
        }
    }

    void measureChunk(const float* x, int n) noexcept {
        float* level = levels.data();
        // Pass 1: |x| and its maximum, four independent chains; `fine` fails on NaN, Inf and absurd values.
        float peak0 = 0.0f, peak1 = 0.0f, peak2 = 0.0f, peak3 = 0.0f;
        bool fine = true;
        int k = 0;
        for (; k + 4 <= n; k += 4) {
            const float a0 = std::fabs(x[k]), a1 = std::fabs(x[k + 1]), a2 = std::fabs(x[k + 2]), a3 = std::fabs(x[k + 3]);
            level[k] = a0;
            level[k + 1] = a1;
            level[k + 2] = a2;
            level[k + 3] = a3;
            peak0 = std::max(peak0, a0);
            peak1 = std::max(peak1, a1);
            peak2 = std::max(peak2, a2);
            peak3 = std::max(peak3, a3);
            fine &= (a0 <= kMaxLevel) & (a1 <= kMaxLevel) & (a2 <= kMaxLevel) & (a3 <= kMaxLevel);
        }
        for (; k < n; ++k) {
            level[k] = std::fabs(x[k]);
            peak0 = std::max(peak0, level[k]);
            fine &= level[k] <= kMaxLevel;
        }
        float peak = std::max(std::max(peak0, peak1), std::max(peak2, peak3));

        // Clips are judged on the raw input (NaN breaks a run, Inf is over full scale).
        if (fine && peak < kFullScale) {
            runLength = 0;
            runIsClip = false;
        } else {
            countClips(x, n);
        }

        const float* signal = x;
        if (!fine) {
            float* c = clean.data();
            peak = 0.0f;
            for (k = 0; k < n; ++k) {
                c[k] = sanitizeSample(x[k]);
                level[k] = std::fabs(c[k]);
                peak = std::max(peak, level[k]);
            }
            signal = c;
        }

        // True peak never reads below the sample peak (see TruePeakDetector.h).
        const float interpolated = truePeak.process(signal, n);
        const float* points = truePeak.peaks();
        float* envelope = truePeaks.data();
        for (k = 0; k < n; ++k) envelope[k] = std::max(level[k], points[k]);
        const float truePeakMax = std::max(peak, interpolated);

        bar.process(level, n);
        hold.process(level, n);
        trueHold.process(envelope, n);

        float* square = squares.data();
        for (k = 0; k < n; ++k) square[k] = signal[k] * signal[k];
        for (int done = 0; done < n;) {
            const int length = std::min(n - done, rms.framesToHop());
            rms.add(square + done, length);
            done += length;
        }

        if (measuresLoudness) loudness.process(&signal, n);

        blockSamplePeak = std::max(blockSamplePeak, peak);
        blockTruePeak = std::max(blockTruePeak, truePeakMax);
        maxSamplePeak = std::max(maxSamplePeak, peak);
        maxTruePeak = std::max(maxTruePeak, truePeakMax);
        frames += static_cast<uint64_t>(n);
    }

    MeterSnapshot makeSnapshot() const noexcept {
        MeterSnapshot s{};
        s.samplePeakDb = toDb(blockSamplePeak);
        s.truePeakDb = toDb(blockTruePeak);
        s.peakBarDb = static_cast<float>(bar.levelDb());
        s.peakHoldDb = static_cast<float>(hold.levelDb());
        s.truePeakHoldDb = static_cast<float>(trueHold.levelDb());
        const double meanSquare = prepared ? rms.sum(0) / rms.windowLength(0) : 0.0;
        s.rmsDb = meanSquare > 0.0 ? static_cast<float>(10.0 * std::log10(meanSquare)) : kMinusInfinityDb;
        s.momentaryLufs = static_cast<float>(prepared && measuresLoudness ? loudness.momentaryLufs() : kSilentLufs);
        s.shortTermLufs = static_cast<float>(prepared && measuresLoudness ? loudness.shortTermLufs() : kSilentLufs);
        s.integratedLufs = static_cast<float>(prepared && measuresLoudness ? loudness.integratedLufs() : kSilentLufs);
        s.maxSamplePeakDb = toDb(maxSamplePeak);
        s.maxTruePeakDb = toDb(maxTruePeak);
        s.maxMomentaryLufs = static_cast<float>(prepared && measuresLoudness ? loudness.maxMomentaryLufs() : kSilentLufs);
        s.maxShortTermLufs = static_cast<float>(prepared && measuresLoudness ? loudness.maxShortTermLufs() : kSilentLufs);
        // A clip reset requested but not yet seen by process() already shows (offline use).
        const bool resetPending = clipResetRequests.load(std::memory_order_acquire) != clipResetsHandled;
        s.clipEvents = resetPending ? 0 : clipEvents;
        s.clippedSamples = resetPending ? 0 : clippedSamples;
        s.framesMeasured = frames;

        const LevelWindow w = unpackWindow(window.load(std::memory_order_relaxed));
        if (s.clipEvents > 0 || s.truePeakHoldDb > w.highDb) s.status = WindowStatus::Clipped;
        else if (s.truePeakHoldDb >= w.lowDb) s.status = WindowStatus::InWindow;
        else s.status = WindowStatus::Low;
        return s;
    }
};

Meter::Meter() : impl_(std::make_unique<Impl>()) { impl_->published.write(impl_->makeSnapshot()); }

Meter::~Meter() = default;

void Meter::setMeasuresLoudness(bool on) noexcept { impl_->measuresLoudness = on; }

void Meter::prepare(double sampleRate, int maxBlockSize, int channels) {
    (void)maxBlockSize; // blocks of any length are measured in kChunk pieces
    (void)channels;     // one Meter per channel: only channel 0 is measured
    if (!(sampleRate > 0.0)) sampleRate = 48000.0;
    Impl& m = *impl_;
    m.clean.assign(kChunk, 0.0f);
    m.levels.assign(kChunk, 0.0f);
    m.truePeaks.assign(kChunk, 0.0f);
    m.squares.assign(kChunk, 0.0f);
    m.truePeak.prepare(sampleRate, kChunk);
    // RMS runs on the same 100 ms hops as loudness, with or without it.
    const int hop = std::max(1, static_cast<int>(std::lround(sampleRate / 10.0)));
    if (m.measuresLoudness) m.loudness.prepare(sampleRate, 1, kChunk);
    m.rms.prepare(hop, kRmsHops);
    const double falloff = m.falloffDbPerSecond.load(std::memory_order_relaxed);
    m.bar.prepare(sampleRate, kChunk, 0.0, falloff);
    m.hold.prepare(sampleRate, kChunk, kHoldSeconds, falloff);
    m.trueHold.prepare(sampleRate, kChunk, kHoldSeconds, falloff);
    m.prepared = true;
    reset();
}

void Meter::reset() noexcept {
    impl_->resetAll();
    impl_->published.write(impl_->makeSnapshot());
}

void Meter::process(AudioBlock& block) noexcept {
    if (block.numChannels() < 1) return;
    measure(block.channel(0), block.numFrames());
}

void Meter::measure(const float* samples, int numFrames) noexcept {
    Impl& m = *impl_;
    if (!m.prepared) return;
    ScopedNoDenormals noDenormals;
    m.applyParameters();
    m.blockSamplePeak = 0.0f;
    m.blockTruePeak = 0.0f;
    for (int done = 0; done < numFrames; done += kChunk)
        m.measureChunk(samples + done, std::min(kChunk, numFrames - done));
    m.published.write(m.makeSnapshot());
}

void Meter::setWindow(LevelWindow window) noexcept {
    if (std::isnan(window.lowDb)) window.lowDb = LevelWindow{}.lowDb;
    if (std::isnan(window.highDb)) window.highDb = LevelWindow{}.highDb;
    if (window.lowDb > window.highDb) std::swap(window.lowDb, window.highDb);
    impl_->window.store(packWindow(window), std::memory_order_relaxed);
}

void Meter::setFalloffDbPerSecond(float dbPerSecond) noexcept {
    if (!(dbPerSecond >= 0.0f)) dbPerSecond = 0.0f; // negative or NaN: hold the bar
    impl_->falloffDbPerSecond.store(dbPerSecond, std::memory_order_relaxed);
}

void Meter::resetClip() noexcept { impl_->clipResetRequests.fetch_add(1, std::memory_order_acq_rel); }

MeterSnapshot Meter::snapshot() noexcept {
    MeterSnapshot s;
    impl_->published.read(s);
    return s;
}

MeterSnapshot Meter::currentSnapshot() const noexcept { return impl_->makeSnapshot(); }

// ---------------------------------------------------------------------------
// LoudnessMeter

struct LoudnessMeter::Impl {
    LoudnessEngine engine;
    std::vector<float> buffers;          // channels x kChunk, sanitised
    std::vector<const float*> pointers;  // into buffers
    bool prepared = false;
};

LoudnessMeter::LoudnessMeter() : impl_(std::make_unique<Impl>()) {}

LoudnessMeter::~LoudnessMeter() = default;

void LoudnessMeter::prepare(double sampleRate, int maxBlockSize, int channels) {
    (void)maxBlockSize;
    if (!(sampleRate > 0.0)) sampleRate = 48000.0;
    channels = std::max(channels, 1);
    Impl& m = *impl_;
    m.engine.prepare(sampleRate, channels, kChunk);
    m.buffers.assign(static_cast<size_t>(channels) * kChunk, 0.0f);
    m.pointers.resize(static_cast<size_t>(channels));
    for (int c = 0; c < channels; ++c) m.pointers[static_cast<size_t>(c)] = m.buffers.data() + static_cast<size_t>(c) * kChunk;
    m.prepared = true;
}

void LoudnessMeter::reset() noexcept { impl_->engine.reset(); }

void LoudnessMeter::process(AudioBlock& block) noexcept {
    Impl& m = *impl_;
    if (!m.prepared) return;
    ScopedNoDenormals noDenormals;
    const int channels = m.engine.numChannels();
    const int present = std::min(channels, block.numChannels()); // missing channels measure as silence
    for (int done = 0; done < block.numFrames(); done += kChunk) {
        const int n = std::min(kChunk, block.numFrames() - done);
        for (int c = 0; c < channels; ++c) {
            float* out = m.buffers.data() + static_cast<size_t>(c) * kChunk;
            if (c < present) {
                const float* in = block.channel(c) + done;
                for (int k = 0; k < n; ++k) out[k] = sanitizeSample(in[k]);
            } else {
                std::fill(out, out + n, 0.0f);
            }
        }
        m.engine.process(m.pointers.data(), n);
    }
}

float LoudnessMeter::momentaryLufs() const noexcept {
    return impl_->prepared ? static_cast<float>(impl_->engine.momentaryLufs()) : kMinusInfinityDb;
}
float LoudnessMeter::shortTermLufs() const noexcept {
    return impl_->prepared ? static_cast<float>(impl_->engine.shortTermLufs()) : kMinusInfinityDb;
}
float LoudnessMeter::integratedLufs() const noexcept {
    return impl_->prepared ? static_cast<float>(impl_->engine.integratedLufs()) : kMinusInfinityDb;
}
float LoudnessMeter::maxMomentaryLufs() const noexcept {
    return impl_->prepared ? static_cast<float>(impl_->engine.maxMomentaryLufs()) : kMinusInfinityDb;
}
float LoudnessMeter::maxShortTermLufs() const noexcept {
    return impl_->prepared ? static_cast<float>(impl_->engine.maxShortTermLufs()) : kMinusInfinityDb;
}

} // namespace gainstage
