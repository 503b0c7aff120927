// Export mixdown. Everything here runs on the caller's worker thread; nothing
// is shared with the engine.

#include "core/Mixdown.h"
#include "core/MixLaws.h"

#include "core/AtomicFile.h"
#include "core/AudioFile.h"
#include "dsp/AudioBlock.h"
#include "dsp/Meter.h"
#include "dsp/TruePeakDetector.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QTemporaryFile>

#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <numbers>
#include <utility>
#include <vector>

namespace gainstage {

namespace {

// As Engine/Track decide it: mute always wins; any solo silences the rest.
bool audible(const SessionTrack& track, bool anySolo) {
    return !track.mute && (!anySolo || track.solo) && faderGain(track.volumeDb) > 0.0f;
}

bool anySolo(const Session& session) {
    return std::any_of(session.tracks.begin(), session.tracks.end(), [](const SessionTrack& t) { return t.solo; });
}

QString trackLabel(const SessionTrack& track) {
    return track.name.isEmpty() ? track.id : track.name;
}

QString oneLine(const QString& text) {
    QString line = text.simplified();
    if (line.endsWith(QLatin1Char('.'))) line.chop(1);
    return line;
}

QString formatLevel(double db, const char* unit) {
    if (!std::isfinite(db)) return QStringLiteral("-inf %1").arg(QLatin1String(unit));
    return QStringLiteral("%1 %2").arg(db, 0, 'f', 1).arg(QLatin1String(unit));
}

QString formatGain(double db) {
    return QStringLiteral("%1%2 dB").arg(db >= 0.0 ? QStringLiteral("+") : QString()).arg(db, 0, 'f', 1);
}

QString formatDuration(int64_t frames, int sampleRate) {
    const int64_t ms = static_cast<int64_t>(std::llround(static_cast<double>(frames) * 1000.0 / sampleRate));
    return QStringLiteral("%1:%2.%3")
        .arg(ms / 60000)
        .arg((ms / 1000) % 60, 2, 10, QLatin1Char('0'))
        .arg(ms % 1000, 3, 10, QLatin1Char('0'));
}

double linearToDb(double value) {
    return value > 0.0 ? 20.0 * std::log10(value) : -std::numeric_limits<double>::infinity();
}

// The process umask without changing it: umask(2) can only be read by setting
// it, which would race with every other thread creating files meanwhile.
mode_t currentUmask() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (status.open(QIODevice::ReadOnly)) {
        for (const QByteArray& line : status.readAll().split('\n')) {
            if (!line.startsWith("Umask:")) continue;
            bool ok = false;
            const uint mask = line.mid(6).trimmed().toUInt(&ok, 8);
            if (ok) return static_cast<mode_t>(mask & 0777);
        }
    }
    return 022;
}

struct SndfileCloser {
    void operator()(SNDFILE* file) const noexcept {
        if (file) sf_close(file);
    }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

// ---------------------------------------------------------------------------
// The timeline of every audible track, read from the clip files.

struct SourceFile {
    SndfilePtr file;
    QString relative; // as the session names it
    int channels = 1;
    int64_t frames = 0;
    int64_t position = -1; // the frame sf_readf_float returns next; -1: seek first
};

struct PlacedClip {
    SourceFile* source = nullptr;
    int64_t timelineOffset = 0;
    int64_t sourceOffset = 0;
    int64_t begin = 0, end = 0; // where it is heard: its span less what lies outside the file
};

struct MixTrack {
    QString name;
    int channels = 1;
    float gain[2] = {0.0f, 0.0f};
    std::vector<PlacedClip> clips; // later ones on top
};

class MixSource {
public:
    bool open(const Session& session, const QString& folder, QString& error);
    bool usesFile(const QString& absolutePath) const { return paths_.count(QFileInfo(absolutePath).absoluteFilePath()) > 0; }
    // Adds the timeline [position, position + frames) into `left` / `right`.
    bool mix(int64_t position, int frames, float* left, float* right, QString& error);

private:
    bool readClip(const MixTrack& track, const PlacedClip& clip, int64_t from, int64_t to, int offset, QString& error);

    std::vector<std::unique_ptr<SourceFile>> files_;
    std::map<QString, SourceFile*> paths_;
    std::vector<MixTrack> tracks_;
    std::vector<float> fileBuffer_; // interleaved, as wide as the widest file
    std::vector<float> trackBuffer_[2];
    std::vector<std::pair<int64_t, int64_t>> gaps_, nextGaps_;
};

bool MixSource::open(const Session& session, const QString& folder, QString& error) {
    const bool solo = anySolo(session);
    int widest = 1;
    size_t mostClips = 1;
    for (const SessionTrack& track : session.tracks) {
        if (!audible(track, solo)) continue;
        MixTrack mixTrack;
        mixTrack.name = trackLabel(track);
        mixTrack.channels = track.input.stereo ? 2 : 1;
        float left = 0.0f, right = 0.0f;
        panGains(track.pan, track.input.stereo, left, right);
        const float volume = faderGain(track.volumeDb);
        mixTrack.gain[0] = volume * left;
        mixTrack.gain[1] = volume * right;
        for (const Clip& clip : track.clips) {
            if (clip.length <= 0) continue;
            QString why;
            const std::optional<QString> path = Session::resolveInside(folder, clip.file, why);
            if (!path) {
                error = QStringLiteral("cannot export: the clip '%1' on track '%2' cannot be used (%3)").arg(clip.file, mixTrack.name, oneLine(why));
                return false;
            }
            const QString key = QFileInfo(*path).absoluteFilePath();
            SourceFile*& source = paths_[key];
            if (!source) {
                if (!QFileInfo::exists(key)) {
                    error = QStringLiteral("cannot export: the file '%1' of track '%2' is missing. Put it back in the session folder, "
                                           "or remove the clip or mute the track, then export again")
                                .arg(clip.file, mixTrack.name);
                    paths_.erase(key);
                    return false;
                }
                SF_INFO info{};
                SndfilePtr file(sf_open(QFile::encodeName(key).constData(), SFM_READ, &info));
                if (!file || info.channels <= 0) {
                    error = QStringLiteral("cannot export: the file '%1' of track '%2' cannot be read (%3)")
                                .arg(clip.file, mixTrack.name, oneLine(QString::fromUtf8(sf_strerror(file.get()))));
                    paths_.erase(key);
                    return false;
                }
                if (info.samplerate != session.sampleRate) {
                    error = QStringLiteral("cannot export: '%1' (track '%2') was recorded at %3 Hz, but the session runs at %4 Hz. "
                                           "Convert the file to %4 Hz, or remove the clip, then export again")
                                .arg(clip.file, mixTrack.name)
                                .arg(info.samplerate)
                                .arg(session.sampleRate);
                    paths_.erase(key);
                    return false;
                }
                auto opened = std::make_unique<SourceFile>();
                opened->file = std::move(file);
                opened->relative = clip.file;
                opened->channels = info.channels;
                opened->frames = info.frames;
                widest = std::max(widest, info.channels);
                source = opened.get();
                files_.push_back(std::move(opened));
            }
            PlacedClip placed;
            placed.source = source;
            placed.timelineOffset = clip.timelineOffset;
            placed.sourceOffset = clip.sourceOffset;
            placed.begin = clip.timelineOffset + std::max<int64_t>(0, -clip.sourceOffset);
            placed.end = clip.timelineOffset + std::min(clip.length, source->frames - clip.sourceOffset);
            if (placed.end > placed.begin) mixTrack.clips.push_back(placed);
        }
        mostClips = std::max(mostClips, mixTrack.clips.size());
        if (!mixTrack.clips.empty()) tracks_.push_back(std::move(mixTrack));
    }
    fileBuffer_.resize(static_cast<size_t>(kMixdownBlockFrames) * static_cast<size_t>(widest));
    for (auto& buffer : trackBuffer_) buffer.resize(static_cast<size_t>(kMixdownBlockFrames));
    gaps_.reserve(mostClips + 1);
    nextGaps_.reserve(mostClips + 1);
    return true;
}

// Topmost clip first, each filling only what the clips above it left open,
// the rest silence: the DiskReader's rule, so hidden material is never read.
bool MixSource::mix(int64_t position, int frames, float* left, float* right, QString& error) {
    const int64_t blockEnd = position + frames;
    float* bus[2] = {left, right};
    for (const MixTrack& track : tracks_) {
        const bool touches = std::any_of(track.clips.begin(), track.clips.end(),
                                         [&](const PlacedClip& c) { return c.end > position && c.begin < blockEnd; });
        if (!touches) continue;
        for (int c = 0; c < track.channels; ++c) std::fill_n(trackBuffer_[c].data(), frames, 0.0f);
        gaps_.assign(1, {position, blockEnd});
        for (auto clip = track.clips.rbegin(); clip != track.clips.rend() && !gaps_.empty(); ++clip) {
            if (clip->end <= position || clip->begin >= blockEnd) continue;
            nextGaps_.clear();
            for (const auto& [from, to] : gaps_) {
                const int64_t a = std::max(from, clip->begin);
                const int64_t b = std::min(to, clip->end);
                if (a >= b) {
                    nextGaps_.emplace_back(from, to);
                    continue;
                }
                if (from < a) nextGaps_.emplace_back(from, a);
                if (!readClip(track, *clip, a, b, static_cast<int>(a - position), error)) return false;
                if (b < to) nextGaps_.emplace_back(b, to);
            }
            std::swap(gaps_, nextGaps_);
        }
        // The same arithmetic as Track::processBlock once its gain has settled.
        for (int side = 0; side < 2; ++side) {
            const float g = track.gain[side];
            if (g == 0.0f) continue;
            const float* source = trackBuffer_[track.channels == 2 ? side : 0].data();
            float* out = bus[side];
            for (int i = 0; i < frames; ++i) out[i] += g * source[i];
        }
    }
    return true;
}

bool MixSource::readClip(const MixTrack& track, const PlacedClip& clip, int64_t from, int64_t to, int offset, QString& error) {
    SourceFile& source = *clip.source;
    const int64_t fileFrame = clip.sourceOffset + (from - clip.timelineOffset);
    const int64_t count = to - from;
    if (source.position != fileFrame) {
        if (sf_seek(source.file.get(), fileFrame, SEEK_SET) != fileFrame) {
            source.position = -1;
            error = QStringLiteral("cannot export: '%1' (track '%2') could not be read at frame %3 (%4)")
                        .arg(source.relative, track.name)
                        .arg(fileFrame)
                        .arg(oneLine(QString::fromUtf8(sf_strerror(source.file.get()))));
            return false;
        }
        source.position = fileFrame;
    }
    const sf_count_t got = sf_readf_float(source.file.get(), fileBuffer_.data(), count);
    if (got != count) {
        source.position = -1;
        error = QStringLiteral("cannot export: reading '%1' (track '%2') failed at frame %3 (%4)")
                    .arg(source.relative, track.name)
                    .arg(fileFrame + std::max<sf_count_t>(got, 0))
                    .arg(oneLine(QString::fromUtf8(sf_strerror(source.file.get()))));
        return false;
    }
    source.position += got;
    const size_t fc = static_cast<size_t>(source.channels);
    for (int c = 0; c < track.channels; ++c) {
        const size_t channel = std::min(static_cast<size_t>(c), fc - 1);
        float* out = trackBuffer_[c].data() + offset;
        for (size_t i = 0; i < static_cast<size_t>(count); ++i) out[i] = fileBuffer_[i * fc + channel];
    }
    return true;
}

// ---------------------------------------------------------------------------
// Measuring: sample peak, true peak (BS.1770-4) and integrated loudness (R128).

class MixMeasure {
public:
    explicit MixMeasure(double sampleRate) {
        for (auto& detector : truePeak_) detector.prepare(sampleRate, kMixdownBlockFrames);
        loudness_.prepare(sampleRate, kMixdownBlockFrames, 2);
    }

    void add(float* left, float* right, int frames) {
        float* channels[2] = {left, right};
        for (int c = 0; c < 2; ++c) {
            float peak = 0.0f;
            for (int i = 0; i < frames; ++i) peak = std::max(peak, std::fabs(channels[c][i]));
            samplePeak_ = std::max(samplePeak_, peak);
            truePeakValue_ = std::max({truePeakValue_, peak, truePeak_[c].process(channels[c], frames)});
        }
        AudioBlock block(channels, 2, frames);
        loudness_.process(block);
    }

    // The interpolator lags the input by a few samples: zeros bring out the
    // peaks of the last ones.
    void finish() {
        float zeros[TruePeakDetector::kHalfBandTaps] = {};
        for (auto& detector : truePeak_) truePeakValue_ = std::max(truePeakValue_, detector.process(zeros, TruePeakDetector::kHalfBandTaps));
    }

    double peakDb() const { return linearToDb(samplePeak_); }
    double truePeakDb() const { return linearToDb(truePeakValue_); }
    double loudnessLufs() const {
        const double lufs = loudness_.integratedLufs();
        return std::isfinite(lufs) ? lufs : -std::numeric_limits<double>::infinity();
    }

private:
    TruePeakDetector truePeak_[2];
    LoudnessMeter loudness_;
    float samplePeak_ = 0.0f;
    float truePeakValue_ = 0.0f;
};

// ---------------------------------------------------------------------------
// Writing: a temporary file beside the output, renamed over it when complete.

class MixWriter {
public:
    bool open(const MixdownOptions& options, int sampleRate, int64_t frames, QString& error);
    bool write(const float* left, const float* right, int frames, QString& error);
    bool commit(QString& error);
    int64_t clippedSamples() const { return clipped_; }

private:
    float nextUniform() noexcept {
        ditherState_ = ditherState_ * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<float>(ditherState_ >> 40) * (1.0f / 16777216.0f);
    }
    template <typename Int>
    void quantise(const float* left, const float* right, int frames, Int* out, float scale, int32_t lowest, int32_t highest,
                  int shift, bool dither) noexcept;

    QString path_;
    MixdownOptions::Format format_ = MixdownOptions::Format::Pcm24;
    bool ditherOn_ = false;
    uint64_t ditherState_ = 0x2545F4914F6CDD1DULL;
    int64_t clipped_ = 0;
    std::unique_ptr<QTemporaryFile> temporary_;
    SndfilePtr file_; // after temporary_: closed before the temporary file is removed
    std::vector<float> floats_;
    std::vector<int16_t> shorts_;
    std::vector<int32_t> ints_;
};

bool MixWriter::open(const MixdownOptions& options, int sampleRate, int64_t frames, QString& error) {
    path_ = options.outputPath;
    format_ = options.format;
    ditherOn_ = options.dither && options.format == MixdownOptions::Format::Pcm16;
    const QFileInfo target(path_);
    temporary_ = std::make_unique<QTemporaryFile>(target.absoluteDir().filePath(QStringLiteral(".%1.XXXXXX.partial").arg(target.fileName())));
    if (!temporary_->open()) {
        error = QStringLiteral("cannot write '%1': %2").arg(path_, oneLine(temporary_->errorString()));
        return false;
    }
    SF_INFO info{};
    info.samplerate = sampleRate;
    info.channels = 2;
    const int subtype = options.format == MixdownOptions::Format::Pcm16   ? SF_FORMAT_PCM_16
                        : options.format == MixdownOptions::Format::Pcm24 ? SF_FORMAT_PCM_24
                                                                          : SF_FORMAT_FLOAT;
    // The length is known in advance: plain WAV, which every player reads,
    // unless the data would pass WAV's 4 GiB limit.
    const int64_t bytesPerFrame = options.format == MixdownOptions::Format::Pcm16 ? 4 : options.format == MixdownOptions::Format::Pcm24 ? 6 : 8;
    const bool large = frames * bytesPerFrame > (int64_t{1} << 32) - (int64_t{1} << 20);
    const int container = options.container == MixdownOptions::Container::Flac ? SF_FORMAT_FLAC : large ? SF_FORMAT_RF64 : SF_FORMAT_WAV;
    info.format = container | subtype;
    if (!sf_format_check(&info)) {
        error = QStringLiteral("cannot write '%1': this libsndfile cannot write %2 at %3 Hz")
                    .arg(path_, mixdownFormatName(options.container, options.format))
                    .arg(sampleRate);
        return false;
    }
    file_.reset(sf_open_fd(temporary_->handle(), SFM_WRITE, &info, SF_FALSE));
    if (!file_) {
        error = QStringLiteral("cannot write '%1': %2").arg(path_, oneLine(QString::fromUtf8(sf_strerror(nullptr))));
        return false;
    }
    const size_t samples = static_cast<size_t>(kMixdownBlockFrames) * 2;
    if (format_ == MixdownOptions::Format::Float32) floats_.resize(samples);
    else if (format_ == MixdownOptions::Format::Pcm16) shorts_.resize(samples);
    else ints_.resize(samples);
    return true;
}

// Rounds to the nearest step (after the dither, when on) and clamps to full
// scale, counting what had to be clamped.
template <typename Int>
void MixWriter::quantise(const float* left, const float* right, int frames, Int* out, float scale, int32_t lowest, int32_t highest,
                         int shift, bool dither) noexcept {
    const float* sides[2] = {left, right};
    for (int i = 0; i < frames; ++i) {
        for (int c = 0; c < 2; ++c) {
            float v = sides[c][i] * scale;
            if (dither) v += nextUniform() - nextUniform(); // TPDF, +-1 LSB
            long rounded = std::lrint(v);
            if (rounded > highest || rounded < lowest) {
                ++clipped_;
                rounded = std::clamp<long>(rounded, lowest, highest);
            }
            out[static_cast<size_t>(i) * 2 + static_cast<size_t>(c)] = static_cast<Int>(static_cast<int32_t>(rounded) * (1 << shift));
        }
    }
}

bool MixWriter::write(const float* left, const float* right, int frames, QString& error) {
    sf_count_t written = 0;
    switch (format_) {
    case MixdownOptions::Format::Float32:
        for (int i = 0; i < frames; ++i) {
            floats_[static_cast<size_t>(i) * 2] = left[i];
            floats_[static_cast<size_t>(i) * 2 + 1] = right[i];
        }
        written = sf_writef_float(file_.get(), floats_.data(), frames);
        break;
    case MixdownOptions::Format::Pcm16:
        quantise(left, right, frames, shorts_.data(), 32768.0f, -32768, 32767, 0, ditherOn_);
        written = sf_writef_short(file_.get(), shorts_.data(), frames);
        break;
    case MixdownOptions::Format::Pcm24:
        // libsndfile takes 24-bit samples in the top bits of an int.
        quantise(left, right, frames, ints_.data(), 8388608.0f, -8388608, 8388607, 8, false);
        written = sf_writef_int(file_.get(), ints_.data(), frames);
        break;
    }
    if (written != frames) {
        error = QStringLiteral("cannot write '%1': %2 (is the disk full?)").arg(path_, oneLine(QString::fromUtf8(sf_strerror(file_.get()))));
        return false;
    }
    return true;
}

bool MixWriter::commit(QString& error) {
    if (sf_close(file_.release()) != 0) {
        error = QStringLiteral("cannot write '%1': finishing the file failed (is the disk full?)").arg(path_);
        return false;
    }
    // Decided before the rename: afterwards `path_` is the new file.
    struct stat existing{};
    const mode_t mode = ::stat(QFile::encodeName(path_).constData(), &existing) == 0 ? (existing.st_mode & 07777) : (0666 & ~currentUmask());
    if (::fsync(temporary_->handle()) != 0 || ::fchmod(temporary_->handle(), mode) != 0) {
        error = QStringLiteral("cannot write '%1': the disk refused the data (%2)").arg(path_, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    temporary_->setAutoRemove(false);
    temporary_->close();
    const QString temporaryName = temporary_->fileName();
    if (::rename(QFile::encodeName(temporaryName).constData(), QFile::encodeName(path_).constData()) != 0) {
        error = QStringLiteral("cannot write '%1': could not move the finished file into place (%2)")
                    .arg(path_, QString::fromLocal8Bit(std::strerror(errno)));
        QFile::remove(temporaryName);
        return false;
    }
    syncFolder(QFileInfo(path_).absolutePath()); // makes the rename itself survive a power cut
    return true;
}

// ---------------------------------------------------------------------------

class ProgressReporter {
public:
    explicit ProgressReporter(const std::function<void(double)>& callback) : callback_(callback) {}
    void report(double fraction) {
        if (!callback_) return;
        const auto now = std::chrono::steady_clock::now();
        if (reported_ && now - last_ < kInterval) return;
        reported_ = true;
        last_ = now;
        callback_(fraction);
    }
    void done() {
        if (callback_) callback_(1.0);
    }

private:
    static constexpr std::chrono::milliseconds kInterval{20}; // 50 a second at most
    const std::function<void(double)>& callback_;
    std::chrono::steady_clock::time_point last_{};
    bool reported_ = false;
};

QString checkOptions(const MixdownOptions& options) {
    const QString& path = options.outputPath;
    if (path.trimmed().isEmpty()) return QStringLiteral("no output file: choose where to save the mix");
    const QString suffix = QFileInfo(path).suffix().toLower();
    const bool flac = options.container == MixdownOptions::Container::Flac;
    if (suffix != QLatin1String("wav") && suffix != QLatin1String("flac"))
        return QStringLiteral("cannot export to '%1': the name must end in .wav or .flac").arg(path);
    if (flac != (suffix == QLatin1String("flac")))
        return QStringLiteral("cannot export to '%1': the name ends in .%2 but the format is %3; make them agree")
            .arg(path, suffix, flac ? QStringLiteral("FLAC") : QStringLiteral("WAV"));
    if (flac && options.format == MixdownOptions::Format::Float32)
        return QStringLiteral("FLAC cannot hold 32-bit float: choose 16-bit or 24-bit for FLAC, or WAV for 32-bit float");
    if (options.normalise != MixdownOptions::Normalise::None) {
        const float target = options.normaliseTarget;
        if (!std::isfinite(target) || target < -60.0f || target > 0.0f) {
            const char* unit = options.normalise == MixdownOptions::Normalise::PeakDbfs       ? "dBFS"
                               : options.normalise == MixdownOptions::Normalise::TruePeakDbtp ? "dBTP"
                                                                                             : "LUFS";
            return QStringLiteral("the normalise target must be between -60 and 0 %1").arg(QLatin1String(unit));
        }
    }
    if (options.rangeStart < 0) return QStringLiteral("cannot export: the range starts before the session (frame %1)").arg(options.rangeStart);
    return {};
}

} // namespace

int64_t mixdownEnd(const Session& session) {
    const bool solo = anySolo(session);
    int64_t end = 0;
    for (const SessionTrack& track : session.tracks) {
        if (!audible(track, solo)) continue;
        for (const Clip& clip : track.clips)
            if (clip.length > 0) end = std::max(end, clip.timelineOffset + clip.length);
    }
    return end;
}

QString mixdownFormatName(MixdownOptions::Container container, MixdownOptions::Format format) {
    const QString name = container == MixdownOptions::Container::Flac ? QStringLiteral("FLAC") : QStringLiteral("WAV");
    switch (format) {
    case MixdownOptions::Format::Pcm16: return name + QStringLiteral(" 16-bit");
    case MixdownOptions::Format::Pcm24: return name + QStringLiteral(" 24-bit");
    case MixdownOptions::Format::Float32: return name + QStringLiteral(" 32-bit float");
    }
    return name;
}

MixdownResult renderMixdown(const Session& session, const QString& sessionFolder, const MixdownOptions& options,
                            const std::function<void(double fraction)>& progress, const std::atomic<bool>& cancel) {
    MixdownResult result;
    auto fail = [&result](const QString& message) {
        result.error = message;
        return result;
    };
    auto cancelled = [&result]() {
        result.cancelled = true;
        result.error = QStringLiteral("export cancelled: nothing was written");
        return result;
    };

    if (const QString problem = checkOptions(options); !problem.isEmpty()) return fail(problem);
    if (session.sampleRate <= 0) return fail(QStringLiteral("cannot export: the session has no sample rate"));
    const int64_t start = options.rangeStart;
    const int64_t end = options.rangeEnd < 0 ? mixdownEnd(session) : options.rangeEnd;
    if (end <= start) return fail(QStringLiteral("nothing to export: the range is empty"));
    AudioFileError writable;
    if (!checkOutputWritable(options.outputPath, writable)) return fail(writable.message);

    MixSource source;
    QString error;
    if (!source.open(session, sessionFolder, error)) return fail(error);
    if (source.usesFile(options.outputPath))
        return fail(QStringLiteral("cannot export to '%1': a clip of the session plays that file; choose another name").arg(options.outputPath));

    const bool normalising = options.normalise != MixdownOptions::Normalise::None;
    const double total = static_cast<double>(end - start);
    const double passes = normalising ? 2.0 : 1.0;
    ProgressReporter reporter(progress);
    std::vector<float> left(static_cast<size_t>(kMixdownBlockFrames)), right(static_cast<size_t>(kMixdownBlockFrames));

    // One pass over the range: mix each block, then hand it to `use`.
    auto run = [&](int pass, float gain, auto&& use) -> bool {
        for (int64_t position = start; position < end;) {
            if (cancel.load(std::memory_order_relaxed)) return false;
            const int frames = static_cast<int>(std::min<int64_t>(kMixdownBlockFrames, end - position));
            std::fill_n(left.data(), frames, 0.0f);
            std::fill_n(right.data(), frames, 0.0f);
            if (!source.mix(position, frames, left.data(), right.data(), error)) return false;
            // A damaged clip file must not turn the whole export into noise or NaN.
            for (float* side : {left.data(), right.data()})
                for (int i = 0; i < frames; ++i) side[i] = std::isfinite(side[i]) ? side[i] * gain : 0.0f;
            if (!use(frames)) return false;
            position += frames;
            reporter.report((pass + static_cast<double>(position - start) / total) / passes);
        }
        return true;
    };

    double gainDb = 0.0;
    bool silent = false;
    reporter.report(0.0);
    if (normalising) {
        MixMeasure before(session.sampleRate);
        const bool done = run(0, 1.0f, [&](int frames) {
            before.add(left.data(), right.data(), frames);
            return true;
        });
        if (!done) return error.isEmpty() ? cancelled() : fail(error);
        before.finish();
        const double target = options.normaliseTarget;
        double measured = 0.0;
        switch (options.normalise) {
        case MixdownOptions::Normalise::PeakDbfs: measured = before.peakDb(); break;
        case MixdownOptions::Normalise::TruePeakDbtp: measured = before.truePeakDb(); break;
        case MixdownOptions::Normalise::LoudnessLufs: measured = before.loudnessLufs(); break;
        case MixdownOptions::Normalise::None: break;
        }
        silent = !std::isfinite(measured);
        if (!silent) {
            gainDb = target - measured;
            if (options.normalise == MixdownOptions::Normalise::LoudnessLufs) {
                const double ceiling = MixdownOptions::kLoudnessCeilingDbtp - before.truePeakDb();
                if (gainDb > ceiling) {
                    gainDb = ceiling;
                    result.gainCapped = true;
                }
            }
        }
    }

    MixWriter writer;
    if (!writer.open(options, session.sampleRate, end - start, error)) return fail(error);
    MixMeasure after(session.sampleRate);
    const float gain = static_cast<float>(std::pow(10.0, gainDb / 20.0));
    const bool written = run(normalising ? 1 : 0, gain, [&](int frames) {
        after.add(left.data(), right.data(), frames);
        return writer.write(left.data(), right.data(), frames, error);
    });
    if (!written) return error.isEmpty() ? cancelled() : fail(error);
    if (cancel.load(std::memory_order_relaxed)) return cancelled();
    if (!writer.commit(error)) return fail(error);
    after.finish();
    reporter.done();

    result.ok = true;
    result.frames = end - start;
    result.peakDbfs = after.peakDb();
    result.truePeakDbtp = after.truePeakDb();
    result.loudnessLufs = after.loudnessLufs();
    result.gainAppliedDb = gainDb;
    result.clippedSamples = writer.clippedSamples();

    const QLocale locale = QLocale::system();
    QString summary = QStringLiteral("Exported %1 (%2 frames) to '%3' as %4. Peak %5, true peak %6, loudness %7, gain applied %8.")
                          .arg(formatDuration(result.frames, session.sampleRate), locale.toString(static_cast<qlonglong>(result.frames)),
                               QFileInfo(options.outputPath).fileName(), mixdownFormatName(options.container, options.format),
                               formatLevel(result.peakDbfs, "dBFS"), formatLevel(result.truePeakDbtp, "dBTP"),
                               formatLevel(result.loudnessLufs, "LUFS"), formatGain(gainDb));
    if (silent) summary += QStringLiteral(" The mix is silent, so it was not normalised.");
    if (result.gainCapped)
        summary += QStringLiteral(" Loudness capped at %1 (target %2 LUFS) to keep the true peak at or below %3 dBTP.")
                       .arg(formatLevel(result.loudnessLufs, "LUFS"))
                       .arg(options.normaliseTarget, 0, 'f', 1)
                       .arg(MixdownOptions::kLoudnessCeilingDbtp, 0, 'f', 1);
    if (result.clippedSamples > 0)
        summary += QStringLiteral(" %1 samples were beyond full scale and were clipped: lower the track volumes or normalise.")
                       .arg(locale.toString(static_cast<qlonglong>(result.clippedSamples)));
    result.summary = summary;
    return result;
}

} // namespace gainstage
