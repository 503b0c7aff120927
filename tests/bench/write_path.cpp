// The write path alone: CHANNELS capture rings at RATE Hz, 32-bit float,
// drained by one DiskWriter (the same disk thread the Recorder runs) into one
// WAV per channel, with no engine and no audio device in the way.
//
// A producer thread plays the audio thread: it writes BLOCK frames into every
// ring per block and wakes the disk thread every Engine::kCaptureWakeFrames
// frames, as the engine does. Rings are sized as the engine sizes them:
// max(5 s, 2 x 65536 frames).
//   --mode realtime  (default) paces the blocks at the sample rate, as a
//                    device would; a full ring loses the block, exactly like
//                    the engine, and the loss is reported to the DiskWriter.
//   --mode flat-out  writes as fast as the disk thread drains (a full ring is
//                    waited on, nothing is lost): the headroom of the path.
//
// Reports the disk thread's CPU time (utime + stime of the "gs-disk" thread,
// from /proc/self/task/<tid>/stat) as % of one core over the wall time, the
// MB/s of audio written, frames lost to full rings, and checks every file's
// length. Exit 1 when a ring overran or a file is short.
//
// Usage: write_path [--seconds S] [--channels N] [--rate HZ] [--block FRAMES]
//                   [--mode realtime|flat-out] [--dir DIR]
// Threads: main (control), the producer, and the DiskWriter's own thread.
#include <QCoreApplication>
#include <QDir>
#include <QTemporaryDir>

#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/DiskWriter.h"
#include "core/Engine.h"

using namespace gainstage;

namespace {

struct Options {
    double seconds = 30.0;
    int channels = 64;
    int rate = 96000;
    int block = 256;
    bool realtime = true;
    QString dir;
};

// The kernel thread id of this process's thread named `name`, or -1.
pid_t findThread(const std::string& name) {
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString& entry : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        std::ifstream comm(("/proc/self/task/" + entry + "/comm").toStdString());
        std::string line;
        std::getline(comm, line);
        if (line == name) return entry.toInt();
    }
    return -1;
}

// utime + stime of thread `tid` in seconds.
double threadCpuSeconds(pid_t tid) {
    std::ifstream file("/proc/self/task/" + std::to_string(tid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    // The command name may hold spaces: the fields start after the last ')'.
    const size_t close = text.rfind(')');
    if (close == std::string::npos) return -1.0;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double processCpuSeconds() {
    std::ifstream file("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string loadAverage() {
    std::ifstream file("/proc/loadavg");
    std::string one, five, fifteen;
    file >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr, "write_path: %s\nusage: write_path [--seconds S] [--channels N] [--rate HZ] [--block FRAMES] [--mode realtime|flat-out] [--dir DIR]\n", why);
    std::exit(2);
}

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        if (i + 1 >= argc) usage(("missing value after " + name).c_str());
        const std::string value = argv[++i];
        if (name == "--seconds") options.seconds = std::atof(value.c_str());
        else if (name == "--channels") options.channels = std::atoi(value.c_str());
        else if (name == "--rate") options.rate = std::atoi(value.c_str());
        else if (name == "--block") options.block = std::atoi(value.c_str());
        else if (name == "--dir") options.dir = QString::fromStdString(value);
        else if (name == "--mode" && (value == "realtime" || value == "flat-out")) options.realtime = value == "realtime";
        else usage(("bad option " + name + " " + value).c_str());
    }
    if (options.seconds <= 0.0 || options.channels < 1 || options.rate <= 0 || options.block <= 0) usage("bad value");
    return options;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const Options options = parseOptions(argc, argv);
    QTemporaryDir scratch(options.dir.isEmpty() ? QDir::tempPath() + QStringLiteral("/write_path-XXXXXX") : options.dir + QStringLiteral("/write_path-XXXXXX"));
    if (!scratch.isValid()) usage("cannot create the scratch folder");
    std::printf("write_path: %d channels x %d Hz x 32-bit float, %d-frame blocks, %s, %.0f s, into %s\n", options.channels, options.rate, options.block,
                options.realtime ? "real-time pace" : "flat out", options.seconds, qPrintable(scratch.path()));
    std::printf("write_path: load average at start %s\n", loadAverage().c_str());

    const auto ringFrames = static_cast<size_t>(std::max<int64_t>(5 * options.rate, 2 * DiskWriter::kChunkFrames));
    std::vector<std::unique_ptr<SpscRing<float>>> rings;
    DiskWriter writer;
    for (int c = 0; c < options.channels; ++c) {
        rings.push_back(std::make_unique<SpscRing<float>>(ringFrames));
        DiskStreamConfig config;
        config.trackId = QString::number(c + 1);
        config.trackName = QStringLiteral("Input %1").arg(c + 1);
        config.relativePath = QStringLiteral("ch%1.wav").arg(c + 1);
        config.filePath = scratch.path() + QLatin1Char('/') + config.relativePath;
        config.sampleRate = options.rate;
        config.format = SampleFormat::Float32;
        config.ring = rings.back().get();
        writer.addStream(config);
    }
    QString error;
    if (!writer.start(error)) {
        std::fprintf(stderr, "write_path: FAIL: %s\n", qPrintable(error));
        return 1;
    }
    pid_t diskThread = -1;
    for (int tries = 0; tries < 100 && diskThread < 0; ++tries) {
        diskThread = findThread("gs-disk");
        if (diskThread < 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (diskThread < 0) {
        std::fprintf(stderr, "write_path: FAIL: the disk thread (gs-disk) was not found\n");
        return 1;
    }

    // A different 1 s tone-and-noise table per channel, so the files are not trivially compressible data.
    const int table = 8192;
    std::vector<std::vector<float>> signal(static_cast<size_t>(options.channels), std::vector<float>(static_cast<size_t>(table)));
    uint32_t seed = 12345;
    for (int c = 0; c < options.channels; ++c)
        for (int n = 0; n < table; ++n) {
            seed = seed * 1664525u + 1013904223u;
            signal[static_cast<size_t>(c)][static_cast<size_t>(n)] =
                0.1f * static_cast<float>(std::sin(2.0 * M_PI * (c + 1) * n / table)) + 0.01f * (static_cast<float>(seed >> 8) / 16777216.0f - 0.5f);
        }

    const auto totalFrames = static_cast<int64_t>(std::llround(options.seconds * options.rate));
    std::atomic<int64_t> produced{0};
    int64_t lostFrames = 0;
    const double cpuBefore = threadCpuSeconds(diskThread);
    const double processCpuBefore = processCpuSeconds();
    const auto started = std::chrono::steady_clock::now();

    std::thread producer([&] {
        int64_t position = 0, sinceWake = 0;
        auto deadline = std::chrono::steady_clock::now();
        const auto blockTime = std::chrono::duration<double>(static_cast<double>(options.block) / options.rate);
        while (position < totalFrames) {
            const int frames = static_cast<int>(std::min<int64_t>(options.block, totalFrames - position));
            const int offset = static_cast<int>(position % table);
            const int n = std::min(frames, table - offset); // the table wraps: write within it
            for (int c = 0; c < options.channels; ++c) {
                SpscRing<float>& ring = *rings[static_cast<size_t>(c)];
                const float* source = signal[static_cast<size_t>(c)].data() + offset;
                if (options.realtime) {
                    if (!ring.tryWrite(source, static_cast<size_t>(n))) {
                        lostFrames += n;
                        writer.reportOverrun(c, position, n);
                    }
                } else {
                    while (!ring.tryWrite(source, static_cast<size_t>(n))) {
                        writer.wake();
                        std::this_thread::sleep_for(std::chrono::microseconds(200));
                    }
                }
            }
            position += n;
            produced.store(position, std::memory_order_relaxed);
            if ((sinceWake += n) >= Engine::kCaptureWakeFrames) {
                writer.wake();
                sinceWake = 0;
            }
            if (options.realtime) {
                deadline += std::chrono::duration_cast<std::chrono::steady_clock::duration>(blockTime * (static_cast<double>(n) / options.block));
                std::this_thread::sleep_until(deadline);
            }
        }
        writer.wake();
    });
    producer.join();

    // Wait until the disk thread has taken everything out of the rings (written it), then read its CPU.
    for (int waited = 0; waited < 5000; waited += 5) {
        bool empty = true;
        for (const auto& ring : rings) empty = empty && ring->writeSpace() == ring->capacity();
        if (empty) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const double cpuAfter = threadCpuSeconds(diskThread);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double processCpu = processCpuSeconds() - processCpuBefore;
    writer.stop();
    const double wallWithFinalise = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    int64_t overruns = 0, shortFiles = 0;
    for (const TakeResult& take : writer.takes()) {
        for (const OverrunMark& mark : take.overruns) overruns += mark.frames;
        SF_INFO info{};
        SNDFILE* file = sf_open(take.config.filePath.toLocal8Bit().constData(), SFM_READ, &info);
        if (file) sf_close(file);
        if (!file || info.frames != totalFrames || take.failed) ++shortFiles;
    }
    const double bytes = static_cast<double>(totalFrames) * options.channels * 4.0;
    std::printf("write_path: load average at end %s\n", loadAverage().c_str());
    std::printf("write_path: %.1f s of audio in %.2f s wall (%.2f s with the final flush): %.1f MB/s (real time needs %.1f MB/s)\n", totalFrames / static_cast<double>(options.rate),
                wall, wallWithFinalise, bytes / wall / 1e6, options.channels * options.rate * 4.0 / 1e6);
    std::printf("write_path: disk thread CPU %.2f s = %.1f%% of one core; whole process %.1f%% (producer included)\n", cpuAfter - cpuBefore,
                100.0 * (cpuAfter - cpuBefore) / wall, 100.0 * processCpu / wall);
    std::printf("write_path: lost to full rings %lld frames (overrun marks %lld), %lld files of the wrong length of %d\n", static_cast<long long>(lostFrames),
                static_cast<long long>(overruns), static_cast<long long>(shortFiles), options.channels);
    const bool ok = lostFrames == 0 && overruns == 0 && shortFiles == 0;
    std::printf("write_path: %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
