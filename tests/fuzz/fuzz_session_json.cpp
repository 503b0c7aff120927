// libFuzzer target: Session::fromJson on whatever bytes, against a real
// session folder (audio/ with one take, a link that leads out of the folder and
// one that leads nowhere, so the path checks run for real).
//
// Oracles besides the sanitizers: a refused session has a one-paragraph
// message; an accepted one saves to JSON that loads again to the same session
// (what Gainstage writes it must be able to read back).
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/Session.h"

using namespace gainstage;

namespace {

std::unique_ptr<QTemporaryDir> g_folder;

void fail(const char* what, const QString& detail) {
    std::fprintf(stderr, "fuzz_session_json: %s: %s\n", what, qPrintable(detail));
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    g_folder = std::make_unique<QTemporaryDir>();
    QDir dir(g_folder->path());
    dir.mkdir(QStringLiteral("audio"));
    QFile take(dir.filePath(QStringLiteral("audio/Input 1-1.wav")));
    if (take.open(QIODevice::WriteOnly)) take.write("RIFF");
    QFile::link(QStringLiteral("/etc"), dir.filePath(QStringLiteral("audio/outside")));
    QFile::link(dir.filePath(QStringLiteral("audio/nowhere-target")), dir.filePath(QStringLiteral("audio/nowhere")));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    const QString folder = g_folder->path();
    const SessionLoadResult result = Session::fromJson(json, folder);
    if (!result.ok()) {
        if (result.error.isEmpty()) fail("refused without a message", QString());
        return 0;
    }
    if (!result.error.isEmpty()) fail("accepted with an error", result.error);

    const QByteArray saved = result.session->toJson();
    const SessionLoadResult again = Session::fromJson(saved, folder);
    if (!again.ok()) fail("a saved session does not load again", again.error);
    const Session& a = *result.session;
    const Session& b = *again.session;
    if (a.name != b.name || a.sampleRate != b.sampleRate || a.tracks.size() != b.tracks.size() || a.takes != b.takes || a.devices != b.devices)
        fail("a saved session loads as a different one", QString::fromUtf8(saved.left(2000)));
    for (size_t i = 0; i < a.tracks.size(); ++i)
        if (a.tracks[i].id != b.tracks[i].id || a.tracks[i].clips != b.tracks[i].clips || a.tracks[i].preamp.gainDb != b.tracks[i].preamp.gainDb)
            fail("a saved track loads differently", a.tracks[i].id);
    return 0;
}
