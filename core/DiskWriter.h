#pragma once
// The disk thread of recording: it drains the capture rings the audio thread
// fills into one TakeWriter per stream.
//
// Life of a take (one DiskWriter per recording pass):
//   1. [control thread] addStream() for every armed track (and a second stream
//      for its raw input when "keep raw" is on), each naming the engine's ring,
//      the file, and the timeline sample where the take starts.
//   2. [control thread] start(): creates every file (nothing is overwritten)
//      and starts the thread. The engine may then write into the rings.
//   3. [audio thread] after writing a block into the rings, wake(): a sem_post,
//      which never blocks and is async-signal-safe. When a ring was full the
//      engine calls reportOverrun() with the take position and the frame count
//      it lost; reportXrun() for device xruns.
//   4. [control thread] takeEvents() (or the notifier) for disk full, write
//      errors, low space and overruns; remainingRecordSeconds() at any time.
//   5. [control thread] once the engine no longer writes: stop() drains what is
//      left, finalises every file and joins. takes() then describes each take.
//
// Draining: the thread wakes on wake() and on its own every `drainInterval`
// (100 ms); it writes whenever 65536 frames wait in a ring or the interval has
// passed since the last drain, so a SIGKILL loses at most the interval, the
// scheduling delay and one header update (about 250 ms in all). Each file is
// fdatasync'ed at least once a second.
//
// Overruns are never dropped silently: the lost frames are written as silence
// at the exact position (so later audio stays aligned) and recorded in the
// take's metadata. Ordering: the audio thread queues an overrun before it
// writes the next frames to that ring, and the disk thread reads a ring's fill
// level before it reads the overrun queue, so every overrun that precedes the
// frames it is about to write is already visible.
//
// On a write error the stream's take is finalised (still readable), its ring
// is drained into nothing from then on, the other streams go on, and one
// event says where recording stopped, in words.

#include "core/AudioFile.h"
#include "core/SpscRing.h"

#include <QString>

#include <semaphore.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace gainstage {

class TakeWriter;

struct DiskStreamConfig {
    QString trackId;
    QString trackName;
    QString filePath;     // absolute path of the file to create
    QString relativePath; // the same, relative to the session folder (for the metadata)
    int channels = 1;     // 1 or 2: the ring holds interleaved frames
    int sampleRate = 48000;
    SampleFormat format = SampleFormat::Pcm24;
    bool raw = false;              // the unprocessed input kept for re-amping
    int64_t timelineStart = 0;     // timeline sample of the take's first frame
    SpscRing<float>* ring = nullptr; // owned by the engine; must outlive stop()
};

struct OverrunMark {
    int64_t position = 0; // frame within the take where the loss starts
    int64_t frames = 0;   // frames lost there (written as silence)
};

struct TakeResult {
    DiskStreamConfig config;
    int64_t frames = 0;                 // frames in the file (including inserted silence)
    std::vector<OverrunMark> overruns;  // exact positions, take-relative
    std::vector<int64_t> xruns;         // take-relative positions
    bool failed = false;
    int errorNumber = 0;
    QString error; // empty unless failed
};

struct DiskEvent {
    enum class Kind {
        WriteFailed, // a take stopped: `message` is the user's sentence; the transport should stop
        LowSpace,    // under 5 minutes of record time left
        Overrun,     // the engine lost frames (ring full); marked in the take
    };
    Kind kind = Kind::WriteFailed;
    int stream = -1;
    int64_t timelineSample = 0;
    int64_t frames = 0;     // Overrun: frames lost
    int errorNumber = 0;    // WriteFailed: errno (ENOSPC for a full disk)
    double seconds = 0.0;   // LowSpace: record time left
    std::chrono::steady_clock::time_point failedAt{}; // WriteFailed: when the write failed
    QString message;
};

class DiskWriter {
public:
    static constexpr int64_t kChunkFrames = 65536;
    static constexpr double kLowSpaceWarningSeconds = 300.0;

    DiskWriter();
    ~DiskWriter(); // stops if still running
    DiskWriter(const DiskWriter&) = delete;
    DiskWriter& operator=(const DiskWriter&) = delete;

    // [control thread, before start()] Returns the stream's index.
    int addStream(const DiskStreamConfig& config);

    // [control thread, before start()] Tuning and test hooks.
    void setDrainInterval(std::chrono::milliseconds interval) { drainInterval_ = interval; }
    void setSyncInterval(std::chrono::milliseconds interval) { syncInterval_ = interval; }
    // Called on the disk thread after each event is queued (e.g. to post a queued Qt call).
    void setEventNotifier(std::function<void()> notifier) { notifier_ = std::move(notifier); }
    // [any thread] Test hook: sleep this long per chunk written (slow-disk test in issue 7).
    void setThrottleForTest(std::chrono::milliseconds delay) noexcept { throttleMs_.store(static_cast<int>(delay.count()), std::memory_order_relaxed); }

    // [control thread] Creates every file and starts the thread. On failure
    // nothing runs, files already created (empty) are removed, `error` says why.
    bool start(QString& error);

    // [audio thread] Wakes the disk thread. Never blocks, never allocates.
    void wake() noexcept;
    // [audio thread] The engine lost `frames` of stream `stream` at take position `position`.
    void reportOverrun(int stream, int64_t position, int64_t frames) noexcept;
    // [audio thread] A device xrun at take position `position` (stored with every take).
    void reportXrun(int64_t position) noexcept;

    // [control thread] Drains what is left, finalises every file, joins the thread.
    void stop();

    bool isRunning() const noexcept { return running_.load(std::memory_order_acquire); }

    // [control thread] Events queued since the last call.
    std::vector<DiskEvent> takeEvents();

    // [any thread] Seconds of recording left on the disk of the first stream for
    // all armed streams together (free space / bytes per second of all of them),
    // refreshed by the disk thread about once a second; +inf before start().
    double remainingRecordSeconds() const noexcept { return remainingSeconds_.load(std::memory_order_relaxed); }
    // [any thread but the audio thread] The same figure computed now, for a folder and a data rate.
    static double remainingSecondsFor(const QString& folder, double bytesPerSecond);

    // [any thread] Frames written so far per stream (for meters of progress and tests).
    int64_t framesWritten(int stream) const noexcept;

    // [control thread, after stop()] One result per stream, in addStream() order.
    std::vector<TakeResult> takes() const;

    // "m:ss.d" for a sample position, as the user reads it in the message.
    static QString formatTime(int64_t sample, int sampleRate);

private:
    struct Stream;
    struct Mark {
        int stream; // -1: an xrun for every stream
        int64_t position;
        int64_t frames;
    };

    void run();
    bool drainAll(bool final);
    void drainStream(Stream& stream, int index, bool final);
    void collectMarks();
    void failStream(Stream& stream, int index);
    void refreshRemaining();
    void publish(DiskEvent event);

    std::vector<std::unique_ptr<Stream>> streams_;
    SpscRing<Mark> marks_{4096};
    std::atomic<uint64_t> marksLost_{0};
    sem_t wakeup_{};
    std::thread thread_;
    std::atomic<bool> running_{false};
    std::atomic<bool> stopRequested_{false};
    std::chrono::milliseconds drainInterval_{100};
    std::chrono::milliseconds syncInterval_{500};
    std::atomic<int> throttleMs_{0};
    std::atomic<double> remainingSeconds_{std::numeric_limits<double>::infinity()};
    bool lowSpaceWarned_ = false;
    std::function<void()> notifier_;
    mutable std::mutex eventsMutex_;
    std::deque<DiskEvent> events_;
    std::vector<float> buffer_; // [disk thread] one chunk of interleaved frames
};

} // namespace gainstage
