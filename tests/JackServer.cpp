#include "JackServer.h"

#include <jack/jack.h>

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace gainstage::test {

namespace {

std::atomic<int> serverCounter{0};

// Servers still running at exit (a test that threw, or a qFatal): killed by an atexit handler.
std::mutex& registryMutex() {
    static std::mutex mutex;
    return mutex;
}
std::set<pid_t>& liveServers() {
    static std::set<pid_t> pids;
    return pids;
}
void killLeftoverServers() {
    const std::lock_guard lock(registryMutex());
    for (const pid_t pid : liveServers()) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
    liveServers().clear();
}
void registerServer(pid_t pid) {
    static const bool registered = [] { return std::atexit(killLeftoverServers) == 0; }();
    (void)registered;
    const std::lock_guard lock(registryMutex());
    liveServers().insert(pid);
}
void unregisterServer(pid_t pid) {
    const std::lock_guard lock(registryMutex());
    liveServers().erase(pid);
}

void silentJackMessage(const char*) {}

QString tailOf(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return QString();
    const QByteArray text = file.readAll();
    return QString::fromLocal8Bit(text.right(600)).simplified();
}

} // namespace

JackServer::JackServer() : JackServer(Options{}) {}

JackServer::JackServer(Options options)
    : options_(options), name_(QStringLiteral("gs-%1-%2").arg(::getpid()).arg(serverCounter.fetch_add(1))) {}

JackServer::~JackServer() {
    stop();
    if (registrationLeft_) reclaimName(name_);
    if (!logPath_.isEmpty()) QFile::remove(logPath_);
}

void JackServer::reclaimName(const QString& name) {
    const QString jackd = jackdPath();
    if (jackd.isEmpty()) return;
    QProcess server;
    server.setProcessChannelMode(QProcess::MergedChannels);
    server.start(jackd, {QStringLiteral("--no-realtime"), QStringLiteral("-n"), name, QStringLiteral("-d"), QStringLiteral("dummy")});
    if (!server.waitForStarted(3000)) return;
    // Registered once it accepts clients; then a clean shutdown frees the slot.
    const QByteArray serverName = name.toLocal8Bit();
    jack_set_error_function(silentJackMessage);
    jack_set_info_function(silentJackMessage);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline && server.state() == QProcess::Running) {
        jack_status_t status{};
        if (jack_client_t* probe = jack_client_open("gs-probe", static_cast<jack_options_t>(JackNoStartServer | JackServerName), &status,
                                                    serverName.constData())) {
            jack_client_close(probe);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    server.terminate();
    if (!server.waitForFinished(5000)) {
        server.kill();
        server.waitForFinished(2000);
    }
}

void JackServer::reclaimStaleTestServers() {
    QFile registry(QStringLiteral("/dev/shm/jack-shm-registry"));
    if (!registry.open(QIODevice::ReadOnly)) return;
    static const QRegularExpression kTestServer(QStringLiteral("gs-(\\d+)-(\\d+)"));
    const QString text = QString::fromLatin1(registry.readAll());
    QStringList stale;
    for (auto it = kTestServer.globalMatch(text); it.hasNext();) {
        const auto match = it.next();
        const pid_t owner = static_cast<pid_t>(match.captured(1).toLongLong());
        if (owner != ::getpid() && ::kill(owner, 0) != 0 && errno == ESRCH && !stale.contains(match.captured(0))) stale << match.captured(0);
    }
    for (const QString& name : stale) reclaimName(name);
}

int JackServer::sampleExactPeriod() {
    bool ok = false;
    const int period = qEnvironmentVariableIntValue("GAINSTAGE_JACK_PERIOD", &ok);
    return ok && period >= 16 && period <= 8192 ? period : 1024;
}

QString JackServer::jackdPath() {
    return QStandardPaths::findExecutable(QStringLiteral("jackd"));
}

bool JackServer::start(QString* error, int timeoutMs) {
    stop();
    static const bool swept = [] {
        reclaimStaleTestServers();
        return true;
    }();
    (void)swept;
    const QString jackd = jackdPath();
    if (jackd.isEmpty()) {
        if (error) *error = QStringLiteral("jackd is not installed (Debian package jackd2)");
        return false;
    }
    logPath_ = QDir::temp().filePath(name_ + QStringLiteral(".log"));

    // Everything the child needs is built before fork(): after it, only
    // async-signal-safe calls until exec.
    const QList<QByteArray> arguments = {
        QFile::encodeName(jackd),      "--no-realtime",
        "-n",                          name_.toLocal8Bit(),
        "-d",                          "dummy",
        "-r",                          QByteArray::number(options_.sampleRate),
        "-p",                          QByteArray::number(options_.period),
        "-C",                          QByteArray::number(options_.captureChannels),
        "-P",                          QByteArray::number(options_.playbackChannels),
    };
    std::vector<char*> argv;
    for (const QByteArray& argument : arguments) argv.push_back(const_cast<char*>(argument.constData()));
    argv.push_back(nullptr);
    const int log = ::open(QFile::encodeName(logPath_).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const pid_t parent = ::getpid();

    const pid_t pid = ::fork();
    if (pid < 0) {
        if (log >= 0) ::close(log);
        if (error) *error = QStringLiteral("fork failed");
        return false;
    }
    if (pid == 0) {
        // The server dies with the test process, whatever kills it.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        if (log >= 0) {
            ::dup2(log, 1);
            ::dup2(log, 2);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    if (log >= 0) ::close(log);
    pid_ = pid;
    registerServer(pid);
    registrationLeft_ = false; // the same name reclaims the slot a killed server left

    if (!waitUntilAcceptingClients(timeoutMs)) {
        const QString output = tailOf(logPath_);
        kill();
        if (error)
            *error = QStringLiteral("jackd '%1' did not accept clients within %2 ms; it said: %3").arg(name_).arg(timeoutMs).arg(output);
        return false;
    }
    ::setenv("JACK_DEFAULT_SERVER", name_.toLocal8Bit().constData(), 1);
    // Never let a client library start a server of its own.
    ::setenv("JACK_NO_START_SERVER", "1", 1);
    return true;
}

bool JackServer::waitUntilAcceptingClients(int timeoutMs) {
    // libjack prints every failed attempt; the probe is expected to fail at first.
    jack_set_error_function(silentJackMessage);
    jack_set_info_function(silentJackMessage);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    const QByteArray serverName = name_.toLocal8Bit();
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) { // jackd gave up
            unregisterServer(pid_);
            pid_ = -1;
            return false;
        }
        jack_status_t jackStatus{};
        jack_client_t* probe = jack_client_open("gs-probe", static_cast<jack_options_t>(JackNoStartServer | JackServerName), &jackStatus,
                                                serverName.constData());
        if (probe) {
            jack_client_close(probe);
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

void JackServer::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    if (!reap(5000)) registrationLeft_ = true;
}

void JackServer::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    reap(3000);
    registrationLeft_ = true;
}

bool JackServer::reap(int timeoutMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            unregisterServer(pid_);
            pid_ = -1;
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    unregisterServer(pid_);
    pid_ = -1;
    return false;
}

} // namespace gainstage::test
