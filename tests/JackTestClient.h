#pragma once
// A libjack client that plays the other side of Gainstage in end-to-end tests:
// it feeds a known signal into Gainstage's input ports and captures what comes
// out of Gainstage's output ports, sample for sample.
//
// The JACK dummy driver has no real capture: the dummy's system:capture ports
// carry silence. connectTo() therefore disconnects them from Gainstage's
// inputs and connects this client's outputs there instead, and Gainstage's
// outputs to this client's inputs. Ports are found by name with
// jack_get_ports() ("Gainstage:in_0" ... as PortAudio registers them).
//
// The signal is a 24-bit counting signal: sample n of channel c is
// ((n + c * kChannelStride) mod 2^23 - 2^22) / 2^23, exact in float, distinct
// for 2^23 consecutive samples, and different on every channel, so a lost,
// repeated, altered or swapped sample is seen, and the value alone says which
// sample it was (countingIndex) so the constant offset through the graph can
// be found.
//
// Threads: open/connectTo/close and the read-outs on the test's thread; the
// process callback on JACK's thread, which only writes preallocated buffers
// and publishes a frame count.

#include <QString>
#include <QStringList>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>

namespace gainstage::test {

class JackTestClient {
public:
    static constexpr int64_t kCountingPeriod = int64_t{1} << 23;
    static constexpr int64_t kChannelStride = 1000003; // odd and large: channels never line up

    JackTestClient() = default;
    ~JackTestClient();
    JackTestClient(const JackTestClient&) = delete;
    JackTestClient& operator=(const JackTestClient&) = delete;

    // Connects to the JACK_DEFAULT_SERVER as `clientName` with `channels`
    // output ports (feed_N) and input ports (capture_N), and room to capture
    // `captureSeconds`; starts feeding the counting signal at once.
    bool open(const QString& clientName, int channels, double captureSeconds, QString* error);
    // Our feed_N -> target:in_N, target:out_N -> our capture_N, and nothing
    // else into target's inputs. Waits up to `timeoutMs` for the target's ports.
    bool connectTo(const QString& targetClient, QString* error, int timeoutMs = 5000);
    void close();

    // Loopback mode, for latency tests: instead of the counting signal, each
    // feed_N plays what capture_N received `delayFrames` earlier (a delay line
    // of our own on top of what the JACK graph adds; 0 = none). Call before
    // open(); it stays until changed.
    void setLoopback(bool on, int delayFrames = 0) {
        loopback_ = on;
        loopbackDelay_ = delayFrames;
    }
    // Tone mode, for level tests (Auto Gain): instead of the counting signal,
    // every feed_N plays a sine of `hz` at `peakDbfs` with a slow 0.5 Hz swell
    // between -6 dB and full level, like a phrase that gets louder. `hz` <= 0
    // returns to the counting signal. Call before open().
    void setTone(double hz, double peakDbfs) {
        toneHz_ = hz;
        tonePeak_ = std::pow(10.0, peakDbfs / 20.0);
    }
    // Whether our feed_0 drives `targetClient`:in_0 now (a client that closed
    // and reopened its ports has lost our connections).
    bool feedsInto(const QString& targetClient) const;

    // Ports of `client` (e.g. "Gainstage") of one direction, in natural order (in_2 before in_10).
    QStringList portsOf(const QString& client, bool inputs) const;

    int sampleRate() const { return sampleRate_; }
    int bufferSize() const { return bufferSize_; }
    // [any thread] Frames captured so far (the captured buffers are valid up to here).
    int64_t framesCaptured() const { return captured_.load(std::memory_order_acquire); }
    const std::vector<float>& captured(int channel) const { return capture_[static_cast<size_t>(channel)]; }
    // [any thread] Frames of the signal written to our feed ports so far
    // (counting mode: sample n of the signal is the n-th frame sent).
    int64_t framesSent() const { return sent_.load(std::memory_order_acquire); }
    // [any thread] Xruns the JACK server reported while this client was active.
    int xruns() const { return xruns_.load(std::memory_order_acquire); }
    // [any thread] JACK told us the server went away.
    bool serverShutDown() const { return shutDown_.load(std::memory_order_acquire); }

    static float countingSample(int64_t n, int channel);
    // The n (mod kCountingPeriod) that produced `value` on `channel`, or -1 if no n did.
    static int64_t countingIndex(float value, int channel);

    struct Check {
        bool locked = false;      // the signal was found at all
        int64_t offset = 0;       // captured index - sent index (frames through the graph)
        int64_t firstIndex = 0;   // where in the capture the signal starts
        int64_t verified = 0;     // samples compared from there on
        int64_t dropped = 0;      // samples that jumped ahead
        int64_t repeated = 0;     // samples that went back
        int64_t changed = 0;      // samples not of the signal at all (or far off)
        int64_t firstBad = -1;    // capture index of the first failure
        int64_t bad() const { return dropped + repeated + changed; }
    };
    // Checks capture `channel` in [0, count): locks on the first sample of the
    // signal, then compares every later one with the signal at the same offset.
    Check check(int channel, int64_t count) const;

    // A recorded file's channel against the counting signal: from the file's
    // first signal sample on, every sample must be the one after the last.
    struct FileCheck {
        int64_t locked = -1;     // file frame of the first signal sample (-1: the signal never arrived)
        int64_t firstIndex = -1; // the signal's sample index there
        int64_t lastIndex = -1;  // the signal's sample index in the file's last frame (-1: not of the signal)
        int64_t verified = 0;    // samples compared from `locked` on
        int64_t dropped = 0, repeated = 0, changed = 0;
        int64_t firstBad = -1;   // file frame of the first failure
        int64_t bad() const { return dropped + repeated + changed; }
    };
    static FileCheck checkCountingFile(const std::vector<float>& samples, int channel);

private:
    static int processCallback(uint32_t frames, void* self);
    static void shutdownCallback(void* self);
    static int xrunCallback(void* self);

    void* client_ = nullptr;           // jack_client_t*
    std::vector<void*> feedPorts_;     // jack_port_t*
    std::vector<void*> capturePorts_;  // jack_port_t*
    std::vector<std::vector<float>> capture_;
    std::atomic<int64_t> sent_{0};
    std::atomic<int64_t> captured_{0};
    std::atomic<bool> shutDown_{false};
    std::atomic<int> xruns_{0};
    bool loopback_ = false;
    double toneHz_ = 0.0;
    double tonePeak_ = 0.0;
    int loopbackDelay_ = 0;
    std::vector<std::vector<float>> delayLines_; // per channel, loopbackDelay_ frames
    size_t delayPosition_ = 0;                   // [JACK process thread]
    int sampleRate_ = 0;
    int bufferSize_ = 0;
    QString name_;
};

} // namespace gainstage::test
