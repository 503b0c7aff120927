// Export mixdown: a session of known clips is exported and reread with
// libsndfile, and every sample is compared with the mix computed here from
// the same clips and the playback laws (constant-power pan for a mono track,
// balance for a stereo one). Layering, mute and solo, the range, the integer
// formats, normalising (measured independently with libebur128), cancelling
// and the refusals are checked on real files.
#include "core/Mixdown.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <ebur128.h>
#include <sndfile.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numbers>
#include <thread>
#include <vector>

using namespace gainstage;

namespace {

constexpr int kRate = 48000;
using Planar = std::vector<std::vector<float>>;

void writeFloatWav(const QString& path, const Planar& channels, int rate = kRate) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = static_cast<int>(channels.size());
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* file = sf_open(QFile::encodeName(path).constData(), SFM_WRITE, &info);
    QVERIFY2(file, sf_strerror(nullptr));
    const size_t frames = channels[0].size();
    std::vector<float> interleaved(frames * channels.size());
    for (size_t i = 0; i < frames; ++i)
        for (size_t c = 0; c < channels.size(); ++c) interleaved[i * channels.size() + c] = channels[c][i];
    QCOMPARE(sf_writef_float(file, interleaved.data(), static_cast<sf_count_t>(frames)), static_cast<sf_count_t>(frames));
    sf_close(file);
}

struct FileContents {
    SF_INFO info{};
    Planar channels;
};

FileContents readBack(const QString& path) {
    FileContents contents;
    SNDFILE* file = sf_open(QFile::encodeName(path).constData(), SFM_READ, &contents.info);
    if (!file) return contents;
    std::vector<float> interleaved(static_cast<size_t>(contents.info.frames * contents.info.channels));
    sf_readf_float(file, interleaved.data(), contents.info.frames);
    sf_close(file);
    contents.channels.assign(static_cast<size_t>(contents.info.channels), std::vector<float>(static_cast<size_t>(contents.info.frames)));
    for (size_t i = 0; i < static_cast<size_t>(contents.info.frames); ++i)
        for (size_t c = 0; c < contents.channels.size(); ++c) contents.channels[c][i] = interleaved[i * contents.channels.size() + c];
    return contents;
}

// The playback laws, written out again here so that the export is checked
// against the rule, not against its own code.
float volumeGain(float db) {
    if (db <= -90.0f) return 0.0f;
    return std::pow(10.0f, std::min(db, 12.0f) / 20.0f);
}

void sideGains(const SessionTrack& track, float& left, float& right) {
    const float p = std::clamp(track.pan, -1.0f, 1.0f);
    const float volume = volumeGain(track.volumeDb);
    if (track.input.stereo) {
        left = volume * std::min(1.0f, 1.0f - p);
        right = volume * std::min(1.0f, 1.0f + p);
    } else {
        const float angle = (p + 1.0f) * static_cast<float>(std::numbers::pi / 4.0);
        left = volume * std::cos(angle);
        right = volume * std::sin(angle);
    }
}

// Every track of `session` (mute and solo are the callers' business: they
// pass the tracks that should be heard), frames [from, to).
Planar expectedMix(const Session& session, const std::map<QString, Planar>& files, int64_t from, int64_t to) {
    Planar bus(2, std::vector<float>(static_cast<size_t>(to - from), 0.0f));
    for (const SessionTrack& track : session.tracks) {
        float gain[2];
        sideGains(track, gain[0], gain[1]);
        const int channels = track.input.stereo ? 2 : 1;
        for (int64_t t = from; t < to; ++t) {
            float value[2] = {0.0f, 0.0f};
            // The last clip that covers t and has file data there wins.
            for (const Clip& clip : track.clips) {
                const int64_t fileFrame = clip.sourceOffset + (t - clip.timelineOffset);
                const Planar& data = files.at(clip.file);
                if (t < clip.timelineOffset || t >= clip.timelineOffset + clip.length) continue;
                if (fileFrame < 0 || fileFrame >= static_cast<int64_t>(data[0].size())) continue;
                for (int c = 0; c < channels; ++c)
                    value[c] = data[std::min<size_t>(static_cast<size_t>(c), data.size() - 1)][static_cast<size_t>(fileFrame)];
            }
            for (int side = 0; side < 2; ++side) {
                if (gain[side] == 0.0f) continue;
                bus[static_cast<size_t>(side)][static_cast<size_t>(t - from)] += gain[side] * value[channels == 2 ? side : 0];
            }
        }
    }
    return bus;
}

double maxDifference(const Planar& a, const Planar& b) {
    double worst = 0.0;
    for (size_t c = 0; c < 2; ++c)
        for (size_t i = 0; i < a[c].size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[c][i]) - b[c][i]));
    return worst;
}

double rmsDifference(const Planar& a, const Planar& b) {
    double sum = 0.0;
    size_t count = 0;
    for (size_t c = 0; c < 2; ++c)
        for (size_t i = 0; i < a[c].size(); ++i, ++count) sum += std::pow(static_cast<double>(a[c][i]) - b[c][i], 2.0);
    return std::sqrt(sum / static_cast<double>(count));
}

struct Ebur128Figures {
    double truePeakDbtp = 0.0;
    double samplePeakDbfs = 0.0;
    double loudnessLufs = 0.0;
};

Ebur128Figures measure(const Planar& audio) {
    ebur128_state* state = ebur128_init(2, kRate, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK | EBUR128_MODE_SAMPLE_PEAK);
    std::vector<float> interleaved(audio[0].size() * 2);
    for (size_t i = 0; i < audio[0].size(); ++i) interleaved[2 * i] = audio[0][i], interleaved[2 * i + 1] = audio[1][i];
    ebur128_add_frames_float(state, interleaved.data(), audio[0].size());
    Ebur128Figures figures;
    double truePeak = 0.0, samplePeak = 0.0;
    for (unsigned c = 0; c < 2; ++c) {
        double value = 0.0;
        ebur128_true_peak(state, c, &value);
        truePeak = std::max(truePeak, value);
        ebur128_sample_peak(state, c, &value);
        samplePeak = std::max(samplePeak, value);
    }
    ebur128_loudness_global(state, &figures.loudnessLufs);
    ebur128_destroy(&state);
    figures.truePeakDbtp = 20.0 * std::log10(truePeak);
    figures.samplePeakDbfs = 20.0 * std::log10(samplePeak);
    return figures;
}

QStringList leftovers(const QString& folder) {
    return QDir(folder).entryList({QStringLiteral("*.partial"), QStringLiteral("*.probe")}, QDir::Files | QDir::Hidden);
}

// Whether this process has a file open in `folder` (a temporary file may be
// unnamed until it is complete, so listing the folder would not show it).
bool writingInto(const QString& folder) {
    const QString prefix = QFileInfo(folder).canonicalFilePath() + QLatin1Char('/');
    for (const QFileInfo& fd : QDir(QStringLiteral("/proc/self/fd")).entryInfoList(QDir::System | QDir::Files | QDir::NoDotAndDotDot))
        if (QFile::symLinkTarget(fd.absoluteFilePath()).startsWith(prefix)) return true;
    return false;
}

MixdownResult exportSession(const Session& session, const QString& folder, const MixdownOptions& options) {
    std::atomic<bool> cancel{false};
    return renderMixdown(session, folder, options, {}, cancel);
}

// A 1 kHz sine at -12 dBFS on a mono "Vocal" track (volume -3 dB, pan -0.4),
// and a DC-free two-channel ramp on a stereo "Guitar" track (volume +2 dB,
// balance 0.35) in two clips, the second running past its file's end.
class Fixture {
public:
    QTemporaryDir dir;
    Session session;
    std::map<QString, Planar> files;

    Fixture() {
        session.name = QStringLiteral("Mix test");
        session.sampleRate = kRate;
        const float amplitude = static_cast<float>(std::pow(10.0, -12.0 / 20.0));
        std::vector<float> sine(72000);
        for (size_t i = 0; i < sine.size(); ++i) sine[i] = amplitude * static_cast<float>(std::sin(2.0 * std::numbers::pi * 1000.0 * static_cast<double>(i) / kRate));
        std::vector<float> rampLeft(48000), rampRight(48000);
        for (size_t i = 0; i < rampLeft.size(); ++i) {
            rampLeft[i] = 0.6f * (static_cast<float>(i % 997) / 996.0f - 0.5f);
            rampRight[i] = -0.4f * (static_cast<float>(i % 613) / 612.0f - 0.5f);
        }
        addFile(QStringLiteral("audio/sine.wav"), {sine});
        addFile(QStringLiteral("audio/ramp.wav"), {rampLeft, rampRight});

        SessionTrack vocal;
        vocal.id = QStringLiteral("t1");
        vocal.name = QStringLiteral("Vocal");
        vocal.volumeDb = -3.0f;
        vocal.pan = -0.4f;
        vocal.clips.push_back(Clip{QStringLiteral("audio/sine.wav"), 12000, 72000, 0});
        SessionTrack guitar;
        guitar.id = QStringLiteral("t2");
        guitar.name = QStringLiteral("Guitar");
        guitar.input = TrackInput{0, true};
        guitar.volumeDb = 2.0f;
        guitar.pan = 0.35f;
        guitar.clips.push_back(Clip{QStringLiteral("audio/ramp.wav"), 30000, 40000, 500});
        guitar.clips.push_back(Clip{QStringLiteral("audio/ramp.wav"), 80000, 60000, 0});
        session.tracks = {vocal, guitar};
    }

    void addFile(const QString& relative, const Planar& data) {
        files[relative] = data;
        writeFloatWav(dir.filePath(relative), data);
    }

    QString out(const QString& name) const { return dir.filePath(QStringLiteral("out/") + name); }

    MixdownOptions options(const QString& name, MixdownOptions::Format format = MixdownOptions::Format::Float32) const {
        QDir().mkpath(dir.filePath(QStringLiteral("out")));
        MixdownOptions o;
        o.outputPath = out(name);
        o.container = name.endsWith(QLatin1String(".flac")) ? MixdownOptions::Container::Flac : MixdownOptions::Container::Wav;
        o.format = format;
        return o;
    }

    Session only(int trackIndex) const {
        Session s = session;
        s.tracks = {session.tracks[static_cast<size_t>(trackIndex)]};
        s.tracks[0].mute = false;
        s.tracks[0].solo = false;
        return s;
    }
};

} // namespace

class TestMixdown : public QObject {
    Q_OBJECT

private slots:
    void floatWavIsTheMixSampleForSample() {
        Fixture f;
        const MixdownResult result = exportSession(f.session, f.dir.path(), f.options(QStringLiteral("mix.wav")));
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.frames, int64_t{140000}); // the end of the last clip, though its file ends at 128000
        const FileContents got = readBack(f.out(QStringLiteral("mix.wav")));
        QCOMPARE(got.info.channels, 2);
        QCOMPARE(got.info.samplerate, kRate);
        QCOMPARE(got.info.format, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
        QCOMPARE(got.info.frames, sf_count_t{140000});
        const Planar expected = expectedMix(f.session, f.files, 0, 140000);
        const double worst = maxDifference(got.channels, expected);
        qInfo("float WAV: largest difference from the expected mix %.3g", worst);
        QVERIFY2(worst <= 1e-7, qPrintable(QString::number(worst)));
        // The mix is not trivially silent, both sides carry both tracks, and
        // the tail past the file's end is silence.
        QVERIFY(std::fabs(got.channels[0][20000]) > 0.05f && std::fabs(got.channels[1][40000]) > 0.01f);
        for (size_t i = 128000; i < 140000; ++i) QCOMPARE(got.channels[0][i], 0.0f);
        QVERIFY(result.summary.contains(QStringLiteral("mix.wav")));
        QVERIFY(leftovers(f.dir.filePath(QStringLiteral("out"))).isEmpty());
    }

    void muteAndSoloDecideWhichTracksAreHeard() {
        Fixture f;
        auto exportAndCompare = [&](const Session& session, const Session& heard, const char* what) {
            MixdownOptions options = f.options(QStringLiteral("solo.wav"));
            options.rangeEnd = 140000;
            const MixdownResult result = exportSession(session, f.dir.path(), options);
            QVERIFY2(result.ok, qPrintable(result.error));
            const Planar expected = expectedMix(heard, f.files, 0, 140000);
            const double worst = maxDifference(readBack(options.outputPath).channels, expected);
            QVERIFY2(worst <= 1e-7, what);
        };
        Session muted = f.session;
        muted.tracks[0].mute = true;
        exportAndCompare(muted, f.only(1), "Vocal muted: Guitar alone");
        Session solo = f.session;
        solo.tracks[0].solo = true;
        exportAndCompare(solo, f.only(0), "Vocal soloed: Vocal alone");
        Session both = f.session;
        both.tracks[0].solo = both.tracks[1].solo = true;
        exportAndCompare(both, f.session, "both soloed: both");
        Session soloMuted = f.session;
        soloMuted.tracks[0].solo = soloMuted.tracks[0].mute = true;
        Session nothing = f.session;
        nothing.tracks.clear();
        exportAndCompare(soloMuted, nothing, "Vocal soloed and muted: silence");
        // With nothing audible there is nothing to export by default.
        const MixdownResult none = exportSession(soloMuted, f.dir.path(), f.options(QStringLiteral("none.wav")));
        QVERIFY(!none.ok);
        QCOMPARE(none.error, QStringLiteral("nothing to export: the range is empty"));
    }

    void laterClipLiesOnTop() {
        Fixture f;
        SessionTrack layered;
        layered.id = QStringLiteral("t3");
        layered.name = QStringLiteral("Layered");
        layered.volumeDb = 0.0f;
        layered.pan = 0.0f;
        // The stereo ramp on a mono track: its first channel.
        layered.clips.push_back(Clip{QStringLiteral("audio/sine.wav"), 0, 50000, 0});
        layered.clips.push_back(Clip{QStringLiteral("audio/ramp.wav"), 20000, 10000, 100});
        Session session = f.session;
        session.tracks = {layered};
        const MixdownResult result = exportSession(session, f.dir.path(), f.options(QStringLiteral("layers.wav")));
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.frames, int64_t{50000});
        const Planar got = readBack(f.out(QStringLiteral("layers.wav"))).channels;
        QVERIFY(maxDifference(got, expectedMix(session, f.files, 0, 50000)) <= 1e-7);
        const float centre = static_cast<float>(std::cos(std::numbers::pi / 4.0));
        const auto& sine = f.files.at(QStringLiteral("audio/sine.wav"))[0];
        const auto& ramp = f.files.at(QStringLiteral("audio/ramp.wav"))[0];
        // Inside the overlap only the later clip, not the sum.
        for (size_t t : {20000u, 25000u, 29999u}) QCOMPARE(got[0][t], centre * ramp[t - 20000 + 100]);
        for (size_t t : {19999u, 30000u, 45000u}) QCOMPARE(got[0][t], centre * sine[t]);
    }

    void rangeGivesExactlyItsFrames() {
        Fixture f;
        MixdownOptions options = f.options(QStringLiteral("range.wav"));
        options.rangeStart = 50001;
        options.rangeEnd = 90017;
        const MixdownResult result = exportSession(f.session, f.dir.path(), options);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.frames, int64_t{40016});
        const FileContents got = readBack(options.outputPath);
        QCOMPARE(got.info.frames, sf_count_t{40016});
        QVERIFY(maxDifference(got.channels, expectedMix(f.session, f.files, 50001, 90017)) <= 1e-7);
        // A range past the clips is exported as the silence it is.
        options.rangeStart = 200000;
        options.rangeEnd = 200100;
        QVERIFY(exportSession(f.session, f.dir.path(), options).ok);
        const FileContents silence = readBack(options.outputPath);
        QCOMPARE(silence.info.frames, sf_count_t{100});
        QCOMPARE(*std::max_element(silence.channels[0].begin(), silence.channels[0].end()), 0.0f);
    }

    void pcm16IsWithinOneLsbPlusDither() {
        Fixture f;
        const double lsb = 1.0 / 32768.0;
        const Planar expected = expectedMix(f.session, f.files, 0, 140000);

        MixdownOptions options = f.options(QStringLiteral("mix16.wav"), MixdownOptions::Format::Pcm16);
        std::vector<double> fractions;
        QElapsedTimer clock;
        clock.start();
        std::atomic<bool> cancel{false};
        MixdownResult result = renderMixdown(f.session, f.dir.path(), options, [&](double x) { fractions.push_back(x); }, cancel);
        const double seconds = clock.nsecsElapsed() / 1e9;
        QVERIFY2(result.ok, qPrintable(result.error));
        FileContents got = readBack(options.outputPath);
        QCOMPARE(got.info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
        double worst = maxDifference(got.channels, expected) / lsb;
        double rms = rmsDifference(got.channels, expected) / lsb;
        qInfo("16-bit dithered: error max %.3f LSB, rms %.3f LSB (TPDF + rounding: 0.5 expected)", worst, rms);
        QVERIFY(worst <= 1.5 + 1e-3);
        QVERIFY(rms > 0.45 && rms < 0.55); // the dither is there, and no more than it
        // Progress: rising, ending at 1, no more than about 50 calls a second.
        QVERIFY(!fractions.empty());
        QCOMPARE(fractions.back(), 1.0);
        QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
        QVERIFY(static_cast<double>(fractions.size()) <= 2.0 + seconds * 50.0);

        options.dither = false;
        result = exportSession(f.session, f.dir.path(), options);
        QVERIFY2(result.ok, qPrintable(result.error));
        got = readBack(options.outputPath);
        worst = maxDifference(got.channels, expected) / lsb;
        rms = rmsDifference(got.channels, expected) / lsb;
        qInfo("16-bit undithered: error max %.3f LSB, rms %.3f LSB", worst, rms);
        QVERIFY(worst <= 0.5 + 1e-3);
        QVERIFY(rms < 0.35);
    }

    void flac24IsWithinOneLsb() {
        Fixture f;
        MixdownOptions options = f.options(QStringLiteral("mix.flac"), MixdownOptions::Format::Pcm24);
        const MixdownResult result = exportSession(f.session, f.dir.path(), options);
        QVERIFY2(result.ok, qPrintable(result.error));
        const FileContents got = readBack(options.outputPath);
        QCOMPARE(got.info.format, SF_FORMAT_FLAC | SF_FORMAT_PCM_24);
        QCOMPARE(got.info.frames, sf_count_t{140000});
        const double worst = maxDifference(got.channels, expectedMix(f.session, f.files, 0, 140000)) * 8388608.0;
        qInfo("FLAC 24-bit: largest error %.3f LSB", worst);
        QVERIFY(worst <= 1.0);
        QVERIFY(result.summary.contains(QStringLiteral("FLAC 24-bit")));
    }

    void normalisesTruePeakNotSamplePeak() {
        // A 12 kHz tone sampled at 45 degrees: its samples are 3 dB below its true peak.
        Fixture f;
        std::vector<float> tone(96000);
        for (size_t i = 0; i < tone.size(); ++i)
            tone[i] = 0.25f * static_cast<float>(std::sin(2.0 * std::numbers::pi * 12000.0 * static_cast<double>(i) / kRate + std::numbers::pi / 4.0));
        f.addFile(QStringLiteral("audio/tone.wav"), {tone});
        f.session.tracks[1].clips.push_back(Clip{QStringLiteral("audio/tone.wav"), 0, 96000, 0});
        MixdownOptions options = f.options(QStringLiteral("tp.wav"));
        options.normalise = MixdownOptions::Normalise::TruePeakDbtp;
        options.normaliseTarget = -1.0f;
        MixdownResult result = exportSession(f.session, f.dir.path(), options);
        QVERIFY2(result.ok, qPrintable(result.error));
        Ebur128Figures figures = measure(readBack(options.outputPath).channels);
        qInfo("true peak -1 dBTP: libebur128 %.3f dBTP, export says %.3f dBTP, sample peak %.3f dBFS, gain %+.2f dB", figures.truePeakDbtp,
              result.truePeakDbtp, figures.samplePeakDbfs, result.gainAppliedDb);
        QVERIFY(std::fabs(figures.truePeakDbtp + 1.0) <= 0.1);
        QVERIFY(std::fabs(result.truePeakDbtp + 1.0) <= 0.1);
        QVERIFY(figures.samplePeakDbfs < -1.5); // the samples alone would have allowed more gain

        options.normalise = MixdownOptions::Normalise::PeakDbfs;
        options.normaliseTarget = -3.0f;
        result = exportSession(f.session, f.dir.path(), options);
        QVERIFY2(result.ok, qPrintable(result.error));
        figures = measure(readBack(options.outputPath).channels);
        qInfo("peak -3 dBFS: libebur128 sample peak %.4f dBFS", figures.samplePeakDbfs);
        QVERIFY(std::fabs(figures.samplePeakDbfs + 3.0) <= 0.001);
    }

    void normalisesLoudnessUnderTheTruePeakCeiling() {
        Fixture f;
        MixdownOptions options = f.options(QStringLiteral("loud.wav"));
        options.normalise = MixdownOptions::Normalise::LoudnessLufs;
        options.normaliseTarget = -16.0f;
        MixdownResult result = exportSession(f.session, f.dir.path(), options);
        QVERIFY2(result.ok, qPrintable(result.error));
        Ebur128Figures figures = measure(readBack(options.outputPath).channels);
        qInfo("loudness -16 LUFS: libebur128 %.3f LUFS, export says %.3f LUFS, gain %+.2f dB", figures.loudnessLufs, result.loudnessLufs,
              result.gainAppliedDb);
        QVERIFY(std::fabs(figures.loudnessLufs + 16.0) <= 0.2);
        QVERIFY(!result.gainCapped);

        // -4 LUFS would push this mix's peaks past -1 dBTP: held there instead, and said so.
        options.normaliseTarget = -4.0f;
        result = exportSession(f.session, f.dir.path(), options);
        QVERIFY2(result.ok, qPrintable(result.error));
        figures = measure(readBack(options.outputPath).channels);
        qInfo("loudness -4 LUFS, capped: %.3f LUFS, true peak %.3f dBTP; \"%s\"", figures.loudnessLufs, figures.truePeakDbtp,
              qPrintable(result.summary));
        QVERIFY(result.gainCapped);
        QVERIFY(result.summary.contains(QStringLiteral("capped")));
        QVERIFY(std::fabs(figures.truePeakDbtp + 1.0) <= 0.1);
        QVERIFY(figures.loudnessLufs < -4.5);
    }

    void cancelLeavesNothingBehind() {
        Fixture f;
        // 60 s of mix, so that the cancel lands in the middle of the writing.
        std::vector<float> long1(48000 * 10);
        for (size_t i = 0; i < long1.size(); ++i) long1[i] = 0.1f * static_cast<float>(std::sin(static_cast<double>(i) * 0.05));
        f.addFile(QStringLiteral("audio/long.wav"), {long1});
        for (int k = 0; k < 6; ++k) f.session.tracks[0].clips.push_back(Clip{QStringLiteral("audio/long.wav"), k * 480000LL, 480000, 0});
        MixdownOptions options = f.options(QStringLiteral("cancel.wav"), MixdownOptions::Format::Pcm24);
        QFile old(options.outputPath);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("the previous export");
        old.close();

        std::atomic<bool> cancel{false};
        bool partialSeen = false;
        double lastFraction = 0.0;
        const MixdownResult result = renderMixdown(
            f.session, f.dir.path(), options,
            [&](double fraction) {
                lastFraction = fraction;
                if (fraction > 0.3) {
                    partialSeen = writingInto(f.dir.filePath(QStringLiteral("out")));
                    cancel = true;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(21)); // every block reports
            },
            cancel);
        QVERIFY(!result.ok);
        QVERIFY(result.cancelled);
        QVERIFY(partialSeen); // it really was half-way through writing a file there
        QVERIFY(lastFraction < 0.5);
        QVERIFY(leftovers(f.dir.filePath(QStringLiteral("out"))).isEmpty());
        QVERIFY(old.open(QIODevice::ReadOnly));
        QCOMPARE(old.readAll(), QByteArray("the previous export"));

        // Normalising: cancelled during the measuring pass.
        options.outputPath = f.out(QStringLiteral("cancel2.wav"));
        options.normalise = MixdownOptions::Normalise::LoudnessLufs;
        options.normaliseTarget = -14.0f;
        cancel = false;
        const MixdownResult second = renderMixdown(f.session, f.dir.path(), options, [&](double fraction) {
            if (fraction > 0.2) cancel = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(21));
        }, cancel);
        QVERIFY(second.cancelled);
        QVERIFY(!QFileInfo::exists(options.outputPath));
        QVERIFY(leftovers(f.dir.filePath(QStringLiteral("out"))).isEmpty());
    }

    void missingClipIsNamed() {
        Fixture f;
        QVERIFY(QFile::remove(f.dir.filePath(QStringLiteral("audio/ramp.wav"))));
        MixdownOptions options = f.options(QStringLiteral("missing.wav"));
        MixdownResult result = exportSession(f.session, f.dir.path(), options);
        QVERIFY(!result.ok && !result.cancelled);
        qInfo("%s", qPrintable(result.error));
        QVERIFY(result.error.contains(QStringLiteral("audio/ramp.wav")));
        QVERIFY(result.error.contains(QStringLiteral("Guitar")));
        QVERIFY(result.error.contains(QStringLiteral("missing")));
        QVERIFY(!QFileInfo::exists(options.outputPath));
        QVERIFY(leftovers(f.dir.filePath(QStringLiteral("out"))).isEmpty());
        // Muted, the track is not needed.
        f.session.tracks[1].mute = true;
        result = exportSession(f.session, f.dir.path(), options);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.frames, int64_t{84000});
    }

    void otherSampleRateIsRefused() {
        Fixture f;
        writeFloatWav(f.dir.filePath(QStringLiteral("audio/ramp.wav")), f.files.at(QStringLiteral("audio/ramp.wav")), 44100);
        const MixdownResult result = exportSession(f.session, f.dir.path(), f.options(QStringLiteral("rate.wav")));
        QVERIFY(!result.ok);
        qInfo("%s", qPrintable(result.error));
        QVERIFY(result.error.contains(QStringLiteral("audio/ramp.wav")));
        QVERIFY(result.error.contains(QStringLiteral("44100")));
        QVERIFY(!QFileInfo::exists(f.out(QStringLiteral("rate.wav"))));
    }

    void badOptionsAreRefusedClearly() {
        Fixture f;
        MixdownOptions flacFloat = f.options(QStringLiteral("float.flac"), MixdownOptions::Format::Float32);
        MixdownResult result = exportSession(f.session, f.dir.path(), flacFloat);
        QVERIFY(!result.ok);
        QCOMPARE(result.error, QStringLiteral("FLAC cannot hold 32-bit float: choose 16-bit or 24-bit for FLAC, or WAV for 32-bit float"));
        QVERIFY(!QFileInfo::exists(flacFloat.outputPath));

        MixdownOptions empty = f.options(QStringLiteral("empty.wav"));
        empty.rangeStart = empty.rangeEnd = 1000;
        QCOMPARE(exportSession(f.session, f.dir.path(), empty).error, QStringLiteral("nothing to export: the range is empty"));

        MixdownOptions mp3 = f.options(QStringLiteral("mix.mp3"));
        result = exportSession(f.session, f.dir.path(), mp3);
        QVERIFY(!result.ok && result.error.contains(QStringLiteral(".wav or .flac")));

        MixdownOptions mismatch = f.options(QStringLiteral("mix.wav"));
        mismatch.container = MixdownOptions::Container::Flac;
        mismatch.format = MixdownOptions::Format::Pcm16;
        QVERIFY(exportSession(f.session, f.dir.path(), mismatch).error.contains(QStringLiteral("ends in .wav but the format is FLAC")));

        MixdownOptions nowhere = f.options(QStringLiteral("x.wav"));
        nowhere.outputPath = f.dir.filePath(QStringLiteral("no/such/folder/x.wav"));
        result = exportSession(f.session, f.dir.path(), nowhere);
        QVERIFY(!result.ok && result.error.contains(QStringLiteral("does not exist")));

        // Writing over one of the session's own recordings would destroy it.
        MixdownOptions overClip = f.options(QStringLiteral("x.wav"));
        overClip.outputPath = f.dir.filePath(QStringLiteral("audio/sine.wav"));
        result = exportSession(f.session, f.dir.path(), overClip);
        QVERIFY(!result.ok && result.error.contains(QStringLiteral("a clip of the session plays that file")));
        QCOMPARE(readBack(overClip.outputPath).info.frames, sf_count_t{72000});
    }
};

QTEST_GUILESS_MAIN(TestMixdown)
#include "test_mixdown.moc"
