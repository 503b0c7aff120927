// The backends without a JACK server: the Virtual backend's pacing, its demo
// material and file playback, writing its outputs to a file, the automatic
// fallback to it, device names, and quiet device probing.
// (The PortAudio backend on a real JACK server is in test_e2e_jack.)
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sndfile.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "core/AudioFile.h"
#include "core/PortAudioBackend.h"
#include "core/VirtualBackend.h"

using namespace gainstage;
using Clock = std::chrono::steady_clock;

namespace {

// Keeps the first `capacity` frames of every input, and copies inputs to outputs.
class Recorder final : public AudioCallback {
public:
    explicit Recorder(size_t capacity = 0) : capacity_(capacity) {}
    void audioStreamAboutToStart(const StreamFormat& format) override {
        format_ = format;
        inputs.assign(static_cast<size_t>(format.inputChannels), std::vector<float>(capacity_, 0.0f));
        started.fetch_add(1);
    }
    void process(const float* const* in, float* const* out, int frames, const ProcessStatus&) noexcept override {
        const size_t have = kept.load(std::memory_order_relaxed);
        const size_t count = std::min(static_cast<size_t>(frames), capacity_ - have);
        for (size_t c = 0; c < inputs.size(); ++c) std::copy_n(in[c], count, inputs[c].data() + have);
        kept.store(have + count, std::memory_order_release);
        for (int c = 0; c < format_.outputChannels; ++c) {
            if (c < format_.inputChannels) std::copy_n(in[c], frames, out[c]);
            else std::fill_n(out[c], frames, 0.0f);
        }
    }
    void audioStreamStopped(bool deviceLost) override { (deviceLost ? lost : stopped).fetch_add(1); }

    StreamFormat format_;
    size_t capacity_;
    std::vector<std::vector<float>> inputs;
    std::atomic<size_t> kept{0};
    std::atomic<int> started{0}, stopped{0}, lost{0};
};

template <typename Condition>
bool waitFor(Condition condition, int timeoutMs) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    while (!condition()) {
        if (Clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

double peakDbfs(const std::vector<float>& samples, size_t count) {
    float peak = 0.0f;
    for (size_t i = 0; i < count; ++i) peak = std::max(peak, std::fabs(samples[i]));
    return 20.0 * std::log10(std::max(peak, 1e-12f));
}

double rmsDbfs(const std::vector<float>& samples, size_t count) {
    double sum = 0.0;
    for (size_t i = 0; i < count; ++i) sum += static_cast<double>(samples[i]) * samples[i];
    return 10.0 * std::log10(std::max(sum / static_cast<double>(count), 1e-24));
}

std::vector<float> demoChannel(const char* file) {
    AudioFileError error;
    const auto audio = readAudioFile(VirtualBackend::demoDirectory() + QLatin1Char('/') + QLatin1String(file), error);
    return audio ? audio->channels.front() : std::vector<float>{};
}

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

Run runGainstage(const QStringList& arguments) {
    QProcess process;
    process.start(QStringLiteral(GAINSTAGE_BINARY), arguments);
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

} // namespace

class TestBackends : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        // No JACK server of the user's or of another test may answer here.
        qputenv("JACK_DEFAULT_SERVER", QByteArray("gs-none-") + QByteArray::number(QCoreApplication::applicationPid()));
        QVERIFY2(!VirtualBackend::demoDirectory().isEmpty(), "resources/demo is not found");
    }

    void deviceNames() {
        AudioDeviceRequest request;
        request.setDevice(QStringLiteral("JACK:system"));
        QCOMPARE(request.hostApi, QStringLiteral("JACK"));
        QCOMPARE(request.device, QStringLiteral("system"));
        request.setDevice(QStringLiteral("alsa:USB Audio CODEC: Audio (hw:1,0)"));
        QCOMPARE(request.hostApi, QStringLiteral("ALSA"));
        QCOMPARE(request.device, QStringLiteral("USB Audio CODEC: Audio (hw:1,0)"));
        request.setDevice(QStringLiteral("hw:1,0")); // a colon that is not a host API
        QCOMPARE(request.hostApi, QString());
        QCOMPARE(request.device, QStringLiteral("hw:1,0"));
        request.setDevice(QStringLiteral("Virtual:Demo"));
        QCOMPARE(request.hostApi, QStringLiteral("Virtual"));
    }

    void virtualPacesAtTheChosenRate_data() {
        QTest::addColumn<int>("rate");
        QTest::addColumn<int>("buffer");
        QTest::newRow("48000 Hz, 256") << 48000 << 256;
        QTest::newRow("44100 Hz, 64") << 44100 << 64;
        QTest::newRow("96000 Hz, 1024") << 96000 << 1024;
    }

    // Frames delivered against the wall clock over 2 s: a measure of
    // correctness (a wrong period or a drifting clock), not of speed.
    void virtualPacesAtTheChosenRate() {
        QFETCH(int, rate);
        QFETCH(int, buffer);
        Recorder recorder;
        VirtualBackend backend;
        AudioDeviceRequest request;
        request.sampleRate = rate;
        request.bufferFrames = buffer;
        QString error;
        QVERIFY2(backend.open(request, recorder, error), qPrintable(error));
        QVERIFY(waitFor([&] { return backend.blocksDelivered() >= 2; }, 2000));
        const uint64_t framesAtStart = backend.framesDelivered();
        const auto start = Clock::now();
        std::this_thread::sleep_for(std::chrono::seconds(2));
        const uint64_t frames = backend.framesDelivered() - framesAtStart;
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        backend.close();
        // One block of granularity at either end of the window is not an error of the clock.
        const double expected = seconds * rate;
        const double errorPercent = 100.0 * (static_cast<double>(frames) - expected) / expected;
        qInfo("%d Hz, %d frames: %llu frames in %.3f s, %.3f %% off the nominal rate (one block is %.2f %%), %llu late restarts",
              rate, buffer, static_cast<unsigned long long>(frames), seconds, errorPercent, 100.0 * buffer / expected,
              static_cast<unsigned long long>(backend.lateRestarts()));
        QVERIFY2(std::fabs(errorPercent) < 1.0, qPrintable(QStringLiteral("%1 %").arg(errorPercent)));
        QCOMPARE(recorder.started.load(), 1);
        QCOMPARE(recorder.stopped.load(), 1);
    }

    void virtualPlaysTheDemoMaterial() {
        const std::vector<float> vocal = demoChannel("vocal.flac");
        const std::vector<float> guitar = demoChannel("guitar_di.flac");
        QVERIFY(!vocal.empty() && !guitar.empty());
        const size_t loopFrames = std::max(vocal.size(), guitar.size()) + 48000; // past the shorter one's loop point
        Recorder recorder(loopFrames);
        VirtualBackend backend;
        AudioDeviceRequest request;
        request.bufferFrames = 4096; // quicker to fill
        QString error;
        QVERIFY2(backend.open(request, recorder, error), qPrintable(error));
        QCOMPARE(backend.inputSources(), (QStringList{QStringLiteral("demo vocal"), QStringLiteral("demo guitar")}));
        QVERIFY2(waitFor([&] { return recorder.kept.load() >= loopFrames; }, 20000), "the demo did not play in time");
        backend.close();

        const char* names[] = {"vocal", "guitar DI"};
        const std::vector<float>* sources[] = {&vocal, &guitar};
        for (int c = 0; c < 2; ++c) {
            const std::vector<float>& source = *sources[c];
            const std::vector<float>& got = recorder.inputs[static_cast<size_t>(c)];
            // Input c is the demo file, from its start, looping.
            size_t mismatches = 0;
            for (size_t i = 0; i < loopFrames; ++i) mismatches += got[i] != source[i % source.size()];
            const double peak = peakDbfs(got, source.size());
            qInfo("input %d (%s): %.2f s loop, peak %.1f dBFS, RMS %.1f dBFS, %zu samples differ from the file", c + 1, names[c],
                  static_cast<double>(source.size()) / 48000.0, peak, rmsDbfs(got, source.size()), mismatches);
            QCOMPARE(mismatches, size_t{0});
            // Like a real vocal and a real DI at the interface: the preamp has work to do.
            QVERIFY2(peak > -18.5 && peak < -11.5, qPrintable(QStringLiteral("peak %1 dBFS").arg(peak)));
        }
        const QFileInfo vocalFile(VirtualBackend::demoDirectory() + QStringLiteral("/vocal.flac"));
        const QFileInfo guitarFile(VirtualBackend::demoDirectory() + QStringLiteral("/guitar_di.flac"));
        qInfo("demo files: vocal %lld bytes, guitar %lld bytes", vocalFile.size(), guitarFile.size());
        QVERIFY(vocalFile.size() < 300 * 1024 && guitarFile.size() < 300 * 1024);
    }

    void virtualDemoAtAnotherRate() {
        Recorder recorder(44100);
        VirtualBackend backend;
        AudioDeviceRequest request;
        request.sampleRate = 44100;
        QString error;
        QVERIFY2(backend.open(request, recorder, error), qPrintable(error));
        QVERIFY(waitFor([&] { return recorder.kept.load() >= 44100; }, 5000));
        backend.close();
        const double peak = peakDbfs(recorder.inputs[1], 44100);
        qInfo("guitar demo at 44100 Hz: peak %.1f dBFS over the first second", peak);
        QVERIFY(peak > -20.0 && peak < -11.0);
    }

    void virtualWritesItsOutputsToAFile() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("outputs.wav"));
        Recorder recorder(48000 * 2);
        VirtualBackend backend;
        AudioDeviceRequest request;
        request.outputFile = path;
        request.inputChannels = 2;
        request.outputChannels = 3; // the third output is silent
        QString error;
        QVERIFY2(backend.open(request, recorder, error), qPrintable(error));
        QVERIFY(waitFor([&] { return backend.framesDelivered() >= 48000; }, 5000));
        backend.close();
        const uint64_t delivered = backend.framesDelivered();
        QCOMPARE(backend.framesNotWritten(), uint64_t{0});
        QVERIFY2(backend.writeError().isEmpty(), qPrintable(backend.writeError()));

        AudioFileError fileError;
        const auto written = readAudioFile(path, fileError);
        QVERIFY2(written, qPrintable(fileError.message));
        QCOMPARE(written->numChannels(), 3);
        QCOMPARE(written->sampleRate, 48000.0);
        QCOMPARE(static_cast<uint64_t>(written->numFrames()), delivered);
        // The outputs were the inputs (the callback copies them): every frame it kept is in the file.
        const size_t kept = recorder.kept.load();
        size_t mismatches = 0;
        for (int c = 0; c < 2; ++c)
            for (size_t i = 0; i < kept; ++i) mismatches += written->channels[static_cast<size_t>(c)][i] != recorder.inputs[static_cast<size_t>(c)][i];
        double silentPeak = 0.0;
        for (const float sample : written->channels[2]) silentPeak = std::max(silentPeak, static_cast<double>(std::fabs(sample)));
        qInfo("wrote %llu frames x 3 channels; %zu frames compared, %zu differ; output 3 peak %.1g", static_cast<unsigned long long>(delivered),
              kept, mismatches, silentPeak);
        QCOMPARE(mismatches, size_t{0});
        QCOMPARE(silentPeak, 0.0);

        // An output file where none can be written fails the open, in words.
        request.outputFile = dir.filePath(QStringLiteral("no/such/folder/out.wav"));
        QVERIFY(!backend.open(request, recorder, error));
        qInfo().noquote() << "unwritable:" << error;
        QVERIFY(error.contains(QStringLiteral("no/such/folder")));
    }

    void virtualPlaysANamedFile() {
        QTemporaryDir dir;
        auto writeRamp = [&](const QString& name, int rate) {
            SF_INFO info{};
            info.samplerate = rate;
            info.channels = 1;
            info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
            const QString path = dir.filePath(name);
            SNDFILE* file = sf_open(QFile::encodeName(path).constData(), SFM_WRITE, &info);
            std::vector<float> ramp(1000);
            for (size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<float>(i) / 1000.0f - 0.5f;
            sf_writef_float(file, ramp.data(), static_cast<sf_count_t>(ramp.size()));
            sf_close(file);
            return path;
        };
        const QString at48 = writeRamp(QStringLiteral("ramp48.wav"), 48000);
        const QString at44 = writeRamp(QStringLiteral("ramp44.wav"), 44100);

        Recorder recorder(2500);
        VirtualBackend backend;
        AudioDeviceRequest request;
        request.inputFiles = QStringList{QString(), at48}; // input 1 the demo, input 2 the file
        QString error;
        QVERIFY2(backend.open(request, recorder, error), qPrintable(error));
        QCOMPARE(backend.inputSources(), (QStringList{QStringLiteral("demo vocal"), QStringLiteral("ramp48.wav")}));
        QVERIFY(waitFor([&] { return recorder.kept.load() >= 2500; }, 5000));
        backend.close();
        for (size_t i = 0; i < 2500; ++i) QCOMPARE(recorder.inputs[1][i], static_cast<float>(i % 1000) / 1000.0f - 0.5f);

        request.inputFiles = QStringList{at44};
        QVERIFY(!backend.open(request, recorder, error));
        qInfo().noquote() << "other rate:" << error;
        QVERIFY(error.contains(QStringLiteral("44100")) && error.contains(QStringLiteral("48000")) && error.contains(QStringLiteral("ramp44.wav")));
        request.inputFiles = QStringList{dir.filePath(QStringLiteral("missing.wav"))};
        QVERIFY(!backend.open(request, recorder, error));
        qInfo().noquote() << "missing:" << error;
        QVERIFY(error.contains(QStringLiteral("missing.wav")));
        QVERIFY(!backend.isOpen());
    }

    void fallsBackToVirtualWithoutDevices() {
        if (!PortAudioBackend::listDevices().empty()) QSKIP("this machine has audio devices: the fallback cannot be seen here");
        Recorder recorder;
        QString notice, error;
        const auto backend = openAudioBackend(AudioDeviceRequest{}, recorder, notice, error);
        QVERIFY2(backend, qPrintable(error));
        qInfo().noquote() << notice;
        QCOMPARE(backend->device().hostApi, QStringLiteral("Virtual"));
        QVERIFY(notice.contains(QStringLiteral("Virtual")) && notice.contains(QStringLiteral("Opened Virtual 'Demo' at 48000 Hz, 256 frames")));
        QVERIFY(!notice.contains(QLatin1Char('\n')));
        QVERIFY(waitFor([&] { return backend->blocksDelivered() > 2; }, 2000));
        backend->close();

        // A device the user named is never silently replaced.
        AudioDeviceRequest named;
        named.setDevice(QStringLiteral("ALSA:nonesuch"));
        QVERIFY(!openAudioBackend(named, recorder, notice, error));
        qInfo().noquote() << "named:" << error;
        QVERIFY(error.contains(QStringLiteral("ALSA 'nonesuch'")) && error.contains(QStringLiteral("Virtual 'Demo'")));
    }

    // ALSA with no cards and libjack with no server print a screenful on
    // stderr while PortAudio starts; none of it may reach the user.
    void devicesCommandIsQuiet() {
        const Run text = runGainstage({QStringLiteral("devices")});
        QCOMPARE(text.exitCode, 0);
        QCOMPARE(QString::fromUtf8(text.err), QString());
        QVERIFY(text.out.startsWith("Host API"));
        QVERIFY(text.out.contains("Virtual "));
        const Run json = runGainstage({QStringLiteral("devices"), QStringLiteral("--json")});
        QCOMPARE(json.exitCode, 0);
        QCOMPARE(QString::fromUtf8(json.err), QString());
        const QJsonArray devices = QJsonDocument::fromJson(json.out).object().value(QStringLiteral("devices")).toArray();
        QVERIFY(!devices.isEmpty());
        const QJsonObject last = devices.last().toObject();
        QCOMPARE(last.value(QStringLiteral("id")).toString(), QStringLiteral("Virtual:Demo"));
        QCOMPARE(last.value(QStringLiteral("inputs")).toInt(), 2);
        for (const auto& value : devices) QVERIFY(value.toObject().value(QStringLiteral("host_api")).toString() != QLatin1String("JACK"));
        qInfo().noquote() << "devices:" << QString::fromUtf8(text.out).trimmed().replace(QLatin1Char('\n'), QStringLiteral(" | "));
        QCOMPARE(runGainstage({QStringLiteral("devices"), QStringLiteral("extra")}).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestBackends)
#include "test_backends.moc"
