#include "core/VirtualBackend.h"

#include <sndfile.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/AudioFile.h"

namespace gainstage {

namespace {

constexpr int kDemoSampleRate = 48000;
constexpr int kDefaultInputs = 2;
constexpr int kDefaultOutputs = 2;
constexpr int kMaxChannels = 64;
const char* const kDemoFiles[] = {"vocal.flac", "guitar_di.flac"};
const char* const kDemoNames[] = {"demo vocal", "demo guitar"};

QString executableDirectory() {
    char path[4096];
    const ssize_t length = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (length <= 0) return QString();
    return QFileInfo(QString::fromLocal8Bit(path, static_cast<int>(length))).absolutePath();
}

// The demo material at another rate: linear interpolation, for a demo only
// (user files are never resampled; see the header).
std::vector<float> resampleLinear(const std::vector<float>& source, double fromRate, double toRate) {
    if (source.empty() || fromRate == toRate) return source;
    const double step = fromRate / toRate;
    const auto frames = static_cast<size_t>(std::floor(static_cast<double>(source.size() - 1) / step)) + 1;
    std::vector<float> result(frames);
    for (size_t n = 0; n < frames; ++n) {
        const double position = static_cast<double>(n) * step;
        const auto index = static_cast<size_t>(position);
        const double fraction = position - static_cast<double>(index);
        const float next = index + 1 < source.size() ? source[index + 1] : source[index];
        result[n] = static_cast<float>(source[index] + fraction * (next - source[index]));
    }
    return result;
}

bool isPowerOfTwo(int value) {
    return value > 0 && (value & (value - 1)) == 0;
}

} // namespace

VirtualBackend::~VirtualBackend() {
    close();
}

AudioDeviceInfo VirtualBackend::deviceInfo() {
    AudioDeviceInfo info;
    info.hostApi = kVirtualHostApi;
    info.name = QStringLiteral("Demo");
    info.inputs = kDefaultInputs;
    info.outputs = kDefaultOutputs;
    info.defaultSampleRate = kDemoSampleRate;
    info.sampleRates.assign(kProbedSampleRates.begin(), kProbedSampleRates.end());
    for (int frames = kMinBufferFrames; frames <= kMaxBufferFrames; frames *= 2) info.bufferSizes.push_back(frames);
    info.defaultBufferFrames = kDefaultBufferFrames;
    return info;
}

QString VirtualBackend::demoDirectory() {
    QStringList candidates;
    const QByteArray fromEnvironment = qgetenv("GAINSTAGE_DEMO_DIR");
    if (!fromEnvironment.isEmpty()) candidates << QString::fromLocal8Bit(fromEnvironment);
    const QString exeDir = executableDirectory();
    if (!exeDir.isEmpty())
        candidates << exeDir + QStringLiteral("/../share/gainstage/demo") << exeDir + QStringLiteral("/../resources/demo")
                   << exeDir + QStringLiteral("/../../resources/demo");
    // A build tree run in place: the sources are where this file was compiled from.
    candidates << QFileInfo(QStringLiteral(__FILE__)).absolutePath() + QStringLiteral("/../resources/demo");
    for (const QString& candidate : candidates)
        if (QFileInfo::exists(candidate + QLatin1Char('/') + QLatin1String(kDemoFiles[0]))) return QDir(candidate).canonicalPath();
    return QString();
}

AudioDeviceInfo VirtualBackend::device() const {
    AudioDeviceInfo info = deviceInfo();
    info.inputs = format_.inputChannels;
    info.outputs = format_.outputChannels;
    return info;
}

bool VirtualBackend::open(const AudioDeviceRequest& request, AudioCallback& callback, QString& error) {
    close();
    const QString name = QStringLiteral("Virtual 'Demo'");
    const int rate = request.sampleRate > 0 ? request.sampleRate : kDemoSampleRate;
    const int buffer = request.bufferFrames > 0 ? request.bufferFrames : kDefaultBufferFrames;
    const int inputs = request.inputChannels < 0 ? kDefaultInputs : request.inputChannels;
    const int outputs = request.outputChannels < 0 ? kDefaultOutputs : request.outputChannels;
    if (rate < 8000 || rate > 384000) {
        error = QStringLiteral("%1 cannot run at %2 Hz; choose one of 44100, 48000, 88200, 96000, 192000").arg(name).arg(rate);
        return false;
    }
    if (!isPowerOfTwo(buffer) || buffer < kMinBufferFrames || buffer > kMaxBufferFrames) {
        error = QStringLiteral("%1: a buffer of %2 frames is not offered; use a power of two from %3 to %4")
                    .arg(name)
                    .arg(buffer)
                    .arg(kMinBufferFrames)
                    .arg(kMaxBufferFrames);
        return false;
    }
    if (inputs > kMaxChannels || outputs > kMaxChannels || inputs + outputs == 0) {
        error = QStringLiteral("%1 offers 0 to %2 inputs and outputs (at least one in all); asked for %3 in, %4 out")
                    .arg(name)
                    .arg(kMaxChannels)
                    .arg(inputs)
                    .arg(outputs);
        return false;
    }

    // What each input plays.
    sources_.assign(static_cast<size_t>(inputs), {});
    sourceNames_.clear();
    const QString demoDir = demoDirectory();
    for (int c = 0; c < inputs; ++c) {
        const QString file = request.inputFiles.value(c);
        AudioFileError fileError;
        if (!file.isEmpty()) {
            const std::optional<AudioData> audio = readAudioFile(file, fileError);
            if (!audio) {
                error = QStringLiteral("%1 input %2: %3").arg(name).arg(c + 1).arg(fileError.message);
                return false;
            }
            if (static_cast<int>(audio->sampleRate) != rate) {
                error = QStringLiteral("%1 input %2: '%3' is at %4 Hz but the device runs at %5 Hz; choose %4 Hz, or convert "
                                       "the file (sox in.wav -r %5 out.wav)")
                            .arg(name)
                            .arg(c + 1)
                            .arg(file)
                            .arg(audio->sampleRate)
                            .arg(rate);
                return false;
            }
            if (audio->numFrames() == 0) {
                error = QStringLiteral("%1 input %2: '%3' holds no audio; choose another file").arg(name).arg(c + 1).arg(file);
                return false;
            }
            sources_[static_cast<size_t>(c)] = audio->channels.front();
            sourceNames_ << QFileInfo(file).fileName();
            continue;
        }
        if (demoDir.isEmpty()) {
            error = QStringLiteral("%1: the demo material (resources/demo) is not installed; set GAINSTAGE_DEMO_DIR or name "
                                   "input files")
                        .arg(name);
            return false;
        }
        const QString demo = demoDir + QLatin1Char('/') + QLatin1String(kDemoFiles[c % 2]);
        const std::optional<AudioData> audio = readAudioFile(demo, fileError);
        if (!audio || audio->numFrames() == 0) {
            error = QStringLiteral("%1: the demo material is damaged (%2); reinstall Gainstage").arg(name, fileError.message);
            return false;
        }
        sources_[static_cast<size_t>(c)] = resampleLinear(audio->channels.front(), audio->sampleRate, rate);
        sourceNames_ << QString::fromLatin1(kDemoNames[c % 2]);
    }
    sourcePositions_.assign(static_cast<size_t>(inputs), 0);

    // The output file is opened here, on the control thread, so that a bad
    // path fails the open instead of a running stream.
    writeError_.clear();
    outputPath_ = request.outputFile;
    if (!outputPath_.isEmpty()) {
        if (outputs == 0) {
            error = QStringLiteral("%1: asked to write the outputs to '%2' but opened with no outputs").arg(name, outputPath_);
            return false;
        }
        SF_INFO info{};
        info.samplerate = rate;
        info.channels = outputs;
        info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
        SNDFILE* file = sf_open(QFile::encodeName(outputPath_).constData(), SFM_WRITE, &info);
        if (!file) {
            error = QStringLiteral("cannot write the Virtual device's outputs to '%1' (%2); choose a writable place")
                        .arg(outputPath_, QString::fromUtf8(sf_strerror(nullptr)));
            return false;
        }
        outputFile_ = file;
        // Two seconds: the writer drains it every 20 ms.
        outputRing_ = std::make_unique<SpscRing<float>>(static_cast<size_t>(rate) * 2 * static_cast<size_t>(outputs));
        interleaved_.assign(static_cast<size_t>(buffer) * static_cast<size_t>(outputs), 0.0f);
    }

    inputBuffers_.assign(static_cast<size_t>(inputs), std::vector<float>(static_cast<size_t>(buffer), 0.0f));
    outputBuffers_.assign(static_cast<size_t>(outputs), std::vector<float>(static_cast<size_t>(buffer), 0.0f));
    inputPointers_.clear();
    outputPointers_.clear();
    for (auto& channel : inputBuffers_) inputPointers_.push_back(channel.data());
    for (auto& channel : outputBuffers_) outputPointers_.push_back(channel.data());

    format_ = StreamFormat{};
    format_.sampleRate = rate;
    format_.maxBlockFrames = buffer;
    format_.inputChannels = inputs;
    format_.outputChannels = outputs;
    // Like a converter pair: one block in, one block out.
    format_.inputLatencySeconds = static_cast<double>(buffer) / rate;
    format_.outputLatencySeconds = static_cast<double>(buffer) / rate;

    blocks_.store(0);
    frames_.store(0);
    framesNotWritten_.store(0);
    lateRestarts_.store(0);
    stopClock_.store(false);
    stopWriter_.store(false);
    callback_ = &callback;
    callback.audioStreamAboutToStart(format_);
    if (outputFile_) writer_ = std::thread([this] { writerLoop(); });
    clock_ = std::thread([this] { clockLoop(); });
    return true;
}

void VirtualBackend::close() {
    if (!clock_.joinable()) return;
    stopClock_.store(true, std::memory_order_release);
    clock_.join();
    if (writer_.joinable()) {
        stopWriter_.store(true, std::memory_order_release);
        writer_.join(); // drains what is left, then closes the file
    }
    outputRing_.reset();
    if (callback_) callback_->audioStreamStopped(false);
    callback_ = nullptr;
}

// [clock thread] Stands in for the audio thread: no allocation, no locks, no I/O
// between the deadlines.
void VirtualBackend::clockLoop() {
    using Clock = std::chrono::steady_clock;
    const double rate = format_.sampleRate;
    const int frames = format_.maxBlockFrames;
    auto start = Clock::now();
    uint64_t framesSinceStart = 0;
    bool late = false;
    while (!stopClock_.load(std::memory_order_acquire)) {
        ProcessStatus status;
        status.inputOverflow = late;
        status.outputUnderflow = late;
        late = false;
        trampoline(*this, status);
        framesSinceStart += static_cast<uint64_t>(frames);
        // Block k+1 is due when k+1 blocks of time have passed since the start:
        // an absolute deadline, so the time spent in process() never adds up.
        const auto deadline = start + std::chrono::nanoseconds(static_cast<int64_t>(
                                          std::llround(static_cast<double>(framesSinceStart) * 1e9 / rate)));
        const auto now = Clock::now();
        if (now - deadline > std::chrono::milliseconds(100)) {
            // Far behind (suspend, starvation): a new time base, and an xrun, rather than a burst of blocks.
            start = now;
            framesSinceStart = 0;
            late = true;
            lateRestarts_.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        std::this_thread::sleep_until(deadline);
    }
}

// [clock thread] The static trampoline every backend has: inputs, process, outputs.
void VirtualBackend::trampoline(VirtualBackend& self, const ProcessStatus& status) noexcept {
    const int frames = self.format_.maxBlockFrames;
    self.fillInputs();
    self.callback_->process(self.inputPointers_.data(), self.outputPointers_.data(), frames, status);
    if (self.outputRing_) self.queueOutputs();
    self.frames_.fetch_add(static_cast<uint64_t>(frames), std::memory_order_relaxed);
    self.blocks_.fetch_add(1, std::memory_order_release);
}

// [clock thread]
void VirtualBackend::fillInputs() noexcept {
    const size_t frames = static_cast<size_t>(format_.maxBlockFrames);
    for (size_t c = 0; c < sources_.size(); ++c) {
        const std::vector<float>& source = sources_[c];
        float* out = inputBuffers_[c].data();
        size_t position = sourcePositions_[c];
        size_t written = 0;
        while (written < frames) {
            const size_t count = std::min(frames - written, source.size() - position);
            std::copy_n(source.data() + position, count, out + written);
            written += count;
            position += count;
            if (position == source.size()) position = 0; // loop
        }
        sourcePositions_[c] = position;
    }
}

// [clock thread] Never waits for the writer: what does not fit is counted as lost.
void VirtualBackend::queueOutputs() noexcept {
    const size_t frames = static_cast<size_t>(format_.maxBlockFrames);
    const size_t channels = outputBuffers_.size();
    for (size_t n = 0; n < frames; ++n)
        for (size_t c = 0; c < channels; ++c) interleaved_[n * channels + c] = outputBuffers_[c][n];
    if (!outputRing_->tryWrite(interleaved_.data(), frames * channels))
        framesNotWritten_.fetch_add(frames, std::memory_order_relaxed);
}

// [writer thread] Drains the ring every 20 ms; after the clock stops, drains the rest and closes the file.
void VirtualBackend::writerLoop() {
    auto* file = static_cast<SNDFILE*>(outputFile_);
    const size_t channels = outputBuffers_.size();
    std::vector<float> chunk(static_cast<size_t>(format_.sampleRate) / 4 * channels);
    const size_t chunkFrames = chunk.size() / channels;
    bool failed = false;
    auto drain = [&] {
        for (;;) {
            const size_t available = outputRing_->readAvailable() / channels;
            if (available == 0) return;
            const size_t frames = std::min(available, chunkFrames);
            outputRing_->tryRead(chunk.data(), frames * channels);
            if (!failed && sf_writef_float(file, chunk.data(), static_cast<sf_count_t>(frames)) != static_cast<sf_count_t>(frames)) {
                failed = true;
                writeError_ = QStringLiteral("writing '%1' failed (%2)").arg(outputPath_, QString::fromUtf8(sf_strerror(file)));
            }
        }
    };
    while (!stopWriter_.load(std::memory_order_acquire)) {
        drain();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    drain();
    sf_close(file);
    outputFile_ = nullptr;
}

} // namespace gainstage
