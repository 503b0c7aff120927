// libFuzzer target: audio import through Gainstage's own path. The bytes are
// written to a file and read with readAudioFile (libsndfile underneath), then
// analysed with analyzeAudio as `gainstage analyze` and the take reports do
// (its first six channels; see below).
//
// The import is capped at kFuzzMaxSamples so a small input that decodes to a
// lot of audio (FLAC of silence) stays fast; the cap goes through the same
// refusal path as the real 2^31-sample limit. Allocation must follow what the
// file holds, never what its header claims: -malloc_limit_mb catches that.
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/AudioFile.h"
#include "core/FileAnalysis.h"

using namespace gainstage;

namespace {

constexpr long long kFuzzMaxSamples = 1LL << 16;
constexpr int kAnalysedChannels = 6;

std::unique_ptr<QTemporaryDir> g_folder;
QString g_path;

void fail(const char* what, const QString& detail) {
    std::fprintf(stderr, "fuzz_audio_import: %s: %s\n", what, qPrintable(detail));
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    g_folder = std::make_unique<QTemporaryDir>();
    g_path = QDir(g_folder->path()).filePath(QStringLiteral("input.wav"));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    {
        QFile file(g_path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) fail("cannot write the input file", file.errorString());
        if (file.write(reinterpret_cast<const char*>(data), static_cast<qint64>(size)) != static_cast<qint64>(size))
            fail("cannot write the input file", file.errorString());
    }
    AudioFileError error;
    const std::optional<AudioData> audio = readAudioFile(g_path, error, kFuzzMaxSamples);
    if (!audio) {
        if (error.message.isEmpty() || error.message.contains(QLatin1Char('\n'))) fail("refused without a one-line message", error.message);
        return 0;
    }
    const long long samples = audio->numFrames() * audio->numChannels();
    if (audio->numChannels() < 1 || samples > kFuzzMaxSamples) fail("the cap was not kept", QString::number(samples));
    for (const auto& channel : audio->channels)
        if (static_cast<long long>(channel.size()) != audio->numFrames()) fail("channels of different lengths", QString());

    // Analysis treats channels alike apart from the BS.1770 weights of the
    // first five, and preparing a meter costs milliseconds under ASan, so only
    // the first kAnalysedChannels are analysed: 64-channel inputs would
    // otherwise cut the executions per second tenfold.
    AudioData analysed;
    analysed.sampleRate = audio->sampleRate;
    analysed.channels.assign(audio->channels.begin(), audio->channels.begin() + std::min(audio->numChannels(), kAnalysedChannels));
    const FileReport report = analyzeAudio(analysed, g_path);
    if (report.channels != analysed.numChannels() || static_cast<int>(report.channelReports.size()) != analysed.numChannels() ||
        report.frames != audio->numFrames())
        fail("the report does not match the audio", QString::number(report.channels));
    return 0;
}
