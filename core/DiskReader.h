#pragma once
// The playback disk thread: streams each clip's audio file (libsndfile) into
// its track's read-ahead PlaybackStream, ahead of the audio thread.
//
// For each attached stream it keeps the ring as full as it can (the ring holds
// Engine::kPlaybackRingSeconds = 4 s; the reader refills whenever at least one
// chunk fits, so >= 2 s are buffered whenever the disk keeps up). It writes the
// timeline, not just the file: silence before the clip's start and after its
// end, so the audio thread only ever counts frames.
//
// Locates follow PlaybackStream's generation protocol (Track.h): on a new
// requested generation the reader stops, seeks, publishes servedFromFrame and
// servedGeneration, and only then writes the new position's data. The audio
// thread never waits for it: missing data plays as silence and is counted.
//
// Threads: addClip/removeClip/start/stop on the control thread; wake() from the
// audio thread (installed with Engine::setReaderHook); the work on its own thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/EngineEvents.h"
#include "core/Track.h"

namespace gainstage {

class DiskReader final : public EngineDiskHook {
public:
    static constexpr int kChunkFrames = 8192;
    static constexpr int kIdleWaitMs = 10;

    DiskReader();
    ~DiskReader(); // stops the thread, closes the files

    // [control thread] Plays `path` into `stream` with the file's first frame at
    // timeline sample `timelineStart`. False (and `error` set) when the file
    // cannot be opened. One clip per stream; a second call replaces the first.
    bool addClip(std::shared_ptr<PlaybackStream> stream, const std::string& path, int64_t timelineStart, std::string* error = nullptr);
    void removeClip(const PlaybackStream* stream);

    // [control thread]
    void start();
    void stop();

    // [audio thread or any thread] A locate was asked for, or data was used.
    void wake() noexcept override { wake_.wake(); }

    // [any thread] Chunks read from disk so far (for tests and progress).
    uint64_t chunksRead() const noexcept { return chunksRead_.load(std::memory_order_relaxed); }

private:
    struct Source;
    void run();
    bool service(Source& source);

    std::mutex mutex_; // control thread <-> reader thread only; never the audio thread
    std::vector<std::unique_ptr<Source>> sources_;
    SemaphoreWake wake_;
    std::thread thread_;
    std::atomic<bool> stopRequested_{false};
    std::atomic<uint64_t> chunksRead_{0};
};

} // namespace gainstage
