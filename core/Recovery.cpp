// Crash recovery of interrupted recordings. [control thread]
#include "core/Recovery.h"

#include "core/DiskWriter.h"
#include "core/RecordingJournal.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace gainstage {

namespace {

uint32_t readU32(const unsigned char* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint16_t readU16(const unsigned char* p) {
    return uint16_t(p[0] | p[1] << 8);
}
void putU32(unsigned char* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void putU64(unsigned char* p, uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

bool readAt(int fd, int64_t offset, void* buffer, size_t size) {
    return ::pread(fd, buffer, size, offset) == static_cast<ssize_t>(size);
}

// Writes `bytes` at `offset` only if they differ: recovery run twice writes nothing.
bool patch(int fd, int64_t offset, const unsigned char* bytes, size_t size, bool& changed) {
    unsigned char current[16];
    if (!readAt(fd, offset, current, size)) return false;
    if (std::memcmp(current, bytes, size) == 0) return true;
    changed = true;
    return ::pwrite(fd, bytes, size, offset) == static_cast<ssize_t>(size);
}

} // namespace

HeaderRepair repairWavHeader(const QString& path) {
    HeaderRepair repair;
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        repair.error = QStringLiteral("cannot open '%1': %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));
        return repair;
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat status{};
    ::fstat(fd, &status);
    const int64_t fileSize = status.st_size;
    unsigned char head[12];
    if (!readAt(fd, 0, head, 12) || (std::memcmp(head, "RIFF", 4) != 0 && std::memcmp(head, "RF64", 4) != 0) || std::memcmp(head + 8, "WAVE", 4) != 0) {
        repair.error = QStringLiteral("'%1' is not a WAV file (no RIFF/RF64 WAVE header)").arg(path);
        return repair;
    }
    bool isRf64 = std::memcmp(head, "RF64", 4) == 0;
    int64_t ds64At = -1, dataAt = -1, factAt = -1, fmtAt = -1, fmtTotal = 0;
    int blockAlign = 0;
    // Walk the chunks up to "data". libsndfile writes fmt (and JUNK/ds64)
    // before it, and nothing we write comes after the audio while recording.
    for (int64_t offset = 12; offset + 8 <= fileSize && dataAt < 0;) {
        unsigned char chunk[8];
        if (!readAt(fd, offset, chunk, 8)) break;
        const uint32_t size = readU32(chunk + 4);
        if (std::memcmp(chunk, "data", 4) == 0) {
            dataAt = offset;
            break;
        }
        if (std::memcmp(chunk, "fmt ", 4) == 0 && size >= 16) {
            fmtAt = offset;
            fmtTotal = 8 + int64_t(size) + (size & 1);
            unsigned char fmt[16];
            if (readAt(fd, offset + 8, fmt, 16)) blockAlign = readU16(fmt + 12);
        } else if (std::memcmp(chunk, "fact", 4) == 0 && size >= 4) {
            factAt = offset;
        } else if (std::memcmp(chunk, "ds64", 4) == 0 && size >= 24) {
            ds64At = offset;
        }
        offset += 8 + int64_t(size) + (size & 1);
    }
    if (dataAt < 0 || blockAlign <= 0) {
        repair.error = QStringLiteral("'%1' has no %2; it holds no audio Gainstage can recover").arg(path, blockAlign <= 0 ? QStringLiteral("valid fmt chunk") : QStringLiteral("data chunk"));
        return repair;
    }
    const int64_t dataStart = dataAt + 8;
    const int64_t available = std::max<int64_t>(0, fileSize - dataStart);
    repair.frames = available / blockAlign;
    repair.tornBytes = available % blockAlign;
    const int64_t dataSize = repair.frames * blockAlign;
    // The RIFF size covers the whole frames and their pad byte; torn bytes stay outside it.
    const int64_t riffSize = dataStart + dataSize + (dataSize & 1) - 8;

    const bool needs64 = riffSize > 0xFFFFFFFFLL - 1 || dataSize > 0xFFFFFFFFLL - 1;
    if (needs64 && !isRf64) {
        // Past 4 GiB with a RIFF header (killed before libsndfile switched it):
        // rebuild the header in place as RF64 + ds64 + the same fmt, in exactly
        // the bytes before "data", so the audio does not move. libsndfile's
        // JUNK placeholder and fact chunk leave room for the ds64.
        const int64_t ds64Size = dataAt - 12 - 8 - fmtTotal;
        if (fmtAt < 0 || ds64Size < 28) {
            repair.error = QStringLiteral("'%1' is larger than 4 GiB and has no room for an RF64 header").arg(path);
            return repair;
        }
        std::vector<unsigned char> header(static_cast<size_t>(dataAt), 0);
        std::memcpy(header.data(), "RF64", 4);
        putU32(header.data() + 4, 0xFFFFFFFFu);
        std::memcpy(header.data() + 8, "WAVEds64", 8);
        putU32(header.data() + 16, static_cast<uint32_t>(ds64Size)); // sizes are filled in below
        if (!readAt(fd, fmtAt, header.data() + 20 + ds64Size, static_cast<size_t>(fmtTotal)) ||
            ::pwrite(fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
            repair.error = QStringLiteral("cannot rewrite the header of '%1'").arg(path);
            return repair;
        }
        repair.changed = true;
        ds64At = 12;
        factAt = -1;
        isRf64 = true;
    }
    bool ok = true;
    unsigned char word[8];
    if (isRf64 && ds64At >= 0) {
        putU64(word, static_cast<uint64_t>(riffSize));
        ok = ok && patch(fd, ds64At + 8, word, 8, repair.changed);
        putU64(word, static_cast<uint64_t>(dataSize));
        ok = ok && patch(fd, ds64At + 16, word, 8, repair.changed);
        putU64(word, static_cast<uint64_t>(repair.frames));
        ok = ok && patch(fd, ds64At + 24, word, 8, repair.changed);
        putU32(word, 0xFFFFFFFFu);
        ok = ok && patch(fd, 4, word, 4, repair.changed) && patch(fd, dataAt + 4, word, 4, repair.changed);
        repair.rf64 = true;
    } else if (isRf64) {
        repair.error = QStringLiteral("'%1' is RF64 without a ds64 chunk").arg(path);
        return repair;
    } else {
        putU32(word, static_cast<uint32_t>(riffSize));
        ok = ok && patch(fd, 4, word, 4, repair.changed);
        putU32(word, static_cast<uint32_t>(dataSize));
        ok = ok && patch(fd, dataAt + 4, word, 4, repair.changed);
    }
    if (factAt >= 0) {
        // WAVE_FORMAT_EXTENSIBLE files carry the frame count here too.
        putU32(word, static_cast<uint32_t>(std::min<int64_t>(repair.frames, 0xFFFFFFFFLL)));
        ok = ok && patch(fd, factAt + 8, word, 4, repair.changed);
    }
    if (!ok || (repair.changed && ::fsync(fd) != 0)) {
        repair.error = QStringLiteral("cannot rewrite the header of '%1': %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));
        return repair;
    }
    repair.ok = true;
    return repair;
}

RecoveryReport recoverTakes(const QString& folder, Session& session) {
    RecoveryReport report;
    if (!RecordingJournal::exists(folder)) return report;
    report.hadJournal = true;
    QString error;
    const auto journal = RecordingJournal::read(folder, error);
    if (!journal) {
        report.journalUnreadable = true;
        report.problems << error;
        report.summary = QStringLiteral("An interrupted recording was found, but its journal is unreadable: %1.").arg(error);
        return report;
    }
    if (session.name.isEmpty()) session.name = journal->session;
    QStringList recovered, raws, lost;
    for (const JournalTake& entry : journal->takes) {
        RecoveredTake take;
        take.trackId = entry.trackId;
        take.trackName = entry.trackName;
        take.file = entry.file;
        take.raw = entry.raw;
        take.timelineStart = entry.timelineStart;
        take.sampleRate = entry.sampleRate;
        QString why;
        const auto path = Session::resolveInside(folder, entry.file, why);
        const HeaderRepair repair = path && QFileInfo(*path).isFile() ? repairWavHeader(*path) : HeaderRepair{};
        if (!path || !QFileInfo(*path).isFile()) {
            take.problem = QStringLiteral("%1: no audio was written (%2 is missing)").arg(entry.trackName, entry.file);
        } else if (!repair.ok) {
            take.problem = QStringLiteral("%1: %2; the file was left as it is").arg(entry.trackName, repair.error);
        } else if (repair.frames == 0) {
            take.problem = QStringLiteral("%1: the take holds no audio yet (%2 kept)").arg(entry.trackName, entry.file);
        }
        take.frames = repair.frames;
        take.headerFixed = repair.changed;
        if (!take.problem.isEmpty()) {
            report.problems << take.problem;
            lost << entry.trackName;
            report.takes.push_back(take);
            continue;
        }

        // The take's metadata, once.
        auto known = std::find_if(session.takes.begin(), session.takes.end(), [&](const TakeRecord& t) { return t.file == entry.file; });
        if (known == session.takes.end()) {
            TakeRecord record;
            record.file = entry.file;
            record.trackId = entry.trackId;
            record.raw = entry.raw;
            record.channels = entry.channels;
            record.sampleRate = entry.sampleRate;
            record.format = entry.format;
            record.timelineStart = entry.timelineStart;
            record.report.insert(QStringLiteral("recovered"), true);
            session.takes.push_back(record);
            known = session.takes.end() - 1;
        }
        known->frames = repair.frames;

        if (entry.raw) {
            raws << entry.trackName;
        } else {
            SessionTrack* track = session.findTrack(entry.trackId);
            if (!track) {
                SessionTrack created;
                created.id = entry.trackId;
                created.name = entry.trackName;
                created.input.stereo = entry.channels == 2;
                session.tracks.push_back(created);
                track = &session.tracks.back();
            }
            auto clip = std::find_if(track->clips.begin(), track->clips.end(), [&](const Clip& c) { return c.file == entry.file; });
            const int64_t length = std::max<int64_t>(0, repair.frames - entry.sourceOffset);
            if (clip == track->clips.end()) {
                if (length > 0) track->clips.push_back(Clip{entry.file, entry.timelineStart, length, entry.sourceOffset, false});
            } else {
                clip->length = length;
            }
            recovered << QStringLiteral("%1 %2").arg(entry.trackName, DiskWriter::formatTime(repair.frames, entry.sampleRate));
        }
        report.takes.push_back(take);
    }
    if (recovered.isEmpty())
        report.summary = QStringLiteral("An interrupted recording was found, but no take held audio.");
    else
        report.summary = QStringLiteral("Recovered %1 %2 from an interrupted recording: %3")
                             .arg(recovered.size())
                             .arg(recovered.size() == 1 ? QStringLiteral("take") : QStringLiteral("takes"), recovered.join(QStringLiteral(", ")));
    if (!raws.isEmpty()) report.summary += QStringLiteral(" (raw inputs kept for %1)").arg(raws.join(QStringLiteral(", ")));
    if (!lost.isEmpty()) report.summary += QStringLiteral(". Nothing to recover for %1").arg(lost.join(QStringLiteral(", ")));
    return report;
}

OpenedSession openSession(const QString& folder) {
    OpenedSession opened;
    const bool journal = RecordingJournal::exists(folder);
    if (journal && QFileInfo(folder).isDir() && !QFileInfo::exists(QDir(folder).filePath(QString::fromLatin1(Session::kFileName)))) {
        opened.load.session = Session{}; // the first take of a new session
    } else {
        opened.load = Session::load(folder);
    }
    if (!opened.load.ok() || !journal) return opened;

    opened.recovery = recoverTakes(folder, *opened.load.session);
    if (opened.recovery.journalUnreadable) return opened; // nothing changed; the audio files stay as they are
    QString error;
    if (!opened.load.session->save(folder, error)) {
        opened.recovery.problems << error;
        opened.recovery.summary += QStringLiteral(" The session could not be saved (%1); the recording journal was kept so this runs again next time.").arg(error);
        return opened;
    }
    // Only once the session holding the takes is safely on disk.
    if (!RecordingJournal::remove(folder, error)) opened.recovery.problems << error;
    return opened;
}

} // namespace gainstage
