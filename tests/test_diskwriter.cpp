// The recording disk thread: bit-exact takes in every format, overruns marked
// at the exact sample (also when a throttled "slow disk" lets the ring fill), the header kept current while recording, record time
// left, and a full disk (on a small tmpfs).
#include "core/DiskWriter.h"
#include "core/TakeWriter.h"

#include "TestSignals.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sndfile.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <random>
#include <thread>

using namespace gainstage;
using namespace std::chrono_literals;
using test::countingIndex;
using test::countingSample;

namespace {

constexpr int kRate = 48000;

// One engine-side capture stream: the ring, and the counting signal that goes in.
struct Source {
    Source(int channelCount, int64_t signalOffset, size_t ringFrames)
        : ring(ringFrames * static_cast<size_t>(channelCount)), channels(channelCount), offset(signalOffset) {}
    SpscRing<float> ring;
    int channels;
    int64_t offset;
    int stream = -1;
    int64_t position = 0; // take frames so far, lost ones included
    int64_t lost = 0;
    std::vector<OverrunMark> marks;
    float value(int64_t frame, int channel) const { return countingSample(offset + frame * channels + channel); }
};

// Plays the engine: blocks of `block` frames paced at `speed` times real time;
// a full ring loses the block, reported to the writer as an overrun.
void produce(DiskWriter& writer, std::vector<Source*> sources, int block, std::chrono::duration<double> length, double speed,
             const std::atomic<bool>* stopEarly = nullptr) {
    std::vector<float> buffer;
    const auto start = std::chrono::steady_clock::now();
    const int64_t totalFrames = static_cast<int64_t>(length.count() * kRate);
    for (int64_t done = 0; done < totalFrames; done += block) {
        if (stopEarly && stopEarly->load()) break;
        std::this_thread::sleep_until(start + std::chrono::duration<double>(static_cast<double>(done) / kRate / speed));
        for (Source* source : sources) {
            buffer.resize(static_cast<size_t>(block * source->channels));
            for (int f = 0; f < block; ++f)
                for (int c = 0; c < source->channels; ++c) buffer[static_cast<size_t>(f * source->channels + c)] = source->value(source->position + f, c);
            if (!source->ring.tryWrite(buffer.data(), buffer.size())) {
                writer.reportOverrun(source->stream, source->position, block);
                source->marks.push_back({source->position, block});
                source->lost += block;
            }
            source->position += block;
        }
        writer.wake();
    }
}

struct FileContents {
    bool opened = false;
    int channels = 0;
    int rate = 0;
    int format = 0;
    std::vector<float> samples;
    int64_t frames() const { return channels ? static_cast<int64_t>(samples.size()) / channels : 0; }
};

FileContents readAll(const QString& path) {
    FileContents contents;
    SF_INFO info{};
    SNDFILE* file = sf_open(QFile::encodeName(path).constData(), SFM_READ, &info);
    if (!file) return contents;
    contents.opened = true;
    contents.channels = info.channels;
    contents.rate = info.samplerate;
    contents.format = info.format;
    contents.samples.resize(static_cast<size_t>(info.frames * info.channels));
    const sf_count_t got = sf_readf_float(file, contents.samples.data(), info.frames);
    contents.samples.resize(static_cast<size_t>(got * info.channels));
    sf_close(file);
    return contents;
}

// Index of the first sample that differs from the source's signal (marks read as silence); -1 if all match.
int64_t firstMismatch(const FileContents& contents, const Source& source, int64_t frames) {
    auto inMark = [&](int64_t frame) {
        return std::any_of(source.marks.begin(), source.marks.end(), [&](const OverrunMark& m) { return frame >= m.position && frame < m.position + m.frames; });
    };
    for (int64_t f = 0; f < frames; ++f) {
        const bool silent = !source.marks.empty() && inMark(f);
        for (int c = 0; c < source.channels; ++c) {
            const float expected = silent ? 0.0f : source.value(f, c);
            if (contents.samples[static_cast<size_t>(f * source.channels + c)] != expected) return f;
        }
    }
    return -1;
}

bool soxReads(const QString& path, int64_t expectedFrames, QString& detail) {
    QProcess sox;
    sox.start(QStringLiteral("sox"), {QStringLiteral("--i"), QStringLiteral("-s"), path});
    if (!sox.waitForFinished(10000) || sox.exitCode() != 0) {
        detail = QString::fromLocal8Bit(sox.readAllStandardError());
        return false;
    }
    const QString samples = QString::fromLocal8Bit(sox.readAllStandardOutput()).trimmed();
    detail = samples;
    return samples.toLongLong() == expectedFrames;
}

DiskStreamConfig configFor(const QString& folder, const QString& name, Source& source, SampleFormat format, bool raw = false) {
    DiskStreamConfig config;
    config.trackId = name;
    config.trackName = name;
    config.relativePath = QStringLiteral("audio/%1.wav").arg(name);
    config.filePath = folder + QLatin1Char('/') + name + QStringLiteral(".wav");
    config.channels = source.channels;
    config.sampleRate = kRate;
    config.format = format;
    config.raw = raw;
    config.ring = &source.ring;
    return config;
}

} // namespace

class TestDiskWriter : public QObject {
    Q_OBJECT

private slots:
    // Mono, stereo and a keep-raw stream at once, in real time, 256-frame blocks:
    // every sample comes back bit for bit, and the header follows the recording.
    void bitExactPcm24WithHeaderFollowing() {
        QTemporaryDir dir;
        Source vocal(1, 0, 5 * kRate), guitar(2, 1000, 5 * kRate), raw(1, 777777, 5 * kRate);
        DiskWriter writer;
        vocal.stream = writer.addStream(configFor(dir.path(), QStringLiteral("Vocal"), vocal, SampleFormat::Pcm24));
        guitar.stream = writer.addStream(configFor(dir.path(), QStringLiteral("Guitar"), guitar, SampleFormat::Pcm24));
        raw.stream = writer.addStream(configFor(dir.path(), QStringLiteral("Vocal.raw"), raw, SampleFormat::Pcm24, true));
        QString error;
        QVERIFY2(writer.start(error), qPrintable(error));

        std::atomic<int64_t> produced{0};
        std::thread producer([&] {
            produce(writer, {&vocal, &guitar, &raw}, 256, 3s, 1.0);
            produced = vocal.position;
        });
        // While recording: what libsndfile reads grows, is a prefix of what was
        // written, and lags it by at most one drain interval plus scheduling.
        int checks = 0;
        int64_t maxLagFrames = 0;
        const auto began = std::chrono::steady_clock::now();
        while (produced.load() == 0) {
            std::this_thread::sleep_for(137ms);
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
            const FileContents now = readAll(dir.path() + QStringLiteral("/Guitar.wav"));
            QVERIFY(now.opened);
            const int64_t expected = static_cast<int64_t>(elapsed * kRate);
            maxLagFrames = std::max(maxLagFrames, expected - now.frames());
            QCOMPARE(firstMismatch(now, guitar, now.frames()), int64_t(-1));
            ++checks;
        }
        producer.join();
        writer.stop();
        qInfo("header followed the recording: %d reads while recording, largest lag %.1f ms", checks, maxLagFrames * 1000.0 / kRate);
        QVERIFY(checks >= 10);
        QVERIFY2(maxLagFrames < kRate / 4, "the file lagged the recording by more than 250 ms");

        for (Source* source : {&vocal, &guitar, &raw}) {
            const auto takes = writer.takes();
            const TakeResult& take = takes[static_cast<size_t>(source->stream)];
            const FileContents contents = readAll(take.config.filePath);
            QVERIFY(contents.opened);
            QCOMPARE(contents.channels, source->channels);
            QCOMPARE(contents.format & SF_FORMAT_SUBMASK, SF_FORMAT_PCM_24);
            QVERIFY((contents.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV || (contents.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAVEX); // RF64 downgraded: plain RIFF
            QCOMPARE(contents.frames(), source->position);
            QCOMPARE(take.frames, source->position);
            QCOMPARE(firstMismatch(contents, *source, contents.frames()), int64_t(-1));
            QVERIFY(take.overruns.empty());
            QString detail;
            if (QFile::exists(QStringLiteral("/usr/bin/sox"))) QVERIFY2(soxReads(take.config.filePath, contents.frames(), detail), qPrintable(detail));
            qInfo("%s: %lld frames x %d channels, bit-exact", qPrintable(take.config.trackName), static_cast<long long>(contents.frames()), contents.channels);
        }
    }

    // 32-bit float keeps any float value, not just 24-bit ones.
    void floatFormatIsExact() {
        QTemporaryDir dir;
        Source stereo(2, 0, kRate);
        DiskWriter writer;
        stereo.stream = writer.addStream(configFor(dir.path(), QStringLiteral("Float"), stereo, SampleFormat::Float32));
        QString error;
        QVERIFY2(writer.start(error), qPrintable(error));
        std::mt19937 random(7);
        std::uniform_real_distribution<float> any(-1.5f, 1.5f);
        std::vector<float> written;
        std::vector<float> block(512 * 2);
        for (int b = 0; b < 200; ++b) {
            for (float& v : block) v = any(random);
            while (!stereo.ring.tryWrite(block.data(), block.size())) std::this_thread::sleep_for(1ms);
            written.insert(written.end(), block.begin(), block.end());
            writer.wake();
            std::this_thread::sleep_for(1ms);
        }
        writer.stop();
        const FileContents contents = readAll(dir.path() + QStringLiteral("/Float.wav"));
        QCOMPARE(contents.format & SF_FORMAT_SUBMASK, SF_FORMAT_FLOAT);
        QVERIFY((contents.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_RF64);
        QCOMPARE(contents.samples.size(), written.size());
        QVERIFY(contents.samples == written);
        qInfo("float: %zu samples exact, including values past full scale", written.size());
    }

    // An overrun reported by the engine becomes silence of exactly the lost
    // length at exactly its position, and is kept in the take's metadata.
    void overrunIsMarkedAndFilled() {
        QTemporaryDir dir;
        Source mono(1, 0, kRate);
        DiskWriter writer;
        mono.stream = writer.addStream(configFor(dir.path(), QStringLiteral("Xrun"), mono, SampleFormat::Pcm24));
        QString error;
        QVERIFY2(writer.start(error), qPrintable(error));
        std::vector<float> block(300);
        for (int b = 0; b < 100; ++b) {
            const bool lose = b == 17 || b == 18 || b == 63;
            if (lose) {
                writer.reportOverrun(mono.stream, mono.position, 300);
                mono.marks.push_back({mono.position, 300});
            } else {
                for (int f = 0; f < 300; ++f) block[static_cast<size_t>(f)] = mono.value(mono.position + f, 0);
                QVERIFY(mono.ring.tryWrite(block.data(), block.size()));
            }
            if (b == 50) writer.reportXrun(mono.position);
            mono.position += 300;
            writer.wake();
            if (b % 10 == 0) std::this_thread::sleep_for(20ms);
        }
        writer.stop();
        const TakeResult take = writer.takes()[0];
        QCOMPARE(take.overruns.size(), size_t(3));
        QCOMPARE(take.overruns[0].position, int64_t(17 * 300));
        QCOMPARE(take.overruns[0].frames, int64_t(300));
        QCOMPARE(take.overruns[1].position, int64_t(18 * 300));
        QCOMPARE(take.overruns[2].position, int64_t(63 * 300));
        QCOMPARE(take.xruns.size(), size_t(1));
        QCOMPARE(take.xruns[0], int64_t(50 * 300));
        const FileContents contents = readAll(take.config.filePath);
        QCOMPARE(contents.frames(), int64_t(100 * 300));
        QCOMPARE(firstMismatch(contents, mono, contents.frames()), int64_t(-1));
        int overrunEvents = 0;
        for (const DiskEvent& event : writer.takeEvents()) overrunEvents += event.kind == DiskEvent::Kind::Overrun;
        QCOMPARE(overrunEvents, 3);
        qInfo("3 overruns of 300 frames: marked at 5100, 5400, 18900; silence inserted; later audio aligned");
    }

    // Slow disk (test hook: every chunk written sleeps first, so the disk
    // thread drains far below real time): the ring absorbs the stall until it
    // is full, only then is a block lost, and every lost block is reported and
    // marked at its exact sample. Nothing vanishes: the file's frames are
    // exactly the captured ones, the signal where it was written, silence where
    // it was marked lost, and written + marked lost == captured.
    void slowDiskOverrunsAreMarkedExactly_data() {
        QTest::addColumn<int>("ringFrames");
        QTest::addColumn<int>("throttleMs");
        QTest::addColumn<double>("seconds");
        // The hook sleeps before every write, and every overrun mark splits a
        // drain into more writes: a short ring keeps the run to seconds.
        QTest::newRow("8192-frame ring, 250 ms a chunk") << 8192 << 250 << 1.5;
    }
    void slowDiskOverrunsAreMarkedExactly() {
        QFETCH(int, ringFrames);
        QFETCH(int, throttleMs);
        QFETCH(double, seconds);
        constexpr int kBlock = 256;
        QTemporaryDir dir;
        Source mono(1, 0, static_cast<size_t>(ringFrames));
        const int64_t capacity = static_cast<int64_t>(mono.ring.capacity());
        DiskWriter writer;
        mono.stream = writer.addStream(configFor(dir.path(), QStringLiteral("Slow"), mono, SampleFormat::Pcm24));
        writer.setThrottleForTest(std::chrono::milliseconds(throttleMs));
        QString error;
        QVERIFY2(writer.start(error), qPrintable(error));
        const auto start = std::chrono::steady_clock::now();
        produce(writer, {&mono}, kBlock, std::chrono::duration<double>(seconds), 1.0);
        const double produced = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const int64_t writtenWhileSlow = writer.framesWritten(mono.stream);
        writer.setThrottleForTest(0ms);
        writer.stop();
        const TakeResult take = writer.takes()[0];
        QVERIFY2(!mono.marks.empty(), "the throttled writer should have let the ring overrun");
        // The ring absorbed the stall: nothing was lost before it held a full ring's worth.
        QVERIFY2(mono.marks.front().position >= capacity - kBlock,
                 qPrintable(QStringLiteral("first loss at frame %1, the ring holds %2").arg(mono.marks.front().position).arg(capacity)));
        // Every loss reported, at the exact sample and length.
        QCOMPARE(take.overruns.size(), mono.marks.size());
        int64_t markedLost = 0;
        for (size_t i = 0; i < take.overruns.size(); ++i) {
            QCOMPARE(take.overruns[i].position, mono.marks[i].position);
            QCOMPARE(take.overruns[i].frames, mono.marks[i].frames);
            markedLost += take.overruns[i].frames;
        }
        int overrunEvents = 0;
        int64_t eventFrames = 0;
        for (const DiskEvent& event : writer.takeEvents())
            if (event.kind == DiskEvent::Kind::Overrun) {
                ++overrunEvents;
                eventFrames += event.frames;
            }
        QCOMPARE(overrunEvents, static_cast<int>(mono.marks.size()));
        QCOMPARE(eventFrames, mono.lost);
        // The books balance: written + marked lost == captured.
        const FileContents contents = readAll(take.config.filePath);
        QCOMPARE(contents.frames(), mono.position);
        QCOMPARE(take.frames, mono.position);
        QCOMPARE(firstMismatch(contents, mono, contents.frames()), int64_t(-1));
        const int64_t written = take.frames - markedLost;
        QCOMPARE(written + markedLost, mono.position);
        QCOMPARE(markedLost, mono.lost);
        qInfo("slow disk (%d ms a chunk, ring %lld frames = %.0f ms): %.2f s captured; the disk thread wrote %lld frames while slow "
              "(%.2fx real time); first loss at frame %lld (%.0f ms); %zu overruns marked at their samples; written %lld + marked lost %lld "
              "== captured %lld",
              throttleMs, static_cast<long long>(capacity), 1000.0 * static_cast<double>(capacity) / kRate, static_cast<double>(mono.position) / kRate,
              static_cast<long long>(writtenWhileSlow), static_cast<double>(writtenWhileSlow) / kRate / produced,
              static_cast<long long>(mono.marks.front().position), 1000.0 * static_cast<double>(mono.marks.front().position) / kRate,
              take.overruns.size(), static_cast<long long>(written), static_cast<long long>(markedLost), static_cast<long long>(mono.position));
    }

    // Record time left = free space / bytes per second of every armed stream.
    void remainingTimeMatchesFreeSpace() {
        QTemporaryDir dir;
        Source a(2, 0, kRate), b(1, 0, kRate);
        DiskWriter writer;
        QCOMPARE(writer.remainingRecordSeconds(), std::numeric_limits<double>::infinity());
        a.stream = writer.addStream(configFor(dir.path(), QStringLiteral("A"), a, SampleFormat::Pcm24));
        b.stream = writer.addStream(configFor(dir.path(), QStringLiteral("B"), b, SampleFormat::Float32));
        QString error;
        QVERIFY2(writer.start(error), qPrintable(error));
        struct statvfs info{};
        QCOMPARE(::statvfs(QFile::encodeName(dir.path()).constData(), &info), 0);
        const double bytesPerSecond = 2.0 * 3 * kRate + 1.0 * 4 * kRate;
        const double expected = static_cast<double>(info.f_bavail) * info.f_frsize / bytesPerSecond;
        const double reported = writer.remainingRecordSeconds();
        writer.stop();
        qInfo("record time left: %.0f s reported, %.0f s from statvfs (%.0f bytes/s)", reported, expected, bytesPerSecond);
        QVERIFY(std::abs(reported - expected) <= 0.01 * expected + 1.0);
        QCOMPARE(DiskWriter::formatTime(192 * kRate + kRate * 4 / 10, kRate), QStringLiteral("3:12.4"));
        QCOMPARE(DiskWriter::formatTime(59 * kRate + kRate - 1, kRate), QStringLiteral("0:59.9"));
    }

    // A take never replaces an existing file.
    void existingFileIsNeverOverwritten() {
        QTemporaryDir dir;
        const QString path = dir.path() + QStringLiteral("/Old.wav");
        QFile old(path);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("precious");
        old.close();
        Source mono(1, 0, 1024);
        DiskWriter writer;
        mono.stream = writer.addStream(configFor(dir.path(), QStringLiteral("Old"), mono, SampleFormat::Pcm24));
        QString error;
        QVERIFY(!writer.start(error));
        QVERIFY2(error.contains(QStringLiteral("already exists")), qPrintable(error));
        QFile check(path);
        QVERIFY(check.open(QIODevice::ReadOnly));
        QCOMPARE(check.readAll(), QByteArray("precious"));
    }

    // A small tmpfs fills up: the take stops within 1 s of the disk filling,
    // the message says so in words, what was written is intact, and recording
    // works again once space is freed.
    void diskFullStopsCleanlyAndRecovers() {
        QTemporaryDir dir;
        const QString mountPoint = dir.path() + QStringLiteral("/small");
        QVERIFY(QDir().mkpath(mountPoint));
        if (::mount("tmpfs", QFile::encodeName(mountPoint).constData(), "tmpfs", 0, "size=2m") != 0)
            QSKIP(qPrintable(QStringLiteral("cannot mount a tmpfs here (%1); the disk-full test needs root").arg(QString::fromLocal8Bit(strerror(errno)))));
        struct Unmount {
            QByteArray path;
            ~Unmount() { ::umount2(path.constData(), MNT_DETACH); }
        } unmount{QFile::encodeName(mountPoint)};

        // Leave about 0.6 MB: roughly 2 s of 24-bit stereo.
        QFile filler(mountPoint + QStringLiteral("/filler"));
        QVERIFY(filler.open(QIODevice::WriteOnly));
        filler.write(QByteArray(1400 * 1024, 'x'));
        filler.close();

        Source stereo(2, 0, 5 * kRate);
        DiskWriter writer;
        stereo.stream = writer.addStream(configFor(mountPoint, QStringLiteral("Full"), stereo, SampleFormat::Pcm24));
        QString error;
        QVERIFY2(writer.start(error), qPrintable(error));
        QVERIFY2(writer.remainingRecordSeconds() < 5.0, "2 MB is seconds of record time");

        std::atomic<bool> stopProducer{false};
        std::thread producer([&] { produce(writer, {&stereo}, 256, 30s, 1.0, &stopProducer); });
        std::chrono::steady_clock::time_point fullAt{}, eventAt{};
        DiskEvent failure;
        bool lowSpaceWarned = false;
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < deadline) {
            struct statvfs info{};
            if (fullAt == std::chrono::steady_clock::time_point{} && ::statvfs(QFile::encodeName(mountPoint).constData(), &info) == 0 && info.f_bavail == 0)
                fullAt = std::chrono::steady_clock::now();
            bool failed = false;
            for (const DiskEvent& event : writer.takeEvents()) {
                lowSpaceWarned |= event.kind == DiskEvent::Kind::LowSpace;
                if (event.kind == DiskEvent::Kind::WriteFailed) {
                    failure = event;
                    failed = true;
                }
            }
            if (failed) {
                eventAt = std::chrono::steady_clock::now();
                break;
            }
            std::this_thread::sleep_for(5ms);
        }
        stopProducer = true; // the control thread stops the transport
        producer.join();
        writer.stop();
        QVERIFY2(eventAt != std::chrono::steady_clock::time_point{}, "no write failure reported on a full disk");
        QVERIFY(lowSpaceWarned);
        if (fullAt == std::chrono::steady_clock::time_point{}) fullAt = failure.failedAt;
        const double stopMs = std::chrono::duration<double, std::milli>(eventAt - std::min(fullAt, failure.failedAt)).count();
        const double reactMs = std::chrono::duration<double, std::milli>(eventAt - failure.failedAt).count();
        qInfo("disk full: '%s' (%.0f ms after the disk filled, %.1f ms after the failed write)", qPrintable(failure.message), stopMs, reactMs);
        QCOMPARE(failure.errorNumber, ENOSPC);
        QVERIFY(failure.message.startsWith(QStringLiteral("The disk is full: recording stopped at ")));
        QVERIFY(failure.message.endsWith(QStringLiteral("; everything before that is saved.")));
        QVERIFY2(stopMs < 1000.0, "recording must stop within 1 s of the disk filling");

        const TakeResult take = writer.takes()[0];
        QVERIFY(take.failed);
        QVERIFY(take.frames > kRate / 2);
        QCOMPARE(failure.timelineSample, take.frames);
        QVERIFY(failure.message.contains(DiskWriter::formatTime(take.frames, kRate)));
        const FileContents contents = readAll(take.config.filePath);
        QVERIFY(contents.opened);
        QCOMPARE(contents.frames(), take.frames);
        QCOMPARE(firstMismatch(contents, stereo, contents.frames()), int64_t(-1));
        QString detail;
        if (QFile::exists(QStringLiteral("/usr/bin/sox"))) QVERIFY2(soxReads(take.config.filePath, take.frames, detail), qPrintable(detail));
        qInfo("kept %lld frames (%.2f s), bit-exact and readable", static_cast<long long>(take.frames), double(take.frames) / kRate);

        // Space freed: the same mount records again.
        QVERIFY(QFile::remove(mountPoint + QStringLiteral("/filler")));
        Source again(2, 5, kRate);
        DiskWriter second;
        again.stream = second.addStream(configFor(mountPoint, QStringLiteral("Again"), again, SampleFormat::Pcm24));
        QVERIFY2(second.start(error), qPrintable(error));
        produce(second, {&again}, 256, 1s, 4.0);
        second.stop();
        const FileContents more = readAll(mountPoint + QStringLiteral("/Again.wav"));
        QCOMPARE(more.frames(), again.position);
        QCOMPARE(firstMismatch(more, again, more.frames()), int64_t(-1));
        QVERIFY(second.takeEvents().size() <= 1); // at most the low-space warning
        QVERIFY(!second.takes()[0].failed);
    }
};

QTEST_GUILESS_MAIN(TestDiskWriter)
#include "test_diskwriter.moc"
