// Soak: the whole recording path on a real JACK dummy server for a long time.
//
// A private `jackd --no-realtime -d dummy` (tests/JackServer) runs at RATE Hz
// with BUFFER-frame periods and CHANNELS capture ports. Gainstage's Engine is
// opened on JACK:system through the PortAudio backend, one armed mono track
// per input, every one through the Tube preamp (+12 dB: the most expensive
// model, oversampled 4x, with both meters), and recorded by the Recorder
// (DiskWriter, 24-bit WAV) exactly as `gainstage record` does. The libjack
// test client (tests/JackTestClient) feeds its 24-bit counting signal into
// every input. A few tracks also keep their raw input, so the counting signal
// lands on disk untouched and every sample of it can be checked.
//
// What it asserts (exit 1 when any fails), because none may ever fail:
//   - no capture ring overflowed (no overrun frames in any take, no message);
//   - every file has exactly the frames the engine captured while recording
//     (counted here, per callback, independently of the Recorder);
//   - with --strict-xruns only: zero xruns caused by Gainstage's own work (a
//     callback that needed more CPU time than its period, see "Xruns" below).
//     Not by default: on the shared 2-core machines of this project, with
//     compilers on both cores, a callback's CPU time itself stretches past the
//     period now and then (cache contention, interrupts billed to the running
//     thread; no page fault involved), so the split is reported, not asserted;
//   - the raw files hold the counting signal with no changed sample, and no
//     dropped or repeated one when JACK itself reported no xrun (a JACK xrun
//     drops or repeats a period for every client, so then it is reported).
// What it reports: the engine's load meter (Engine::load(), sampled every
// 100 ms: median and maximum, plus the median over every callback), and
// the xruns split by cause.
//
// Xruns. The engine counts an xrun per callback that PortAudio flags. PortAudio
// learns of it from JACK's xrun notification, which arrives on another thread,
// so the flag comes a few callbacks late. For every flagged callback we look at
// the callbacks of the 50 ms before it:
//   - one of them took longer than its period by the engine's own load meter
//     (load > 100%, wall time) AND used more than its period of CPU time on
//     its thread (CLOCK_THREAD_CPUTIME_ID): Gainstage's work did not fit;
//   - load > 100% but CPU time under the period: the callback was preempted
//     (the dummy driver runs without real-time priority on a shared 2-core
//     machine); reported, not Gainstage's work;
//   - no callback over its period: JACK's own scheduling.
//
// Usage: soak [--seconds S] [--channels N] [--rate HZ] [--buffer FRAMES]
//             [--model clean|tube|transformer] [--gain DB] [--raw-checks K]
//             [--dir DIR] [--strict-xruns] [--jack-only]
// --jack-only is the baseline: the same server and the test client alone (no
// Gainstage) for the same time, counting the xruns JACK has by itself.
// Threads: the main thread drives everything; LoadProbe::process runs on
// JACK's process thread.
#include <QCoreApplication>
#include <QDir>
#include <QTemporaryDir>

#include <sndfile.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "JackServer.h"
#include "JackTestClient.h"
#include "core/AudioBackend.h"
#include "core/AudioFile.h"
#include "core/Engine.h"
#include "core/Recorder.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

struct Options {
    double seconds = 60.0;
    int channels = 64;
    int rate = 48000;
    int buffer = 64;
    Model model = Model::Tube;
    float gainDb = 12.0f;
    int rawChecks = 4;
    QString dir;
    bool strictXruns = false;
    bool jackOnly = false;
};

// Sits between the backend and the Engine: forwards every call, and measures
// each callback's CPU time next to the engine's own load meter.
class LoadProbe final : public AudioCallback {
public:
    static constexpr int kBins = 2000;             // 0.25% each, 0..500%
    static constexpr double kBinWidth = 0.0025;
    static constexpr double kXrunLookBackSeconds = 0.05;

    explicit LoadProbe(Engine& engine) : engine_(engine) {}

    void audioStreamAboutToStart(const StreamFormat& format) override {
        period_ = format.maxBlockFrames / format.sampleRate;
        rate_ = format.sampleRate;
        engine_.audioStreamAboutToStart(format);
    }
    void audioStreamStopped(bool deviceLost) override { engine_.audioStreamStopped(deviceLost); }

    // [audio thread] Only a clock read and a syscall-free histogram update on top of the engine.
    void process(const float* const* inputs, float* const* outputs, int frames, const ProcessStatus& status) noexcept override {
        timespec cpu0{}, cpu1{};
        rusage usage0{}, usage1{};
        getrusage(RUSAGE_THREAD, &usage0);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
        const double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
        engine_.process(inputs, outputs, frames, status);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
        getrusage(RUSAGE_THREAD, &usage1);
        // A call whose start saw the transport recording captured all its frames.
        if (engine_.isRecording()) recordedFrames_.fetch_add(frames, std::memory_order_relaxed);
        if (!measuring_.load(std::memory_order_acquire) || frames <= 0) return;

        const double period = frames / rate_;
        const float wall = engine_.load().lastLoad();
        const float cpu = static_cast<float>(((cpu1.tv_sec - cpu0.tv_sec) + (cpu1.tv_nsec - cpu0.tv_nsec) * 1e-9) / period);
        ++histogram_[static_cast<size_t>(std::clamp(static_cast<int>(wall / kBinWidth), 0, kBins - 1))];
        ++blocks_;
        if (wall > 1.0f) ++blocksOverPeriod_;
        // Page faults (first touch of the capture rings) are billed to the callback's CPU time.
        const long faults = usage1.ru_minflt - usage0.ru_minflt + usage1.ru_majflt - usage0.ru_majflt;
        pageFaults_ += static_cast<uint64_t>(faults);
        if (cpu > 1.0f) ++blocksCpuOverPeriod_, blocksCpuOverWithFaults_ += faults > 0 ? 1u : 0u;
        maxCpu_ = std::max(maxCpu_, cpu);

        if (status.inputOverflow || status.outputUnderflow) {
            // This call ran after the xrun: judge the callbacks before it.
            float worstWall = 0.0f, worstCpu = 0.0f;
            for (size_t i = 0; i < std::min(recentCount_, recent_.size()); ++i) {
                const Recent& r = recent_[i];
                if (now - r.time > kXrunLookBackSeconds) continue;
                if (r.wall > worstWall) worstWall = r.wall, worstCpu = r.cpu;
            }
            if (worstWall > 1.0f && worstCpu > 1.0f) ++xrunsOwnWork_;
            else if (worstWall > 1.0f) ++xrunsPreempted_;
            else ++xrunsJack_;
        }
        recent_[recentCount_++ % recent_.size()] = {now, wall, cpu};
    }

    // [control thread]
    void setMeasuring(bool on) { measuring_.store(on, std::memory_order_release); }
    int64_t recordedFrames() const { return recordedFrames_.load(std::memory_order_relaxed); }

    // [control thread, after the stream stopped]
    double medianLoad() const { return quantile(0.5); }
    double quantile(double q) const {
        uint64_t seen = 0;
        const auto wanted = static_cast<uint64_t>(std::ceil(q * static_cast<double>(blocks_)));
        for (int i = 0; i < kBins; ++i)
            if ((seen += histogram_[static_cast<size_t>(i)]) >= wanted && seen > 0) return (i + 0.5) * kBinWidth;
        return 0.0;
    }
    uint64_t blocks() const { return blocks_; }
    uint64_t blocksOverPeriod() const { return blocksOverPeriod_; }
    uint64_t blocksCpuOverPeriod() const { return blocksCpuOverPeriod_; }
    uint64_t blocksCpuOverWithFaults() const { return blocksCpuOverWithFaults_; }
    uint64_t pageFaults() const { return pageFaults_; }
    float maxCpu() const { return maxCpu_; }
    uint64_t xrunsOwnWork() const { return xrunsOwnWork_; }
    uint64_t xrunsPreempted() const { return xrunsPreempted_; }
    uint64_t xrunsJack() const { return xrunsJack_; }

private:
    struct Recent {
        double time = -1e9;
        float wall = 0.0f;
        float cpu = 0.0f;
    };

    Engine& engine_;
    double period_ = 0.0;
    double rate_ = 48000.0;
    std::atomic<bool> measuring_{false};
    std::atomic<int64_t> recordedFrames_{0};
    // Audio thread only while measuring; read after the stream has stopped.
    std::array<uint64_t, kBins> histogram_{};
    std::array<Recent, 256> recent_{};
    size_t recentCount_ = 0;
    uint64_t blocks_ = 0, blocksOverPeriod_ = 0, blocksCpuOverPeriod_ = 0, blocksCpuOverWithFaults_ = 0, pageFaults_ = 0;
    uint64_t xrunsOwnWork_ = 0, xrunsPreempted_ = 0, xrunsJack_ = 0;
    float maxCpu_ = 0.0f;
};

double medianOf(std::vector<float> values) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

std::string loadAverage() {
    std::ifstream file("/proc/loadavg");
    std::string one, five, fifteen;
    file >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

int64_t fileFrames(const QString& path) {
    SF_INFO info{};
    SNDFILE* file = sf_open(path.toLocal8Bit().constData(), SFM_READ, &info);
    if (!file) return -1;
    sf_close(file);
    return info.frames;
}

struct Counting {
    bool locked = false;
    int64_t verified = 0, dropped = 0, repeated = 0, changed = 0;
    int64_t bad() const { return dropped + repeated + changed; }
};

// From the first sample of the signal on, every sample must be the next one.
Counting checkCounting(const std::vector<float>& samples, int channel) {
    Counting result;
    int64_t expected = -1;
    for (const float sample : samples) {
        const int64_t index = JackTestClient::countingIndex(sample, channel);
        if (expected < 0) {
            if (sample == 0.0f || index < 0) continue; // before the test client was connected
            result.locked = true;
            expected = index;
        }
        ++result.verified;
        const int64_t step = index < 0 ? 0 : (index - expected) & (JackTestClient::kCountingPeriod - 1);
        if (index < 0) ++result.changed;
        else if (step != 0 && step < JackTestClient::kCountingPeriod / 2) ++result.dropped;
        else if (step != 0) ++result.repeated;
        expected = ((index >= 0 ? index : expected) + 1) & (JackTestClient::kCountingPeriod - 1);
    }
    return result;
}

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr, "soak: %s\nusage: soak [--seconds S] [--channels N] [--rate HZ] [--buffer FRAMES] "
                         "[--model clean|tube|transformer] [--gain DB] [--raw-checks K] [--dir DIR] [--strict-xruns] [--jack-only]\n", why);
    std::exit(2);
}

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        if (name == "--strict-xruns" || name == "--jack-only") {
            (name == "--jack-only" ? options.jackOnly : options.strictXruns) = true;
            continue;
        }
        if (i + 1 >= argc) usage(("missing value after " + name).c_str());
        const char* value = argv[++i];
        if (name == "--seconds") options.seconds = std::atof(value);
        else if (name == "--channels") options.channels = std::atoi(value);
        else if (name == "--rate") options.rate = std::atoi(value);
        else if (name == "--buffer") options.buffer = std::atoi(value);
        else if (name == "--gain") options.gainDb = static_cast<float>(std::atof(value));
        else if (name == "--raw-checks") options.rawChecks = std::atoi(value);
        else if (name == "--dir") options.dir = QString::fromLocal8Bit(value);
        else if (name == "--model") {
            const std::string m = value;
            if (m == "clean") options.model = Model::Clean;
            else if (m == "tube") options.model = Model::Tube;
            else if (m == "transformer") options.model = Model::Transformer;
            else usage("--model must be clean, tube or transformer");
        } else {
            usage(("unknown option " + name).c_str());
        }
    }
    if (options.seconds <= 0.0 || options.channels < 1 || options.channels > 64 || options.rate <= 0 || options.buffer <= 0)
        usage("bad value");
    options.rawChecks = std::clamp(options.rawChecks, 0, options.channels);
    return options;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const Options options = parseOptions(argc, argv);
    if (JackServer::jackdPath().isEmpty()) {
        std::printf("soak: SKIP: jackd is not installed (Debian package jackd2)\n");
        return 0;
    }
    std::printf("soak: %d inputs, %d Hz, %d-frame buffers, %.0f s, model %s %+.1f dB on every input, %d raw inputs checked sample by sample\n",
                options.channels, options.rate, options.buffer, options.seconds,
                options.model == Model::Tube ? "Tube" : options.model == Model::Clean ? "Clean" : "Transformer", options.gainDb, options.rawChecks);
    std::printf("soak: load average at start %s (nproc %u)\n", loadAverage().c_str(), std::thread::hardware_concurrency());
    std::fflush(stdout);

    QTemporaryDir scratch;
    const QString folder = (options.dir.isEmpty() ? scratch.path() : options.dir) + QStringLiteral("/soak-session");

    JackServer::Options serverOptions;
    serverOptions.sampleRate = options.rate;
    serverOptions.period = options.buffer;
    serverOptions.captureChannels = options.channels;
    serverOptions.playbackChannels = options.channels; // the test client pairs every input with an output
    JackServer server(serverOptions);
    QString error;
    if (!server.start(&error)) {
        std::fprintf(stderr, "soak: FAIL: the JACK server did not start: %s\n", qPrintable(error));
        return 1;
    }

    if (options.jackOnly) {
        JackTestClient client;
        if (!client.open(QStringLiteral("GainstageSoak"), options.channels, 0.1, &error)) {
            std::fprintf(stderr, "soak: FAIL: test client: %s\n", qPrintable(error));
            return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        const int before = client.xruns();
        std::this_thread::sleep_for(std::chrono::duration<double>(options.seconds));
        const int xruns = client.xruns() - before;
        client.close();
        server.stop();
        std::printf("soak: baseline, JACK alone with the test client (no Gainstage): %d JACK xruns in %.0f s\n", xruns, options.seconds);
        std::printf("soak: load average at end %s\n", loadAverage().c_str());
        return 0;
    }

    Engine engine;
    Recorder recorder(engine);
    QString notice;
    if (!recorder.openSession(folder, notice, error)) {
        std::fprintf(stderr, "soak: FAIL: session: %s\n", qPrintable(error));
        return 1;
    }
    PreampSettings preamp;
    preamp.model = options.model;
    preamp.gainDb = options.gainDb;
    // The raw inputs checked are spread over the channel range (first and last included).
    std::vector<bool> keepRaw(static_cast<size_t>(options.channels), false);
    for (int k = 0; k < options.rawChecks; ++k)
        keepRaw[static_cast<size_t>(options.rawChecks == 1 ? 0 : k * (options.channels - 1) / (options.rawChecks - 1))] = true;
    for (int c = 0; c < options.channels; ++c) {
        const QString id = recorder.addTrack(QStringLiteral("Input %1").arg(c + 1), c, false, preamp, keepRaw[static_cast<size_t>(c)]);
        recorder.setArmed(id, true);
    }

    LoadProbe probe(engine);
    AudioDeviceRequest request;
    request.setDevice(QStringLiteral("JACK:system"));
    request.sampleRate = options.rate;
    request.bufferFrames = options.buffer;
    request.inputChannels = options.channels;
    request.outputChannels = options.channels; // beyond the first pair they carry silence
    std::unique_ptr<AudioBackend> backend = openAudioBackend(request, probe, notice, error);
    if (!backend) {
        std::fprintf(stderr, "soak: FAIL: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("soak: %s\n", qPrintable(notice.trimmed()));

    JackTestClient client;
    if (!client.open(QStringLiteral("GainstageSoak"), options.channels, 0.1, &error) || !client.connectTo(QStringLiteral("Gainstage"), &error, 15000)) {
        std::fprintf(stderr, "soak: FAIL: test client: %s\n", qPrintable(error));
        backend->close();
        return 1;
    }
    // Let the monitor's switch-on and the first page faults pass before measuring.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));

    const uint64_t engineXrunsBefore = engine.xrunCount();
    const int jackXrunsBefore = client.xruns();
    engine.resetLoadMaximum();
    probe.setMeasuring(true);
    if (!recorder.startTake(error)) {
        std::fprintf(stderr, "soak: FAIL: startTake: %s\n", qPrintable(error));
        backend->close();
        return 1;
    }
    const auto started = std::chrono::steady_clock::now();
    // Audio time, not wall time: on a busy machine the dummy driver skips cycles.
    const auto wantedFrames = static_cast<int64_t>(std::llround(options.seconds * options.rate));
    const int64_t framesAtStart = probe.recordedFrames();
    const auto wallLimit = std::chrono::duration<double>(3.0 * options.seconds + 30.0);
    std::vector<float> sampledLoad, sampledAverage;
    QStringList messages;
    auto nextReport = started + std::chrono::seconds(10);
    while (recorder.isRecording() && probe.recordedFrames() - framesAtStart < wantedFrames && std::chrono::steady_clock::now() - started < wallLimit &&
           !backend->deviceLost()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        recorder.poll();
        messages << recorder.takeMessages();
        sampledLoad.push_back(engine.load().lastLoad());
        sampledAverage.push_back(engine.load().average.load());
        if (std::chrono::steady_clock::now() >= nextReport) {
            nextReport += std::chrono::seconds(10);
            std::printf("soak: %5.0f s  load %.1f%% (average %.1f%%, max %.1f%%)  xruns %llu  JACK xruns %d\n",
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 100.0 * sampledLoad.back(),
                        100.0 * sampledAverage.back(), 100.0 * engine.load().maximum.load(),
                        static_cast<unsigned long long>(engine.xrunCount() - engineXrunsBefore), client.xruns() - jackXrunsBefore);
            std::fflush(stdout);
        }
    }
    const bool lost = backend->deviceLost();
    QString stopError;
    const bool saved = !recorder.isRecording() || recorder.stopTake(stopError);
    probe.setMeasuring(false);
    const double ranSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const float maxLoad = engine.load().maximum.load();
    const uint64_t engineXruns = engine.xrunCount() - engineXrunsBefore;
    const int jackXruns = client.xruns() - jackXrunsBefore;
    engine.stop();
    engine.fadeOutAndWait(std::chrono::milliseconds(300));
    backend->close();
    recorder.poll();
    messages << recorder.takeMessages();
    client.close();
    server.stop();
    std::printf("soak: load average at end %s\n", loadAverage().c_str());

    // ---- Correctness ----
    QStringList failures;
    if (lost) failures << QStringLiteral("the device was lost during the take");
    if (!saved) failures << QStringLiteral("the take was not saved: ") + stopError;
    const int64_t expectedFrames = probe.recordedFrames();
    int printed = 0, raw = 0;
    int64_t overrunFrames = 0, wrongLength = 0, rawVerified = 0, rawBad = 0, rawChanged = 0;
    bool rawUnlocked = false;
    for (const RecordedTake& take : recorder.lastTakes()) {
        const QString path = folder + QLatin1Char('/') + take.file;
        overrunFrames += take.overrunFrames;
        if (take.failed) failures << QStringLiteral("%1: %2").arg(take.file, take.error);
        const int64_t frames = fileFrames(path);
        if (frames != expectedFrames) {
            ++wrongLength;
            if (wrongLength <= 3) failures << QStringLiteral("%1 has %2 frames, the engine captured %3").arg(take.file).arg(frames).arg(expectedFrames);
        }
        if (!take.raw) {
            ++printed;
            continue;
        }
        ++raw;
        AudioFileError readError;
        const auto audio = readAudioFile(path, readError);
        if (!audio) {
            failures << readError.message;
            continue;
        }
        const int channel = take.trackName.mid(QStringLiteral("Input ").size()).toInt() - 1;
        const Counting counting = checkCounting(audio->channels[0], channel);
        rawUnlocked = rawUnlocked || !counting.locked;
        rawVerified += counting.verified;
        rawBad += counting.bad();
        rawChanged += counting.changed;
        if (counting.bad() > 0)
            std::printf("soak: %s: %lld dropped, %lld repeated, %lld changed of %lld\n", qPrintable(take.file), static_cast<long long>(counting.dropped),
                        static_cast<long long>(counting.repeated), static_cast<long long>(counting.changed), static_cast<long long>(counting.verified));
    }
    if (printed != options.channels) failures << QStringLiteral("%1 takes instead of %2").arg(printed).arg(options.channels);
    if (raw != options.rawChecks) failures << QStringLiteral("%1 raw takes instead of %2").arg(raw).arg(options.rawChecks);
    if (overrunFrames > 0) failures << QStringLiteral("the capture rings overflowed: %1 frames lost").arg(overrunFrames);
    for (const QString& message : messages)
        if (message.contains(QStringLiteral("lost"), Qt::CaseInsensitive) || message.contains(QStringLiteral("overrun"), Qt::CaseInsensitive))
            failures << QStringLiteral("message: ") + message;
    if (rawUnlocked) failures << QStringLiteral("a raw take never received the counting signal");
    // A JACK xrun drops or repeats whole periods; it never alters a value.
    if (rawChanged > 0) failures << QStringLiteral("%1 samples in the raw takes are not the signal at all").arg(rawChanged);
    if (rawBad > 0 && jackXruns == 0) failures << QStringLiteral("%1 bad samples in the raw takes with no JACK xrun").arg(rawBad);
    if (options.strictXruns && probe.xrunsOwnWork() > 0)
        failures << QStringLiteral("%1 xruns after a callback that needed more CPU time than its period").arg(probe.xrunsOwnWork());
    if (expectedFrames < wantedFrames) failures << QStringLiteral("recorded only %1 s of audio in %2 s").arg(expectedFrames / double(options.rate), 0, 'f', 1).arg(ranSeconds, 0, 'f', 1);

    // ---- Figures ----
    std::printf("soak: ran %.1f s, %lld frames per file (%.1f s) x %d files + %d raw\n", ranSeconds, static_cast<long long>(expectedFrames),
                expectedFrames / static_cast<double>(options.rate), printed, raw);
    std::printf("soak: engine load meter sampled every 100 ms (%zu samples): median %.1f%%, median of its 1 s average %.1f%%\n",
                sampledLoad.size(), 100.0 * medianOf(sampledLoad), 100.0 * medianOf(sampledAverage));
    std::printf("soak: every callback (%llu): median %.1f%%, 99th percentile %.1f%%, 99.9th %.1f%%, maximum %.1f%% (engine meter)\n",
                static_cast<unsigned long long>(probe.blocks()), 100.0 * probe.medianLoad(), 100.0 * probe.quantile(0.99),
                100.0 * probe.quantile(0.999), 100.0 * maxLoad);
    std::printf("soak: callbacks over their period: %llu by wall time, %llu by CPU time (%llu of those with page faults; largest CPU load %.1f%%); "
                "%llu page faults on the audio thread\n",
                static_cast<unsigned long long>(probe.blocksOverPeriod()), static_cast<unsigned long long>(probe.blocksCpuOverPeriod()),
                static_cast<unsigned long long>(probe.blocksCpuOverWithFaults()), 100.0 * probe.maxCpu(), static_cast<unsigned long long>(probe.pageFaults()));
    std::printf("soak: xruns: %llu flagged to the engine (JACK reported %d): %llu caused by Gainstage's work, %llu while its callback was preempted, %llu JACK scheduling\n",
                static_cast<unsigned long long>(engineXruns), jackXruns, static_cast<unsigned long long>(probe.xrunsOwnWork()),
                static_cast<unsigned long long>(probe.xrunsPreempted()), static_cast<unsigned long long>(probe.xrunsJack()));
    std::printf("soak: disk: %lld overrun frames, %lld files of the wrong length; raw counting check: %lld samples, %lld bad%s\n",
                static_cast<long long>(overrunFrames), static_cast<long long>(wrongLength), static_cast<long long>(rawVerified),
                static_cast<long long>(rawBad), rawBad > 0 ? " (after JACK xruns: JACK drops or repeats a period for every client)" : "");
    for (const QString& failure : failures) std::printf("soak: FAIL: %s\n", qPrintable(failure));
    std::printf("soak: %s\n", failures.isEmpty() ? "PASS" : "FAIL");
    return failures.isEmpty() ? 0 : 1;
}
