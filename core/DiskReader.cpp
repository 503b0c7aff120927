// The playback disk thread. Everything here runs on the reader thread except
// the control-thread functions at the top; the audio thread only ever posts
// the semaphore.

#include "core/DiskReader.h"

#include <sndfile.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

namespace gainstage {

// One opened clip. [begin, end) is where on the timeline it is heard: its
// span, less any part that would lie outside the file.
struct DiskReader::OpenClip {
    std::unique_ptr<SNDFILE, int (*)(SNDFILE*)> file{nullptr, &sf_close};
    int fileChannels = 1;
    int64_t fileFrames = 0;
    int64_t timelineOffset = 0;
    int64_t sourceOffset = 0;
    int64_t begin = 0, end = 0;
    int64_t filePosition = -1; // file frame sf_readf_float returns next; -1: unknown, seek first
};

struct DiskReader::Source {
    std::shared_ptr<PlaybackStream> stream;
    std::vector<OpenClip> clips; // later ones on top
    uint64_t served = 0;      // generation being served
    int64_t next = 0;         // timeline sample of the next frame to write
    uint64_t written = 0;     // frames ever written into the ring
    std::vector<float> fileBuffer, ringBuffer;
    std::vector<std::pair<int64_t, int64_t>> gaps, nextGaps; // timeline spans of a chunk no clip has filled yet
};

DiskReader::DiskReader() = default;

DiskReader::~DiskReader() { stop(); }

bool DiskReader::setClips(std::shared_ptr<PlaybackStream> stream, const std::vector<ClipSpec>& clips, std::string* error) {
    if (!stream) {
        if (error) *error = "no playback stream";
        return false;
    }
    auto source = std::make_unique<Source>();
    int widest = 1;
    for (const ClipSpec& spec : clips) {
        SF_INFO info{};
        OpenClip clip;
        clip.file.reset(sf_open(spec.path.c_str(), SFM_READ, &info));
        if (!clip.file) {
            if (error) *error = spec.path + ": " + sf_strerror(nullptr);
            return false;
        }
        clip.fileChannels = std::max(1, info.channels);
        clip.fileFrames = info.frames;
        clip.timelineOffset = spec.timelineOffset;
        clip.sourceOffset = spec.sourceOffset;
        clip.begin = spec.timelineOffset + std::max<int64_t>(0, -spec.sourceOffset);
        clip.end = spec.timelineOffset + std::min(spec.length, clip.fileFrames - spec.sourceOffset);
        if (clip.end < clip.begin) clip.end = clip.begin;
        widest = std::max(widest, clip.fileChannels);
        source->clips.push_back(std::move(clip));
    }
    source->stream = std::move(stream);
    source->fileBuffer.resize(static_cast<size_t>(kChunkFrames) * static_cast<size_t>(widest));
    source->ringBuffer.resize(static_cast<size_t>(kChunkFrames) * static_cast<size_t>(source->stream->channels));
    source->gaps.reserve(source->clips.size() + 1);
    source->nextGaps.reserve(source->clips.size() + 1);
    std::lock_guard lock(mutex_);
    const auto old = std::find_if(sources_.begin(), sources_.end(), [&](const auto& s) { return s->stream == source->stream; });
    if (old != sources_.end()) {
        // The ring already holds the old list's frames up to `next`: carry on from there.
        source->served = (*old)->served;
        source->next = (*old)->next;
        source->written = (*old)->written;
        *old = std::move(source);
    } else {
        sources_.push_back(std::move(source));
    }
    wake_.wake();
    return true;
}

bool DiskReader::addClip(std::shared_ptr<PlaybackStream> stream, const std::string& path, int64_t timelineStart,
                         std::string* error) {
    return setClips(std::move(stream), {ClipSpec{path, timelineStart, std::numeric_limits<int64_t>::max() / 2, 0}}, error);
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
        fillTimeline(source, out, frames);
        stream.ring.tryWrite(out, static_cast<size_t>(frames) * ch); // fits: checked above, only we write
        source.written += static_cast<uint64_t>(frames);
        source.next += frames;
    }
    return false;
}

// The timeline [next, next + frames) into `out`: topmost clip first, each one
// filling only what the clips above it left open, then silence.
void DiskReader::fillTimeline(Source& source, float* out, int frames) {
    const size_t ch = static_cast<size_t>(source.stream->channels);
    std::fill(out, out + static_cast<size_t>(frames) * ch, 0.0f);
    const int64_t begin = source.next;
    source.gaps.assign(1, {begin, begin + frames});
    bool read = false;
    for (auto clip = source.clips.rbegin(); clip != source.clips.rend() && !source.gaps.empty(); ++clip) {
        if (clip->end <= begin || clip->begin >= begin + frames) continue;
        source.nextGaps.clear();
        for (const auto& [from, to] : source.gaps) {
            const int64_t a = std::max(from, clip->begin);
            const int64_t b = std::min(to, clip->end);
            if (a >= b) {
                source.nextGaps.emplace_back(from, to);
                continue;
            }
            if (from < a) source.nextGaps.emplace_back(from, a);
            readClip(source, *clip, a, b, out + static_cast<size_t>(a - begin) * ch);
            read = true;
            if (b < to) source.nextGaps.emplace_back(b, to);
        }
        std::swap(source.gaps, source.nextGaps);
    }
    if (read) chunksRead_.fetch_add(1, std::memory_order_relaxed);
}

// Timeline [from, to) of `clip` (inside its [begin, end), at most a chunk) into `out`.
void DiskReader::readClip(Source& source, OpenClip& clip, int64_t from, int64_t to, float* out) {
    const int64_t fileFrame = clip.sourceOffset + (from - clip.timelineOffset);
    if (clip.filePosition != fileFrame) {
        clip.filePosition = sf_seek(clip.file.get(), fileFrame, SEEK_SET) == fileFrame ? fileFrame : -1;
        if (clip.filePosition < 0) return; // unreadable here: silence
    }
    const int64_t got = std::max<int64_t>(0, sf_readf_float(clip.file.get(), source.fileBuffer.data(), to - from));
    clip.filePosition = got == to - from ? fileFrame + got : -1;
    const size_t ch = static_cast<size_t>(source.stream->channels);
    const size_t fc = static_cast<size_t>(clip.fileChannels);
    for (size_t i = 0; i < static_cast<size_t>(got); ++i)
        for (size_t c = 0; c < ch; ++c) out[i * ch + c] = source.fileBuffer[i * fc + std::min(c, fc - 1)];
}

} // namespace gainstage
