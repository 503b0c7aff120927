// Helper for tests/bench/compare_lv2.sh: writes a coherent test sine, and
// measures the aliasing of a rendered file, so that Gainstage and the LV2
// anchors are measured by the same code in the same run.
//
//   alias_tool make OUT.wav --freq HZ --seconds S --dbfs DB
//   alias_tool measure FILE --freq HZ
//   alias_tool drive clean|tube|transformer THD_DB
//
// `make` moves the frequency onto an FFT bin (65536 points) so `measure` can
// read the non-harmonic energy (20 Hz - 20 kHz, dBc) without leakage.

#include <sndfile.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "TestSignals.h"
#include "dsp/PreampModels.h"

namespace {

constexpr int kFftSize = 65536;

double argument(int argc, char** argv, const char* name, double fallback) {
    for (int i = 0; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return std::atof(argv[i + 1]);
    return fallback;
}

int make(const char* path, double approxHz, double seconds, double dbfs) {
    const double rate = 48000.0;
    const double frequency = gainstage::test::coherentFrequency(approxHz, rate, kFftSize);
    const auto signal = gainstage::test::sine(frequency, rate, static_cast<int>(seconds * rate), std::pow(10.0, dbfs / 20.0));
    SF_INFO info{};
    info.samplerate = static_cast<int>(rate);
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* file = sf_open(path, SFM_WRITE, &info);
    if (!file) { std::fprintf(stderr, "alias_tool: cannot write %s: %s\n", path, sf_strerror(nullptr)); return 1; }
    sf_writef_float(file, signal.data(), static_cast<sf_count_t>(signal.size()));
    sf_close(file);
    return 0;
}

int measure(const char* path, double approxHz) {
    SF_INFO info{};
    SNDFILE* file = sf_open(path, SFM_READ, &info);
    if (!file) { std::fprintf(stderr, "alias_tool: cannot read %s: %s\n", path, sf_strerror(nullptr)); return 1; }
    std::vector<float> interleaved(static_cast<size_t>(info.frames * info.channels));
    sf_readf_float(file, interleaved.data(), info.frames);
    sf_close(file);
    // 65536 frames of channel 0 ending 0.1 s before the end: well past the
    // start-up transient, and clear of the end, where the tone stops abruptly
    // and a latency-compensated render shows the model's response to that stop.
    const sf_count_t endMargin = info.samplerate / 10;
    if (info.frames < kFftSize * 2 + endMargin) { std::fprintf(stderr, "alias_tool: %s is too short\n", path); return 1; }
    const sf_count_t first = info.frames - endMargin - kFftSize;
    std::vector<float> tail(kFftSize);
    for (int i = 0; i < kFftSize; ++i)
        tail[static_cast<size_t>(i)] = interleaved[static_cast<size_t>((first + i) * info.channels)];
    const double frequency = gainstage::test::coherentFrequency(approxHz, info.samplerate, kFftSize);
    const auto analysis = gainstage::test::analyzeHarmonics(tail.data(), kFftSize, info.samplerate, frequency);
    std::printf("%.1f %.1f\n", analysis.nonHarmonicDbc, analysis.thdDb);
    return 0;
}

// THD of the model for a -20 dBFS, 1 kHz sine raised by `gainDb` (the drive definition).
double thdAtGain(gainstage::ModelStage& model, double gainDb) {
    const double rate = 48000.0;
    const int settle = 24000;
    const double frequency = gainstage::test::coherentFrequency(1000.0, rate, kFftSize);
    auto signal = gainstage::test::sine(frequency, rate, settle + kFftSize, 0.1 * std::pow(10.0, gainDb / 20.0));
    model.prepare(rate, 4096, 1);
    model.reset();
    signal = gainstage::test::processMono(model, signal, 4096);
    return gainstage::test::analyzeHarmonics(signal.data() + settle, kFftSize, rate, frequency).thdDb;
}

int drive(const std::string& name, double thdTargetDb) {
    std::unique_ptr<gainstage::ModelStage> model;
    if (name == "clean") model = std::make_unique<gainstage::CleanModel>();
    else if (name == "tube") model = std::make_unique<gainstage::TubeModel>();
    else if (name == "transformer") model = std::make_unique<gainstage::TransformerModel>();
    else { std::fprintf(stderr, "alias_tool: unknown model %s\n", name.c_str()); return 2; }
    // THD rises monotonically with gain over the Mic range; bisect to 0.01 dB.
    double low = -20.0, high = 60.0;
    while (high - low > 0.01) {
        const double middle = 0.5 * (low + high);
        (thdAtGain(*model, middle) < thdTargetDb ? low : high) = middle;
    }
    std::printf("%.2f\n", 0.5 * (low + high));
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::strcmp(argv[1], "make") == 0)
        return make(argv[2], argument(argc, argv, "--freq", 5000.0), argument(argc, argv, "--seconds", 60.0), argument(argc, argv, "--dbfs", -20.0));
    if (argc >= 3 && std::strcmp(argv[1], "measure") == 0)
        return measure(argv[2], argument(argc, argv, "--freq", 5000.0));
    if (argc >= 4 && std::strcmp(argv[1], "drive") == 0)
        return drive(argv[2], std::atof(argv[3]));
    std::fprintf(stderr, "usage: alias_tool make OUT.wav --freq HZ --seconds S --dbfs DB | measure FILE --freq HZ | drive MODEL THD_DB\n");
    return 2;
}
