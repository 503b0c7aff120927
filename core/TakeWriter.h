#pragma once
// One take file on disk, written so that it reads in full at any moment.
//
// Format: WAV through libsndfile, 24-bit PCM (default) or 32-bit float, opened
// as RF64 with SFC_RF64_AUTO_DOWNGRADE: plain WAV while it is under 4 GiB,
// RF64 with an exact 64-bit frame count past it.
//
// Invariants (what makes a SIGKILL harmless):
// - After every chunk the header is rewritten (SFC_UPDATE_HEADER_NOW), so the
//   RIFF and data sizes lag the audio by at most the chunk being written.
//   libsndfile writes with plain write(2), so nothing sits in a user-space
//   buffer when the process dies.
// - No chunk other than fmt (and the JUNK placeholder RF64 reserves for its
//   ds64) precedes the audio: no bext, and the float PEAK chunk is turned off,
//   so the data chunk is the last one and any reader's "data runs to the end
//   of the file" rule, and Recovery, can rebuild the sizes from the file size.
// - syncIfDue() calls fdatasync at most every `syncInterval`; the disk thread
//   calls it after each drain, so the data is durable within about a second.
// - The file is created with O_EXCL: a take never replaces an existing file.
// - On a write error the file is cut back to whole frames and its header
//   rewritten, so what was written stays readable; errno is kept for the message.
//
// Threads: open() on the control or disk thread; everything else on the disk
// thread (one thread at a time, the object is not shared).

#include "core/AudioFile.h"

#include <QString>

#include <chrono>
#include <cstdint>

struct sf_private_tag;

namespace gainstage {

class TakeWriter {
public:
    TakeWriter() = default;
    ~TakeWriter(); // closes (finalises) the file if still open
    TakeWriter(const TakeWriter&) = delete;
    TakeWriter& operator=(const TakeWriter&) = delete;

    // [control or disk thread] Creates `path` (which must not exist). False with
    // error() on failure.
    bool open(const QString& path, int channels, int sampleRate, SampleFormat format);

    // [disk thread] Appends interleaved frames, then updates the header. False
    // when the disk refused them: the writer is then failed(), the file cut back
    // to whole frames with a correct header, and errorNumber()/error() say why.
    bool write(const float* interleaved, int64_t frames);
    // [disk thread] Appends `frames` of silence (used where frames were lost, to keep later audio aligned).
    bool writeSilence(int64_t frames);

    // [disk thread] fdatasync if the last one is older than `interval`. False on failure (failed() then).
    bool syncIfDue(std::chrono::milliseconds interval = std::chrono::milliseconds(1000));

    // [disk thread] Final header, fdatasync, close. Safe to call twice and after a failure.
    bool close();

    bool isOpen() const noexcept { return file_ != nullptr; }
    bool failed() const noexcept { return failed_; }
    int64_t framesWritten() const noexcept { return frames_; }
    int channels() const noexcept { return channels_; }
    int sampleRate() const noexcept { return sampleRate_; }
    int bytesPerFrame() const noexcept { return bytesPerFrame_; }
    const QString& path() const noexcept { return path_; }
    int errorNumber() const noexcept { return errno_; }
    // One line: the cause in words ("The disk is full" for ENOSPC), then the file.
    const QString& error() const noexcept { return error_; }

    // Test hook: sleep this long before every chunk written (slow-disk test).
    void setThrottleForTest(std::chrono::milliseconds delay) noexcept { throttle_ = delay; }

    // The words for an errno, as the user reads them ("The disk is full" for ENOSPC).
    static QString describeErrno(int error);

private:
    bool fail(int error, const QString& what);
    void cutBackToWholeFrames();

    sf_private_tag* file_ = nullptr;
    int fd_ = -1;
    QString path_;
    int channels_ = 0;
    int sampleRate_ = 0;
    int bytesPerFrame_ = 0;
    int64_t dataOffset_ = 0; // where the audio starts: the header's size right after open
    int64_t frames_ = 0;
    bool failed_ = false;
    int errno_ = 0;
    QString error_;
    std::chrono::steady_clock::time_point lastSync_{};
    std::chrono::milliseconds throttle_{0};
};

} // namespace gainstage
