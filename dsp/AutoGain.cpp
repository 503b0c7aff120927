// Auto Gain: render-and-measure search for the preamp Gain (see AutoGain.h).
// [any thread but the audio thread]
#include "dsp/AutoGain.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dsp/Preamp.h"
#include "dsp/TruePeakDetector.h"

namespace gainstage {

namespace {

constexpr int kRenderBlock = 4096;
constexpr double kPeakBlockSeconds = 0.1;
constexpr int kStrayFarBlocks = 2;           // "at least 200 ms away"
constexpr double kStrayGuardSeconds = 0.010; // excluded either side of a stray
constexpr float kSilence = -1.0e9f;

float toDb(double linear) { return linear > 0.0 ? static_cast<float>(20.0 * std::log10(linear)) : kSilence; }

std::string format(const char* pattern, double a, double b = 0.0, double c = 0.0) {
    char text[512];
    std::snprintf(text, sizeof text, pattern, a, b, c);
    return text;
}

// Per sample, the larger of |x| and the BS.1770 interpolated peak it completes, over the channels.
std::vector<float> peakEnvelope(const std::vector<const float*>& channels, int64_t frames, double sampleRate) {
    std::vector<float> envelope(static_cast<size_t>(frames), 0.0f);
    for (const float* x : channels) {
        TruePeakDetector detector;
        detector.prepare(sampleRate, kRenderBlock);
        for (int64_t start = 0; start < frames; start += kRenderBlock) {
            const int n = static_cast<int>(std::min<int64_t>(kRenderBlock, frames - start));
            detector.process(x + start, n);
            const float* p = detector.peaks();
            for (int i = 0; i < n; ++i) {
                const size_t k = static_cast<size_t>(start + i);
                envelope[k] = std::max({envelope[k], std::fabs(x[k]), p[i]});
            }
        }
    }
    return envelope;
}

// Marks stray transients in `excluded` (see AutoGain.h); returns how many.
int excludeStrays(const std::vector<float>& envelope, double sampleRate, std::vector<uint8_t>& excluded) {
    const int64_t frames = static_cast<int64_t>(envelope.size());
    const int64_t blockLength = std::max<int64_t>(1, static_cast<int64_t>(kPeakBlockSeconds * sampleRate));
    const int blocks = static_cast<int>((frames + blockLength - 1) / blockLength);
    if (blocks < 2 * kStrayFarBlocks + 1) return 0;
    auto blockPeak = [&](int b) {
        float peak = 0.0f;
        const int64_t end = std::min(frames, (b + 1) * blockLength);
        for (int64_t i = b * blockLength; i < end; ++i)
            if (!excluded[static_cast<size_t>(i)]) peak = std::max(peak, envelope[static_cast<size_t>(i)]);
        return peak;
    };
    std::vector<float> peaks(static_cast<size_t>(blocks));
    for (int b = 0; b < blocks; ++b) peaks[static_cast<size_t>(b)] = blockPeak(b);

    const float margin = std::pow(10.0f, AutoGain::kStrayMarginDb / 20.0f);
    const int64_t maxSpan = static_cast<int64_t>(std::ceil(AutoGain::kStrayMaxSeconds * sampleRate));
    const int64_t guard = static_cast<int64_t>(kStrayGuardSeconds * sampleRate);
    int strays = 0;
    while (strays < AutoGain::kMaxStrays) {
        const int loudest = static_cast<int>(std::max_element(peaks.begin(), peaks.end()) - peaks.begin());
        const float peak = peaks[static_cast<size_t>(loudest)];
        float far = 0.0f;
        for (int b = 0; b < blocks; ++b)
            if (std::abs(b - loudest) >= kStrayFarBlocks) far = std::max(far, peaks[static_cast<size_t>(b)]);
        if (!(peak > far * margin) || far <= 0.0f) break;
        // How long the event stays above half its peak (searched one block either side).
        const int64_t from = std::max<int>(0, loudest - 1) * blockLength;
        const int64_t to = std::min<int64_t>(frames, (loudest + 2) * blockLength);
        int64_t first = -1, last = -1;
        for (int64_t i = from; i < to; ++i) {
            if (!excluded[static_cast<size_t>(i)] && envelope[static_cast<size_t>(i)] > 0.5f * peak) {
                if (first < 0) first = i;
                last = i;
            }
        }
        if (first < 0 || last - first + 1 > maxSpan) break; // a real, sustained loud moment
        for (int64_t i = std::max<int64_t>(0, first - guard); i <= std::min(frames - 1, last + guard); ++i)
            excluded[static_cast<size_t>(i)] = 1;
        for (int b = std::max(0, loudest - 1); b <= std::min(blocks - 1, loudest + 1); ++b) peaks[static_cast<size_t>(b)] = blockPeak(b);
        ++strays;
    }
    return strays;
}

// Renders the take through a private preamp and measures the true peak of the
// output, mapped back to input positions so that `excluded` samples do not count.
class PeakRenderer {
public:
    PeakRenderer(const std::vector<const float*>& channels, int64_t frames, double sampleRate, const std::vector<uint8_t>* excluded)
        : channels_(channels), frames_(frames), sampleRate_(sampleRate), excluded_(excluded) {
        preamp_.prepare(sampleRate, kRenderBlock, static_cast<int>(channels.size()));
        for (auto& b : buffers_) b.assign(kRenderBlock, 0.0f);
        for (auto& d : detectors_) d.prepare(sampleRate, kRenderBlock);
    }

    float peakDb(PreampSettings settings) {
        preamp_.setSettings(settings);
        preamp_.reset(); // settings take effect from the first sample, no glide
        for (auto& d : detectors_) d.reset();
        const int latency = preamp_.latencySamples();
        const int numChannels = static_cast<int>(channels_.size());
        const int64_t total = frames_ + latency; // zeros after the take flush the model's tail out
        float* pointers[2] = {buffers_[0].data(), buffers_[1].data()};
        float peak = 0.0f;
        for (int64_t start = 0; start < total; start += kRenderBlock) {
            const int n = static_cast<int>(std::min<int64_t>(kRenderBlock, total - start));
            for (int c = 0; c < numChannels; ++c) {
                for (int i = 0; i < n; ++i) {
                    const int64_t k = start + i;
                    buffers_[c][static_cast<size_t>(i)] = k < frames_ ? channels_[static_cast<size_t>(c)][k] : 0.0f;
                }
            }
            AudioBlock block(pointers, numChannels, n);
            preamp_.process(block);
            for (int c = 0; c < numChannels; ++c) {
                detectors_[c].process(buffers_[c].data(), n);
                const float* tp = detectors_[c].peaks();
                for (int i = 0; i < n; ++i) {
                    const int64_t source = start + i - latency; // the input sample this output sample came from
                    if (source < 0 || source >= frames_) continue;
                    if (excluded_ && (*excluded_)[static_cast<size_t>(source)]) continue;
                    peak = std::max({peak, std::fabs(buffers_[c][static_cast<size_t>(i)]), tp[i]});
                }
            }
        }
        ++renders_;
        return toDb(peak);
    }

    int renders() const { return renders_; }

private:
    std::vector<const float*> channels_;
    int64_t frames_;
    double sampleRate_;
    const std::vector<uint8_t>* excluded_;
    Preamp preamp_;
    std::vector<float> buffers_[2];
    TruePeakDetector detectors_[2];
    int renders_ = 0;
};

std::vector<const float*> usableChannels(const std::vector<std::vector<float>>& channels, int64_t& frames) {
    std::vector<const float*> pointers;
    frames = channels.empty() ? 0 : static_cast<int64_t>(channels[0].size());
    for (const auto& c : channels) {
        if (pointers.size() == 2) break; // the preamp is mono or stereo
        frames = std::min(frames, static_cast<int64_t>(c.size()));
        pointers.push_back(c.data());
    }
    return pointers;
}

} // namespace

const char* autoGainResultName(AutoGainResult result) noexcept {
    switch (result) {
    case AutoGainResult::Success: return "success";
    case AutoGainResult::InputClipped: return "input_clipped";
    case AutoGainResult::TooQuiet: return "too_quiet";
    case AutoGainResult::TooLoud: return "too_loud";
    case AutoGainResult::NoSignal: return "no_signal";
    case AutoGainResult::Cancelled: return "cancelled";
    }
    return "unknown";
}

float AutoGain::renderedTruePeakDb(const std::vector<std::vector<float>>& channels, double sampleRate, const PreampSettings& settings) {
    int64_t frames = 0;
    const auto pointers = usableChannels(channels, frames);
    if (pointers.empty() || frames == 0) return kSilence;
    PeakRenderer renderer(pointers, frames, sampleRate, nullptr);
    return renderer.peakDb(settings);
}

AutoGainOutcome AutoGain::run(const std::vector<std::vector<float>>& channels, double sampleRate, const PreampSettings& current,
                              const AutoGainOptions& options, const std::atomic<bool>* cancel) {
    AutoGainOutcome out;
    out.before = out.after = current;
    out.gainDb = current.gainDb;
    const double target = std::clamp(options.targetDbtp, std::max(options.windowLowDb, kMinTargetDbtp),
                                      std::min(options.windowHighDb, kMaxTargetDbtp));
    auto cancelled = [&] { return cancel && cancel->load(std::memory_order_relaxed); };
    auto finishCancelled = [&] {
        out.result = AutoGainResult::Cancelled;
        out.after = current;
        out.gainDb = current.gainDb;
        out.message = format("Auto Gain cancelled: Gain left at %+.1f dB.", current.gainDb);
        return out;
    };
    if (cancelled()) return finishCancelled();

    int64_t frames = 0;
    const auto pointers = usableChannels(channels, frames);
    float samplePeak = 0.0f;
    for (const float* x : pointers)
        for (int64_t i = 0; i < frames; ++i) samplePeak = std::max(samplePeak, std::fabs(x[i]));
    out.rawSamplePeakDb = toDb(samplePeak);

    std::vector<float> envelope = frames > 0 ? peakEnvelope(pointers, frames, sampleRate) : std::vector<float>{};
    std::vector<uint8_t> excluded(envelope.size(), 0);
    out.strayTransients = excludeStrays(envelope, sampleRate, excluded);
    float rawPeak = 0.0f;
    for (size_t i = 0; i < envelope.size(); ++i)
        if (!excluded[i]) rawPeak = std::max(rawPeak, envelope[i]);
    out.rawTruePeakDb = toDb(rawPeak);

    if (frames == 0 || out.rawTruePeakDb < kNoSignalDbfs) {
        out.result = AutoGainResult::NoSignal;
        out.message = "No signal: check the cable, the input and that the interface's gain is up, then try again.";
        return out;
    }
    if (out.rawSamplePeakDb >= kClipDbfs) {
        // How far the converter was overdriven is unknowable once it clipped; 6 dB
        // is a safe first step, more when even the reconstructed peak is far over.
        const float down = std::max(6.0f, std::ceil(out.rawTruePeakDb + 6.0f));
        out.result = AutoGainResult::InputClipped;
        out.interfaceChangeDb = -down;
        out.message = format("The interface input clipped: turn the interface's gain down by about %.0f dB and try again; "
                             "nothing digital can undo converter clipping.",
                             down);
        return out;
    }

    const GainRange range = gainRangeFor(current.source);
    PeakRenderer renderer(pointers, frames, sampleRate, &excluded);
    PreampSettings candidate = current;
    auto peakAt = [&](double gainDb) {
        candidate.gainDb = static_cast<float>(gainDb);
        return static_cast<double>(renderer.peakDb(candidate));
    };
    auto finish = [&](AutoGainResult result, double gainDb, double peak) {
        out.result = result;
        out.gainDb = static_cast<float>(gainDb);
        out.after = current;
        out.after.gainDb = out.gainDb;
        out.predictedPeakDbtp = static_cast<float>(peak);
        out.renders = renderer.renders();
        switch (result) {
        case AutoGainResult::Success:
            out.message = format("Gain set to %+.1f dB: the loudest peaks will land at %.1f dBTP.", gainDb, peak);
            if (out.strayTransients > 0)
                out.message += format(" %.0f stray transient(s) were left out of the measurement.", out.strayTransients);
            break;
        case AutoGainResult::TooQuiet:
            out.interfaceChangeDb = static_cast<float>(std::ceil((target - peak) * 2.0) / 2.0);
            out.after = current; // nothing to apply: the interface must be turned first
            out.message = format("Too quiet even at the maximum Gain (%+.0f dB gives peaks at %.1f dBTP): raise the "
                                 "interface's gain by about %.1f dB and try again.",
                                 gainDb, peak, out.interfaceChangeDb);
            break;
        case AutoGainResult::TooLoud:
            out.interfaceChangeDb = static_cast<float>(-std::ceil((peak - target) * 2.0) / 2.0);
            out.after = current;
            out.message = format("Too loud even at the minimum Gain (%+.0f dB gives peaks at %.1f dBTP): engage the Pad "
                                 "or turn the interface's gain down by about %.1f dB.",
                                 gainDb, peak, -out.interfaceChangeDb);
            break;
        default: break;
        }
        return out;
    };

    // The first guess is linear: what the gain would be for a straight wire.
    const double padDb = current.pad ? kPadDb : 0.0;
    double x = std::clamp(target - out.rawTruePeakDb - padDb - current.outputTrimDb, static_cast<double>(range.minDb),
                          static_cast<double>(range.maxDb));
    double lo = range.minDb, hi = range.maxDb;
    bool loKnown = false, hiKnown = false;
    double prevX = 0.0, prevP = 0.0;
    bool havePrev = false;
    double bestX = x, bestP = -1.0e9, bestError = 1.0e9;
    for (int iteration = 0; iteration < kMaxRenders; ++iteration) {
        if (cancelled()) return finishCancelled();
        const double p = peakAt(x);
        const double error = p - target;
        // The best so far prefers landing under the target to landing over it.
        const double weighted = error > 0.0 ? 2.0 * error : -error;
        if (weighted < bestError) bestError = weighted, bestX = x, bestP = p;
        if (std::fabs(error) <= kToleranceDb) return finish(AutoGainResult::Success, x, p);
        if (error < 0.0) {
            lo = x, loKnown = true;
            if (x >= range.maxDb - 1e-4)
                return finish(error < -kReachDb ? AutoGainResult::TooQuiet : AutoGainResult::Success, x, p);
        } else {
            hi = x, hiKnown = true;
            if (x <= range.minDb + 1e-4)
                return finish(error > kReachDb ? AutoGainResult::TooLoud : AutoGainResult::Success, x, p);
        }
        // Secant on the measured curve (slope 1 until there are two points); a
        // saturating model flattens the slope, which the floor keeps finite.
        double slope = 1.0;
        if (havePrev && std::fabs(x - prevX) > 1e-3) slope = (p - prevP) / (x - prevX);
        slope = std::max(slope, 0.05);
        double next = x - error / slope;
        if (loKnown && hiKnown) {
            if (hi - lo < 0.01) break;
            if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        } else {
            next = std::clamp(next, static_cast<double>(range.minDb), static_cast<double>(range.maxDb));
        }
        prevX = x, prevP = p, havePrev = true;
        x = next;
    }
    return finish(AutoGainResult::Success, bestX, bestP);
}

} // namespace gainstage
