// One crash-safe take file. [disk thread, open() also control thread]
#include "core/TakeWriter.h"

#include <QFile>

#include <fcntl.h>
#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

namespace gainstage {

namespace {
constexpr int64_t kSilenceChunkFrames = 8192;
}

TakeWriter::~TakeWriter() {
    close();
}

QString TakeWriter::describeErrno(int error) {
    switch (error) {
    case ENOSPC: return QStringLiteral("The disk is full");
    case EDQUOT: return QStringLiteral("The disk quota is used up");
    case EIO: return QStringLiteral("The disk reported an input/output error");
    case EROFS: return QStringLiteral("The disk is read-only");
    case EFBIG: return QStringLiteral("The file is too large for this disk");
    case 0: return QStringLiteral("The disk refused the data");
    default: return QStringLiteral("The disk refused the data (%1)").arg(QString::fromLocal8Bit(std::strerror(error)));
    }
}

bool TakeWriter::open(const QString& path, int channels, int sampleRate, SampleFormat format) {
    path_ = path;
    channels_ = channels;
    sampleRate_ = sampleRate;
    bytesPerFrame_ = channels * (format == SampleFormat::Float32 ? 4 : 3);
    if (channels < 1 || channels > 64 || sampleRate < 1000 || sampleRate > 768000) {
        failed_ = true;
        error_ = QStringLiteral("cannot record '%1': %2 channels at %3 Hz is not supported").arg(path).arg(channels).arg(sampleRate);
        return false;
    }
    // O_EXCL: never replace an existing take; O_NOFOLLOW: never write through a planted symlink.
    fd_ = ::open(QFile::encodeName(path).constData(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd_ < 0) {
        const int error = errno;
        failed_ = true;
        errno_ = error;
        error_ = error == EEXIST ? QStringLiteral("cannot record '%1': a file of that name already exists").arg(path)
                                 : QStringLiteral("%1: cannot create '%2' (%3)").arg(describeErrno(error), path, QString::fromLocal8Bit(std::strerror(error)));
        return false;
    }
    SF_INFO info{};
    info.samplerate = sampleRate;
    info.channels = channels;
    info.format = SF_FORMAT_RF64 | (format == SampleFormat::Float32 ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_24);
    // SF_FALSE: libsndfile must not close our descriptor; close() does, after the last fdatasync.
    file_ = sf_open_fd(fd_, SFM_WRITE, &info, SF_FALSE);
    if (!file_) {
        const int error = errno;
        failed_ = true;
        errno_ = error;
        error_ = QStringLiteral("cannot record '%1': %2").arg(path, QString::fromUtf8(sf_strerror(nullptr)).simplified());
        ::close(fd_);
        fd_ = -1;
        ::unlink(QFile::encodeName(path).constData()); // empty: nothing recorded yet
        return false;
    }
    sf_command(file_, SFC_RF64_AUTO_DOWNGRADE, nullptr, SF_TRUE);
    sf_command(file_, SFC_SET_CLIPPING, nullptr, SF_TRUE);
    // A PEAK chunk would sit before the audio (see the header comment).
    sf_command(file_, SFC_SET_ADD_PEAK_CHUNK, nullptr, SF_FALSE);
    sf_command(file_, SFC_UPDATE_HEADER_NOW, nullptr, 0);
    struct stat status{};
    ::fstat(fd_, &status);
    dataOffset_ = status.st_size;
    // The new name must survive a power cut too, not just the data.
    const int folder = ::open(QFile::encodeName(path.left(path.lastIndexOf(QLatin1Char('/')) + 1) + QStringLiteral(".")).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folder >= 0) {
        ::fsync(folder);
        ::close(folder);
    }
    lastSync_ = std::chrono::steady_clock::now();
    return true;
}

bool TakeWriter::fail(int error, const QString& what) {
    failed_ = true;
    errno_ = error;
    error_ = QStringLiteral("%1: %2 '%3'").arg(describeErrno(error), what, path_);
    cutBackToWholeFrames();
    return false;
}

void TakeWriter::cutBackToWholeFrames() {
    if (fd_ < 0 || !file_) return;
    struct stat status{};
    if (::fstat(fd_, &status) != 0) return;
    const int64_t whole = std::max<int64_t>(0, (status.st_size - dataOffset_) / bytesPerFrame_);
    // Only a torn last frame goes: every whole frame the disk accepted stays.
    if (dataOffset_ + whole * bytesPerFrame_ < status.st_size) (void)!::ftruncate(fd_, dataOffset_ + whole * bytesPerFrame_);
    frames_ = whole;
    sf_command(file_, SFC_UPDATE_HEADER_NOW, nullptr, 0);
}

bool TakeWriter::write(const float* interleaved, int64_t frames) {
    if (!file_ || failed_) return false;
    if (frames <= 0) return true;
    if (throttle_.count() > 0) std::this_thread::sleep_for(throttle_);
    errno = 0;
    const sf_count_t written = sf_writef_float(file_, interleaved, frames);
    if (written != frames) {
        int error = errno;
        if (error == 0 && sf_error(file_) == SF_ERR_SYSTEM) {
            // libsndfile keeps the system error only as text.
            const QString text = QString::fromUtf8(sf_strerror(file_));
            if (text.contains(QString::fromLocal8Bit(std::strerror(ENOSPC)))) error = ENOSPC;
        }
        return fail(error, QStringLiteral("writing stopped in"));
    }
    frames_ += frames;
    // The header now counts these frames: a kill from here on loses none of them.
    sf_command(file_, SFC_UPDATE_HEADER_NOW, nullptr, 0);
    return true;
}

bool TakeWriter::writeSilence(int64_t frames) {
    static const std::vector<float> silence(static_cast<size_t>(kSilenceChunkFrames) * 64, 0.0f);
    while (frames > 0) {
        const int64_t count = std::min(frames, kSilenceChunkFrames);
        if (!write(silence.data(), count)) return false;
        frames -= count;
    }
    return true;
}

bool TakeWriter::syncIfDue(std::chrono::milliseconds interval) {
    if (fd_ < 0 || failed_) return !failed_;
    const auto now = std::chrono::steady_clock::now();
    if (now - lastSync_ < interval) return true;
    lastSync_ = now;
    if (::fdatasync(fd_) != 0) return fail(errno, QStringLiteral("syncing failed for"));
    return true;
}

bool TakeWriter::close() {
    if (!file_) return !failed_;
    bool ok = !failed_;
    if (sf_close(file_) != 0 && ok) {
        // Most likely the pad byte or the final header did not fit; the audio itself is there.
        ok = false;
        failed_ = true;
        errno_ = errno;
        error_ = QStringLiteral("%1: finishing '%2' failed").arg(describeErrno(errno_), path_);
    }
    file_ = nullptr;
    if (::fdatasync(fd_) != 0 && ok) {
        ok = false;
        failed_ = true;
        errno_ = errno;
        error_ = QStringLiteral("%1: syncing '%2' failed").arg(describeErrno(errno_), path_);
    }
    ::close(fd_);
    fd_ = -1;
    return ok;
}

} // namespace gainstage
