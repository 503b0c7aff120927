// The session model: every field survives a save and load, a save interrupted
// at any step leaves the old or the new file, and every kind of bad session
// file loads as a clear message without crashing or changing anything.
#include "core/AtomicFile.h"
#include "core/Session.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

using namespace gainstage;

namespace {

Session richSession() {
    Session s;
    s.name = QStringLiteral("Demo «Ünïcode» song");
    s.sampleRate = 96000;
    s.devices[QStringLiteral("Scarlett 2i2 USB: Audio (hw:1,0)")] = DeviceSettings{96000, 128};
    s.devices[QStringLiteral("Gainstage Virtual")] = DeviceSettings{44100, 1024};
    SessionTrack vocal;
    vocal.id = QStringLiteral("t1");
    vocal.name = QStringLiteral("Lead Vocal");
    vocal.input = TrackInput{3, false};
    vocal.preamp.source = Source::Mic;
    vocal.preamp.model = Model::Tube;
    vocal.preamp.gainDb = 37.5f;
    vocal.preamp.pad = true;
    vocal.preamp.lowCut = LowCut::Hz80;
    vocal.preamp.phaseInverted = true;
    vocal.preamp.inputImpedanceOhms = 300.0f;
    vocal.preamp.outputTrimDb = -3.25f;
    vocal.preamp.calibrationDbu = 20.0f;
    vocal.armed = true;
    vocal.monitor = SessionMonitorMode::Input;
    vocal.volumeDb = -6.5f;
    vocal.pan = -0.25f;
    vocal.mute = true;
    vocal.solo = true;
    vocal.keepRaw = true;
    vocal.clips.push_back(Clip{QStringLiteral("audio/Lead Vocal-1.wav"), 48000, 123456, 0});
    vocal.clips.push_back(Clip{QStringLiteral("audio/Lead Vocal-2.wav"), 5000000000LL, 7, 99});
    SessionTrack guitar;
    guitar.id = QStringLiteral("t2");
    guitar.name = QStringLiteral("DI Guitar");
    guitar.input = TrackInput{0, true};
    guitar.preamp.source = Source::DI;
    guitar.preamp.model = Model::Transformer;
    guitar.preamp.gainDb = -20.0f;
    guitar.preamp.lowCut = LowCut::Hz300;
    guitar.preamp.inputImpedanceOhms = 250000.0f;
    guitar.monitor = SessionMonitorMode::Off;
    guitar.pan = 1.0f;
    s.tracks = {vocal, guitar};
    TakeRecord take;
    take.file = QStringLiteral("audio/Lead Vocal-1.wav");
    take.trackId = QStringLiteral("t1");
    take.channels = 1;
    take.sampleRate = 96000;
    take.format = SampleFormat::Float32;
    take.frames = 123456;
    take.timelineStart = 48000;
    take.overruns = {{100, 256}, {90000, 512}};
    take.xruns = {5, 77777};
    take.report = QJsonObject{{QStringLiteral("samplePeakDbfs"), -3.5}, {QStringLiteral("clips"), 0}};
    TakeRecord raw = take;
    raw.file = QStringLiteral("audio/Lead Vocal-1.raw.wav");
    raw.raw = true;
    raw.format = SampleFormat::Pcm24;
    raw.report = {};
    s.takes = {take, raw};
    return s;
}

void createAudioFiles(const QString& folder, const Session& s) {
    QDir(folder).mkpath(QStringLiteral("audio"));
    for (const SessionTrack& t : s.tracks)
        for (const Clip& c : t.clips) {
            QFile f(QDir(folder).filePath(c.file));
            f.open(QIODevice::WriteOnly);
        }
}

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QStringList listing(const QString& folder) {
    QStringList all;
    QDirIterator it(folder, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) all << it.next();
    all.sort();
    return all;
}

void compareSessions(const Session& a, const Session& b) {
    QCOMPARE(a.name, b.name);
    QCOMPARE(a.sampleRate, b.sampleRate);
    QVERIFY(a.devices == b.devices);
    QCOMPARE(a.tracks.size(), b.tracks.size());
    for (size_t i = 0; i < a.tracks.size(); ++i) {
        const SessionTrack& x = a.tracks[i];
        const SessionTrack& y = b.tracks[i];
        QCOMPARE(x.id, y.id);
        QCOMPARE(x.name, y.name);
        QVERIFY(x.input == y.input);
        QCOMPARE(x.preamp.source, y.preamp.source);
        QCOMPARE(x.preamp.model, y.preamp.model);
        QCOMPARE(x.preamp.gainDb, y.preamp.gainDb);
        QCOMPARE(x.preamp.pad, y.preamp.pad);
        QCOMPARE(x.preamp.lowCut, y.preamp.lowCut);
        QCOMPARE(x.preamp.phaseInverted, y.preamp.phaseInverted);
        QCOMPARE(x.preamp.inputImpedanceOhms, y.preamp.inputImpedanceOhms);
        QCOMPARE(x.preamp.outputTrimDb, y.preamp.outputTrimDb);
        QCOMPARE(x.preamp.calibrationDbu, y.preamp.calibrationDbu);
        QCOMPARE(x.armed, y.armed);
        QCOMPARE(x.monitor, y.monitor);
        QCOMPARE(x.volumeDb, y.volumeDb);
        QCOMPARE(x.pan, y.pan);
        QCOMPARE(x.mute, y.mute);
        QCOMPARE(x.solo, y.solo);
        QCOMPARE(x.keepRaw, y.keepRaw);
        QVERIFY(x.clips == y.clips);
    }
    QVERIFY(a.takes == b.takes);
}

} // namespace

class TestSession : public QObject {
    Q_OBJECT

private slots:
    void cleanup() { setAtomicWriteTestHook({}); }

    void roundTripsEveryField() {
        QTemporaryDir dir;
        const Session original = richSession();
        createAudioFiles(dir.path(), original);
        QString error;
        QVERIFY2(original.save(dir.path(), error), qPrintable(error));
        const SessionLoadResult loaded = Session::load(dir.path());
        QVERIFY2(loaded.ok(), qPrintable(loaded.error));
        QVERIFY2(loaded.warnings.isEmpty(), qPrintable(loaded.warnings.join(QLatin1Char('\n'))));
        compareSessions(original, *loaded.session);
        // Saving what was loaded gives the same bytes: nothing is lost or invented.
        QCOMPARE(loaded.session->toJson(), original.toJson());
        qInfo("round trip: %zu tracks, %zu clips, %zu takes, %zu devices; %lld bytes of JSON", original.tracks.size(),
              original.tracks[0].clips.size() + original.tracks[1].clips.size(), original.takes.size(), original.devices.size(),
              static_cast<long long>(original.toJson().size()));
        QFileInfo info(QDir(dir.path()).filePath(QStringLiteral("session.json")));
        QVERIFY(QFileInfo(QDir(dir.path()).filePath(QStringLiteral("audio"))).isDir());
        QCOMPARE(listing(dir.path()).filter(QStringLiteral(".tmp")).size(), 0);
    }

    // The test hook stops the save after the write, after the fsync and after
    // the rename: the file is the old session in the first two cases, the new
    // one in the third, and always loads.
    void interruptedSaveLeavesOldOrNew() {
        QTemporaryDir dir;
        Session oldSession = richSession();
        createAudioFiles(dir.path(), oldSession);
        QString error;
        QVERIFY(oldSession.save(dir.path(), error));
        Session newSession = oldSession;
        newSession.name = QStringLiteral("The new state");
        newSession.tracks[0].volumeDb = -1.0f;
        const struct {
            AtomicWriteStep step;
            bool expectNew;
        } cases[] = {{AtomicWriteStep::AfterWrite, false}, {AtomicWriteStep::AfterFsync, false}, {AtomicWriteStep::AfterRename, true}};
        for (const auto& c : cases) {
            QVERIFY(oldSession.save(dir.path(), error));
            setAtomicWriteTestHook([&](AtomicWriteStep step) { return step != c.step; });
            QVERIFY(!newSession.save(dir.path(), error));
            setAtomicWriteTestHook({});
            const SessionLoadResult loaded = Session::load(dir.path());
            QVERIFY2(loaded.ok(), qPrintable(loaded.error));
            QCOMPARE(loaded.session->name, c.expectNew ? newSession.name : oldSession.name);
        }
        qInfo("save stopped after write / fsync / rename: old, old, new; every one loads");
    }

    // Real kills: a child process saves two states alternately and is SIGKILLed
    // at random moments (some inside a slowed-down save step).
    void killedSaveLeavesOldOrNew() {
        QTemporaryDir dir;
        Session a = richSession();
        createAudioFiles(dir.path(), a);
        Session b = a;
        b.name = QStringLiteral("B");
        QString error;
        QVERIFY(a.save(dir.path(), error));
        const uint32_t seed = 20240611;
        std::mt19937 random(seed);
        std::uniform_int_distribution<int> delayUs(0, 4000);
        const int kills = 60;
        int sawA = 0, sawB = 0;
        for (int i = 0; i < kills; ++i) {
            const pid_t child = ::fork();
            if (child == 0) {
                // Each step pauses a little so that kills land between steps too.
                setAtomicWriteTestHook([](AtomicWriteStep) { ::usleep(200); return true; });
                for (int n = 0;; ++n) {
                    QString e;
                    (n % 2 ? b : a).save(dir.path(), e);
                }
            }
            ::usleep(static_cast<useconds_t>(2000 + delayUs(random)));
            ::kill(child, SIGKILL);
            ::waitpid(child, nullptr, 0);
            const SessionLoadResult loaded = Session::load(dir.path());
            QVERIFY2(loaded.ok(), qPrintable(QStringLiteral("kill %1: %2").arg(i).arg(loaded.error)));
            QVERIFY(loaded.session->name == a.name || loaded.session->name == b.name);
            (loaded.session->name == a.name ? sawA : sawB)++;
        }
        // The next save clears the temporary files the kills left behind.
        QVERIFY(a.save(dir.path(), error));
        QCOMPARE(listing(dir.path()).filter(QStringLiteral(".tmp")).size(), 0);
        qInfo("%d SIGKILLs during saves (seed %u): always a whole session (old %d, new %d times)", kills, seed, sawA, sawB);
    }

    void badFilesGiveClearMessages_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        auto valid = [](auto edit) {
            QJsonObject root = QJsonDocument::fromJson(richSession().toJson()).object();
            edit(root);
            return QJsonDocument(root).toJson();
        };
        auto editTrack = [&](const char* key, QJsonValue value) {
            return valid([&](QJsonObject& root) {
                QJsonArray tracks = root[QStringLiteral("tracks")].toArray();
                QJsonObject t = tracks[0].toObject();
                if (value.isUndefined()) t.remove(QLatin1String(key));
                else t[QLatin1String(key)] = value;
                tracks[0] = t;
                root[QStringLiteral("tracks")] = tracks;
            });
        };
        auto editClipFile = [&](const QString& file) {
            return valid([&](QJsonObject& root) {
                QJsonArray tracks = root[QStringLiteral("tracks")].toArray();
                QJsonObject t = tracks[0].toObject();
                QJsonArray clips = t[QStringLiteral("clips")].toArray();
                QJsonObject c = clips[0].toObject();
                c[QStringLiteral("file")] = file;
                clips[0] = c;
                t[QStringLiteral("clips")] = clips;
                tracks[0] = t;
                root[QStringLiteral("tracks")] = tracks;
            });
        };
        const QByteArray good = richSession().toJson();
        QTest::newRow("empty file") << QByteArray() << "not valid JSON";
        QTest::newRow("truncated") << good.left(good.size() / 2) << "not valid JSON";
        QTest::newRow("garbage") << QByteArray("\x00\xff\xfe garbage", 12) << "not valid JSON";
        QTest::newRow("NaN literal") << QByteArray(good).replace("-6.5", "NaN") << "not valid JSON";
        QTest::newRow("array root") << QByteArray("[1,2,3]") << "one JSON object";
        QTest::newRow("not ours") << QByteArray("{\"format\":\"other\",\"version\":1}") << "not a Gainstage session";
        QTest::newRow("newer version") << valid([](QJsonObject& r) { r[QStringLiteral("version")] = 99; }) << "newer Gainstage";
        QTest::newRow("version zero") << valid([](QJsonObject& r) { r[QStringLiteral("version")] = 0; }) << "unknown session format";
        QTest::newRow("version text") << valid([](QJsonObject& r) { r[QStringLiteral("version")] = QStringLiteral("1"); }) << "version should be a number";
        QTest::newRow("no version") << valid([](QJsonObject& r) { r.remove(QStringLiteral("version")); }) << "version is missing";
        QTest::newRow("tracks not list") << valid([](QJsonObject& r) { r[QStringLiteral("tracks")] = 5; }) << "tracks should be a list";
        QTest::newRow("track not object") << valid([](QJsonObject& r) { r[QStringLiteral("tracks")] = QJsonArray{1}; }) << "tracks[0] should be an object";
        QTest::newRow("no track id") << editTrack("id", QJsonValue::Undefined) << "tracks[0].id is missing";
        QTest::newRow("no track name") << editTrack("name", QJsonValue::Undefined) << "tracks[0].name is missing";
        QTest::newRow("volume text") << editTrack("volumeDb", QStringLiteral("loud")) << "tracks[0].volumeDb should be a number";
        QTest::newRow("volume absurd") << editTrack("volumeDb", 1e300) << "tracks[0].volumeDb is 1e+300, outside";
        QTest::newRow("volume huge literal") << QByteArray(good).replace("-6.5", "1e999") << "illegal number";
        QTest::newRow("pan absurd") << editTrack("pan", -7) << "tracks[0].pan is -7";
        QTest::newRow("armed number") << editTrack("armed", 1) << "tracks[0].armed should be true or false";
        QTest::newRow("monitor unknown") << editTrack("monitor", QStringLiteral("loud")) << "not one of auto, input, off";
        QTest::newRow("duplicate id") << valid([](QJsonObject& r) {
            QJsonArray tracks = r[QStringLiteral("tracks")].toArray();
            QJsonObject t = tracks[1].toObject();
            t[QStringLiteral("id")] = QStringLiteral("t1");
            tracks[1] = t;
            r[QStringLiteral("tracks")] = tracks;
        }) << "used by two tracks";
        QTest::newRow("gain beyond mic range") << valid([](QJsonObject& r) {
            QJsonArray tracks = r[QStringLiteral("tracks")].toArray();
            QJsonObject t = tracks[0].toObject();
            QJsonObject p = t[QStringLiteral("preamp")].toObject();
            p[QStringLiteral("gainDb")] = 500;
            t[QStringLiteral("preamp")] = p;
            tracks[0] = t;
            r[QStringLiteral("tracks")] = tracks;
        }) << "tracks[0].preamp.gainDb is 500";
        QTest::newRow("input channel huge") << editTrack("input", QJsonObject{{QStringLiteral("channel"), 1e12}}) << "tracks[0].input.channel";
        QTest::newRow("sample rate absurd") << valid([](QJsonObject& r) { r[QStringLiteral("sampleRate")] = 1; }) << "sampleRate is 1";
        QTest::newRow("fractional rate") << valid([](QJsonObject& r) { r[QStringLiteral("sampleRate")] = 48000.5; }) << "whole number";
        QTest::newRow("negative clip offset") << valid([](QJsonObject& r) {
            QJsonArray tracks = r[QStringLiteral("tracks")].toArray();
            QJsonObject t = tracks[0].toObject();
            QJsonArray clips = t[QStringLiteral("clips")].toArray();
            QJsonObject c = clips[0].toObject();
            c[QStringLiteral("timelineOffset")] = -5;
            clips[0] = c;
            t[QStringLiteral("clips")] = clips;
            tracks[0] = t;
            r[QStringLiteral("tracks")] = tracks;
        }) << "timelineOffset is -5";
        QTest::newRow("device buffer absurd") << valid([](QJsonObject& r) {
            r[QStringLiteral("devices")] = QJsonObject{{QStringLiteral("X"), QJsonObject{{QStringLiteral("bufferFrames"), 1e9}}}};
        }) << "bufferFrames";
        QTest::newRow("take channels absurd") << valid([](QJsonObject& r) {
            QJsonArray takes = r[QStringLiteral("takes")].toArray();
            QJsonObject t = takes[0].toObject();
            t[QStringLiteral("channels")] = 100000;
            takes[0] = t;
            r[QStringLiteral("takes")] = takes;
        }) << "takes[0].channels";
        QTest::newRow("xrun text") << valid([](QJsonObject& r) {
            QJsonArray takes = r[QStringLiteral("takes")].toArray();
            QJsonObject t = takes[0].toObject();
            t[QStringLiteral("xruns")] = QJsonArray{QStringLiteral("x")};
            takes[0] = t;
            r[QStringLiteral("takes")] = takes;
        }) << "takes[0].xruns[0]";
        QTest::newRow("dot-dot path") << editClipFile(QStringLiteral("../../etc/passwd")) << "outside the session folder";
        QTest::newRow("hidden dot-dot") << editClipFile(QStringLiteral("audio/../../x.wav")) << "climbs out";
        QTest::newRow("absolute path") << editClipFile(QStringLiteral("/etc/passwd")) << "absolute path";
        QTest::newRow("backslash dot-dot") << editClipFile(QStringLiteral("audio\\..\\..\\x.wav")) << "climbs out";
        QTest::newRow("symlink escape") << editClipFile(QStringLiteral("audio/escape.wav")) << "leads outside";
        QTest::newRow("folder symlink escape") << editClipFile(QStringLiteral("linked/passwd")) << "leads outside";
        QTest::newRow("dangling symlink") << editClipFile(QStringLiteral("audio/dangling.wav")) << "leads nowhere";
        QTest::newRow("take path escape") << valid([](QJsonObject& r) {
            QJsonArray takes = r[QStringLiteral("takes")].toArray();
            QJsonObject t = takes[0].toObject();
            t[QStringLiteral("file")] = QStringLiteral("../elsewhere.wav");
            takes[0] = t;
            r[QStringLiteral("takes")] = takes;
        }) << "takes[0].file";
    }

    // Each bad file: no session, a message naming the problem, nothing changed on disk.
    void badFilesGiveClearMessages() {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        createAudioFiles(dir.path(), richSession());
        QVERIFY(QFile::link(QStringLiteral("/etc/passwd"), dir.path() + QStringLiteral("/audio/escape.wav")));
        QVERIFY(QFile::link(QStringLiteral("/etc"), dir.path() + QStringLiteral("/linked")));
        QVERIFY(QFile::link(dir.path() + QStringLiteral("/nothing-here"), dir.path() + QStringLiteral("/audio/dangling.wav")));
        const QString path = dir.path() + QStringLiteral("/session.json");
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(json);
        }
        const QStringList before = listing(dir.path());
        const SessionLoadResult loaded = Session::load(dir.path());
        QVERIFY2(!loaded.ok(), "a bad session must not load");
        QVERIFY2(loaded.error.contains(expected), qPrintable(loaded.error));
        QVERIFY2(loaded.error.contains(QStringLiteral("session.json")), qPrintable(loaded.error));
        QCOMPARE(fileBytes(path), json);
        QCOMPARE(listing(dir.path()), before);
        qInfo("%s", qPrintable(loaded.error.left(220)));
    }

    void missingFolderOrFile() {
        QTemporaryDir dir;
        SessionLoadResult loaded = Session::load(dir.path() + QStringLiteral("/nope"));
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error.contains(QStringLiteral("not a folder")), qPrintable(loaded.error));
        loaded = Session::load(dir.path());
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error.contains(QStringLiteral("no session.json")), qPrintable(loaded.error));
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("session.json")));
        loaded = Session::load(dir.path());
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error.contains(QStringLiteral("not a file")), qPrintable(loaded.error));
    }

    // A missing take file does not lose the session: it loads with a warning
    // naming the file, and the clip is kept (so saving does not drop it).
    void missingAudioLoadsWithWarning() {
        QTemporaryDir dir;
        const Session original = richSession();
        QString error;
        QVERIFY(original.save(dir.path(), error));
        const SessionLoadResult loaded = Session::load(dir.path());
        QVERIFY2(loaded.ok(), qPrintable(loaded.error));
        QCOMPARE(loaded.warnings.size(), 2);
        QVERIFY2(loaded.warnings[0].contains(QStringLiteral("audio/Lead Vocal-1.wav")) && loaded.warnings[0].contains(QStringLiteral("missing")),
                 qPrintable(loaded.warnings[0]));
        QVERIFY(loaded.session->tracks[0].clips[0].missing);
        compareSessions(original, *loaded.session);
        qInfo("%s", qPrintable(loaded.warnings[0]));
    }

    void namesAreSanitised() {
        QCOMPARE(Session::sanitizeName(QStringLiteral("Lead Vocal")), QStringLiteral("Lead Vocal"));
        QCOMPARE(Session::sanitizeName(QStringLiteral("../../etc/passwd")), QStringLiteral("_.._etc_passwd"));
        QCOMPARE(Session::sanitizeName(QStringLiteral("..")), QStringLiteral("Track"));
        QCOMPARE(Session::sanitizeName(QStringLiteral("")), QStringLiteral("Track"));
        QCOMPARE(Session::sanitizeName(QStringLiteral("a\nb\tc\x01" "d\x7f")), QStringLiteral("abcd"));
        QCOMPARE(Session::sanitizeName(QStringLiteral("C:\\x*?|<>\"")), QStringLiteral("C__x______"));
        QCOMPARE(Session::sanitizeName(QStringLiteral(".hidden")), QStringLiteral("hidden"));
        QCOMPARE(Session::sanitizeName(QString(500, QLatin1Char('x'))).size(), 64);
        QCOMPARE(Session::sanitizeName(QStringLiteral("Gitarre Ä")), QStringLiteral("Gitarre Ä"));
        const QStringList hostile = {QStringLiteral("/"), QStringLiteral("a/../../b"), QStringLiteral("\\\\server\\share"), QStringLiteral(" . "),
                                     QString(QChar(0x202E)) + QStringLiteral("vaw.exe"), QStringLiteral("\n")};
        for (const QString& name : hostile) {
            const QString clean = Session::sanitizeName(name);
            QVERIFY(!clean.isEmpty());
            QVERIFY(!clean.contains(QLatin1Char('/')) && !clean.contains(QLatin1Char('\\')));
            QVERIFY(!clean.startsWith(QLatin1Char('.')));
            for (const QChar c : clean) QVERIFY(c.unicode() >= 0x20 && c.category() != QChar::Other_Format);
        }

        QTemporaryDir dir;
        Session s;
        QCOMPARE(s.nextTakeFile(dir.path(), QStringLiteral("Vox/1")), QStringLiteral("audio/Vox_1-1.wav"));
        QDir(dir.path()).mkdir(QStringLiteral("audio"));
        QFile f(dir.path() + QStringLiteral("/audio/Vox_1-1.wav"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        TakeRecord t;
        t.file = QStringLiteral("audio/Vox_1-2.wav");
        s.takes.push_back(t);
        QCOMPARE(s.nextTakeFile(dir.path(), QStringLiteral("Vox/1")), QStringLiteral("audio/Vox_1-3.wav"));
        QCOMPARE(s.nextTakeFile(dir.path(), QStringLiteral("Vox/1"), true), QStringLiteral("audio/Vox_1-1.raw.wav"));
        for (const QString& name : hostile) {
            QString why;
            QVERIFY2(Session::resolveInside(dir.path(), s.nextTakeFile(dir.path(), name), why).has_value(), qPrintable(why));
        }
    }

    void pathsStayInside() {
        QTemporaryDir dir;
        QDir(dir.path()).mkdir(QStringLiteral("audio"));
        QString why;
        const auto inside = Session::resolveInside(dir.path(), QStringLiteral("audio/a.wav"), why);
        QVERIFY(inside.has_value());
        QVERIFY(inside->startsWith(QFileInfo(dir.path()).canonicalFilePath() + QStringLiteral("/audio/")));
        QVERIFY(Session::resolveInside(dir.path(), QStringLiteral("./audio/./a.wav"), why).has_value());
        for (const QString& bad : {QStringLiteral("../x"), QStringLiteral("/etc/passwd"), QStringLiteral("audio/../../x"), QStringLiteral(""),
                                   QStringLiteral("a\nb"), QStringLiteral("C:/x")}) {
            QVERIFY2(!Session::resolveInside(dir.path(), bad, why).has_value(), qPrintable(bad));
            QVERIFY(!why.isEmpty());
        }
        QVERIFY(QFile::link(QStringLiteral("/tmp"), dir.path() + QStringLiteral("/audio/out")));
        QVERIFY(!Session::resolveInside(dir.path(), QStringLiteral("audio/out/new.wav"), why).has_value());
        // A link that stays inside is fine.
        QVERIFY(QFile::link(dir.path() + QStringLiteral("/audio"), dir.path() + QStringLiteral("/alias")));
        QVERIFY(Session::resolveInside(dir.path(), QStringLiteral("alias/a.wav"), why).has_value());
    }
};

QTEST_GUILESS_MAIN(TestSession)
#include "test_session.moc"
