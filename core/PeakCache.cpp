// Waveform overviews: building from the audio, the .peaks file, pixel columns.
#include "core/PeakCache.h"

#include "core/AtomicFile.h"

#include <QByteArray>
#include <QFile>
#include <QFileInfo>

#include <sndfile.h>
#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

namespace gainstage {

static_assert(std::endian::native == std::endian::little, "the .peaks format is little-endian and read by memcpy");

namespace {

constexpr char kMagic[8] = {'G', 'S', 'P', 'E', 'A', 'K', 'S', '\0'};
constexpr int kMaxChannels = 64;
constexpr float kInf = std::numeric_limits<float>::infinity();

struct SourceStamp {
    int64_t size = 0;
    int64_t mtimeNs = 0;
};

bool stampOf(const QString& path, SourceStamp& stamp, int& error) {
    struct stat status{};
    if (::stat(QFile::encodeName(path).constData(), &status) != 0) {
        error = errno;
        return false;
    }
    stamp.size = static_cast<int64_t>(status.st_size);
    stamp.mtimeNs = static_cast<int64_t>(status.st_mtim.tv_sec) * 1000000000LL + status.st_mtim.tv_nsec;
    return true;
}

struct Header {
    uint32_t version = 0;
    uint32_t channels = 0;
    double sampleRate = 0.0;
    int64_t sourceSize = 0;
    int64_t sourceMtimeNs = 0;
    int64_t frames = 0;
    uint32_t bucketFrames = 0;
    uint32_t reserved = 0;
    int64_t buckets = 0;
    uint64_t hash = 0;
};

template <typename T>
void put(char* at, T value) {
    std::memcpy(at, &value, sizeof(T));
}

template <typename T>
T get(const char* at) {
    T value;
    std::memcpy(&value, at, sizeof(T));
    return value;
}

void encodeHeader(const Header& h, char* out) {
    std::memcpy(out, kMagic, 8);
    put(out + 8, h.version);
    put(out + 12, h.channels);
    put(out + 16, h.sampleRate);
    put(out + 24, h.sourceSize);
    put(out + 32, h.sourceMtimeNs);
    put(out + 40, h.frames);
    put(out + 48, h.bucketFrames);
    put(out + 52, h.reserved);
    put(out + 56, h.buckets);
    put(out + 64, h.hash);
}

Header decodeHeader(const char* in) {
    Header h;
    h.version = get<uint32_t>(in + 8);
    h.channels = get<uint32_t>(in + 12);
    h.sampleRate = get<double>(in + 16);
    h.sourceSize = get<int64_t>(in + 24);
    h.sourceMtimeNs = get<int64_t>(in + 32);
    h.frames = get<int64_t>(in + 40);
    h.bucketFrames = get<uint32_t>(in + 48);
    h.reserved = get<uint32_t>(in + 52);
    h.buckets = get<int64_t>(in + 56);
    h.hash = get<uint64_t>(in + 64);
    return h;
}

// FNV-1a over 64-bit words: the payload is always whole (min, max) float pairs,
// and word steps keep hashing a 10-minute take well under a millisecond.
uint64_t hashWords(uint64_t hash, const float* data, size_t floats) {
    constexpr uint64_t kPrime = 0x100000001b3ULL;
    const size_t words = floats / 2;
    for (size_t i = 0; i < words; ++i) {
        uint64_t word;
        std::memcpy(&word, data + 2 * i, sizeof word);
        hash = (hash ^ word) * kPrime;
    }
    return hash;
}

constexpr uint64_t kHashSeed = 0xcbf29ce484222325ULL;

int64_t bucketsFor(int64_t frames) {
    return (frames + PeakData::kBucketFrames - 1) / PeakData::kBucketFrames;
}

struct SndFile {
    SNDFILE* handle = nullptr;
    SF_INFO info{};
    ~SndFile() {
        if (handle) sf_close(handle);
    }
};

QString errnoText(int error) {
    return QString::fromLocal8Bit(std::strerror(error));
}

bool cancelled(const std::atomic<bool>* cancel) {
    return cancel && cancel->load(std::memory_order_relaxed);
}

} // namespace

void PeakData::deriveCoarse() {
    coarse.assign(fine.size(), {});
    const int64_t buckets = bucketCount();
    const int64_t coarseCount = (buckets + kBucketsPerCoarse - 1) / kBucketsPerCoarse;
    for (size_t c = 0; c < fine.size(); ++c) {
        const std::vector<float>& src = fine[c];
        std::vector<float>& dst = coarse[c];
        dst.resize(static_cast<size_t>(2 * coarseCount));
        for (int64_t k = 0; k < coarseCount; ++k) {
            const int64_t b0 = k * kBucketsPerCoarse;
            const int64_t b1 = std::min(buckets, b0 + kBucketsPerCoarse);
            float mn = kInf, mx = -kInf;
            for (int64_t b = b0; b < b1; ++b) {
                mn = std::min(mn, src[static_cast<size_t>(2 * b)]);
                mx = std::max(mx, src[static_cast<size_t>(2 * b + 1)]);
            }
            dst[static_cast<size_t>(2 * k)] = mn;
            dst[static_cast<size_t>(2 * k + 1)] = mx;
        }
    }
}

void PeakData::columns(int channel, int64_t firstFrame, double framesPerPixel, int count, float* mins, float* maxs) const {
    const int64_t buckets = bucketCount();
    const bool validChannel = channel < channels;
    const int c0 = channel < 0 ? 0 : channel;
    const int c1 = channel < 0 ? channels : channel + 1;
    const bool haveCoarse = coarse.size() == fine.size() && !coarse.empty();
    for (int i = 0; i < count; ++i) {
        const double s = static_cast<double>(firstFrame) + i * framesPerPixel;
        int64_t start = static_cast<int64_t>(std::floor(s));
        int64_t end = static_cast<int64_t>(std::ceil(s + framesPerPixel));
        if (end <= start) end = start + 1;
        start = std::max<int64_t>(start, 0);
        end = std::min<int64_t>(end, frames);
        if (!validChannel || start >= end || buckets == 0) {
            mins[i] = 0.0f;
            maxs[i] = 0.0f;
            continue;
        }
        const int64_t b0 = start / kBucketFrames;
        const int64_t b1 = std::min(buckets, (end + kBucketFrames - 1) / kBucketFrames);
        float mn = kInf, mx = -kInf;
        for (int c = c0; c < c1; ++c) {
            const float* f = fine[static_cast<size_t>(c)].data();
            auto fineRange = [&](int64_t from, int64_t to) {
                for (int64_t b = from; b < to; ++b) {
                    mn = std::min(mn, f[2 * b]);
                    mx = std::max(mx, f[2 * b + 1]);
                }
            };
            // Whole coarse entries inside [b0, b1) replace 16 fine buckets each;
            // the ragged ends stay at bucket resolution, so the answer is the same.
            const int64_t k0 = (b0 + kBucketsPerCoarse - 1) / kBucketsPerCoarse;
            const int64_t k1 = b1 / kBucketsPerCoarse;
            if (haveCoarse && k1 > k0) {
                fineRange(b0, k0 * kBucketsPerCoarse);
                const float* g = coarse[static_cast<size_t>(c)].data();
                for (int64_t k = k0; k < k1; ++k) {
                    mn = std::min(mn, g[2 * k]);
                    mx = std::max(mx, g[2 * k + 1]);
                }
                fineRange(k1 * kBucketsPerCoarse, b1);
            } else {
                fineRange(b0, b1);
            }
        }
        mins[i] = mn;
        maxs[i] = mx;
    }
}

QString PeakCache::cachePathFor(const QString& audioPath) {
    return audioPath + QLatin1String(kSuffix);
}

std::optional<PeakData> PeakCache::build(const QString& audioPath, QString& error, const std::atomic<bool>* cancel) {
    if (!QFileInfo::exists(audioPath)) {
        error = QStringLiteral("cannot draw '%1': the file does not exist").arg(audioPath);
        return std::nullopt;
    }
    SndFile file;
    file.handle = sf_open(QFile::encodeName(audioPath).constData(), SFM_READ, &file.info);
    if (!file.handle) {
        error = QStringLiteral("cannot draw '%1': not an audio file libsndfile can read (%2)").arg(audioPath, QString::fromUtf8(sf_strerror(nullptr)));
        return std::nullopt;
    }
    const SF_INFO& info = file.info;
    if (info.frames <= 0) {
        error = QStringLiteral("cannot draw '%1': it holds no audio (0 frames)").arg(audioPath);
        return std::nullopt;
    }
    if (info.channels < 1 || info.channels > kMaxChannels) {
        error = QStringLiteral("cannot draw '%1': %2 channels (1 to %3 are drawn)").arg(audioPath).arg(info.channels).arg(kMaxChannels);
        return std::nullopt;
    }

    PeakData data;
    data.channels = info.channels;
    data.sampleRate = info.samplerate;
    data.frames = info.frames;
    const int64_t buckets = bucketsFor(info.frames);
    // Frames the file promises but does not deliver (a truncated take) stay 0 / 0,
    // which is what playback makes of them too: silence.
    data.fine.assign(static_cast<size_t>(info.channels), std::vector<float>(static_cast<size_t>(2 * buckets), 0.0f));

    const int ch = info.channels;
    std::vector<float> chunk(static_cast<size_t>(kReadChunkFrames) * static_cast<size_t>(ch));
    static_assert(kReadChunkFrames % PeakData::kBucketFrames == 0, "chunks hold whole buckets");
    int64_t bucket = 0;
    while (bucket < buckets) {
        if (cancelled(cancel)) {
            error = QStringLiteral("reading '%1' for its overview was cancelled").arg(audioPath);
            return std::nullopt;
        }
        const sf_count_t got = sf_readf_float(file.handle, chunk.data(), kReadChunkFrames);
        if (got <= 0) break;
        const int64_t n = got;
        for (int64_t start = 0; start < n; start += PeakData::kBucketFrames, ++bucket) {
            const int64_t end = std::min<int64_t>(n, start + PeakData::kBucketFrames);
            if (ch == 1) {
                const float* x = chunk.data() + start;
                float mn = x[0], mx = x[0];
                for (int64_t i = 1; i < end - start; ++i) {
                    mn = std::min(mn, x[i]);
                    mx = std::max(mx, x[i]);
                }
                data.fine[0][static_cast<size_t>(2 * bucket)] = mn;
                data.fine[0][static_cast<size_t>(2 * bucket + 1)] = mx;
            } else {
                for (int c = 0; c < ch; ++c) {
                    const float* x = chunk.data() + start * ch + c;
                    float mn = x[0], mx = x[0];
                    for (int64_t i = 1; i < end - start; ++i) {
                        mn = std::min(mn, x[i * ch]);
                        mx = std::max(mx, x[i * ch]);
                    }
                    data.fine[static_cast<size_t>(c)][static_cast<size_t>(2 * bucket)] = mn;
                    data.fine[static_cast<size_t>(c)][static_cast<size_t>(2 * bucket + 1)] = mx;
                }
            }
        }
        if (got < kReadChunkFrames) break;
    }
    data.deriveCoarse();
    return data;
}

std::optional<PeakData> PeakCache::loadCache(const QString& audioPath, QString& why) {
    const QString cachePath = cachePathFor(audioPath);
    SourceStamp stamp;
    int statError = 0;
    if (!stampOf(audioPath, stamp, statError)) {
        why = QStringLiteral("'%1': %2").arg(audioPath, errnoText(statError));
        return std::nullopt;
    }
    QFile cache(cachePath);
    if (!cache.open(QIODevice::ReadOnly)) {
        why = QStringLiteral("no overview cache '%1'").arg(cachePath);
        return std::nullopt;
    }
    char raw[kHeaderBytes];
    if (cache.read(raw, kHeaderBytes) != kHeaderBytes || std::memcmp(raw, kMagic, 8) != 0) {
        why = QStringLiteral("'%1' is not an overview cache").arg(cachePath);
        return std::nullopt;
    }
    const Header h = decodeHeader(raw);
    if (h.version != kVersion || h.bucketFrames != PeakData::kBucketFrames || h.channels < 1 || h.channels > kMaxChannels
        || h.frames <= 0 || h.buckets != bucketsFor(h.frames) || !(h.sampleRate > 0.0)) {
        why = QStringLiteral("'%1' has an unknown version or a damaged header").arg(cachePath);
        return std::nullopt;
    }
    if (h.sourceSize != stamp.size || h.sourceMtimeNs != stamp.mtimeNs) {
        why = QStringLiteral("'%1' is older than its audio").arg(cachePath);
        return std::nullopt;
    }
    const int64_t payloadBytes = static_cast<int64_t>(h.channels) * h.buckets * 2 * static_cast<int64_t>(sizeof(float));
    if (cache.size() != kHeaderBytes + payloadBytes) {
        why = QStringLiteral("'%1' is truncated or has extra bytes").arg(cachePath);
        return std::nullopt;
    }
    // The frame count needs the audio's header: a file rewritten in place with
    // the same size and a preserved mtime still cannot pass with other frames.
    {
        SndFile audio;
        audio.handle = sf_open(QFile::encodeName(audioPath).constData(), SFM_READ, &audio.info);
        if (!audio.handle || audio.info.frames != h.frames || audio.info.channels != static_cast<int>(h.channels)) {
            why = QStringLiteral("'%1' does not describe its audio any more").arg(cachePath);
            return std::nullopt;
        }
    }

    PeakData data;
    data.channels = static_cast<int>(h.channels);
    data.sampleRate = h.sampleRate;
    data.frames = h.frames;
    data.loadedFromCache = true;
    data.fine.resize(h.channels);
    uint64_t hash = kHashSeed;
    const qint64 channelBytes = h.buckets * 2 * static_cast<qint64>(sizeof(float));
    for (auto& channel : data.fine) {
        channel.resize(static_cast<size_t>(2 * h.buckets));
        if (cache.read(reinterpret_cast<char*>(channel.data()), channelBytes) != channelBytes) {
            why = QStringLiteral("'%1' could not be read").arg(cachePath);
            return std::nullopt;
        }
        hash = hashWords(hash, channel.data(), channel.size());
    }
    if (hash != h.hash) {
        why = QStringLiteral("'%1' is damaged (its checksum does not match)").arg(cachePath);
        return std::nullopt;
    }
    data.deriveCoarse();
    return data;
}

std::optional<PeakData> PeakCache::loadOrBuild(const QString& audioPath, QString& error, const std::atomic<bool>* cancel) {
    error.clear();
    QString why;
    if (auto cached = loadCache(audioPath, why)) return cached;

    SourceStamp before;
    int statError = 0;
    if (!stampOf(audioPath, before, statError)) {
        error = statError == ENOENT ? QStringLiteral("cannot draw '%1': the file does not exist").arg(audioPath)
                                    : QStringLiteral("cannot draw '%1': %2").arg(audioPath, errnoText(statError));
        return std::nullopt;
    }
    std::optional<PeakData> data = build(audioPath, error, cancel);
    if (!data) return std::nullopt;

    // A file that changed while it was read (a take still being written) gets
    // no cache: its stamp would describe audio these peaks never saw.
    SourceStamp after;
    if (!stampOf(audioPath, after, statError) || after.size != before.size || after.mtimeNs != before.mtimeNs) {
        error = QStringLiteral("'%1' changed while its overview was drawn; the overview is not cached").arg(audioPath);
        return data;
    }

    Header h;
    h.version = kVersion;
    h.channels = static_cast<uint32_t>(data->channels);
    h.sampleRate = data->sampleRate;
    h.sourceSize = before.size;
    h.sourceMtimeNs = before.mtimeNs;
    h.frames = data->frames;
    h.bucketFrames = PeakData::kBucketFrames;
    h.buckets = data->bucketCount();
    uint64_t hash = kHashSeed;
    for (const auto& channel : data->fine) hash = hashWords(hash, channel.data(), channel.size());
    h.hash = hash;

    const qint64 channelBytes = h.buckets * 2 * static_cast<qint64>(sizeof(float));
    QByteArray bytes(kHeaderBytes + channelBytes * data->channels, Qt::Uninitialized);
    encodeHeader(h, bytes.data());
    char* out = bytes.data() + kHeaderBytes;
    for (const auto& channel : data->fine) {
        std::memcpy(out, channel.data(), static_cast<size_t>(channelBytes));
        out += channelBytes;
    }
    QString writeError;
    if (!writeFileAtomically(cachePathFor(audioPath), bytes, writeError))
        error = QStringLiteral("the overview of '%1' was drawn but not cached: %2").arg(audioPath, writeError);
    return data;
}

void LivePeaks::append(int64_t timelinePosition, float minValue, float maxValue) {
    if (minValue > maxValue) std::swap(minValue, maxValue);
    if (!positions_.empty() && timelinePosition <= positions_.back()) {
        mins_.back() = std::min(mins_.back(), minValue);
        maxs_.back() = std::max(maxs_.back(), maxValue);
        return;
    }
    positions_.push_back(timelinePosition);
    mins_.push_back(minValue);
    maxs_.push_back(maxValue);
}

void LivePeaks::clear() {
    positions_.clear();
    mins_.clear();
    maxs_.clear();
}

void LivePeaks::columns(int64_t firstPosition, double framesPerPixel, int count, float* mins, float* maxs, bool* covered) const {
    const size_t n = positions_.size();
    // Entry j stands for [positions_[j], positions_[j + 1]); the newest one for a single frame.
    auto entryEnd = [&](size_t j) { return j + 1 < n ? static_cast<double>(positions_[j + 1]) : static_cast<double>(positions_[j] + 1); };
    size_t j = 0;
    if (n > 0) {
        const auto it = std::upper_bound(positions_.begin(), positions_.end(), firstPosition);
        j = it == positions_.begin() ? 0 : static_cast<size_t>(it - positions_.begin()) - 1;
    }
    for (int i = 0; i < count; ++i) {
        const double s = static_cast<double>(firstPosition) + i * framesPerPixel;
        const double e = s + std::max(framesPerPixel, 1.0);
        while (j < n && entryEnd(j) <= s) ++j;
        float mn = kInf, mx = -kInf;
        for (size_t k = j; k < n && static_cast<double>(positions_[k]) < e; ++k) {
            mn = std::min(mn, mins_[k]);
            mx = std::max(mx, maxs_[k]);
        }
        const bool has = mn <= mx;
        mins[i] = has ? mn : 0.0f;
        maxs[i] = has ? mx : 0.0f;
        if (covered) covered[i] = has;
    }
}

} // namespace gainstage
