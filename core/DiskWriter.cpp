// The recording disk thread. Thread tags are in DiskWriter.h.
#include "core/DiskWriter.h"

#include "core/TakeWriter.h"

#include <QFile>
#include <QFileInfo>

#include <pthread.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

namespace gainstage {

struct DiskWriter::Stream {
    DiskStreamConfig config;
    TakeWriter writer;
    std::deque<OverrunMark> pending; // [disk thread] overruns not reached yet
    std::vector<OverrunMark> overruns;
    std::vector<int64_t> xruns;
    int64_t position = 0; // [disk thread] take frames so far: read from the ring plus inserted silence
    bool failed = false;
    std::atomic<int64_t> framesWritten{0};
};

namespace {

int bytesPerSample(SampleFormat format) {
    return format == SampleFormat::Float32 ? 4 : 3;
}

timespec monotonicDeadline(std::chrono::steady_clock::time_point when) {
    // steady_clock is CLOCK_MONOTONIC on Linux, which sem_clockwait accepts.
    const auto since = when.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since);
    const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(since - seconds);
    return timespec{static_cast<time_t>(seconds.count()), static_cast<long>(nanoseconds.count())};
}

} // namespace

DiskWriter::DiskWriter() {
    sem_init(&wakeup_, 0, 0);
}

DiskWriter::~DiskWriter() {
    stop();
    sem_destroy(&wakeup_);
}

int DiskWriter::addStream(const DiskStreamConfig& config) {
    auto stream = std::make_unique<Stream>();
    stream->config = config;
    streams_.push_back(std::move(stream));
    return static_cast<int>(streams_.size()) - 1;
}

QString DiskWriter::formatTime(int64_t sample, int sampleRate) {
    if (sampleRate <= 0) sampleRate = 48000;
    // Tenths, rounded down: "everything before that is saved" must not overstate.
    const int64_t tenths = std::max<int64_t>(0, sample) * 10 / sampleRate;
    const int64_t minutes = tenths / 600;
    const int64_t seconds = (tenths / 10) % 60;
    return QStringLiteral("%1:%2.%3").arg(minutes).arg(seconds, 2, 10, QLatin1Char('0')).arg(tenths % 10);
}

double DiskWriter::remainingSecondsFor(const QString& folder, double bytesPerSecond) {
    struct statvfs info{};
    if (bytesPerSecond <= 0.0) return std::numeric_limits<double>::infinity();
    if (::statvfs(QFile::encodeName(folder).constData(), &info) != 0) return 0.0;
    return static_cast<double>(info.f_bavail) * static_cast<double>(info.f_frsize) / bytesPerSecond;
}

bool DiskWriter::start(QString& error) {
    if (running_.load()) {
        error = QStringLiteral("recording is already running");
        return false;
    }
    size_t largest = 1;
    for (size_t i = 0; i < streams_.size(); ++i) {
        Stream& stream = *streams_[i];
        const DiskStreamConfig& config = stream.config;
        if (!config.ring || config.channels < 1) {
            error = QStringLiteral("cannot record '%1': no capture buffer").arg(config.trackName);
        } else if (stream.writer.open(config.filePath, config.channels, config.sampleRate, config.format)) {
            largest = std::max(largest, static_cast<size_t>(config.channels));
            continue;
        } else {
            error = stream.writer.error();
        }
        // Undo: the files created so far hold only a header.
        for (size_t j = 0; j < i; ++j) {
            streams_[j]->writer.close();
            ::unlink(QFile::encodeName(streams_[j]->config.filePath).constData());
        }
        return false;
    }
    buffer_.assign(static_cast<size_t>(kChunkFrames) * largest, 0.0f);
    stopRequested_.store(false);
    lowSpaceWarned_ = false;
    refreshRemaining();
    running_.store(true, std::memory_order_release);
    thread_ = std::thread([this] { run(); });
    pthread_setname_np(thread_.native_handle(), "gs-disk");
    return true;
}

void DiskWriter::wake() noexcept {
    sem_post(&wakeup_);
}

void DiskWriter::reportOverrun(int stream, int64_t position, int64_t frames) noexcept {
    const Mark mark{stream, position, frames};
    if (!marks_.tryWrite(&mark, 1)) marksLost_.fetch_add(1, std::memory_order_relaxed);
    sem_post(&wakeup_);
}

void DiskWriter::reportXrun(int64_t position) noexcept {
    const Mark mark{-1, position, 0};
    if (!marks_.tryWrite(&mark, 1)) marksLost_.fetch_add(1, std::memory_order_relaxed);
}

void DiskWriter::stop() {
    if (!running_.load(std::memory_order_acquire)) return;
    stopRequested_.store(true, std::memory_order_release);
    sem_post(&wakeup_);
    thread_.join();
    running_.store(false, std::memory_order_release);
}

int64_t DiskWriter::framesWritten(int stream) const noexcept {
    if (stream < 0 || stream >= static_cast<int>(streams_.size())) return 0;
    return streams_[static_cast<size_t>(stream)]->framesWritten.load(std::memory_order_relaxed);
}

std::vector<TakeResult> DiskWriter::takes() const {
    std::vector<TakeResult> results;
    for (const auto& stream : streams_) {
        TakeResult result;
        result.config = stream->config;
        result.frames = stream->writer.framesWritten();
        result.overruns = stream->overruns;
        result.xruns = stream->xruns;
        result.failed = stream->writer.failed();
        result.errorNumber = stream->writer.errorNumber();
        result.error = stream->writer.error();
        results.push_back(std::move(result));
    }
    return results;
}

std::vector<DiskEvent> DiskWriter::takeEvents() {
    std::lock_guard lock(eventsMutex_);
    std::vector<DiskEvent> out(events_.begin(), events_.end());
    events_.clear();
    return out;
}

void DiskWriter::publish(DiskEvent event) {
    {
        std::lock_guard lock(eventsMutex_);
        events_.push_back(std::move(event));
    }
    if (notifier_) notifier_();
}

// [disk thread]
void DiskWriter::run() {
    auto lastDrain = std::chrono::steady_clock::now();
    auto lastRefresh = lastDrain;
    for (;;) {
        const timespec deadline = monotonicDeadline(lastDrain + drainInterval_);
        while (sem_clockwait(&wakeup_, CLOCK_MONOTONIC, &deadline) != 0 && errno == EINTR) {
        }
        // Several wake() calls may have piled up; one pass serves them all.
        while (sem_trywait(&wakeup_) == 0) {
        }
        if (stopRequested_.load(std::memory_order_acquire)) {
            drainAll(true);
            break;
        }
        const auto now = std::chrono::steady_clock::now();
        bool due = now - lastDrain >= drainInterval_;
        for (size_t i = 0; !due && i < streams_.size(); ++i) {
            const Stream& stream = *streams_[i];
            due = !stream.failed && stream.config.ring->readAvailable() / static_cast<size_t>(stream.config.channels) >= static_cast<size_t>(kChunkFrames);
        }
        if (due) {
            drainAll(false);
            lastDrain = now;
        }
        if (now - lastRefresh >= std::chrono::seconds(1)) {
            refreshRemaining();
            lastRefresh = now;
        }
    }
    refreshRemaining();
}

// [disk thread] Moves the audio thread's overrun and xrun marks to their streams.
void DiskWriter::collectMarks() {
    Mark mark{};
    while (marks_.tryRead(&mark, 1) == 1) {
        if (mark.stream < 0) {
            for (auto& stream : streams_) stream->xruns.push_back(mark.position);
        } else if (mark.stream < static_cast<int>(streams_.size())) {
            Stream& stream = *streams_[static_cast<size_t>(mark.stream)];
            stream.pending.push_back(OverrunMark{mark.position, mark.frames});
            DiskEvent event;
            event.kind = DiskEvent::Kind::Overrun;
            event.stream = mark.stream;
            event.timelineSample = stream.config.timelineStart + mark.position;
            event.frames = mark.frames;
            event.message = QStringLiteral("%1: %2 samples were lost at %3 (the disk was too slow); the gap is marked in the take")
                                .arg(stream.config.trackName)
                                .arg(mark.frames)
                                .arg(formatTime(event.timelineSample, stream.config.sampleRate));
            publish(std::move(event));
        }
    }
    const uint64_t lost = marksLost_.exchange(0, std::memory_order_relaxed);
    if (lost > 0) {
        DiskEvent event;
        event.kind = DiskEvent::Kind::Overrun;
        event.message = QStringLiteral("%1 overrun or xrun marks could not be recorded (too many at once)").arg(lost);
        publish(std::move(event));
    }
}

// [disk thread]
bool DiskWriter::drainAll(bool final) {
    // Fill levels first, marks second: see the ordering note in the header.
    std::vector<size_t> available(streams_.size());
    for (size_t i = 0; i < streams_.size(); ++i) available[i] = streams_[i]->config.ring->readAvailable();
    collectMarks();
    for (size_t i = 0; i < streams_.size(); ++i) {
        Stream& stream = *streams_[i];
        const size_t channels = static_cast<size_t>(stream.config.channels);
        if (stream.failed) {
            stream.config.ring->discard(available[i]);
            stream.pending.clear();
            continue;
        }
        const int throttle = throttleMs_.load(std::memory_order_relaxed);
        stream.writer.setThrottleForTest(std::chrono::milliseconds(throttle));
        int64_t frames = static_cast<int64_t>(available[i] / channels);
        while (!stream.failed) {
            if (!stream.pending.empty() && stream.pending.front().position <= stream.position) {
                // Silence where the engine lost frames, so what follows stays where it was played.
                const OverrunMark mark{stream.position, stream.pending.front().frames};
                stream.pending.pop_front();
                stream.overruns.push_back(mark);
                if (!stream.writer.writeSilence(mark.frames)) break;
                stream.position += mark.frames;
                stream.framesWritten.store(stream.writer.framesWritten(), std::memory_order_relaxed);
                continue;
            }
            int64_t count = std::min(frames, kChunkFrames);
            if (!stream.pending.empty()) count = std::min(count, stream.pending.front().position - stream.position);
            if (count <= 0) break;
            const size_t got = stream.config.ring->tryRead(buffer_.data(), static_cast<size_t>(count) * channels);
            if (!stream.writer.write(buffer_.data(), static_cast<int64_t>(got / channels))) break;
            stream.position += count;
            frames -= count;
            stream.framesWritten.store(stream.writer.framesWritten(), std::memory_order_relaxed);
        }
        if (final && !stream.writer.failed()) {
            // Frames lost at the very end still count, so the take has its full length.
            while (!stream.pending.empty()) {
                const OverrunMark mark{stream.position, stream.pending.front().frames};
                stream.pending.pop_front();
                stream.overruns.push_back(mark);
                if (!stream.writer.writeSilence(mark.frames)) break;
                stream.position += mark.frames;
            }
            stream.framesWritten.store(stream.writer.framesWritten(), std::memory_order_relaxed);
        }
        if (!stream.writer.failed()) stream.writer.syncIfDue(final ? std::chrono::milliseconds(0) : syncInterval_);
        if (stream.writer.failed()) failStream(stream, static_cast<int>(i));
        else if (final) {
            stream.writer.close();
            if (stream.writer.failed()) failStream(stream, static_cast<int>(i));
        }
    }
    return true;
}

// [disk thread] Finalises a failed take and says so once.
void DiskWriter::failStream(Stream& stream, int index) {
    if (stream.failed) return;
    const auto failedAt = std::chrono::steady_clock::now();
    stream.failed = true;
    stream.writer.close(); // header already matches the whole frames kept
    stream.framesWritten.store(stream.writer.framesWritten(), std::memory_order_relaxed);
    stream.config.ring->discard(stream.config.ring->readAvailable());
    DiskEvent event;
    event.kind = DiskEvent::Kind::WriteFailed;
    event.stream = index;
    event.errorNumber = stream.writer.errorNumber();
    event.timelineSample = stream.config.timelineStart + stream.writer.framesWritten();
    event.failedAt = failedAt;
    const QString at = formatTime(event.timelineSample, stream.config.sampleRate);
    if (event.errorNumber == ENOSPC)
        event.message = QStringLiteral("The disk is full: recording stopped at %1; everything before that is saved.").arg(at);
    else
        event.message = QStringLiteral("%1: recording of %2 stopped at %3; everything before that is saved. (%4)")
                            .arg(TakeWriter::describeErrno(event.errorNumber), stream.config.trackName, at, stream.writer.error());
    publish(std::move(event));
    refreshRemaining();
}

// [disk thread, or control thread before the thread starts]
void DiskWriter::refreshRemaining() {
    double bytesPerSecond = 0.0;
    QString folder;
    // Every armed stream counts, a failed one too: it is what the next take will need.
    for (const auto& stream : streams_) {
        bytesPerSecond += static_cast<double>(stream->config.channels) * bytesPerSample(stream->config.format) * stream->config.sampleRate;
        if (folder.isEmpty()) folder = QFileInfo(stream->config.filePath).absolutePath();
    }
    const double seconds = folder.isEmpty() ? std::numeric_limits<double>::infinity() : remainingSecondsFor(folder, bytesPerSecond);
    remainingSeconds_.store(seconds, std::memory_order_relaxed);
    if (!lowSpaceWarned_ && seconds < kLowSpaceWarningSeconds) {
        lowSpaceWarned_ = true;
        DiskEvent event;
        event.kind = DiskEvent::Kind::LowSpace;
        event.seconds = seconds;
        event.message = QStringLiteral("The disk is nearly full: %1 of recording time left").arg(formatTime(static_cast<int64_t>(seconds * 10), 10));
        publish(std::move(event));
    } else if (lowSpaceWarned_ && seconds > kLowSpaceWarningSeconds * 1.2) {
        lowSpaceWarned_ = false; // space was freed: warn again if it runs low again
    }
}

} // namespace gainstage
