// Waveform overviews: the columns are the signal's real minimum and maximum,
// the .peaks file is used only while it describes its audio, damage of any kind
// means a rebuild and never a crash, and a crash while caching is never believed.
#include "core/AtomicFile.h"
#include "core/PeakCache.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

using namespace gainstage;

namespace {

constexpr int kRate = 48000;
// Half a step of 24-bit PCM: how far a sample read back can be from the float written.
constexpr float kQuantum = 1.0f / 8388608.0f;

bool writeWav(const QString& path, const std::vector<float>& interleaved, int channels, int format = SF_FORMAT_WAV | SF_FORMAT_PCM_24) {
    SF_INFO info{};
    info.samplerate = kRate;
    info.channels = channels;
    info.format = format;
    SNDFILE* f = sf_open(QFile::encodeName(path).constData(), SFM_WRITE, &info);
    if (!f) return false;
    const sf_count_t frames = static_cast<sf_count_t>(interleaved.size()) / channels;
    const bool ok = sf_writef_float(f, interleaved.data(), frames) == frames;
    sf_close(f);
    return ok;
}

// A sine whose amplitude is 0.5 for the first half and 0.25 after; the period
// is not a divisor of any column, so every column's extremes differ.
std::vector<float> envelopeSine(int64_t frames, double hz = 997.0) {
    std::vector<float> x(static_cast<size_t>(frames));
    for (int64_t i = 0; i < frames; ++i) {
        const double amplitude = i < frames / 2 ? 0.5 : 0.25;
        x[static_cast<size_t>(i)] = static_cast<float>(amplitude * std::sin(2.0 * std::numbers::pi * hz * static_cast<double>(i) / kRate));
    }
    return x;
}

// The exact extremes of x over [start, end), clipped to the signal.
std::pair<float, float> extremes(const std::vector<float>& x, int channels, int channel, int64_t start, int64_t end) {
    const int64_t frames = static_cast<int64_t>(x.size()) / channels;
    start = std::max<int64_t>(start, 0);
    end = std::min(end, frames);
    float mn = 1e9f, mx = -1e9f;
    for (int64_t i = start; i < end; ++i) {
        for (int c = 0; c < channels; ++c) {
            if (channel >= 0 && c != channel) continue;
            mn = std::min(mn, x[static_cast<size_t>(i * channels + c)]);
            mx = std::max(mx, x[static_cast<size_t>(i * channels + c)]);
        }
    }
    return {mn, mx};
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

} // namespace

class TestPeakCache : public QObject {
    Q_OBJECT

private slots:
    void columnsAreTheSignalsExtremes();
    void stereoChannelsAndMerge();
    void coarseLevelGivesTheSameAnswer();
    void cacheBesideTheAudioIsLoadedNextTime();
    void rewrittenOrTouchedAudioInvalidatesTheCache();
    void damagedCacheIsRebuiltNeverTrusted();
    void crashWhileCachingLeavesNothingBelieved();
    void emptyMissingAndNotAudioGiveClearErrors();
    void cancelStopsTheBuild();
    void livePeaksFollowTheTake();
    void tenMinuteTakeSanityCeiling();
};

void TestPeakCache::columnsAreTheSignalsExtremes() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("Vocal-1.wav"));
    const int64_t frames = 2 * kRate + 123; // a ragged last bucket
    const std::vector<float> x = envelopeSine(frames);
    QVERIFY(writeWav(path, x, 1));

    QString error;
    const auto peaks = PeakCache::loadOrBuild(path, error);
    QVERIFY2(peaks, qPrintable(error));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(peaks->frames, frames);
    QCOMPARE(peaks->channels, 1);
    QCOMPARE(peaks->sampleRate, double(kRate));
    QVERIFY(!peaks->loadedFromCache);

    // Columns on bucket boundaries: exactly the signal's extremes (to 24-bit quantisation).
    for (const double fpp : {256.0, 1024.0, 4096.0, 16384.0}) {
        const int count = static_cast<int>(std::ceil(frames / fpp));
        std::vector<float> mins(static_cast<size_t>(count)), maxs(static_cast<size_t>(count));
        peaks->columns(0, 0, fpp, count, mins.data(), maxs.data());
        for (int i = 0; i < count; ++i) {
            const auto [mn, mx] = extremes(x, 1, 0, static_cast<int64_t>(i * fpp), static_cast<int64_t>((i + 1) * fpp));
            QVERIFY2(std::abs(mins[i] - mn) <= kQuantum && std::abs(maxs[i] - mx) <= kQuantum,
                     qPrintable(QStringLiteral("fpp %1 column %2: got %3..%4, signal %5..%6").arg(fpp).arg(i).arg(mins[i]).arg(maxs[i]).arg(mn).arg(mx)));
        }
    }

    // The envelope is visible: 0.5 in the first half, 0.25 after.
    std::vector<float> mins(8), maxs(8);
    peaks->columns(0, 0, frames / 8.0, 8, mins.data(), maxs.data());
    for (int i = 0; i < 3; ++i) QVERIFY(maxs[i] > 0.49f && maxs[i] <= 0.5f + kQuantum && mins[i] < -0.49f);
    for (int i = 5; i < 8; ++i) QVERIFY(maxs[i] > 0.24f && maxs[i] <= 0.25f + kQuantum && mins[i] < -0.24f);

    // Outside the file: nothing, not the neighbouring bucket.
    peaks->columns(0, frames + 10, 1024.0, 4, mins.data(), maxs.data());
    for (int i = 0; i < 4; ++i) QCOMPARE(maxs[i], 0.0f);
    peaks->columns(0, -8192, 1024.0, 4, mins.data(), maxs.data());
    for (int i = 0; i < 4; ++i) QCOMPARE(mins[i], 0.0f);
}

void TestPeakCache::stereoChannelsAndMerge() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("Guitar DI.wav"));
    const int64_t frames = kRate;
    const std::vector<float> left = envelopeSine(frames, 440.0);
    std::vector<float> x(static_cast<size_t>(2 * frames));
    for (int64_t i = 0; i < frames; ++i) {
        x[static_cast<size_t>(2 * i)] = left[static_cast<size_t>(i)];
        x[static_cast<size_t>(2 * i + 1)] = i >= frames / 4 && i < frames / 4 + 300 ? 0.9f : 0.0f; // a burst on the right only
    }
    QVERIFY(writeWav(path, x, 2));
    QString error;
    const auto peaks = PeakCache::loadOrBuild(path, error);
    QVERIFY2(peaks, qPrintable(error));
    QCOMPARE(peaks->channels, 2);
    const int count = static_cast<int>(frames / 512);
    std::vector<float> mins(static_cast<size_t>(count)), maxs(static_cast<size_t>(count));
    for (int channel : {0, 1, -1}) {
        peaks->columns(channel, 0, 512.0, count, mins.data(), maxs.data());
        for (int i = 0; i < count; ++i) {
            const auto [mn, mx] = extremes(x, 2, channel, i * 512LL, (i + 1) * 512LL);
            QVERIFY2(std::abs(mins[i] - mn) <= kQuantum && std::abs(maxs[i] - mx) <= kQuantum, qPrintable(QStringLiteral("channel %1 column %2").arg(channel).arg(i)));
        }
    }
    // A channel the file does not have draws nothing.
    peaks->columns(2, 0, 512.0, count, mins.data(), maxs.data());
    QCOMPARE(*std::max_element(maxs.begin(), maxs.end()), 0.0f);
}

void TestPeakCache::coarseLevelGivesTheSameAnswer() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("noise.wav"));
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(30 * kRate));
    for (size_t i = 0; i < x.size(); ++i) x[i] = u(rng) * static_cast<float>(0.1 + 0.9 * std::abs(std::sin(i * 1e-4)));
    QVERIFY(writeWav(path, x, 1));
    QString error;
    const auto withCoarse = PeakCache::loadOrBuild(path, error);
    QVERIFY2(withCoarse, qPrintable(error));
    QVERIFY(!withCoarse->coarse.empty());
    PeakData fineOnly = *withCoarse;
    fineOnly.coarse.clear();

    std::uniform_int_distribution<int64_t> start(-10000, static_cast<int64_t>(x.size()));
    std::uniform_real_distribution<double> zoom(256.0, 200000.0);
    std::vector<float> a1(64), b1(64), a2(64), b2(64);
    for (int trial = 0; trial < 200; ++trial) {
        const int64_t first = start(rng);
        const double fpp = zoom(rng);
        withCoarse->columns(0, first, fpp, 64, a1.data(), b1.data());
        fineOnly.columns(0, first, fpp, 64, a2.data(), b2.data());
        QCOMPARE(a1, a2);
        QCOMPARE(b1, b2);
    }
}

void TestPeakCache::cacheBesideTheAudioIsLoadedNextTime() {
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("audio")));
    const QString path = dir.filePath(QStringLiteral("audio/Vocal-1.wav"));
    QVERIFY(writeWav(path, envelopeSine(60LL * kRate), 1));
    QVERIFY(!QFileInfo::exists(path + QStringLiteral(".peaks")));

    QString error;
    QElapsedTimer timer;
    timer.start();
    const auto built = PeakCache::loadOrBuild(path, error);
    const qint64 buildNs = timer.nsecsElapsed();
    QVERIFY2(built && error.isEmpty(), qPrintable(error));
    QVERIFY(!built->loadedFromCache);
    QCOMPARE(PeakCache::cachePathFor(path), path + QStringLiteral(".peaks"));
    const QFileInfo cache(path + QStringLiteral(".peaks"));
    QVERIFY(cache.exists());
    QCOMPARE(cache.size(), qint64(PeakCache::kHeaderBytes) + built->bucketCount() * 8);

    timer.restart();
    const auto loaded = PeakCache::loadOrBuild(path, error);
    const qint64 loadNs = timer.nsecsElapsed();
    QVERIFY2(loaded && error.isEmpty(), qPrintable(error));
    QVERIFY(loaded->loadedFromCache);
    QCOMPARE(loaded->frames, built->frames);
    QCOMPARE(loaded->sampleRate, built->sampleRate);
    QCOMPARE(loaded->fine, built->fine);
    QCOMPARE(loaded->coarse, built->coarse);
    qInfo("1 minute mono 24-bit: build %.2f ms, load from cache %.3f ms", buildNs / 1e6, loadNs / 1e6);
    QVERIFY2(loadNs * 4 < buildNs, "loading the cache should be far quicker than reading the audio");
}

void TestPeakCache::rewrittenOrTouchedAudioInvalidatesTheCache() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("take.wav"));
    QVERIFY(writeWav(path, envelopeSine(kRate), 1));
    QString error;
    QVERIFY(PeakCache::loadOrBuild(path, error));
    QVERIFY(PeakCache::loadOrBuild(path, error)->loadedFromCache);

    // Rewritten with other audio of another length.
    std::vector<float> louder(static_cast<size_t>(kRate / 2), 0.75f);
    QVERIFY(writeWav(path, louder, 1));
    auto again = PeakCache::loadOrBuild(path, error);
    QVERIFY2(again, qPrintable(error));
    QVERIFY(!again->loadedFromCache);
    QCOMPARE(again->frames, int64_t(kRate / 2));
    float mn = 0, mx = 0;
    again->columns(0, 0, 1024.0, 1, &mn, &mx);
    QCOMPARE(mx, 0.75f);
    QVERIFY(PeakCache::loadOrBuild(path, error)->loadedFromCache);

    // Same size, same length, only touched: the mtime alone makes it stale.
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.setFileTime(QFileInfo(path).lastModified().addSecs(-3600), QFileDevice::FileModificationTime));
    file.close();
    again = PeakCache::loadOrBuild(path, error);
    QVERIFY(again && !again->loadedFromCache);
    QVERIFY(PeakCache::loadOrBuild(path, error)->loadedFromCache);
}

void TestPeakCache::damagedCacheIsRebuiltNeverTrusted() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("take.wav"));
    QVERIFY(writeWav(path, envelopeSine(3 * kRate), 1));
    const QString cachePath = PeakCache::cachePathFor(path);
    QString error;
    const auto good = PeakCache::loadOrBuild(path, error);
    QVERIFY(good);
    const QByteArray original = readAll(cachePath);
    QVERIFY(original.size() > PeakCache::kHeaderBytes);

    std::mt19937 rng(11);
    auto expectRebuilt = [&](const QByteArray& damaged, const char* what) {
        QVERIFY(writeBytes(cachePath, damaged));
        QString why;
        QVERIFY2(!PeakCache::loadCache(path, why), what);
        QVERIFY2(!why.isEmpty(), what);
        const auto rebuilt = PeakCache::loadOrBuild(path, error);
        QVERIFY2(rebuilt, what);
        QVERIFY2(!rebuilt->loadedFromCache, what);
        QVERIFY2(rebuilt->fine == good->fine, what);
        // ...and the rebuild put a good cache back.
        QVERIFY2(readAll(cachePath) == original, what);
    };

    expectRebuilt(original.left(original.size() / 2), "truncated in the payload");
    expectRebuilt(original.left(40), "truncated in the header");
    expectRebuilt(QByteArray(), "empty");
    expectRebuilt(original + QByteArray(16, 'x'), "extra bytes");
    QByteArray flipped = original;
    flipped[original.size() - 5] = static_cast<char>(flipped[original.size() - 5] ^ 0x40);
    expectRebuilt(flipped, "one payload bit flipped");
    QByteArray garbage(original.size(), Qt::Uninitialized);
    for (auto& byte : garbage) byte = static_cast<char>(rng());
    expectRebuilt(garbage, "random bytes");
    QByteArray hugeHeader = original;
    const int64_t absurd = int64_t(1) << 60;
    std::memcpy(hugeHeader.data() + 56, &absurd, sizeof absurd); // buckets
    std::memcpy(hugeHeader.data() + 40, &absurd, sizeof absurd); // frames
    expectRebuilt(hugeHeader, "absurd sizes in the header");
    QByteArray futureVersion = original;
    futureVersion[8] = 2;
    expectRebuilt(futureVersion, "a newer version");
}

void TestPeakCache::crashWhileCachingLeavesNothingBelieved() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("take.wav"));
    QVERIFY(writeWav(path, envelopeSine(kRate), 1));
    for (const AtomicWriteStep step : {AtomicWriteStep::AfterWrite, AtomicWriteStep::AfterFsync}) {
        QFile::remove(PeakCache::cachePathFor(path));
        setAtomicWriteTestHook([step](AtomicWriteStep at) { return at != step; });
        QString error;
        const auto data = PeakCache::loadOrBuild(path, error);
        setAtomicWriteTestHook({});
        QVERIFY(data);                       // the overview is still drawn
        QVERIFY(error.contains(QStringLiteral("not cached")));
        QVERIFY(!QFileInfo::exists(PeakCache::cachePathFor(path))); // only the temporary file is left
        const auto next = PeakCache::loadOrBuild(path, error);
        QVERIFY(next && !next->loadedFromCache);
        QVERIFY(error.isEmpty());
        QVERIFY(PeakCache::loadOrBuild(path, error)->loadedFromCache);
    }
}

void TestPeakCache::emptyMissingAndNotAudioGiveClearErrors() {
    QTemporaryDir dir;
    const QString empty = dir.filePath(QStringLiteral("empty.wav"));
    QVERIFY(writeWav(empty, {}, 1));
    QString error;
    QVERIFY(!PeakCache::loadOrBuild(empty, error));
    QVERIFY2(error.contains(QStringLiteral("0 frames")) && error.contains(empty), qPrintable(error));
    QVERIFY(!QFileInfo::exists(PeakCache::cachePathFor(empty)));

    const QString missing = dir.filePath(QStringLiteral("gone.wav"));
    QVERIFY(!PeakCache::loadOrBuild(missing, error));
    QVERIFY2(error.contains(QStringLiteral("does not exist")) && error.contains(missing), qPrintable(error));

    const QString text = dir.filePath(QStringLiteral("notes.wav"));
    QVERIFY(writeBytes(text, QByteArray("these are lyrics, not audio\n").repeated(20)));
    QVERIFY(!PeakCache::loadOrBuild(text, error));
    QVERIFY2(error.contains(QStringLiteral("not an audio file")), qPrintable(error));
}

void TestPeakCache::cancelStopsTheBuild() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("take.wav"));
    QVERIFY(writeWav(path, envelopeSine(4 * kRate), 1));
    std::atomic<bool> cancel{true};
    QString error;
    QVERIFY(!PeakCache::loadOrBuild(path, error, &cancel));
    QVERIFY2(error.contains(QStringLiteral("cancelled")), qPrintable(error));
    QVERIFY(!QFileInfo::exists(PeakCache::cachePathFor(path)));
    cancel = false;
    QVERIFY(PeakCache::loadOrBuild(path, error, &cancel));
}

void TestPeakCache::livePeaksFollowTheTake() {
    LivePeaks live;
    QVERIFY(live.empty());
    // A meter tick every 800 samples (60 Hz at 48 kHz), rising level.
    for (int i = 0; i < 100; ++i) live.append(10000 + i * 800, -0.01f * i, 0.01f * i);
    QCOMPARE(live.size(), int64_t(100));
    QCOMPARE(live.firstPosition(), int64_t(10000));
    QCOMPARE(live.lastPosition(), int64_t(10000 + 99 * 800));

    // Zoomed in (256 frames per pixel): each tick holds its value until the next.
    std::vector<float> mins(40), maxs(40);
    bool cov[40];
    live.columns(10000 + 50 * 800, 256.0, 40, mins.data(), maxs.data(), cov);
    for (int i = 0; i < 40; ++i) {
        // The level rises, so the column shows the newest tick that overlaps it.
        const int lastEntry = 50 + static_cast<int>(std::floor((i * 256.0 + 255.0) / 800.0));
        QVERIFY(cov[i]);
        QCOMPARE(maxs[i], 0.01f * lastEntry);
        QCOMPARE(mins[i], -0.01f * lastEntry);
    }
    // Before the take and after its newest value: nothing yet.
    live.columns(0, 1000.0, 5, mins.data(), maxs.data(), cov);
    for (int i = 0; i < 5; ++i) QVERIFY(!cov[i] && maxs[i] == 0.0f);
    live.columns(live.lastPosition() + 1, 100.0, 3, mins.data(), maxs.data(), cov);
    for (int i = 0; i < 3; ++i) QVERIFY(!cov[i]);
    // Zoomed out: one column takes the loudest of everything in it.
    live.columns(0, 1e6, 1, mins.data(), maxs.data(), cov);
    QVERIFY(cov[0]);
    QCOMPARE(maxs[0], 0.99f);
    // A late value for the same position widens it rather than going back in time.
    live.append(live.lastPosition(), -1.0f, 1.0f);
    QCOMPARE(live.size(), int64_t(100));
    live.columns(live.lastPosition(), 1.0, 1, mins.data(), maxs.data(), cov);
    QCOMPARE(maxs[0], 1.0f);
    live.clear();
    QVERIFY(live.empty());
}

void TestPeakCache::tenMinuteTakeSanityCeiling() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("long take.wav"));
    const int64_t frames = 600LL * kRate;
    {
        SF_INFO info{};
        info.samplerate = kRate;
        info.channels = 1;
        info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_24;
        SNDFILE* f = sf_open(QFile::encodeName(path).constData(), SFM_WRITE, &info);
        QVERIFY(f);
        std::vector<float> block(65536);
        double phase = 0.0;
        for (int64_t done = 0; done < frames; done += static_cast<int64_t>(block.size())) {
            const int64_t n = std::min<int64_t>(static_cast<int64_t>(block.size()), frames - done);
            for (int64_t i = 0; i < n; ++i) {
                block[static_cast<size_t>(i)] = static_cast<float>(0.4 * std::sin(phase));
                phase += 2.0 * std::numbers::pi * 220.0 / kRate;
            }
            QCOMPARE(sf_writef_float(f, block.data(), n), n);
        }
        sf_close(f);
    }
    QString error;
    QElapsedTimer timer;
    timer.start();
    const auto built = PeakCache::loadOrBuild(path, error);
    const double buildMs = timer.nsecsElapsed() / 1e6;
    QVERIFY2(built && error.isEmpty(), qPrintable(error));
    timer.restart();
    const auto loaded = PeakCache::loadOrBuild(path, error);
    const double loadMs = timer.nsecsElapsed() / 1e6;
    QVERIFY(loaded && loaded->loadedFromCache);
    qInfo("10 minutes mono 48 kHz 24-bit: build and cache %.1f ms, load %.2f ms (benchmark: bench_peakcache)", buildMs, loadMs);
    QCOMPARE(built->frames, frames);
    // Only a loose ceiling against a pathological regression; the benchmark has the real figure.
    QVERIFY2(buildMs < 2000.0, qPrintable(QStringLiteral("%1 ms").arg(buildMs)));

    // Zoomed right out: the whole take in 1000 columns, every one of them at the sine's peak.
    std::vector<float> mins(1000), maxs(1000);
    timer.restart();
    loaded->columns(-1, 0, frames / 1000.0, 1000, mins.data(), maxs.data());
    const double columnsUs = timer.nsecsElapsed() / 1e3;
    qInfo("1000 columns over 10 minutes: %.0f us", columnsUs);
    for (int i = 0; i < 1000; ++i) QVERIFY(maxs[i] > 0.399f && mins[i] < -0.399f);
}

QTEST_GUILESS_MAIN(TestPeakCache)
#include "test_peakcache.moc"
