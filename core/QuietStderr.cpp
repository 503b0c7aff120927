#include "core/QuietStderr.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace gainstage {

namespace {

std::mutex& quietMutex() {
    static std::mutex mutex;
    return mutex;
}

int depth = 0;         // guarded by quietMutex()
int savedStderr = -1;  // the real fd 2 while depth > 0

} // namespace

QuietStderr::QuietStderr() {
    const std::lock_guard lock(quietMutex());
    if (depth++ > 0) return;
    std::fflush(stderr);
    const int devNull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devNull < 0) return; // nothing we can do; the chatter shows, nothing breaks
    savedStderr = ::fcntl(2, F_DUPFD_CLOEXEC, 3);
    if (savedStderr >= 0) ::dup2(devNull, 2);
    ::close(devNull);
}

QuietStderr::~QuietStderr() {
    const std::lock_guard lock(quietMutex());
    if (--depth > 0) return;
    std::fflush(stderr);
    if (savedStderr >= 0) {
        ::dup2(savedStderr, 2);
        ::close(savedStderr);
        savedStderr = -1;
    }
}

} // namespace gainstage
