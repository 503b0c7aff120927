// Atomic, durable replacement of small files. [any thread but the audio thread]
#include "core/AtomicFile.h"

#include <QFile>
#include <QFileInfo>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace gainstage {

namespace {

std::mutex g_hookMutex;
AtomicWriteTestHook g_hook;

bool continueAfter(AtomicWriteStep step) {
    AtomicWriteTestHook hook;
    {
        std::lock_guard lock(g_hookMutex);
        hook = g_hook;
    }
    return !hook || hook(step);
}

QString errnoText(int error) {
    return QString::fromLocal8Bit(std::strerror(error));
}

bool writeAll(int fd, const char* data, size_t size) {
    while (size > 0) {
        const ssize_t written = ::write(fd, data, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += written;
        size -= static_cast<size_t>(written);
    }
    return true;
}

mode_t modeForTarget(const QByteArray& target) {
    struct stat status{};
    if (::stat(target.constData(), &status) == 0) return status.st_mode & 07777;
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return 0666 & ~mask;
}

} // namespace

void setAtomicWriteTestHook(AtomicWriteTestHook hook) {
    std::lock_guard lock(g_hookMutex);
    g_hook = std::move(hook);
}

bool syncFolder(const QString& folder) {
    const int fd = ::open(QFile::encodeName(folder).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return ok;
}

bool writeFileAtomically(const QString& path, const QByteArray& data, QString& error) {
    const QFileInfo target(path);
    const QString folder = target.absolutePath();
    const QByteArray targetName = QFile::encodeName(target.absoluteFilePath());
    // mkstemp gives a unique name in the same folder (rename must not cross file systems).
    QByteArray temporaryName = QFile::encodeName(folder + QStringLiteral("/.") + target.fileName() + QStringLiteral(".XXXXXX.tmp"));
    const int fd = ::mkstemps(temporaryName.data(), 4);
    if (fd < 0) {
        error = QStringLiteral("cannot save '%1': cannot create a file in '%2' (%3)").arg(path, folder, errnoText(errno));
        return false;
    }
    auto failWith = [&](const QString& why) {
        const int saved = errno;
        ::close(fd);
        ::unlink(temporaryName.constData());
        error = QStringLiteral("cannot save '%1': %2 (%3); the previous file is unchanged").arg(path, why, errnoText(saved));
        return false;
    };
    if (!writeAll(fd, data.constData(), static_cast<size_t>(data.size()))) return failWith(QStringLiteral("writing failed"));
    if (::fchmod(fd, modeForTarget(targetName)) != 0) return failWith(QStringLiteral("setting permissions failed"));
    if (!continueAfter(AtomicWriteStep::AfterWrite)) { ::close(fd); error = QStringLiteral("save of '%1' stopped by the test hook after writing").arg(path); return false; }
    if (::fsync(fd) != 0) return failWith(QStringLiteral("the disk refused the data"));
    if (!continueAfter(AtomicWriteStep::AfterFsync)) { ::close(fd); error = QStringLiteral("save of '%1' stopped by the test hook after fsync").arg(path); return false; }
    if (::close(fd) != 0) {
        const int saved = errno;
        ::unlink(temporaryName.constData());
        error = QStringLiteral("cannot save '%1': closing failed (%2); the previous file is unchanged").arg(path, errnoText(saved));
        return false;
    }
    if (::rename(temporaryName.constData(), targetName.constData()) != 0) {
        const int saved = errno;
        ::unlink(temporaryName.constData());
        error = QStringLiteral("cannot save '%1': could not move the new file into place (%2); the previous file is unchanged").arg(path, errnoText(saved));
        return false;
    }
    if (!continueAfter(AtomicWriteStep::AfterRename)) { error = QStringLiteral("save of '%1' stopped by the test hook after rename").arg(path); return false; }
    if (!syncFolder(folder)) {
        // The new file is in place; only its durability across a power cut is in doubt.
        error = QStringLiteral("saved '%1', but syncing its folder failed (%2)").arg(path, errnoText(errno));
        return false;
    }
    return true;
}

} // namespace gainstage
