// Round-trip calibration: the MLS player, the correlation, the stored results.
#include "core/Calibration.h"

#include <QSettings>

#include <algorithm>
#include <cmath>
#include <complex>

namespace gainstage {

namespace {

QString settingsKey(const QString& device, int sampleRate) {
    QString name = device;
    name.replace(QLatin1Char('/'), QLatin1Char('_')); // QSettings groups split on '/'
    return QStringLiteral("calibration/%1/%2").arg(name).arg(sampleRate);
}

QSettings settings() { return QSettings(QStringLiteral("Gainstage"), QStringLiteral("Gainstage")); }

// In-place radix-2 FFT (size a power of two).
void fft(std::vector<std::complex<double>>& a, bool inverse) {
    const size_t n = a.size();
    for (size_t i = 1, j = 0; i < n; ++i) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) std::swap(a[i], a[j]);
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        const double angle = 2.0 * M_PI / static_cast<double>(len) * (inverse ? 1.0 : -1.0);
        const std::complex<double> step(std::cos(angle), std::sin(angle));
        for (size_t i = 0; i < n; i += len) {
            std::complex<double> w(1.0);
            for (size_t k = 0; k < len / 2; ++k) {
                const auto u = a[i + k], v = a[i + k + len / 2] * w;
                a[i + k] = u + v;
                a[i + k + len / 2] = u - v;
                w *= step;
            }
        }
    }
}

} // namespace

std::optional<int64_t> storedRoundTripFrames(const QString& device, int sampleRate) {
    const QVariant value = settings().value(settingsKey(device, sampleRate));
    bool ok = false;
    const qlonglong frames = value.toLongLong(&ok);
    if (!value.isValid() || !ok || frames < 0) return std::nullopt;
    return frames;
}

void storeRoundTripFrames(const QString& device, int sampleRate, int64_t frames) {
    QSettings s = settings();
    s.setValue(settingsKey(device, sampleRate), static_cast<qlonglong>(frames));
    s.sync();
}

std::vector<float> mlsBurst(int order, float amplitude) {
    // Galois LFSR (right shift, the mask is XORed in when a 1 leaves): these
    // masks are maximal in that form (period 2^order - 1, 2^(order-1) ones).
    // Used as Fibonacci taps they let the state fall to 0 after one step, and
    // the "burst" was one +a and then DC, whose correlation has no peak.
    static const uint32_t kTaps[] = {0, 0, 0x3, 0x6, 0xC, 0x14, 0x30, 0x60, 0xB8, 0x110, 0x240, 0x500, 0xE08, 0x1C80, 0x3802, 0x6000, 0xD008};
    order = std::clamp(order, 2, 16);
    const uint32_t length = (1u << order) - 1u;
    std::vector<float> out(length);
    uint32_t state = 1;
    for (uint32_t i = 0; i < length; ++i) {
        out[i] = (state & 1u) ? amplitude : -amplitude;
        const uint32_t leaving = state & 1u;
        state >>= 1;
        if (leaving) state ^= kTaps[order];
    }
    return out;
}

LoopbackMeasurement findLoopback(const std::vector<float>& sent, const std::vector<float>& received, int64_t maxLag) {
    LoopbackMeasurement result;
    if (sent.empty() || received.empty()) return result;
    size_t n = 1;
    while (n < sent.size() + received.size()) n <<= 1;
    std::vector<std::complex<double>> a(n), b(n);
    for (size_t i = 0; i < sent.size(); ++i) a[i] = sent[i];
    for (size_t i = 0; i < received.size(); ++i) b[i] = received[i];
    fft(a, false);
    fft(b, false);
    for (size_t i = 0; i < n; ++i) a[i] = std::conj(a[i]) * b[i];
    fft(a, true); // a[lag] = sum_k sent[k] * received[k + lag]
    const int64_t limit = std::min<int64_t>(maxLag, static_cast<int64_t>(received.size()) - 1);
    int64_t best = 0;
    double bestValue = -1.0;
    for (int64_t lag = 0; lag <= limit; ++lag) {
        const double v = std::fabs(a[static_cast<size_t>(lag)].real());
        if (v > bestValue) bestValue = v, best = lag;
    }
    double second = 0.0;
    for (int64_t lag = 0; lag <= limit; ++lag)
        if (std::llabs(lag - best) > 2) second = std::max(second, std::fabs(a[static_cast<size_t>(lag)].real()));
    double peak = 0.0;
    for (float x : received) peak = std::max(peak, static_cast<double>(std::fabs(x)));
    result.frames = best;
    result.peakRatio = second > 0.0 ? bestValue / second : (bestValue > 0.0 ? 1e9 : 0.0);
    result.levelDb = peak > 0.0 ? 20.0 * std::log10(peak) : -std::numeric_limits<double>::infinity();
    result.found = bestValue > 0.0 && result.peakRatio >= 4.0;
    return result;
}

LoopbackPlayer::LoopbackPlayer(std::vector<float> signal, int64_t startFrame, int64_t captureFrames)
    : signal_(std::move(signal)), startFrame_(startFrame), capture_(static_cast<size_t>(std::max<int64_t>(captureFrames, 0)), 0.0f) {}

void LoopbackPlayer::process(const float* const* inputs, float* const* outputs, int frames, const ProcessStatus& status) noexcept {
    if (status.inputOverflow || status.outputUnderflow) xruns_.fetch_add(1, std::memory_order_relaxed);
    const int64_t capacity = static_cast<int64_t>(capture_.size());
    const int64_t signalEnd = startFrame_ + static_cast<int64_t>(signal_.size());
    for (int c = 0; c < format_.outputChannels; ++c) {
        float* out = outputs[c];
        for (int i = 0; i < frames; ++i) {
            const int64_t t = frame_ + i;
            out[i] = (c == 0 && t >= startFrame_ && t < signalEnd) ? signal_[static_cast<size_t>(t - startFrame_)] : 0.0f;
        }
    }
    if (format_.inputChannels > 0) {
        for (int i = 0; i < frames; ++i) {
            const int64_t t = frame_ + i;
            if (t < capacity) capture_[static_cast<size_t>(t)] = inputs[0][i];
        }
    }
    frame_ += frames;
    captured_.store(std::min(frame_, capacity), std::memory_order_release);
}

std::vector<float> LoopbackPlayer::sentTimeline() const {
    std::vector<float> timeline(static_cast<size_t>(startFrame_) + signal_.size(), 0.0f);
    std::copy(signal_.begin(), signal_.end(), timeline.begin() + startFrame_);
    return timeline;
}

} // namespace gainstage
