#pragma once
// A private JACK server for one test: `jackd --no-realtime -n <unique> -d dummy`
// with a configurable rate, period and port count.
//
// - The name is unique per test run and per server (gs-<pid>-<counter>), so
//   tests never meet a user's server or each other's.
// - start() waits (with a timeout) until the server accepts clients, then sets
//   JACK_DEFAULT_SERVER for this process, so PortAudio's JACK host API and any
//   child process (`gainstage devices`) find it.
// - The server is ALWAYS stopped: by stop(), by the destructor (which runs when
//   a QVERIFY returns early), at exit, and, because the child asks the kernel
//   for SIGKILL when its parent dies (PR_SET_PDEATHSIG), even when the test
//   process crashes.
// - kill() is a crash of the server (SIGKILL), for device-loss tests; start()
//   again brings it back under the same name. A killed server leaves its slot
//   in JACK's registry of server names (8 slots per machine); the destructor
//   reclaims it, so repeated test runs never fill the registry.
//
// Threads: the test's main thread.

#include <QString>

#include <sys/types.h>

namespace gainstage::test {

class JackServer {
public:
    struct Options {
        int sampleRate = 48000;
        int period = 256;
        int captureChannels = 2;  // system:capture_1..N (the dummy driver's "inputs")
        int playbackChannels = 2; // system:playback_1..N
    };

    JackServer();
    explicit JackServer(Options options);
    ~JackServer();
    JackServer(const JackServer&) = delete;
    JackServer& operator=(const JackServer&) = delete;

    // Where jackd is, or empty: a test QSKIPs with a message when it is missing.
    static QString jackdPath();

    // The period for the suites that demand every sample through JACK (the
    // loopback and the recording suite): GAINSTAGE_JACK_PERIOD, default 1024.
    // The dummy server has no real-time priority, so a busy 2-core machine
    // wakes it late now and then and it misses a cycle, dropping or repeating a
    // period for every client. At 256 frames (5.3 ms) CI saw that in three
    // 60 s loopback runs in a row; at 1024 (21.3 ms) an idle machine ran ten
    // minutes without one. The period does not change what is verified.
    static int sampleExactPeriod();

    // Starts the server and waits up to `timeoutMs` for it to accept clients.
    // On failure `error` says why (with the end of jackd's own output).
    bool start(QString* error = nullptr, int timeoutMs = 10000);
    // SIGTERM, then SIGKILL after 3 s; waits for the process. Harmless when not running.
    void stop();
    // SIGKILL now, as a crash would; reaps the process.
    void kill();
    bool isRunning() const { return pid_ > 0; }

    QString name() const { return name_; }
    const Options& options() const { return options_; }

private:
    bool waitUntilAcceptingClients(int timeoutMs);
    // Returns whether the process ended by itself (false: it had to be SIGKILLed).
    bool reap(int timeoutMs);
    // A jackd that dies without shutting down keeps its slot in JACK's server
    // registry (/dev/shm/jack-shm-registry, 8 slots) until a server of the
    // same name starts again: so one is started and shut down cleanly.
    static void reclaimName(const QString& name);
    // Once per process: slots left by earlier test runs that crashed (names
    // gs-<pid>-N whose pid is gone) are reclaimed the same way.
    static void reclaimStaleTestServers();

    Options options_;
    QString name_;
    QString logPath_;
    pid_t pid_ = -1;
    bool registrationLeft_ = false; // killed, and not restarted since
};

} // namespace gainstage::test
