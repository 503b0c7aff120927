// Clip Guard (issue 5): bit-identical below the ceiling, the ceiling held in
// true peak (measured with libebur128, not with our own detector), zero
// latency, activity counts, and no click when it engages.
#include <QtTest>

#include <ebur128.h>

#include <cmath>
#include <cstring>
#include <numbers>
#include <random>

#include "TestSignals.h"
#include "core/Engine.h"
#include "core/OfflineBackend.h"
#include "dsp/ClipGuard.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

constexpr double kRate = 48000.0;

double ebuTruePeakDb(const std::vector<float>& x) {
    ebur128_state* st = ebur128_init(1, static_cast<unsigned long>(kRate), EBUR128_MODE_TRUE_PEAK);
    ebur128_add_frames_float(st, x.data(), x.size());
    double peak = 0.0;
    ebur128_true_peak(st, 0, &peak);
    ebur128_destroy(&st);
    return 20.0 * std::log10(std::max(peak, 1e-12));
}

void scale(std::vector<float>& x, double gain) {
    for (float& v : x) v = static_cast<float>(v * gain);
}

// Music-like material well below the ceiling: two tones, noise, a decaying pluck.
std::vector<float> quietMaterial(int frames) {
    auto a = sine(196.0, kRate, frames, 0.3);
    auto b = sine(2937.0, kRate, frames, 0.1, 0.4);
    auto n = whiteNoise(frames, 0.05, 11);
    for (int i = 0; i < frames; ++i) a[size_t(i)] += b[size_t(i)] + n[size_t(i)];
    return a;
}

// Intersample-heavy material: a quarter-rate sine sampled 45 degrees off its
// crests (samples 3 dB under the true peak), high tones beating, and noise
// bursts, with short fades so the level rises as real audio does.
std::vector<float> intersampleMaterial(double truePeakTargetDb) {
    const int frames = int(kRate * 3);
    std::vector<float> x(size_t(frames), 0.0f);
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> phase(0.0, 2 * std::numbers::pi);
    for (int i = 0; i < frames; ++i) {
        const double t = i / kRate;
        double v = 0.0;
        if (t < 1.0) v = std::sin(2 * std::numbers::pi * 12000.0 * t + std::numbers::pi / 4);
        else if (t < 2.0) v = 0.5 * std::sin(2 * std::numbers::pi * 11025.0 * t) + 0.5 * std::sin(2 * std::numbers::pi * 13230.0 * t + 1.0);
        else v = 0.6 * std::sin(2 * std::numbers::pi * 9000.0 * t + 0.3) + 0.4 * std::sin(2 * std::numbers::pi * 17000.0 * t + 2.0);
        const double segmentT = std::fmod(t, 1.0);
        const double fade = std::min({1.0, segmentT / 0.01, (1.0 - segmentT) / 0.01});
        x[size_t(i)] = float(v * fade);
    }
    const double tp = ebuTruePeakDb(x);
    scale(x, std::pow(10.0, (truePeakTargetDb - tp) / 20.0));
    return x;
}

} // namespace

class TestClipGuard : public QObject {
    Q_OBJECT

private slots:
    void bitIdenticalBelowCeiling();
    void ceilingHeldInTruePeak();
    void zeroLatency();
    void countsActivity();
    void engagesWithoutClicks();
    void recoversAfterAnOver();
    void stereoIsLinked();
    void wiredIntoTheTrack();
};

void TestClipGuard::bitIdenticalBelowCeiling() {
    auto input = quietMaterial(int(kRate * 4));
    scale(input, std::pow(10.0, (-0.8 - ebuTruePeakDb(input)) / 20.0)); // 0.5 dB under the -0.3 dBTP ceiling
    const double inTp = ebuTruePeakDb(input);
    ClipGuard guard;
    guard.prepare(kRate, 256, 1);
    const auto output = processMonoRandomBlocks(guard, input, 256, 3);
    const bool identical = std::memcmp(output.data(), input.data(), input.size() * sizeof(float)) == 0;
    qInfo("input at %.2f dBTP (ceiling %.1f): output bit-identical: %s, engagements %llu", inTp, ClipGuard::kDefaultCeilingDbtp,
          identical ? "yes" : "no", (unsigned long long)guard.activity().engagements);
    QVERIFY(inTp < ClipGuard::kDefaultCeilingDbtp);
    QVERIFY(identical);
    QCOMPARE(guard.activity().engagements, uint64_t(0));
}

void TestClipGuard::ceilingHeldInTruePeak() {
    double worst = -100.0;
    for (double overDb : {0.5, 3.0, 6.0, 12.0, 20.0}) {
        const auto input = intersampleMaterial(ClipGuard::kDefaultCeilingDbtp + overDb);
        // The first second (a quarter-rate sine 45 degrees off its crests) is the intersample-heavy part.
        const double samplePeak = peakDb(input.data(), int(kRate));
        const double firstTp = ebuTruePeakDb(std::vector<float>(input.begin(), input.begin() + int(kRate)));
        ClipGuard guard;
        guard.prepare(kRate, 128, 1);
        const auto output = processMonoRandomBlocks(guard, input, 128, 5);
        const double inTp = ebuTruePeakDb(input);
        const double outTp = ebuTruePeakDb(output);
        worst = std::max(worst, outTp - ClipGuard::kDefaultCeilingDbtp);
        qInfo("input %.2f dBTP (first second: sample peak %.2f dBFS) -> output %.3f dBTP; ceiling error %+.3f dB; max reduction %.2f dB",
              inTp, samplePeak, outTp, outTp - ClipGuard::kDefaultCeilingDbtp, guard.activity().maxReductionDb);
        QVERIFY(firstTp - samplePeak > 2.5); // the material really is intersample-heavy
        // At every over level, engaging from idle on a 10 ms rise included.
        QVERIFY2(outTp <= ClipGuard::kDefaultCeilingDbtp + 0.1, qPrintable(QString("%1 dB over: %2 dBTP").arg(overDb).arg(outTp)));
    }
    qInfo("worst ceiling error over the material: %+.3f dB", worst);
}

void TestClipGuard::zeroLatency() {
    ClipGuard guard;
    guard.prepare(kRate, 64, 1);
    QCOMPARE(guard.latencySamples(), 0);
    // A hot tone: the guard acts, and the output still lines up with the input.
    auto hot = sine(1000.0, kRate, int(kRate), 2.0);
    const auto out = processMono(guard, hot, 64);
    QVERIFY(guard.activity().engagements > 0);
    const int lag = bestAlignmentLag(hot.data(), out.data(), int(kRate) / 2, 32);
    // And an impulse under the ceiling comes out on its own sample.
    guard.reset();
    std::vector<float> impulse(256, 0.0f);
    impulse[100] = 0.5f;
    const auto outImpulse = processMono(guard, impulse, 64);
    qInfo("alignment lag of a guarded hot tone: %d samples; impulse out at sample 100: %g", lag, double(outImpulse[100]));
    QCOMPARE(lag, 0);
    QCOMPARE(outImpulse[100], 0.5f);
    for (float h : out) QVERIFY(std::fabs(h) <= std::pow(10.0f, ClipGuard::kDefaultCeilingDbtp / 20.0f) * 1.000001f);
}

void TestClipGuard::countsActivity() {
    // Three bursts of 1 kHz at +6 dBFS, 300 ms each, a second apart, faded in/out over 5 ms.
    const int frames = int(kRate * 4);
    std::vector<float> x(size_t(frames), 0.0f);
    const double amp = std::pow(10.0, 6.0 / 20.0);
    for (int burst = 0; burst < 3; ++burst) {
        const int start = int(kRate * (0.2 + burst * 1.2));
        const int len = int(kRate * 0.3);
        for (int i = 0; i < len; ++i) {
            const double fade = std::min({1.0, i / (0.005 * kRate), (len - i) / (0.005 * kRate)});
            x[size_t(start + i)] = float(amp * fade * std::sin(2 * std::numbers::pi * 1000.0 * i / kRate));
        }
    }
    const double inTp = ebuTruePeakDb(x);
    ClipGuard guard;
    guard.prepare(kRate, 512, 1);
    const auto out = processMono(guard, x, 512);
    const ClipGuardActivity a = guard.activity();
    const double expected = inTp - ClipGuard::kDefaultCeilingDbtp;
    qInfo("3 bursts at %.2f dBTP: engagements %llu, samples active %llu (%.2f s), max reduction %.2f dB (expected ~%.2f)",
          inTp, (unsigned long long)a.engagements, (unsigned long long)a.samplesActive, a.samplesActive / kRate, a.maxReductionDb,
          expected);
    QCOMPARE(a.engagements, uint64_t(3));
    QVERIFY(a.samplesActive > uint64_t(3 * 0.28 * kRate) && a.samplesActive < uint64_t(3 * 0.9 * kRate));
    QVERIFY(std::fabs(a.maxReductionDb - expected) < 0.5);
    guard.resetActivity();
    QCOMPARE(guard.activity().engagements, uint64_t(0));
    QCOMPARE(guard.activity().maxReductionDb, 0.0f);
}

void TestClipGuard::engagesWithoutClicks() {
    // A 440 Hz crescendo from -12 to +6 dBFS over 3 s: the guard engages on the way up.
    const int frames = int(kRate * 3);
    std::vector<float> x(static_cast<size_t>(frames), 0.0f);
    for (int i = 0; i < frames; ++i) {
        const double db = -12.0 + 18.0 * i / frames;
        x[size_t(i)] = float(std::pow(10.0, db / 20.0) * std::sin(2 * std::numbers::pi * 440.0 * i / kRate));
    }
    ClipGuard guard;
    guard.prepare(kRate, 256, 1);
    const auto out = processMono(guard, x, 256);
    QVERIFY(guard.activity().engagements >= 1);
    int worstAt = 0;
    const double inRatio = clickRatio(x.data(), 2, frames, 440.0, kRate);
    const double outRatio = clickRatio(out.data(), 2, frames, 440.0, kRate, &worstAt);
    // The same tone hard-clipped at the ceiling, to show what a click scores.
    std::vector<float> clipped = x;
    const float c = std::pow(10.0f, ClipGuard::kDefaultCeilingDbtp / 20.0f);
    for (float& v : clipped) v = std::clamp(v, -c, c);
    const double clipRatio = clickRatio(clipped.data(), 2, frames, 440.0, kRate);
    qInfo("click ratio: input %.2f, guarded %.2f (worst at %.3f s), hard clip %.1f", inRatio, outRatio, worstAt / kRate, clipRatio);
    QVERIFY(outRatio < 3.0);
    QVERIFY(clipRatio > 10.0 * outRatio);
}

void TestClipGuard::recoversAfterAnOver() {
    // 200 ms of intersample-heavy material 12 dB over, then quiet music-like
    // material 6 dB under the ceiling: the guard engages once, and the quiet
    // passage is not held down: within the hold plus the release (which arrives
    // at unity in about 6 time constants) the output is the input again, bit for bit.
    const int overFrames = int(kRate * 0.2);
    auto hot = intersampleMaterial(ClipGuard::kDefaultCeilingDbtp + 12.0);
    hot.resize(size_t(overFrames));
    for (int i = 0; i < 480; ++i) hot[size_t(overFrames - 1 - i)] *= float(i / 480.0); // 10 ms fade out
    auto quiet = quietMaterial(int(kRate * 2));
    scale(quiet, std::pow(10.0, (ClipGuard::kDefaultCeilingDbtp - 6.0 - ebuTruePeakDb(quiet)) / 20.0));
    std::vector<float> input = hot;
    input.insert(input.end(), quiet.begin(), quiet.end());
    ClipGuard guard;
    guard.prepare(kRate, 256, 1);
    const auto output = processMonoRandomBlocks(guard, input, 256, 9);
    int lastTouched = -1;
    for (int i = 0; i < int(input.size()); ++i)
        if (std::memcmp(&output[size_t(i)], &input[size_t(i)], sizeof(float)) != 0) lastTouched = i;
    const double recoverySeconds = (lastTouched + 1 - overFrames) / kRate;
    const double allowedSeconds = ClipGuard::kHoldSeconds + 7.0 * ClipGuard::kReleaseSeconds;
    qInfo("after an over of %.2f dB reduction: output untouched again %.3f s after it ends (allowed %.3f s); engagements %llu",
          guard.activity().maxReductionDb, recoverySeconds, allowedSeconds, (unsigned long long)guard.activity().engagements);
    QCOMPARE(guard.activity().engagements, uint64_t(1));
    QVERIFY(lastTouched >= 0);
    QVERIFY(recoverySeconds < allowedSeconds);
    QVERIFY(ebuTruePeakDb(output) <= ClipGuard::kDefaultCeilingDbtp + 0.1);
}

void TestClipGuard::stereoIsLinked() {
    // A hot left channel and a quiet right one: both get the same gain, so the image does not move.
    const int frames = int(kRate);
    auto left = sine(1000.0, kRate, frames, 1.5);
    auto right = sine(1000.0, kRate, frames, 0.1);
    const auto rightIn = right;
    float* channels[2] = {left.data(), right.data()};
    AudioBlock block(channels, 2, frames);
    ClipGuard guard;
    guard.prepare(kRate, 512, 2);
    guard.process(block);
    double worstRatioError = 0.0;
    for (int i = frames / 2; i < frames; ++i)
        if (std::fabs(rightIn[size_t(i)]) > 0.05f)
            worstRatioError = std::max(worstRatioError, std::fabs(left[size_t(i)] / right[size_t(i)] - 15.0));
    qInfo("linked stereo: left/right ratio stays 15 within %.2e", worstRatioError);
    QVERIFY(worstRatioError < 1e-3);
    QVERIFY(peakDb(right.data() + frames / 2, frames / 2) < 20 * std::log10(0.1) - 3.0); // the quiet side was turned down too
}

// In the engine: after the preamp, before the track meter and the capture ring.
// Off (the default), the capture is what the preamp made; on, it holds the ceiling.
void TestClipGuard::wiredIntoTheTrack() {
    const int frames = int(kRate * 2);
    std::vector<float> input = quietMaterial(frames);
    scale(input, std::pow(10.0, (-12.0 - ebuTruePeakDb(input)) / 20.0)); // -12 dBTP raw; +14 dB of Gain makes it +2
    bool configKept = true;
    auto capture = [&](bool guardOn, double& trackMeterMaxDb, ClipGuardActivity& activity) -> std::vector<float> {
        StreamFormat f;
        f.sampleRate = kRate;
        f.maxBlockFrames = 256;
        f.inputChannels = 1;
        f.outputChannels = 2;
        OfflineBackend backend(f);
        backend.setInputs({input});
        backend.setKeepOutputs(false);
        Engine engine;
        TrackConfig config;
        config.input = 0;
        config.armed = true;
        config.preamp.gainDb = 14.0f;
        config.clipGuard = guardOn;
        const int id = engine.addTrack(config);
        configKept = configKept && engine.track(id)->config().clipGuard == guardOn;
        backend.start(engine);
        engine.record(true);
        std::vector<float> captured, chunk(1 << 16);
        auto streams = engine.captureStreams(id);
        for (int done = 0; done < frames; done += 4800) {
            backend.run(4800);
            while (size_t got = streams->processed.tryRead(chunk.data(), chunk.size())) captured.insert(captured.end(), chunk.begin(), chunk.begin() + long(got));
        }
        engine.stop();
        MeterSnapshot raw, track;
        engine.meterSnapshots(id, 0, raw, track);
        trackMeterMaxDb = track.maxTruePeakDb;
        activity = engine.track(id)->clipGuard().activity();
        backend.stop();
        return captured;
    };
    double offMeter = 0, onMeter = 0;
    ClipGuardActivity offActivity, onActivity;
    const auto off = capture(false, offMeter, offActivity);
    const auto on = capture(true, onMeter, onActivity);
    const double offTp = ebuTruePeakDb(off), onTp = ebuTruePeakDb(on);
    qInfo("captured %zu frames; guard off: %.2f dBTP (track meter %.2f), on: %.2f dBTP (track meter %.2f), %llu engagements, max %.2f dB",
          on.size(), offTp, offMeter, onTp, onMeter, (unsigned long long)onActivity.engagements, onActivity.maxReductionDb);
    QVERIFY(configKept);
    QVERIFY(on.size() >= size_t(frames - 4800));
    QVERIFY(offTp > 1.0);
    QCOMPARE(offActivity.engagements, uint64_t(0));
    QVERIFY(onActivity.engagements > 0);
    QVERIFY(onTp <= ClipGuard::kDefaultCeilingDbtp + 0.1);
    QVERIFY(onMeter <= ClipGuard::kDefaultCeilingDbtp + 0.1); // the track meter sees the guarded signal
    // Zero latency: the guarded capture lines up with the unguarded one sample for sample.
    QCOMPARE(bestAlignmentLag(off.data(), on.data(), int(std::min(off.size(), on.size())) - 64, 16), 0);
}

QTEST_GUILESS_MAIN(TestClipGuard)
#include "test_clipguard.moc"
