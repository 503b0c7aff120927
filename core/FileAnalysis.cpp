// Whole-file analysis: meters run offline over the decoded audio.
// [any thread but the audio thread; one call owns its meters]
#include "core/FileAnalysis.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dsp/DspMath.h"

namespace gainstage {

namespace {

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

// Meters show levels to 0.1 dB; judging the window at a finer resolution than
// the user can see would call a -6.02 dBFS peak "low" in a -6 dB window.
double asDisplayed(double levelDb) {
    return std::round(levelDb * 10.0) / 10.0;
}

int peakBlockFrames(double sampleRate) {
    return std::max(1, static_cast<int>(std::lround(sampleRate * kPeakBlockSeconds)));
}

double wholeChannelRmsDb(const std::vector<float>& samples) {
    if (samples.empty()) return kMinusInfinity;
    double sum = 0.0; // double: a long file's sum of squares would lose precision in float
    for (const float x : samples) sum += static_cast<double>(x) * x;
    return gainToDb(std::sqrt(sum / static_cast<double>(samples.size())));
}

struct MeteredChannel {
    MeterSnapshot totals{};
    std::vector<double> blockTruePeaksDb;
};

// The Meter reports the true peak of the block it last measured, so measuring
// in 100 ms blocks gives the block peaks and, at the end, the file's maxima.
MeteredChannel meterChannel(const std::vector<float>& samples, double sampleRate, LevelWindow window) {
    const int blockFrames = peakBlockFrames(sampleRate);
    Meter meter;
    meter.prepare(sampleRate, blockFrames, 1);
    meter.setWindow(window);
    meter.reset();

    MeteredChannel result;
    for (size_t start = 0; start < samples.size(); start += static_cast<size_t>(blockFrames)) {
        const size_t length = std::min(samples.size() - start, static_cast<size_t>(blockFrames));
        meter.measure(samples.data() + start, static_cast<int>(length));
        result.blockTruePeaksDb.push_back(meter.currentSnapshot().truePeakDb);
    }
    result.totals = meter.currentSnapshot();
    return result;
}

void countPeaksInWindow(const std::vector<double>& blockPeaksDb, LevelWindow window, ChannelReport& report) {
    const auto loudest = std::max_element(blockPeaksDb.begin(), blockPeaksDb.end());
    if (loudest == blockPeaksDb.end() || !std::isfinite(*loudest)) return;
    for (const double peakDb : blockPeaksDb) {
        if (peakDb < *loudest - kPeakRangeDb) continue; // a pause or a breath, not a peak
        ++report.peakCount;
        if (!levelIsBelowWindow(peakDb, window) && !levelIsAboveWindow(peakDb, window)) ++report.peaksInWindow;
    }
}

WindowStatus windowStatusOf(const ChannelReport& report, LevelWindow window) {
    if (report.clippedSamples > 0 || levelIsAboveWindow(report.truePeakDb, window)) return WindowStatus::Clipped;
    if (levelIsBelowWindow(report.truePeakDb, window)) return WindowStatus::Low;
    return WindowStatus::InWindow;
}

ChannelReport analyzeChannel(const std::vector<float>& samples, double sampleRate, LevelWindow window) {
    const MeteredChannel metered = meterChannel(samples, sampleRate, window);
    ChannelReport report;
    report.samplePeakDb = metered.totals.maxSamplePeakDb;
    report.truePeakDb = metered.totals.maxTruePeakDb;
    report.rmsDb = wholeChannelRmsDb(samples);
    report.clippedSamples = metered.totals.clippedSamples;
    countPeaksInWindow(metered.blockTruePeaksDb, window, report);
    report.status = windowStatusOf(report, window);
    if (report.hasSignal()) report.adviceDb = windowTargetDb(window) - report.truePeakDb;
    return report;
}

void measureLoudness(const AudioData& audio, FileReport& report) {
    const int blockFrames = peakBlockFrames(audio.sampleRate);
    LoudnessMeter meter;
    meter.prepare(audio.sampleRate, blockFrames, audio.numChannels());
    meter.reset();

    // LoudnessMeter only reads the block; the cast lets a const file be measured without a copy.
    std::vector<float*> pointers;
    for (const auto& channel : audio.channels) pointers.push_back(const_cast<float*>(channel.data()));
    const long long frames = audio.numFrames();
    for (long long start = 0; start < frames; start += blockFrames) {
        AudioBlock block(pointers.data(), audio.numChannels(), static_cast<int>(std::min<long long>(blockFrames, frames - start)),
                         static_cast<int>(start));
        meter.process(block);
    }
    report.lufsIntegrated = meter.integratedLufs();
    report.lufsMomentaryMax = meter.maxMomentaryLufs();
    report.lufsShortTermMax = meter.maxShortTermLufs();
}

} // namespace

bool levelIsBelowWindow(double levelDb, LevelWindow window) {
    return !std::isfinite(levelDb) ? levelDb < 0.0 : asDisplayed(levelDb) < asDisplayed(window.lowDb);
}

bool levelIsAboveWindow(double levelDb, LevelWindow window) {
    return !std::isfinite(levelDb) ? levelDb > 0.0 : asDisplayed(levelDb) > asDisplayed(window.highDb);
}

double windowTargetDb(LevelWindow window) {
    return 0.5 * (static_cast<double>(window.lowDb) + window.highDb);
}

FileReport analyzeAudio(const AudioData& audio, const QString& file, LevelWindow window) {
    FileReport report;
    report.file = file;
    report.sampleRate = audio.sampleRate;
    report.channels = audio.numChannels();
    report.frames = audio.numFrames();
    report.window = window;
    for (const auto& channel : audio.channels)
        report.channelReports.push_back(analyzeChannel(channel, audio.sampleRate, window));
    measureLoudness(audio, report);
    return report;
}

} // namespace gainstage
