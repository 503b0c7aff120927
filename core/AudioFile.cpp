#include "core/AudioFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryFile>

#include <sndfile.h>
#include <unistd.h>

#include <algorithm>

namespace gainstage {

namespace {

constexpr sf_count_t kChunkFrames = 65536;

// libsndfile's messages are decent but terse; name the file and say what to do.
QString describeOpenFailure(const QString& path) {
    const QFileInfo info(path);
    if (!info.exists()) return QStringLiteral("cannot read '%1': no such file").arg(path);
    if (info.isDir()) return QStringLiteral("cannot read '%1': it is a folder, not an audio file").arg(path);
    if (!info.isReadable()) return QStringLiteral("cannot read '%1': permission denied").arg(path);
    if (info.size() == 0) return QStringLiteral("cannot read '%1': the file is empty").arg(path);
    return QStringLiteral("cannot read '%1': %2 (expected WAV, AIFF, FLAC, OGG or another format libsndfile reads)")
        .arg(path, QString::fromUtf8(sf_strerror(nullptr)));
}

} // namespace

std::optional<AudioData> readAudioFile(const QString& path, AudioFileError& error) {
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

    AudioData audio;
    audio.sampleRate = info.samplerate;
    audio.channels.assign(static_cast<size_t>(info.channels), {});
    if (info.frames > 0)
        for (auto& channel : audio.channels) channel.reserve(static_cast<size_t>(info.frames));

    std::vector<float> interleaved(static_cast<size_t>(kChunkFrames) * static_cast<size_t>(info.channels));
    for (;;) {
        const sf_count_t got = sf_readf_float(file, interleaved.data(), kChunkFrames);
        if (got <= 0) break;
        for (sf_count_t frame = 0; frame < got; ++frame)
            for (int c = 0; c < info.channels; ++c)
                audio.channels[static_cast<size_t>(c)].push_back(interleaved[static_cast<size_t>(frame * info.channels + c)]);
    }
    const int status = sf_error(file);
    sf_close(file);
    if (status != SF_ERR_NO_ERROR) {
        error.message = QStringLiteral("cannot read '%1': %2").arg(path, QString::fromUtf8(sf_error_number(status)));
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
        error.message = QStringLiteral("cannot write '%1': %2").arg(path, temporary.errorString());
        return false;
    }

    SF_INFO info{};
    info.samplerate = static_cast<int>(audio.sampleRate);
    info.channels = audio.numChannels();
    info.format = SF_FORMAT_RF64 | (format == SampleFormat::Float32 ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_24);
    // The descriptor stays owned by QTemporaryFile; libsndfile must not close it.
    SNDFILE* file = sf_open_fd(temporary.handle(), SFM_WRITE, &info, SF_FALSE);
    if (!file) {
        error.message = QStringLiteral("cannot write '%1': %2").arg(path, QString::fromUtf8(sf_strerror(nullptr)));
        return false;
    }
    // Stays plain WAV unless it passes 4 GiB; integer formats clip rather than wrap.
    sf_command(file, SFC_RF64_AUTO_DOWNGRADE, nullptr, SF_TRUE);
    sf_command(file, SFC_SET_CLIPPING, nullptr, SF_TRUE);

    const int channels = audio.numChannels();
    const long long frames = audio.numFrames();
    std::vector<float> interleaved(static_cast<size_t>(kChunkFrames) * static_cast<size_t>(channels));
    bool ok = true;
    for (long long start = 0; start < frames && ok; start += kChunkFrames) {
        const long long count = std::min<long long>(kChunkFrames, frames - start);
        for (long long frame = 0; frame < count; ++frame)
            for (int c = 0; c < channels; ++c)
                interleaved[static_cast<size_t>(frame * channels + c)] = audio.channels[static_cast<size_t>(c)][static_cast<size_t>(start + frame)];
        ok = sf_writef_float(file, interleaved.data(), count) == count;
    }
    if (!ok) error.message = QStringLiteral("cannot write '%1': %2").arg(path, QString::fromUtf8(sf_strerror(file)));
    if (sf_close(file) != 0 && ok) {
        ok = false;
        error.message = QStringLiteral("cannot write '%1': finishing the file failed").arg(path);
    }
    if (!ok) return false; // QTemporaryFile removes the partial file

    if (!temporary.flush() || ::fsync(temporary.handle()) != 0) {
        error.message = QStringLiteral("cannot write '%1': the disk refused the data (is it full?)").arg(path);
        return false;
    }
    temporary.setAutoRemove(false);
    temporary.close();
    QFile::remove(path);
    if (!QFile::rename(temporary.fileName(), path)) {
        QFile::remove(temporary.fileName());
        error.message = QStringLiteral("cannot write '%1': could not move the finished file into place").arg(path);
        return false;
    }
    return true;
}

} // namespace gainstage
