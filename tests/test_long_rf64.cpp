// A take past 4 GiB through the real recording path (capture ring ->
// DiskWriter's disk thread -> TakeWriter): the file must turn into RF64 with
// an exact 64-bit frame count, read back in libsndfile and in sox, and hold
// the right samples before, across and after the 4 GiB boundary.
//
// 8 channels of 32-bit float (32 bytes a frame) reach 4 GiB after 134 217 728
// frames (46.6 minutes at 48 kHz); the producer fills the ring as fast as the
// disk thread drains it, so the take is written in well under a minute on a
// disk that writes 100 MB/s. It needs about 4.6 GB free and is removed after.
//
// Long: skipped unless GAINSTAGE_LONG_TESTS=1 (CI has neither the time nor the
// disk). The file goes to GAINSTAGE_LONG_TEST_DIR, else the system's temporary
// folder, which must be a real disk, not a small tmpfs.
#include "core/DiskWriter.h"

#include "TestSignals.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStorageInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <sndfile.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace gainstage;
using namespace std::chrono_literals;

namespace {

constexpr int kChannels = 8;
constexpr int kRate = 48000;
constexpr int64_t kFourGiB = int64_t{1} << 32;
constexpr int64_t kBytesPerFrame = kChannels * 4;
// 4.25 GiB of audio: well past the boundary, an odd number of blocks' worth.
constexpr int64_t kFrames = (kFourGiB + kFourGiB / 16) / kBytesPerFrame + 12345;
constexpr int kBlock = 4096;

// Sample c of frame f: the 24-bit counting signal, different on every channel.
float valueAt(int64_t frame, int channel) { return test::countingSample(frame * kChannels + channel); }

// Frames [first, first + count) of the file are the signal; returns the first wrong frame, or -1.
int64_t firstWrongFrame(SNDFILE* file, int64_t first, int64_t count) {
    if (sf_seek(file, first, SEEK_SET) != first) return first;
    std::vector<float> buffer(static_cast<size_t>(count * kChannels));
    if (sf_readf_float(file, buffer.data(), count) != count) return first;
    for (int64_t f = 0; f < count; ++f)
        for (int c = 0; c < kChannels; ++c)
            if (buffer[static_cast<size_t>(f * kChannels + c)] != valueAt(first + f, c)) return first + f;
    return -1;
}

} // namespace

class TestLongRf64 : public QObject {
    Q_OBJECT

private slots:
    void takePast4GiBIsExactRf64() {
        if (qEnvironmentVariableIntValue("GAINSTAGE_LONG_TESTS") != 1)
            QSKIP("long test: writes a 4.3 GiB take (needs ~4.6 GB of disk, about a minute); run with GAINSTAGE_LONG_TESTS=1 "
                  "(and GAINSTAGE_LONG_TEST_DIR=<folder on a real disk> if the temporary folder is small)");
        const QString base = qEnvironmentVariable("GAINSTAGE_LONG_TEST_DIR", QDir::tempPath());
        QTemporaryDir dir(base + QStringLiteral("/gainstage-rf64-XXXXXX"));
        QVERIFY2(dir.isValid(), qPrintable(base + QStringLiteral(": cannot make a folder")));
        const int64_t needed = kFrames * kBytesPerFrame + (64 << 20);
        const QStorageInfo storage(dir.path());
        if (storage.bytesAvailable() < needed)
            QSKIP(qPrintable(QStringLiteral("%1 has %2 MB free, the take needs %3 MB").arg(dir.path()).arg(storage.bytesAvailable() >> 20).arg(needed >> 20)));

        SpscRing<float> ring(static_cast<size_t>(kRate) * kChannels); // one second, as the engine's
        DiskStreamConfig config;
        config.trackId = QStringLiteral("long");
        config.trackName = QStringLiteral("Long");
        config.relativePath = QStringLiteral("audio/Long-1.wav");
        config.filePath = dir.path() + QStringLiteral("/Long-1.wav");
        config.channels = kChannels;
        config.sampleRate = kRate;
        config.format = SampleFormat::Float32;
        config.ring = &ring;
        DiskWriter writer;
        const int stream = writer.addStream(config);
        QString error;
        QVERIFY2(writer.start(error), qPrintable(error));

        // The producer never loses a block: at full speed it waits for room
        // (an engine cannot, but this test is about the file, not the ring).
        const auto start = std::chrono::steady_clock::now();
        std::vector<float> block(static_cast<size_t>(kBlock * kChannels));
        int64_t waits = 0;
        for (int64_t frame = 0; frame < kFrames; frame += kBlock) {
            const int64_t n = std::min<int64_t>(kBlock, kFrames - frame);
            for (int64_t f = 0; f < n; ++f)
                for (int c = 0; c < kChannels; ++c) block[static_cast<size_t>(f * kChannels + c)] = valueAt(frame + f, c);
            while (!ring.tryWrite(block.data(), static_cast<size_t>(n * kChannels))) {
                writer.wake();
                ++waits;
                std::this_thread::sleep_for(1ms);
            }
            writer.wake();
        }
        writer.stop();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const TakeResult take = writer.takes().at(static_cast<size_t>(stream));
        QVERIFY2(!take.failed, qPrintable(take.error));
        QCOMPARE(take.frames, kFrames);
        QVERIFY(take.overruns.empty());
        const int64_t fileSize = QFileInfo(config.filePath).size();
        qInfo("wrote %lld frames x %d channels float (%.3f GiB of audio, file %lld bytes) in %.1f s: %.0f MB/s (producer waited %lld times)",
              static_cast<long long>(kFrames), kChannels, static_cast<double>(kFrames * kBytesPerFrame) / kFourGiB * 4.0,
              static_cast<long long>(fileSize), seconds, static_cast<double>(kFrames * kBytesPerFrame) / seconds / 1e6,
              static_cast<long long>(waits));
        QVERIFY(fileSize > kFourGiB);

        // The header: RF64, exact frame count.
        SF_INFO info{};
        SNDFILE* file = sf_open(QFile::encodeName(config.filePath).constData(), SFM_READ, &info);
        QVERIFY2(file, sf_strerror(nullptr));
        struct Closer {
            SNDFILE* f;
            ~Closer() { sf_close(f); }
        } closer{file};
        QCOMPARE(info.format & SF_FORMAT_TYPEMASK, SF_FORMAT_RF64);
        QCOMPARE(info.format & SF_FORMAT_SUBMASK, SF_FORMAT_FLOAT);
        QCOMPARE(info.channels, kChannels);
        QCOMPARE(static_cast<int64_t>(info.frames), kFrames);
        QCOMPARE(fileSize - kFrames * kBytesPerFrame < 4096, true); // the audio is the file: only a small header before it

        // The samples: the start, across the 4 GiB boundary of the data, and the end.
        const int64_t boundary = kFourGiB / kBytesPerFrame;
        const int64_t span = 1 << 20;
        QCOMPARE(firstWrongFrame(file, 0, span), int64_t{-1});
        QCOMPARE(firstWrongFrame(file, boundary - span / 2, span), int64_t{-1});
        QCOMPARE(firstWrongFrame(file, kFrames - span, span), int64_t{-1});

        // Plain sox agrees on the length.
        QProcess sox;
        sox.start(QStringLiteral("sox"), {QStringLiteral("--i"), QStringLiteral("-s"), config.filePath});
        if (sox.waitForStarted(5000)) {
            QVERIFY(sox.waitForFinished(60000));
            const QString said = QString::fromUtf8(sox.readAllStandardOutput()).trimmed();
            QCOMPARE(said.toLongLong(), kFrames);
            qInfo("sox --i -s: %s frames", qPrintable(said));
        } else {
            qInfo("sox is not installed: only libsndfile read the take");
        }
        qInfo("RF64 take: %lld frames exact in the header (%.1f minutes at 48 kHz), samples right at the start, across 4 GiB and at the end",
              static_cast<long long>(info.frames), static_cast<double>(info.frames) / kRate / 60.0);
    }
};

QTEST_GUILESS_MAIN(TestLongRf64)
#include "test_long_rf64.moc"
