// A DI guitar riff by plucked-string synthesis (Karplus-Strong with the usual
// refinements), for the Virtual backend's demo input 2. Writes raw 32-bit float
// mono at 48 kHz to stdout; make_demo.sh levels and encodes it.
//
// Why these refinements: a bare Karplus-Strong loop sounds like a harpsichord.
// A DI guitar needs (1) a pick-position comb on the excitation (the string is
// plucked near the bridge, so harmonics near multiples of 1/beta are missing),
// (2) a fractional-delay allpass so that low notes are in tune, (3) a loop
// filter that loses highs faster than lows, and (4) palm-muted and let-ring
// notes, because a riff without dynamics does not look like one on a meter.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

constexpr double kRate = 48000.0;
constexpr double kPi = 3.14159265358979323846;

struct Note {
    double startBeats;
    double lengthBeats;
    int midi;        // 40 = low E (82.4 Hz)
    double velocity; // 0..1
    bool palmMuted;
};

uint32_t lcgState = 12345u;
double noise() { // deterministic, so the generated file is reproducible
    lcgState = lcgState * 1664525u + 1013904223u;
    return static_cast<double>(lcgState >> 8) / 8388608.0 - 1.0;
}

void pluck(std::vector<double>& out, size_t start, size_t length, double frequency, double velocity, bool palmMuted) {
    const double period = kRate / frequency;
    const auto delay = static_cast<size_t>(std::floor(period - 0.5)); // the loop filter adds half a sample
    const double fraction = period - 0.5 - static_cast<double>(delay);
    const double allpass = (1.0 - fraction) / (1.0 + fraction);   // tunes the fractional part
    const double pickPosition = 0.13;                            // near the bridge
    const auto comb = static_cast<size_t>(std::max(1.0, std::round(pickPosition * static_cast<double>(delay))));

    std::vector<double> line(delay, 0.0);
    // Excitation: noise, softened for lower velocity, with the pick-position comb.
    std::vector<double> burst(delay);
    double lowpass = 0.0;
    const double brightness = 0.35 + 0.5 * velocity;
    for (size_t i = 0; i < delay; ++i) {
        lowpass += brightness * (noise() - lowpass);
        burst[i] = lowpass;
    }
    for (size_t i = 0; i < delay; ++i) line[i] = velocity * (burst[i] - (i >= comb ? burst[i - comb] : 0.0));

    // Palm muting: faster decay and a duller loop.
    const double decay = palmMuted ? 0.975 : 0.9975;
    const double damping = palmMuted ? 0.62 : 0.5; // weight of the older sample in the loop average
    const size_t ringOut = palmMuted ? length : length + static_cast<size_t>(0.05 * kRate);
    double previous = 0.0, allpassState = 0.0;
    size_t index = 0;
    for (size_t n = 0; n < ringOut && start + n < out.size(); ++n) {
        const double current = line[index];
        const double averaged = decay * ((1.0 - damping) * current + damping * previous);
        previous = current;
        // First-order allpass for the fractional delay.
        const double tuned = allpass * averaged + allpassState;
        allpassState = averaged - allpass * tuned;
        line[index] = tuned;
        index = (index + 1) % delay;
        // Releasing a let-ring note: a short fade instead of a click.
        double gain = 1.0;
        if (n > length) gain = 1.0 - static_cast<double>(n - length) / static_cast<double>(ringOut - length);
        out[start + n] += gain * current;
    }
}

double midiToHz(int midi) { return 440.0 * std::pow(2.0, (midi - 69) / 12.0); }

} // namespace

int main() {
    const double bpm = 112.0;
    const double beat = 60.0 / bpm;
    // Two bars in E minor pentatonic: chugging low E, then a climbing lick.
    const std::vector<Note> riff = {
        {0.0, 0.5, 40, 0.9, true},   {0.5, 0.5, 40, 0.7, true},   {1.0, 0.5, 43, 1.0, false}, {1.5, 0.5, 40, 0.7, true},
        {2.0, 0.5, 45, 1.0, false},  {2.5, 0.5, 40, 0.7, true},   {3.0, 0.25, 46, 0.9, false}, {3.25, 0.75, 45, 0.9, false},
        {4.0, 0.5, 40, 0.9, true},   {4.5, 0.5, 40, 0.7, true},   {5.0, 0.5, 47, 1.0, false}, {5.5, 0.5, 50, 0.9, false},
        {6.0, 0.5, 52, 1.0, false},  {6.5, 0.5, 50, 0.8, false},  {7.0, 1.0, 40, 1.0, false},
    };
    const double lengthSeconds = 8.0 * beat + 0.35;
    std::vector<double> out(static_cast<size_t>(lengthSeconds * kRate), 0.0);
    for (const Note& note : riff)
        pluck(out, static_cast<size_t>(note.startBeats * beat * kRate), static_cast<size_t>(note.lengthBeats * beat * kRate),
              midiToHz(note.midi), note.velocity, note.palmMuted);
    // A pickup into a 1 Mohm input has no DC and little below 70 Hz: a gentle high-pass.
    double previousIn = 0.0, previousOut = 0.0;
    const double r = std::exp(-2.0 * kPi * 30.0 / kRate);
    for (double& sample : out) {
        const double filtered = sample - previousIn + r * previousOut;
        previousIn = sample;
        previousOut = filtered;
        sample = filtered;
    }
    // Fade the last 20 ms so the loop point does not click.
    const size_t fade = static_cast<size_t>(0.02 * kRate);
    for (size_t i = 0; i < fade; ++i) out[out.size() - 1 - i] *= static_cast<double>(i) / static_cast<double>(fade);
    // Peak at 0.5 here, so raw float never clips on the way into sox (which sets the final level).
    double peak = 1e-9;
    for (const double sample : out) peak = std::max(peak, std::fabs(sample));
    for (const double sample : out) {
        const float value = static_cast<float>(0.5 * sample / peak);
        std::fwrite(&value, sizeof(value), 1, stdout);
    }
    return 0;
}
