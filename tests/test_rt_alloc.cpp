// THE allocation proof: Engine::process never allocates, frees or takes a
// mutex. This binary interposes malloc, calloc, realloc, free, memalign,
// aligned_alloc, posix_memalign, valloc, every operator new/delete and
// pthread_mutex_lock/trylock. Each counts when the calling thread's
// "in audio callback" flag is set; the flag is set only around
// Engine::process by this test's own callback wrapper, driven through the
// OfflineBackend's trampoline like a real backend.
//
// The scripted session covers every engine feature (arm, record, punch in and
// out, stop, play, locate, overdub over a DiskReader-fed track, every preamp
// control and model, monitor modes, fader, metronome and count-in, keep raw,
// tracks added and removed, every monitor-section control, xruns, injected
// overruns, fade-out) and requires zero. detectorWorks() proves the counters do count under the flag.
#include <QtTest>

#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <sndfile.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include "TestSignals.h"
#include "core/DiskReader.h"
#include "core/Engine.h"
#include "core/OfflineBackend.h"

// ---------------------------------------------------------------------------
// Interposition. glibc exports its allocator as __libc_*; the executable's own
// definitions of malloc & co. take precedence for every library in the process.

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void __libc_free(void*);
void* __libc_memalign(size_t, size_t);
}

namespace {
thread_local bool tInCallback = false;
std::atomic<uint64_t> gAllocations{0};
std::atomic<uint64_t> gFrees{0};
std::atomic<uint64_t> gLocks{0};

inline void noteAllocation() {
    if (tInCallback) gAllocations.fetch_add(1, std::memory_order_relaxed);
}
inline void noteFree(void* p) {
    if (tInCallback && p) gFrees.fetch_add(1, std::memory_order_relaxed);
}

using MutexFn = int (*)(pthread_mutex_t*);
MutexFn realMutexLock = nullptr;
MutexFn realMutexTrylock = nullptr;
} // namespace

extern "C" {
void* malloc(size_t size) {
    noteAllocation();
    return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) {
    noteAllocation();
    return __libc_calloc(count, size);
}
void* realloc(void* p, size_t size) {
    noteAllocation();
    return __libc_realloc(p, size);
}
void free(void* p) {
    noteFree(p);
    __libc_free(p);
}
void* memalign(size_t alignment, size_t size) {
    noteAllocation();
    return __libc_memalign(alignment, size);
}
void* aligned_alloc(size_t alignment, size_t size) {
    noteAllocation();
    return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size) {
    noteAllocation();
    void* p = __libc_memalign(alignment, size);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
void* valloc(size_t size) {
    noteAllocation();
    return __libc_memalign(4096, size);
}
int pthread_mutex_lock(pthread_mutex_t* mutex) {
    if (tInCallback) gLocks.fetch_add(1, std::memory_order_relaxed);
    if (!realMutexLock) realMutexLock = reinterpret_cast<MutexFn>(dlsym(RTLD_NEXT, "pthread_mutex_lock"));
    return realMutexLock(mutex);
}
int pthread_mutex_trylock(pthread_mutex_t* mutex) {
    if (tInCallback) gLocks.fetch_add(1, std::memory_order_relaxed);
    if (!realMutexTrylock) realMutexTrylock = reinterpret_cast<MutexFn>(dlsym(RTLD_NEXT, "pthread_mutex_trylock"));
    return realMutexTrylock(mutex);
}
}

// Every form of operator new/delete, so none can slip past (libstdc++'s own go to malloc,
// but a replaced one is counted here even if a library were built differently).
void* operator new(size_t size) {
    noteAllocation();
    if (void* p = __libc_malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
    noteAllocation();
    return __libc_malloc(size ? size : 1);
}
void* operator new[](size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void* operator new(size_t size, std::align_val_t align) {
    noteAllocation();
    if (void* p = __libc_memalign(static_cast<size_t>(align), size ? size : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](size_t size, std::align_val_t align) { return operator new(size, align); }
void* operator new(size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
    noteAllocation();
    return __libc_memalign(static_cast<size_t>(align), size ? size : 1);
}
void* operator new[](size_t size, std::align_val_t align, const std::nothrow_t& tag) noexcept { return operator new(size, align, tag); }
void operator delete(void* p) noexcept {
    noteFree(p);
    __libc_free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, size_t) noexcept { operator delete(p); }
void operator delete[](void* p, size_t) noexcept { operator delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { operator delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { operator delete(p); }
void operator delete(void* p, std::align_val_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::align_val_t) noexcept { operator delete(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { operator delete(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { operator delete(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { operator delete(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { operator delete(p); }

// ---------------------------------------------------------------------------

using namespace gainstage;
using namespace gainstage::test;

namespace {

struct Counts {
    uint64_t allocations, frees, locks;
};
Counts snapshot() { return {gAllocations.load(), gFrees.load(), gLocks.load()}; }

// The backend's callback: the flag is up exactly while Engine::process runs.
class FlaggedCallback final : public AudioCallback {
public:
    explicit FlaggedCallback(Engine& engine) : engine_(engine) {}
    void audioStreamAboutToStart(const StreamFormat& format) override { engine_.audioStreamAboutToStart(format); }
    void process(const float* const* in, float* const* out, int frames, const ProcessStatus& status) noexcept override {
        tInCallback = true;
        engine_.process(in, out, frames, status);
        if (misbehave) {
            // The deliberate fault of detectorWorks(): must be counted.
            std::vector<float> scratch(static_cast<size_t>(frames));
            std::lock_guard lock(mutex_);
            scratch[0] = 1.0f;
        }
        tInCallback = false;
        ++calls;
    }
    void audioStreamStopped(bool lost) override { engine_.audioStreamStopped(lost); }

    bool misbehave = false;
    uint64_t calls = 0;

private:
    Engine& engine_;
    std::mutex mutex_;
};

} // namespace

class TestRtAlloc : public QObject {
    Q_OBJECT

private slots:
    void detectorWorks();
    void scriptedSessionAllocatesNothing();
};

void TestRtAlloc::detectorWorks() {
    const Counts before = snapshot();
    // Through volatile pointers, so the compiler cannot elide the pairs.
    static void* volatile sink;
    tInCallback = true;
    sink = malloc(16);
    free(sink);
    sink = new int(3);
    delete static_cast<int*>(sink);
    std::mutex m;
    m.lock();
    m.unlock();
    tInCallback = false;
    const Counts after = snapshot();
    qInfo("under the flag: malloc+new counted %llu allocations, %llu frees, %llu locks",
          (unsigned long long)(after.allocations - before.allocations), (unsigned long long)(after.frees - before.frees),
          (unsigned long long)(after.locks - before.locks));
    QCOMPARE(after.allocations - before.allocations, uint64_t(2));
    QCOMPARE(after.frees - before.frees, uint64_t(2));
    QCOMPARE(after.locks - before.locks, uint64_t(1));

    // And through the same callback path the session uses.
    StreamFormat f;
    f.inputChannels = 1;
    f.outputChannels = 2;
    Engine engine;
    FlaggedCallback callback(engine);
    OfflineBackend backend(f);
    backend.start(callback);
    backend.run(256 * 4);
    const Counts clean = snapshot();
    callback.misbehave = true;
    backend.run(256 * 4);
    callback.misbehave = false;
    const Counts dirty = snapshot();
    backend.stop();
    qInfo("a callback that allocates a vector and locks a mutex, 4 calls: %llu allocations, %llu locks counted",
          (unsigned long long)(dirty.allocations - clean.allocations), (unsigned long long)(dirty.locks - clean.locks));
    QCOMPARE(dirty.allocations - clean.allocations, uint64_t(4));
    QCOMPARE(dirty.locks - clean.locks, uint64_t(4));
}

void TestRtAlloc::scriptedSessionAllocatesNothing() {
    // A clip for the playback track, read by the real DiskReader thread.
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/clip.wav").toStdString();
    {
        const auto tone = sine(220.0, 48000.0, 48000 * 20, 0.3);
        SF_INFO info{};
        info.samplerate = 48000;
        info.channels = 1;
        info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_24;
        SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
        QVERIFY(file);
        sf_writef_float(file, tone.data(), sf_count_t(tone.size()));
        sf_close(file);
    }

    StreamFormat f;
    f.sampleRate = 48000.0;
    f.maxBlockFrames = 128;
    f.inputChannels = 4;
    f.outputChannels = 2;
    f.inputLatencySeconds = 0.003;
    f.outputLatencySeconds = 0.004;
    constexpr int kSignal = 48000 * 60;
    OfflineBackend backend(f);
    backend.setInputs({sine(440.0, 48000.0, kSignal, 0.2), sine(330.0, 48000.0, kSignal, 0.2), whiteNoise(kSignal, 0.1, 3),
                       whiteNoise(kSignal, 0.1, 4)});
    backend.setBlockSequence({128, 64, 1, 127, 512, 100, 128, 33}); // 512: more than prepared
    backend.setKeepOutputs(false);

    Engine engine;
    TrackConfig vox;
    vox.name = "Vox";
    vox.input = 0;
    vox.preamp.model = Model::Tube;
    const int voxId = engine.addTrack(vox);
    TrackConfig guitar;
    guitar.name = "DI";
    guitar.input = 1;
    guitar.stereo = true;
    guitar.preamp.source = Source::DI;
    guitar.preamp.model = Model::Transformer;
    const int guitarId = engine.addTrack(guitar);
    TrackConfig bed;
    bed.name = "Bed";
    bed.input = -1;
    const int bedId = engine.addTrack(bed);

    DiskReader reader;
    auto stream = engine.attachPlayback(bedId);
    QVERIFY(reader.addClip(stream, path, 0));
    engine.setReaderHook(&reader);
    SemaphoreWake diskWake;
    engine.setCaptureHook(&diskWake);
    reader.start();

    FlaggedCallback callback(engine);
    backend.start(callback);
    auto vc = engine.captureStreams(voxId);
    auto gc = engine.captureStreams(guitarId);
    std::vector<float> sink(1 << 20);
    size_t drained = 0;
    int takes = 0;
    // Between steps the test plays the disk writer (drains the rings) and the GUI (events, meters).
    auto run = [&](double seconds) {
        for (double done = 0; done < seconds; done += 0.1) {
            backend.run(4800);
            for (auto* c : {vc.get(), gc.get()}) {
                while (size_t got = c->processed.tryRead(sink.data(), sink.size())) drained += got;
                while (c->raw.tryRead(sink.data(), sink.size())) {}
                CaptureMark mark;
                while (c->marks.tryRead(&mark, 1)) takes += mark.kind == CaptureMark::Kind::TakeStart;
            }
            engine.pollEvents();
            MeterSnapshot raw, track;
            engine.meterSnapshots(voxId, 0, raw, track);
        }
    };
    const Counts before = snapshot();

    run(0.5);
    // Arm, record, stop.
    engine.setArmed(voxId, true);
    engine.setKeepRaw(voxId, true);
    engine.record(true);
    run(1.0);
    engine.stop();
    run(0.3);
    // Play, locate, overdub: the bed plays while the guitar records from the playhead.
    engine.play();
    run(0.5);
    engine.locate(48000 * 3);
    run(0.5);
    engine.setArmed(guitarId, true);
    engine.record(true); // punch in
    run(0.7);
    engine.record(false); // punch out
    run(0.3);
    engine.record(true);
    engine.locate(0); // locate while recording punches out
    run(0.3);
    // Every preamp control, on both recording tracks.
    for (int id : {voxId, guitarId}) {
        Preamp& p = engine.track(id)->preamp();
        for (float g : {10.0f, 35.0f, -10.0f}) p.setGainDb(g), run(0.05);
        p.setPad(true), run(0.05);
        p.setPad(false);
        for (LowCut lc : {LowCut::Hz50, LowCut::Hz80, LowCut::Hz160, LowCut::Hz300, LowCut::Off}) p.setLowCut(lc), run(0.05);
        p.setPhaseInverted(true), run(0.05);
        p.setInputImpedanceOhms(300.0f), run(0.05);
        p.setInputImpedanceOhms(250000.0f), run(0.05);
        p.setOutputTrimDb(-6.0f), run(0.05);
        p.setCalibrationDbu(12.0f), run(0.05);
        for (Model m : {Model::Clean, Model::Tube, Model::Transformer, Model::Clean}) p.setModel(m), run(0.1);
        p.setSource(Source::DI), run(0.05);
        p.setSource(Source::Mic), run(0.05);
        PreampSettings s;
        s.model = Model::Tube;
        s.gainDb = 20.0f;
        engine.setPreampSettings(id, s), run(0.1);
    }
    // Auto Gain's raw tap on the vox track: on while this thread (the listener) drains it, then off.
    size_t tapped = 0;
    {
        auto tap = engine.track(voxId)->rawTap();
        tap->enabled.store(true);
        engine.track(voxId)->clipGuardOn.store(true); // Clip Guard too: the vox is at Tube +20 dB, hot
        for (int i = 0; i < 5; ++i) {
            run(0.1);
            while (size_t got = tap->ring.tryRead(sink.data(), sink.size())) tapped += got;
        }
        tap->enabled.store(false);
        engine.track(voxId)->clipGuardOn.store(false);
        run(0.1);
        QVERIFY(engine.track(voxId)->clipGuard().activity().engagements > 0);
        QCOMPARE(tap->lostFrames.load(), uint64_t(0));
    }
    // The studio window's calls: the audio settings' test tone and the clip light's meter reset.
    engine.playTestTone(0.2), run(0.1);
    engine.track(voxId)->meterResetRequest.store(true), run(0.05);
    QVERIFY(!engine.track(voxId)->meterResetRequest.load());
    run(0.15);
    QVERIFY(!engine.testTonePlaying());
    // Monitoring modes and the fader.
    for (MonitorMode m : {MonitorMode::Input, MonitorMode::Off, MonitorMode::Auto}) engine.setMonitorMode(voxId, m), run(0.1);
    engine.setVolumeDb(bedId, -12.0f), engine.setPan(bedId, 0.7f), run(0.1);
    engine.setMute(bedId, true), run(0.1);
    engine.setSolo(voxId, true), run(0.1);
    engine.setMute(bedId, false), engine.setSolo(voxId, false), run(0.1);
    // Metronome: on, tempo, off; then a count-in recording.
    engine.metronome().setEnabled(true), run(0.6);
    engine.metronome().setTempo(97.0), engine.metronome().setBeatsPerBar(3), run(0.6);
    engine.metronome().setEnabled(false), run(0.2);
    engine.stop();
    engine.metronome().setCountInBars(1);
    engine.record(true);
    run(2.5);
    engine.stop();
    engine.metronome().setCountInBars(0);
    // Tracks added and removed while running.
    TrackConfig extra;
    extra.input = 3;
    extra.armed = true;
    const int extraId = engine.addTrack(extra);
    engine.record(true);
    run(0.3);
    engine.removeTrack(extraId);
    run(0.3);
    engine.removeTrack(guitarId);
    run(0.3);
    engine.stop();
    // Every monitor control while the armed vox is heard: each speaker model (a filter
    // design and a crossfade on the audio thread), the amp, sag, headphones and every
    // crossfeed preset, volume, Dim, Mono, Mute, and a whole settings set at once.
    MonitorSection& monitor = engine.monitor();
    for (int m = 0; m < kSpeakerModelCount; ++m) monitor.setSpeaker(static_cast<SpeakerId>(m)), run(0.1);
    monitor.setSpeaker(SpeakerId::HiFi);
    monitor.setAmpPowerW(10.0f), run(0.1);
    monitor.setAmpLoadOhms(4.0f), run(0.1);
    monitor.setAmpOutputOhms(3.3f), run(0.1);
    monitor.setAmpGainDb(24.0f), run(0.1);
    monitor.setAmpSag(true), run(0.1);
    monitor.setOutput(MonitorOutput::Headphones), run(0.1);
    for (CrossfeedPreset p : {CrossfeedPreset::Default, CrossfeedPreset::ChuMoy, CrossfeedPreset::Meier, CrossfeedPreset::None})
        monitor.setCrossfeed(p), run(0.1);
    monitor.setCustomCrossfeed(1500.0f, 12.0f), run(0.1);
    monitor.setOutput(MonitorOutput::Speakers), run(0.1);
    monitor.setSpeaker(SpeakerId::Phone), monitor.setOutput(MonitorOutput::Headphones), run(0.1); // changes during a switch
    monitor.setVolumeDb(-12.0f), run(0.1);
    monitor.setDim(true), run(0.1);
    monitor.setMono(true), run(0.1);
    monitor.setMute(true), run(0.1);
    monitor.setDim(false), monitor.setMono(false), monitor.setMute(false), run(0.1);
    MonitorSettings cube;
    cube.speaker = SpeakerId::Cube;
    cube.ampGainDb = 6.0f;
    monitor.setSettings(cube), run(0.2);
    (void)monitor.listeningLevelDbSpl();
    monitor.setSettings(MonitorSettings{}), run(0.1);

    // Xruns from the backend's flags, injected overruns, and the fade-out before a stop.
    backend.setNextStatus({true, true, false});
    run(0.1);
    engine.injectOverruns(2);
    run(0.1);
    engine.requestFadeOut();
    run(0.2);

    const Counts after = snapshot();
    backend.stop();
    reader.stop();
    engine.pollEvents();
    const uint64_t allocations = after.allocations - before.allocations;
    const uint64_t frees = after.frees - before.frees;
    const uint64_t locks = after.locks - before.locks;
    qInfo("scripted session: %llu callbacks, %lld frames (%.1f s); in the callback: %llu allocations, %llu frees, %llu mutex locks",
          (unsigned long long)callback.calls, (long long)backend.framesProcessed(), backend.framesProcessed() / 48000.0,
          (unsigned long long)allocations, (unsigned long long)frees, (unsigned long long)locks);
    qInfo("%d takes, %zu samples captured and drained; the monitor went through every model, amp control, headphones, "
          "crossfeed preset, volume, Dim, Mono and Mute",
          takes, drained);
    QVERIFY(takes >= 5);
    qInfo("%zu raw samples tapped for Auto Gain; Clip Guard engaged on the vox (its activity is checked above)", tapped);
    QVERIFY(tapped >= size_t(48000 * 0.45));
    QVERIFY(drained > 48000 * 3);
    qInfo("xruns %llu, disk reader chunks %llu, playback underrun frames %llu, vox capture lost %llu",
          (unsigned long long)engine.xrunCount(), (unsigned long long)reader.chunksRead(),
          (unsigned long long)stream->underrunFrames.load(), (unsigned long long)vc->lostFrames.load());
    QVERIFY(callback.calls > 1000);
    QVERIFY(reader.chunksRead() > 0);
    // One from the flags; the injected overruns only become xruns on a backend that
    // watches its deadline (test_engine checks that with setReportOverruns).
    QCOMPARE(engine.xrunCount(), uint64_t(1));
    QCOMPARE(allocations, uint64_t(0));
    QCOMPARE(frees, uint64_t(0));
    QCOMPARE(locks, uint64_t(0));
}

QTEST_GUILESS_MAIN(TestRtAlloc)
#include "test_rt_alloc.moc"
