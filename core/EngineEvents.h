#pragma once
// What the engine tells the outside world, and how the disk side is woken.
//
// EngineEvent: rare happenings the audio thread reports through an SPSC ring
// that one control thread drains with Engine::pollEvents(). Positions are
// timeline samples (the transport position of the frame concerned), never
// latency-compensated.
//
// EngineDiskHook: the small interface the audio thread calls to reach the
// recording/playback disk threads. Every function is noexcept, wait-free and
// never allocates (a sem_post, an atomic add, an SPSC write). The object must
// outlive the stream it is installed for. SemaphoreWake is the ready-made
// sem_post implementation a disk thread can wait on.

#include <semaphore.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>

namespace gainstage {

struct EngineEvent {
    enum class Type : uint8_t {
        TransportStarted,   // position: where rolling began
        TransportStopped,   // position: where it stopped
        Located,            // position: the new playhead
        CountInStarted,     // position: where recording will start; value: count-in frames
        RecordingStarted,   // trackId: the track (-1: the transport as a whole); position: first recorded frame
        RecordingStopped,   // trackId as above; position: one past the last recorded frame
        Xrun,               // position: playhead at the call that carried the flags; value: xrun count so far
        FadeOutDone,        // the monitor section is silent; the stream may stop
        CaptureOverflow,    // trackId; position: first lost frame; value: frames lost (value2 = 1 for the raw ring)
        PlaybackUnderrun,   // trackId; position: first frame played as silence; value: frames missing
        StreamStopped,      // the backend stopped the stream; value: 1 when the device was lost
    };
    Type type = Type::Xrun;
    int trackId = -1;
    int64_t position = 0;
    int64_t value = 0;
    int64_t value2 = 0;
};

// [audio thread calls; implemented by the disk side]
class EngineDiskHook {
public:
    // Data or a mark is waiting in a capture ring, or a read-ahead ring wants
    // filling / a locate was requested. Must return at once.
    virtual void wake() noexcept = 0;
    // A capture ring was full: `frames` were lost for `trackId` (its raw ring when
    // `raw`), the first at take-relative frame `takeFrame` (= timeline `position`
    // minus the take's start). Called once per gap, when the gap closes (the ring
    // accepted data again, or the take stopped). Default: nothing (the marks ring
    // and the event carry the same facts).
    virtual void captureOverflow(int trackId, bool raw, int64_t takeFrame, int64_t position, int64_t frames) noexcept {
        (void)trackId, (void)raw, (void)takeFrame, (void)position, (void)frames;
    }
    // A device xrun at timeline `position`, while recording or not.
    virtual void xrun(int64_t position) noexcept { (void)position; }

protected:
    ~EngineDiskHook() = default;
};

// [audio thread] Where a Track reports what happened during its block: the
// Engine's event ring and capture hook.
class EngineEventSink {
public:
    virtual void push(const EngineEvent& event) noexcept = 0;
    virtual EngineDiskHook* captureHook() noexcept = 0; // null when none is installed

protected:
    ~EngineEventSink() = default;
};

// A hook that posts a POSIX semaphore: sem_post is wait-free in glibc (an
// atomic and, only if someone sleeps, a futex wake) and takes no mutex.
class SemaphoreWake final : public EngineDiskHook {
public:
    SemaphoreWake() noexcept { sem_init(&semaphore_, 0, 0); }
    ~SemaphoreWake() { sem_destroy(&semaphore_); }
    SemaphoreWake(const SemaphoreWake&) = delete;
    SemaphoreWake& operator=(const SemaphoreWake&) = delete;

    // [audio thread or any thread]
    void wake() noexcept override { sem_post(&semaphore_); }

    // [the one waiting thread] Sleeps until woken or `timeout` passes; true when woken.
    // Extra posts collapse: a wake before the wait makes the wait return at once.
    bool waitFor(std::chrono::milliseconds timeout) noexcept {
        timespec deadline{};
        clock_gettime(CLOCK_REALTIME, &deadline);
        const long long ns = deadline.tv_nsec + static_cast<long long>(timeout.count()) * 1000000LL;
        deadline.tv_sec += static_cast<time_t>(ns / 1000000000LL);
        deadline.tv_nsec = static_cast<long>(ns % 1000000000LL);
        int result;
        while ((result = sem_timedwait(&semaphore_, &deadline)) != 0 && errno == EINTR) {}
        if (result == 0) {
            while (sem_trywait(&semaphore_) == 0) {} // collapse the backlog
            return true;
        }
        return false;
    }

private:
    sem_t semaphore_{};
};

} // namespace gainstage
