#pragma once
// The playback disk thread: streams a track's clips (audio files, libsndfile)
// into its read-ahead PlaybackStream, ahead of the audio thread.
//
// For each attached stream it keeps the ring as full as it can (the ring holds
// Engine::kPlaybackRingSeconds = 4 s; the reader refills whenever at least one
// chunk fits, so >= 2 s are buffered whenever the disk keeps up). It writes the
// timeline, not just the files: every frame comes from the topmost clip that
// covers it (the one latest in the list, as a later take lies over an earlier
// one), and is silence where no clip does, so the audio thread only ever counts
// frames. A clip plays `length` frames of its file from `sourceOffset` on, at
// `timelineOffset`; the part of it that would lie outside the file is silence.
// Material hidden under a later clip is never read.
//
// Locates follow PlaybackStream's generation protocol (Track.h): on a new
// requested generation the reader stops, seeks, publishes servedFromFrame and
// servedGeneration, and only then writes the new position's data. The audio
// thread never waits for it: missing data plays as silence and is counted.
//
// Threads: setClips/addClip/removeClip/start/stop on the control thread; wake() from the
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

    // One clip as the reader plays it (Session's Clip, with the file resolved).
    struct ClipSpec {
        std::string path;
        int64_t timelineOffset = 0; // timeline sample of the clip's first frame
        int64_t length = 0;         // frames
        int64_t sourceOffset = 0;   // frame of the file heard at timelineOffset
    };

    DiskReader();
    ~DiskReader(); // stops the thread, closes the files

    // [control thread] Plays `clips` into `stream`, later entries on top of
    // earlier ones. All files are opened here; false (and `error` set, nothing
    // changed) when one cannot be. Replaces the stream's previous list from the
    // reader's write position on (frames already in the ring stay).
    bool setClips(std::shared_ptr<PlaybackStream> stream, const std::vector<ClipSpec>& clips, std::string* error = nullptr);
    // [control thread] The whole of `path`, its first frame at `timelineStart`,
    // as the stream's only clip.
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
    struct OpenClip;
    struct Source;
    void run();
    bool service(Source& source);
    void fillTimeline(Source& source, float* out, int frames);
    void readClip(Source& source, OpenClip& clip, int64_t from, int64_t to, float* out);

    std::mutex mutex_; // control thread <-> reader thread only; never the audio thread
    std::vector<std::unique_ptr<Source>> sources_;
    SemaphoreWake wake_;
    std::thread thread_;
    std::atomic<bool> stopRequested_{false};
    std::atomic<uint64_t> chunksRead_{0};
};

} // namespace gainstage
