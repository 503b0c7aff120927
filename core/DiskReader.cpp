// The playback disk thread. Everything here runs on the reader thread except
// the control-thread functions at the top; the audio thread only ever posts
// the semaphore.

#include "core/DiskReader.h"

#include <sndfile.h>

#include <algorithm>
#include <chrono>

namespace gainstage {

struct DiskReader::Source {
    std::shared_ptr<PlaybackStream> stream;
    SNDFILE* file = nullptr;
    int fileChannels = 1;
    int64_t fileFrames = 0;
    int64_t timelineStart = 0;
    uint64_t served = 0;      // generation being served
    int64_t next = 0;         // timeline sample of the next frame to write
    uint64_t written = 0;     // frames ever written into the ring
    std::vector<float> fileBuffer, ringBuffer;

    ~Source() {
        if (file) sf_close(file);
    }
};

DiskReader::DiskReader() = default;

DiskReader::~DiskReader() { stop(); }

bool DiskReader::addClip(std::shared_ptr<PlaybackStream> stream, const std::string& path, int64_t timelineStart,
                         std::string* error) {
    if (!stream) {
        if (error) *error = "no playback stream";
        return false;
    }
    SF_INFO info{};
    SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
    if (!file) {
        if (error) *error = path + ": " + sf_strerror(nullptr);
        return false;
    }
    auto source = std::make_unique<Source>();
    source->stream = std::move(stream);
    source->file = file;
    source->fileChannels = std::max(1, info.channels);
    source->fileFrames = info.frames;
    source->timelineStart = timelineStart;
    source->fileBuffer.resize(static_cast<size_t>(kChunkFrames * source->fileChannels));
    source->ringBuffer.resize(static_cast<size_t>(kChunkFrames * source->stream->channels));
    std::lock_guard lock(mutex_);
    std::erase_if(sources_, [&](const auto& s) { return s->stream == source->stream; });
    sources_.push_back(std::move(source));
    wake_.wake();
    return true;
}

void DiskReader::removeClip(const PlaybackStream* stream) {
    std::lock_guard lock(mutex_);
    std::erase_if(sources_, [&](const auto& s) { return s->stream.get() == stream; });
}

void DiskReader::start() {
    if (thread_.joinable()) return;
    stopRequested_.store(false);
    thread_ = std::thread([this] { run(); });
}

void DiskReader::stop() {
    if (!thread_.joinable()) return;
    stopRequested_.store(true);
    wake_.wake();
    thread_.join();
}

// ---------------------------------------------------------------------------
// [reader thread]

void DiskReader::run() {
    while (!stopRequested_.load(std::memory_order_relaxed)) {
        bool more = false;
        {
            std::lock_guard lock(mutex_);
            for (auto& source : sources_) more = service(*source) || more;
        }
        if (!more) wake_.waitFor(std::chrono::milliseconds(kIdleWaitMs));
    }
}

// Writes what fits; returns true when it stopped early and wants to run again at once.
bool DiskReader::service(Source& source) {
    PlaybackStream& stream = *source.stream;
    const size_t ch = static_cast<size_t>(stream.channels);
    const uint64_t requested = stream.requestedGeneration.load(std::memory_order_acquire);
    if (requested == 0) return false; // the audio thread has not asked for a position yet
    if (requested != source.served) {
        source.next = stream.requestedPosition.load(std::memory_order_relaxed);
        const int64_t fileFrame = std::clamp<int64_t>(source.next - source.timelineStart, 0, source.fileFrames);
        sf_seek(source.file, fileFrame, SEEK_SET);
        source.served = requested;
        stream.servedFromFrame.store(source.written, std::memory_order_relaxed);
        stream.servedGeneration.store(requested, std::memory_order_release);
    }
    int chunks = 0;
    while (stream.ring.writeSpace() / ch >= static_cast<size_t>(kChunkFrames)) {
        if (stream.requestedGeneration.load(std::memory_order_acquire) != source.served) return true; // locate: stop now
        if (chunks++ == 8) return true; // let the other streams have a turn
        const int frames = kChunkFrames;
        float* out = source.ringBuffer.data();
        std::fill(out, out + static_cast<size_t>(frames) * ch, 0.0f);
        // The part of [next, next + frames) that lies inside the file.
        const int64_t fileBegin = source.next - source.timelineStart;
        const int64_t from = std::clamp<int64_t>(fileBegin, 0, source.fileFrames);
        const int64_t to = std::clamp<int64_t>(fileBegin + frames, 0, source.fileFrames);
        if (to > from) {
            const int64_t got = sf_readf_float(source.file, source.fileBuffer.data(), to - from);
            const size_t skip = static_cast<size_t>(from - fileBegin);
            const size_t fc = static_cast<size_t>(source.fileChannels);
            for (int64_t i = 0; i < std::max<int64_t>(got, 0); ++i)
                for (size_t c = 0; c < ch; ++c)
                    out[(skip + static_cast<size_t>(i)) * ch + c] = source.fileBuffer[static_cast<size_t>(i) * fc + std::min(c, fc - 1)];
            chunksRead_.fetch_add(1, std::memory_order_relaxed);
        }
        stream.ring.tryWrite(out, static_cast<size_t>(frames) * ch); // fits: checked above, only we write
        source.written += static_cast<uint64_t>(frames);
        source.next += frames;
    }
    return false;
}

} // namespace gainstage
