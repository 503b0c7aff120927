// Whole-file audio I/O with libsndfile, and the atomic write. [any thread but the audio thread]
#include "core/AudioFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryFile>

#include <fcntl.h>
#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace gainstage {

namespace {

constexpr sf_count_t kChunkFrames = 65536;
// Reads go through an interleaved buffer of at most this many samples, so a
// file declaring 1024 channels does not need a 256 MB buffer.
constexpr sf_count_t kReadChunkSamples = 1 << 19;

// Error texts go on one line of a terminal; libsndfile's sometimes carry newlines.
QString oneLine(const QString& text) {
    return text.simplified();
}

QString withoutFinalPeriod(QString text) {
    if (text.endsWith(QLatin1Char('.'))) text.chop(1);
    return text;
}

QString errnoText() {
    return QString::fromLocal8Bit(std::strerror(errno));
}

// The temporary file of the write in progress, for the signal handler. A plain
// char array and a sig_atomic_t flag: nothing else may be touched from a handler.
char g_partialPath[4096];
volatile std::sig_atomic_t g_partialPathSet = 0;

// Publishes the temporary name while a write is in progress. Cleared after the
// rename; an unlink of a name that is gone by then does no harm.
class PartialFileGuard {
public:
    explicit PartialFileGuard(const QString& temporaryPath) {
        const QByteArray encoded = QFile::encodeName(temporaryPath);
        if (encoded.size() >= static_cast<qsizetype>(sizeof(g_partialPath))) return;
        std::memcpy(g_partialPath, encoded.constData(), static_cast<size_t>(encoded.size()) + 1);
        g_partialPathSet = 1;
    }
    ~PartialFileGuard() { g_partialPathSet = 0; }
    PartialFileGuard(const PartialFileGuard&) = delete;
    PartialFileGuard& operator=(const PartialFileGuard&) = delete;
};

// QTemporaryFile creates 0600; a rendered file should be as readable as any
// other the user creates.
mode_t permissionsForNewFile() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return 0666 & ~mask;
}

mode_t currentMode(const QString& path) {
    struct stat status{};
    if (::stat(QFile::encodeName(path).constData(), &status) != 0) return permissionsForNewFile();
    return status.st_mode & 07777;
}

void syncFolder(const QString& folder) {
    const int fd = ::open(QFile::encodeName(folder).constData(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

bool writeFrames(SNDFILE* file, const AudioData& audio) {
    const int channels = audio.numChannels();
    const long long frames = audio.numFrames();
    std::vector<float> interleaved(static_cast<size_t>(kChunkFrames) * static_cast<size_t>(channels));
    for (long long start = 0; start < frames; start += kChunkFrames) {
        const long long count = std::min<long long>(kChunkFrames, frames - start);
        for (long long frame = 0; frame < count; ++frame)
            for (int c = 0; c < channels; ++c)
                interleaved[static_cast<size_t>(frame * channels + c)] = audio.channels[static_cast<size_t>(c)][static_cast<size_t>(start + frame)];
        if (sf_writef_float(file, interleaved.data(), count) != count) return false;
    }
    return true;
}

// Encodes `audio` as WAV into the open descriptor `fd`, which stays open.
bool encodeInto(int fd, const AudioData& audio, SampleFormat format, const QString& path, AudioFileError& error) {
    SF_INFO info{};
    info.samplerate = static_cast<int>(audio.sampleRate);
    info.channels = audio.numChannels();
    info.format = SF_FORMAT_RF64 | (format == SampleFormat::Float32 ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_24);
    SNDFILE* file = sf_open_fd(fd, SFM_WRITE, &info, SF_FALSE);
    if (!file) {
        error.message = QStringLiteral("cannot write '%1': %2").arg(path, oneLine(QString::fromUtf8(sf_strerror(nullptr))));
        return false;
    }
    // Stays plain WAV unless it passes 4 GiB; integer formats clip rather than wrap.
    sf_command(file, SFC_RF64_AUTO_DOWNGRADE, nullptr, SF_TRUE);
    sf_command(file, SFC_SET_CLIPPING, nullptr, SF_TRUE);

    bool ok = writeFrames(file, audio);
    if (!ok) error.message = QStringLiteral("cannot write '%1': %2 (is the disk full?)").arg(path, oneLine(QString::fromUtf8(sf_strerror(file))));
    if (sf_close(file) != 0 && ok) {
        ok = false;
        error.message = QStringLiteral("cannot write '%1': finishing the file failed (is the disk full?)").arg(path);
    }
    return ok;
}

// libsndfile's messages are decent but terse; name the file and say what to do.
QString describeOpenFailure(const QString& path) {
    const QFileInfo info(path);
    if (!info.exists()) return QStringLiteral("cannot read '%1': no such file").arg(path);
    if (info.isDir()) return QStringLiteral("cannot read '%1': it is a folder, not an audio file").arg(path);
    if (!info.isReadable()) return QStringLiteral("cannot read '%1': permission denied").arg(path);
    if (info.size() == 0) return QStringLiteral("cannot read '%1': the file is empty").arg(path);
    return QStringLiteral("cannot read '%1': not an audio file Gainstage can read (%2); expected WAV, AIFF, FLAC, OGG or another format libsndfile reads")
        .arg(path, withoutFinalPeriod(oneLine(QString::fromUtf8(sf_strerror(nullptr)))));
}

} // namespace

std::optional<AudioData> readAudioFile(const QString& path, AudioFileError& error, long long maxSamples) {
    SF_INFO info{};
    SNDFILE* file = sf_open(QFile::encodeName(path).constData(), SFM_READ, &info);
    if (!file) {
        error.message = describeOpenFailure(path);
        return std::nullopt;
    }
    if (info.channels <= 0 || info.samplerate <= 0) {
        sf_close(file);
        error.message = QStringLiteral("cannot read '%1': it declares %2 channels at %3 Hz").arg(path).arg(info.channels).arg(info.samplerate);
        return std::nullopt;
    }
    if (info.channels > kMaxReadChannels) {
        sf_close(file);
        error.message = QStringLiteral("cannot read '%1': it has %2 channels; Gainstage reads up to %3 (split it into files of fewer channels, e.g. with sox)")
                            .arg(path)
                            .arg(info.channels)
                            .arg(kMaxReadChannels);
        return std::nullopt;
    }
    if (info.samplerate < kMinReadSampleRate || info.samplerate > kMaxReadSampleRate) {
        sf_close(file);
        error.message = QStringLiteral("cannot read '%1': its sample rate is %2 Hz; Gainstage reads %3 to %4 Hz (convert it, e.g. with sox, or check that the file is not damaged)")
                            .arg(path)
                            .arg(info.samplerate)
                            .arg(kMinReadSampleRate)
                            .arg(kMaxReadSampleRate);
        return std::nullopt;
    }
    const long long channels = info.channels;
    const long long maxFrames = std::max(0LL, maxSamples) / channels;
    const auto tooLong = [&] {
        return QStringLiteral("cannot read '%1': it is longer than Gainstage loads at once (more than %2 frames of %3 channels, %4 samples); split it into shorter files")
            .arg(path)
            .arg(maxFrames)
            .arg(channels)
            .arg(maxSamples);
    };
    // SF_COUNT_MAX means "unknown length" (libsndfile reads until the data ends).
    if (info.frames > maxFrames && info.frames != SF_COUNT_MAX) {
        sf_close(file);
        error.message = tooLong();
        return std::nullopt;
    }

    AudioData audio;
    audio.sampleRate = info.samplerate;
    audio.channels.assign(static_cast<size_t>(channels), {});
    // The declared length is only a hint: reserve no more than the file could
    // hold at one byte per frame, so a lying header costs nothing.
    const long long fileBytes = QFileInfo(path).size();
    const long long reserve = std::min<long long>({static_cast<long long>(std::max<sf_count_t>(info.frames, 0)), fileBytes, maxFrames});
    for (auto& channel : audio.channels) channel.reserve(static_cast<size_t>(reserve));

    const sf_count_t chunkFrames = std::max<sf_count_t>(1, kReadChunkSamples / channels);
    std::vector<float> interleaved(static_cast<size_t>(chunkFrames * channels));
    long long total = 0;
    for (;;) {
        const sf_count_t got = sf_readf_float(file, interleaved.data(), chunkFrames);
        if (got <= 0) break;
        total += got;
        if (total > maxFrames) {
            sf_close(file);
            error.message = tooLong();
            return std::nullopt;
        }
        for (sf_count_t frame = 0; frame < got; ++frame)
            for (long long c = 0; c < channels; ++c)
                audio.channels[static_cast<size_t>(c)].push_back(interleaved[static_cast<size_t>(frame * channels + c)]);
    }
    const int status = sf_error(file);
    sf_close(file);
    if (status != SF_ERR_NO_ERROR) {
        error.message = QStringLiteral("cannot read '%1': %2").arg(path, oneLine(QString::fromUtf8(sf_error_number(status))));
        return std::nullopt;
    }
    return audio;
}

bool writeAudioFileAtomically(const QString& path, const AudioData& audio, SampleFormat format, AudioFileError& error) {
    const QFileInfo target(path);
    const QDir directory = target.absoluteDir();
    if (!directory.exists()) {
        error.message = QStringLiteral("cannot write '%1': the folder '%2' does not exist").arg(path, directory.path());
        return false;
    }
    QTemporaryFile temporary(directory.filePath(QStringLiteral(".%1.XXXXXX.partial").arg(target.fileName())));
    if (!temporary.open()) {
        error.message = QStringLiteral("cannot write '%1': %2").arg(path, oneLine(temporary.errorString()));
        return false;
    }
    PartialFileGuard guard(temporary.fileName());
    // Decided before the rename: afterwards `path` is the new file.
    const mode_t mode = target.exists() ? currentMode(path) : permissionsForNewFile();

    if (!encodeInto(temporary.handle(), audio, format, path, error)) return false; // QTemporaryFile removes the partial file
    if (::fsync(temporary.handle()) != 0 || ::fchmod(temporary.handle(), mode) != 0) {
        error.message = QStringLiteral("cannot write '%1': the disk refused the data (%2)").arg(path, errnoText());
        return false;
    }
    temporary.setAutoRemove(false);
    temporary.close();
    if (::rename(QFile::encodeName(temporary.fileName()).constData(), QFile::encodeName(path).constData()) != 0) {
        error.message = QStringLiteral("cannot write '%1': could not move the finished file into place (%2)").arg(path, errnoText());
        QFile::remove(temporary.fileName());
        return false;
    }
    syncFolder(directory.path()); // makes the rename itself survive a power cut
    return true;
}

std::optional<int> audioFileSampleRate(const QString& path) {
    SF_INFO info{};
    SNDFILE* file = sf_open(QFile::encodeName(path).constData(), SFM_READ, &info);
    if (!file) return std::nullopt;
    sf_close(file);
    return info.samplerate;
}

bool checkOutputWritable(const QString& path, AudioFileError& error) {
    const QFileInfo target(path);
    const QDir directory = target.absoluteDir();
    if (!directory.exists()) {
        error.message = QStringLiteral("cannot write '%1': the folder '%2' does not exist").arg(path, directory.path());
        return false;
    }
    if (target.isDir()) {
        error.message = QStringLiteral("cannot write '%1': it is a folder").arg(path);
        return false;
    }
    QTemporaryFile probe(directory.filePath(QStringLiteral(".%1.XXXXXX.probe").arg(target.fileName())));
    if (!probe.open()) {
        error.message = QStringLiteral("cannot write '%1': the folder '%2' does not accept new files (%3)")
                            .arg(path, directory.path(), oneLine(probe.errorString()));
        return false;
    }
    return true; // the probe removes itself
}

void removePartialOutputFromSignalHandler() noexcept {
    if (g_partialPathSet) ::unlink(g_partialPath);
}

} // namespace gainstage
