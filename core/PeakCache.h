#pragma once
// Waveform overviews for the timeline, cached beside the audio so that a long
// session redraws at once instead of rereading every take.
//
// For `audio/Vocal-1.wav` the cache is `audio/Vocal-1.wav.peaks`. It holds, per
// channel, the minimum and maximum sample of every 256 frames (a "bucket"); a
// coarser level of 4096 frames is derived from it in memory when loaded, so that
// drawing a 10-minute take zoomed out costs about the number of pixels, not the
// number of buckets.
//
// The .peaks file (version 1, little-endian, 72-byte header, then the payload):
//   offset size  field
//        0    8  magic "GSPEAKS\0"
//        8    4  uint32 version (1)
//       12    4  uint32 channels (1..64)
//       16    8  float64 sample rate of the source
//       24    8  int64 size of the source in bytes
//       32    8  int64 modification time of the source, ns since the epoch
//       40    8  int64 frames of the source
//       48    4  uint32 frames per bucket (256)
//       52    4  uint32 reserved (0)
//       56    8  int64 buckets per channel = ceil(frames / 256)
//       64    8  uint64 FNV-1a 64 hash of the payload
//       72       payload: for each channel, for each bucket, float32 min then max
// The last bucket covers only the frames that remain.
//
// Invariants:
// - A cache is used only if its header matches the source's current size, ns
//   mtime and frame count, its length is exactly header + payload and the
//   payload hash matches; anything else (stale, truncated, garbage, a future
//   version) is rebuilt from the audio, never trusted and never a crash.
// - The cache is written through writeFileAtomically (core/AtomicFile.h): a
//   crash leaves the old cache or the new one, never a half file that is read.
// - PeakData is immutable once loadOrBuild returns it, so one
//   std::shared_ptr<const PeakData> can be read by the GUI thread while a
//   worker builds the next one.
//
// Threads: loadOrBuild [worker thread] (file I/O, up to a few hundred ms for a
// long take); PeakData's const functions [any thread]; LivePeaks [GUI thread].

#include <QString>

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

namespace gainstage {

struct PeakData {
    static constexpr int kBucketFrames = 256;
    static constexpr int kCoarseFrames = 4096;
    static constexpr int kBucketsPerCoarse = kCoarseFrames / kBucketFrames;

    int channels = 0;
    double sampleRate = 0.0;
    int64_t frames = 0;
    bool loadedFromCache = false; // true: read from the .peaks file, not from the audio

    // Per channel, interleaved (min, max) pairs: fine[c][2 * bucket], fine[c][2 * bucket + 1].
    std::vector<std::vector<float>> fine;
    // The same at kCoarseFrames per entry; derived from `fine`, never stored.
    std::vector<std::vector<float>> coarse;

    // [any thread] Buckets per channel at kBucketFrames.
    int64_t bucketCount() const { return fine.empty() ? 0 : static_cast<int64_t>(fine[0].size() / 2); }

    // [any thread] For pixel column i (0..count-1) covering source frames
    // [firstFrame + i * framesPerPixel, firstFrame + (i + 1) * framesPerPixel),
    // the minimum and maximum of every bucket that overlaps it. `channel` < 0
    // merges all channels. Columns wholly outside the file get 0 / 0. Below
    // 256 frames per pixel a column shows its bucket (bucket resolution).
    void columns(int channel, int64_t firstFrame, double framesPerPixel, int count, float* mins, float* maxs) const;

    // [worker thread] Fills `coarse` from `fine`.
    void deriveCoarse();
};

class PeakCache {
public:
    static constexpr const char* kSuffix = ".peaks";
    static constexpr uint32_t kVersion = 1;
    static constexpr int kHeaderBytes = 72;
    static constexpr int kReadChunkFrames = 65536;

    // [any thread] "<audioPath>.peaks".
    static QString cachePathFor(const QString& audioPath);

    // [worker thread] The peaks of `audioPath`, from its .peaks file when that
    // is current, otherwise read from the audio and then cached. Returns nullopt
    // with `error` naming the file and the cause when the audio is missing,
    // unreadable, not audio, has no frames, or `cancel` became true. When the
    // peaks were built but the cache could not be written (a read-only folder),
    // the data is returned and `error` says why it was not cached.
    static std::optional<PeakData> loadOrBuild(const QString& audioPath, QString& error, const std::atomic<bool>* cancel = nullptr);

    // [worker thread] Only the cache: nullopt (with `why`) when it is absent,
    // stale or damaged. Does not touch the audio beyond stat(2).
    static std::optional<PeakData> loadCache(const QString& audioPath, QString& why);

    // [worker thread] Only the audio: reads it all, never looks at or writes the cache.
    static std::optional<PeakData> build(const QString& audioPath, QString& error, const std::atomic<bool>* cancel = nullptr);
};

// The take being recorded, drawn as it grows. The GUI feeds it what the track
// meter reports (a peak per meter tick at a timeline position); each value
// stands for the timeline from its position to the next one.
// Threads: [GUI thread] for everything (plain value type).
class LivePeaks {
public:
    // [GUI thread] Positions must not go backwards; a value at or before the
    // last position widens that entry instead of adding one.
    void append(int64_t timelinePosition, float minValue, float maxValue);
    // [GUI thread] Forgets everything (a new take).
    void clear();

    // [GUI thread] What has been appended so far.
    bool empty() const { return positions_.empty(); }
    int64_t size() const { return static_cast<int64_t>(positions_.size()); }
    int64_t firstPosition() const { return positions_.empty() ? 0 : positions_.front(); }
    // The position of the newest value: the end of what has been drawn so far.
    int64_t lastPosition() const { return positions_.empty() ? 0 : positions_.back(); }

    // [GUI thread] As PeakData::columns, on the timeline. Each column merges the
    // entries that overlap it; a column with no value yet gets 0 / 0 and
    // `covered` (if given) false.
    void columns(int64_t firstPosition, double framesPerPixel, int count, float* mins, float* maxs, bool* covered = nullptr) const;

private:
    std::vector<int64_t> positions_;
    std::vector<float> mins_;
    std::vector<float> maxs_;
};

} // namespace gainstage
