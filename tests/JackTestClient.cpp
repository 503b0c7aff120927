#include "JackTestClient.h"

#include <jack/jack.h>

#include <QRegularExpression>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

namespace gainstage::test {

namespace {

jack_client_t* asClient(void* client) {
    return static_cast<jack_client_t*>(client);
}
jack_port_t* asPort(void* port) {
    return static_cast<jack_port_t*>(port);
}

int trailingNumber(const QString& port) {
    static const QRegularExpression kNumber(QStringLiteral("(\\d+)$"));
    const auto match = kNumber.match(port);
    return match.hasMatch() ? match.captured(1).toInt() : -1;
}

} // namespace

JackTestClient::~JackTestClient() {
    close();
}

float JackTestClient::countingSample(int64_t n, int channel) {
    const int64_t k = (n + channel * kChannelStride) & (kCountingPeriod - 1);
    return static_cast<float>(k - kCountingPeriod / 2) / static_cast<float>(kCountingPeriod);
}

int64_t JackTestClient::countingIndex(float value, int channel) {
    const double scaled = static_cast<double>(value) * static_cast<double>(kCountingPeriod) + static_cast<double>(kCountingPeriod / 2);
    if (scaled < 0.0 || scaled >= static_cast<double>(kCountingPeriod) || scaled != std::floor(scaled)) return -1;
    const auto k = static_cast<int64_t>(scaled);
    return (k - channel * kChannelStride) & (kCountingPeriod - 1);
}

bool JackTestClient::open(const QString& clientName, int channels, double captureSeconds, QString* error) {
    close();
    name_ = clientName;
    jack_status_t status{};
    jack_client_t* client = jack_client_open(clientName.toLocal8Bit().constData(), JackNoStartServer, &status);
    if (!client) {
        if (error) *error = QStringLiteral("cannot connect to the JACK server (status 0x%1)").arg(static_cast<int>(status), 0, 16);
        return false;
    }
    client_ = client;
    sampleRate_ = static_cast<int>(jack_get_sample_rate(client));
    bufferSize_ = static_cast<int>(jack_get_buffer_size(client));
    const auto capacity = static_cast<size_t>(captureSeconds * sampleRate_) + static_cast<size_t>(bufferSize_);
    capture_.assign(static_cast<size_t>(channels), std::vector<float>(capacity, 0.0f));
    sent_.store(0);
    captured_.store(0);
    delayLines_.assign(static_cast<size_t>(channels), std::vector<float>(static_cast<size_t>(std::max(loopbackDelay_, 0)), 0.0f));
    delayPosition_ = 0;
    shutDown_.store(false);
    for (int c = 0; c < channels; ++c) {
        feedPorts_.push_back(jack_port_register(client, QStringLiteral("feed_%1").arg(c).toLatin1().constData(), JACK_DEFAULT_AUDIO_TYPE,
                                                JackPortIsOutput, 0));
        capturePorts_.push_back(jack_port_register(client, QStringLiteral("capture_%1").arg(c).toLatin1().constData(),
                                                   JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0));
        if (!feedPorts_.back() || !capturePorts_.back()) {
            if (error) *error = QStringLiteral("cannot register JACK ports");
            close();
            return false;
        }
    }
    jack_set_process_callback(client, &JackTestClient::processCallback, this);
    jack_on_shutdown(client, &JackTestClient::shutdownCallback, this);
    jack_set_xrun_callback(client, &JackTestClient::xrunCallback, this);
    xruns_.store(0);
    if (jack_activate(client) != 0) {
        if (error) *error = QStringLiteral("cannot activate the JACK client");
        close();
        return false;
    }
    return true;
}

QStringList JackTestClient::portsOf(const QString& client, bool inputs) const {
    QStringList result;
    if (!client_) return result;
    const QString pattern = QStringLiteral("^%1:").arg(QRegularExpression::escape(client));
    const char** ports = jack_get_ports(asClient(client_), pattern.toLocal8Bit().constData(), JACK_DEFAULT_AUDIO_TYPE,
                                        inputs ? JackPortIsInput : JackPortIsOutput);
    if (!ports) return result;
    for (const char** port = ports; *port; ++port) result << QString::fromLocal8Bit(*port);
    jack_free(ports);
    std::sort(result.begin(), result.end(), [](const QString& a, const QString& b) { return trailingNumber(a) < trailingNumber(b); });
    return result;
}

bool JackTestClient::connectTo(const QString& targetClient, QString* error, int timeoutMs) {
    const int channels = static_cast<int>(feedPorts_.size());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    QStringList targetInputs, targetOutputs;
    while (std::chrono::steady_clock::now() < deadline) {
        targetInputs = portsOf(targetClient, true);
        targetOutputs = portsOf(targetClient, false);
        if (targetInputs.size() >= channels && targetOutputs.size() >= channels) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (targetInputs.size() < channels || targetOutputs.size() < channels) {
        if (error)
            *error = QStringLiteral("%1 has %2 inputs and %3 outputs on JACK, expected %4")
                         .arg(targetClient)
                         .arg(targetInputs.size())
                         .arg(targetOutputs.size())
                         .arg(channels);
        return false;
    }
    jack_client_t* client = asClient(client_);
    for (int c = 0; c < channels; ++c) {
        const QByteArray targetIn = targetInputs[c].toLocal8Bit();
        // PortAudio connected the dummy's silent system:capture_N here; only our feed may drive the input.
        if (const char** sources = jack_port_get_all_connections(client, jack_port_by_name(client, targetIn.constData()))) {
            for (const char** source = sources; *source; ++source) jack_disconnect(client, *source, targetIn.constData());
            jack_free(sources);
        }
        if (jack_connect(client, jack_port_name(asPort(feedPorts_[static_cast<size_t>(c)])), targetIn.constData()) != 0 ||
            jack_connect(client, targetOutputs[c].toLocal8Bit().constData(), jack_port_name(asPort(capturePorts_[static_cast<size_t>(c)]))) != 0) {
            if (error) *error = QStringLiteral("cannot connect %1 channel %2").arg(targetClient).arg(c);
            return false;
        }
    }
    return true;
}

bool JackTestClient::feedsInto(const QString& targetClient) const {
    if (!client_ || feedPorts_.empty()) return false;
    const QByteArray target = (targetClient + QStringLiteral(":in_0")).toLocal8Bit();
    return jack_port_connected_to(asPort(feedPorts_[0]), target.constData()) != 0;
}

void JackTestClient::close() {
    if (!client_) return;
    // After a server crash libjack may complain; the client is closed all the same.
    jack_client_t* client = asClient(client_);
    if (!shutDown_.load()) jack_deactivate(client);
    jack_client_close(client);
    client_ = nullptr;
    feedPorts_.clear();
    capturePorts_.clear();
}

// [JACK process thread] Writes the next block of the signal and stores what came back.
int JackTestClient::processCallback(uint32_t frames, void* selfPointer) {
    auto& self = *static_cast<JackTestClient*>(selfPointer);
    const int64_t sent = self.sent_.load(std::memory_order_relaxed);
    const size_t delay = self.loopbackDelay_ > 0 ? static_cast<size_t>(self.loopbackDelay_) : 0;
    for (size_t c = 0; c < self.feedPorts_.size(); ++c) {
        auto* out = static_cast<float*>(jack_port_get_buffer(asPort(self.feedPorts_[c]), frames));
        if (!self.loopback_ && self.toneHz_ > 0.0) {
            const double rate = self.sampleRate_ > 0 ? self.sampleRate_ : 48000.0;
            constexpr double kTwoPi = 6.283185307179586;
            for (uint32_t i = 0; i < frames; ++i) {
                const double t = static_cast<double>(sent + static_cast<int64_t>(i)) / rate;
                const double swell = 0.75 + 0.25 * std::sin(kTwoPi * 0.5 * t); // -6 dB .. 0 dB of the peak
                out[i] = static_cast<float>(self.tonePeak_ * swell * std::sin(kTwoPi * self.toneHz_ * t));
            }
            continue;
        }
        if (!self.loopback_) {
            for (uint32_t i = 0; i < frames; ++i) out[i] = countingSample(sent + i, static_cast<int>(c));
            continue;
        }
        const auto* in = static_cast<const float*>(jack_port_get_buffer(asPort(self.capturePorts_[c]), frames));
        if (delay == 0) {
            std::copy_n(in, frames, out);
            continue;
        }
        std::vector<float>& line = self.delayLines_[c];
        size_t position = self.delayPosition_;
        for (uint32_t i = 0; i < frames; ++i) {
            out[i] = line[position];
            line[position] = in[i];
            position = position + 1 == delay ? 0 : position + 1;
        }
    }
    if (delay > 0) self.delayPosition_ = (self.delayPosition_ + frames) % delay;
    self.sent_.store(sent + frames, std::memory_order_release);

    const int64_t captured = self.captured_.load(std::memory_order_relaxed);
    const int64_t room = self.capture_.empty() ? 0 : static_cast<int64_t>(self.capture_[0].size()) - captured;
    const int64_t count = std::min<int64_t>(frames, std::max<int64_t>(room, 0));
    for (size_t c = 0; c < self.capturePorts_.size(); ++c) {
        const auto* in = static_cast<const float*>(jack_port_get_buffer(asPort(self.capturePorts_[c]), frames));
        std::copy_n(in, count, self.capture_[c].data() + captured);
    }
    self.captured_.store(captured + count, std::memory_order_release);
    return 0;
}

void JackTestClient::shutdownCallback(void* selfPointer) {
    static_cast<JackTestClient*>(selfPointer)->shutDown_.store(true, std::memory_order_release);
}

int JackTestClient::xrunCallback(void* selfPointer) {
    static_cast<JackTestClient*>(selfPointer)->xruns_.fetch_add(1, std::memory_order_acq_rel);
    return 0;
}

JackTestClient::Check JackTestClient::check(int channel, int64_t count) const {
    Check result;
    const std::vector<float>& data = capture_[static_cast<size_t>(channel)];
    count = std::min<int64_t>(count, static_cast<int64_t>(data.size()));
    // Lock on: the first two consecutive samples that are consecutive samples
    // of the signal (one alone could be a stray value that happens to decode).
    int64_t start = 0;
    for (; start + 1 < count; ++start) {
        const int64_t a = countingIndex(data[static_cast<size_t>(start)], channel);
        const int64_t b = countingIndex(data[static_cast<size_t>(start + 1)], channel);
        if (a >= 0 && b == ((a + 1) & (kCountingPeriod - 1)) && data[static_cast<size_t>(start)] != 0.0f) break;
    }
    if (start + 1 >= count) return result;
    result.locked = true;
    result.firstIndex = start;
    const int64_t sentAtStart = countingIndex(data[static_cast<size_t>(start)], channel);
    result.offset = start - sentAtStart; // valid while fewer than 2^23 frames were sent before the lock (175 s at 48 kHz)
    for (int64_t i = start; i < count; ++i) {
        const float expected = countingSample(i - result.offset, channel);
        const float actual = data[static_cast<size_t>(i)];
        ++result.verified;
        if (actual == expected) continue;
        if (result.firstBad < 0) result.firstBad = i;
        const int64_t got = countingIndex(actual, channel);
        const int64_t want = (i - result.offset) & (kCountingPeriod - 1);
        const int64_t jump = got < 0 ? kCountingPeriod : ((got - want + kCountingPeriod / 2) & (kCountingPeriod - 1)) - kCountingPeriod / 2;
        if (got < 0 || std::abs(jump) > 1 << 20) ++result.changed;
        else if (jump > 0) ++result.dropped;
        else ++result.repeated;
    }
    return result;
}

JackTestClient::FileCheck JackTestClient::checkCountingFile(const std::vector<float>& samples, int channel) {
    constexpr int64_t kMask = kCountingPeriod - 1;
    FileCheck result;
    int64_t expected = -1;
    for (size_t i = 0; i < samples.size(); ++i) {
        const int64_t index = countingIndex(samples[i], channel);
        if (expected < 0) {
            if (samples[i] == 0.0f || index < 0) continue; // silence before the test client was connected
            result.locked = static_cast<int64_t>(i);
            result.firstIndex = expected = index;
        }
        ++result.verified;
        result.lastIndex = index;
        if (index != expected) {
            if (result.firstBad < 0) result.firstBad = static_cast<int64_t>(i);
            if (index < 0) ++result.changed;
            else if (((index - expected) & kMask) < kCountingPeriod / 2) ++result.dropped;
            else ++result.repeated;
        }
        expected = ((index >= 0 ? index : expected) + 1) & kMask;
    }
    return result;
}

} // namespace gainstage::test
