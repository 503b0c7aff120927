// Engine: the control-thread bookkeeping and the callback. Everything reached
// from process() is marked [audio thread] and is wait-free: atomics, SPSC rings,
// arithmetic on buffers allocated in audioStreamAboutToStart()/addTrack().

#include "core/Engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "dsp/Denormals.h"

namespace gainstage {

Engine::Engine() {
    metronome_.prepare(sampleRate_);
    monitor_.prepare(sampleRate_, maxBlock_, 2);
    publishTrackList();
}

Engine::~Engine() {
    // The stream is stopped: nothing on the audio thread can reach the lists.
    published_.store(nullptr);
    active_ = nullptr;
}

// ---------------------------------------------------------------------------
// [control thread]

void Engine::audioStreamAboutToStart(const StreamFormat& format) {
    const bool formatChanged = !prepared_ || format.sampleRate != format_.sampleRate || format.maxBlockFrames != format_.maxBlockFrames;
    format_ = format;
    sampleRate_ = format.sampleRate > 0.0 ? format.sampleRate : 48000.0;
    maxBlock_ = std::max(format.maxBlockFrames, 1);
    inputChannels_ = std::max(format.inputChannels, 0);
    outputChannels_ = std::max(format.outputChannels, 0);
    streamRoundTrip_.store(std::llround((format.inputLatencySeconds + format.outputLatencySeconds) * sampleRate_),
                           std::memory_order_relaxed);
    if (formatChanged) {
        bus_ = std::make_unique<float[]>(2 * static_cast<size_t>(maxBlock_));
        metronome_.prepare(sampleRate_);
        for (auto& track : tracks_) track->prepare(sampleRate_, maxBlock_);
    }
    monitorChannels_ = outputChannels_ == 1 ? 1 : 2;
    monitor_.prepare(sampleRate_, maxBlock_, monitorChannels_);
    prepared_ = true;
    // No audio thread runs yet: adopt the newest list here.
    active_ = published_.load(std::memory_order_acquire);
    adoptedGeneration_.store(active_ ? active_->generation : 0, std::memory_order_release);
    collectGarbage();
    running_ = true;
}

void Engine::audioStreamStopped(bool deviceLost) {
    running_ = false;
    // The audio thread has stopped, so this thread may act as the producer of
    // the event ring and the capture marks: the backend's stop has synchronised with it.
    captureHookNow_ = captureHook_.load(std::memory_order_acquire);
    if (recording_ || state_ != TransportState::Stopped) {
        if (recording_) push({EngineEvent::Type::RecordingStopped, -1, position_, 0, 0});
        endAllTakes();
        recording_ = false;
        state_ = TransportState::Stopped;
        push({EngineEvent::Type::TransportStopped, -1, position_, 0, 0});
    }
    push({EngineEvent::Type::StreamStopped, -1, position_, deviceLost ? 1 : 0, 0});
    publishTransport();
    if (captureHookNow_) captureHookNow_->wake();
    active_ = published_.load(std::memory_order_acquire);
    adoptedGeneration_.store(active_ ? active_->generation : 0, std::memory_order_release);
    collectGarbage();
}

void Engine::publishTrackList() {
    auto list = std::make_unique<TrackList>();
    list->generation = ++generation_;
    list->tracks.reserve(tracks_.size());
    for (auto& track : tracks_) list->tracks.push_back(track.get());
    TrackList* raw = list.get();
    lists_.push_back(std::move(list));
    published_.store(raw, std::memory_order_release);
    if (!running_) {
        active_ = raw;
        adoptedGeneration_.store(raw->generation, std::memory_order_release);
    }
    collectGarbage();
}

void Engine::collectGarbage() {
    const uint64_t adopted = adoptedGeneration_.load(std::memory_order_acquire);
    while (!lists_.empty() && lists_.front()->generation < adopted) lists_.pop_front();
    std::erase_if(retired_, [adopted](const Retired& r) { return r.generation <= adopted; });
}

Track* Engine::findTrack(int trackId) const {
    for (auto& track : tracks_)
        if (track->id() == trackId) return track.get();
    return nullptr;
}

int Engine::addTrack(const TrackConfig& config) {
    auto track = std::make_unique<Track>(nextTrackId_++, config);
    if (prepared_) track->prepare(sampleRate_, maxBlock_);
    else track->prepare(48000.0, 256); // re-prepared for the real format when the stream starts
    const int id = track->id();
    tracks_.push_back(std::move(track));
    publishTrackList();
    return id;
}

bool Engine::removeTrack(int trackId) {
    auto it = std::find_if(tracks_.begin(), tracks_.end(), [trackId](const auto& t) { return t->id() == trackId; });
    if (it == tracks_.end()) return false;
    std::unique_ptr<Track> track = std::move(*it);
    tracks_.erase(it);
    retired_.push_back({generation_ + 1, std::move(track), nullptr}); // the list published next no longer has it
    publishTrackList();
    return true;
}

std::vector<int> Engine::trackIds() const {
    std::vector<int> ids;
    for (auto& track : tracks_) ids.push_back(track->id());
    return ids;
}

Track* Engine::track(int trackId) const { return findTrack(trackId); }

bool Engine::setArmed(int trackId, bool armed) {
    Track* t = findTrack(trackId);
    if (t) t->armed.store(armed, std::memory_order_relaxed);
    return t != nullptr;
}
bool Engine::setMonitorMode(int trackId, MonitorMode mode) {
    Track* t = findTrack(trackId);
    if (t) t->monitor.store(mode, std::memory_order_relaxed);
    return t != nullptr;
}
bool Engine::setVolumeDb(int trackId, float db) {
    Track* t = findTrack(trackId);
    if (t) t->volumeDb.store(db, std::memory_order_relaxed);
    return t != nullptr;
}
bool Engine::setPan(int trackId, float pan) {
    Track* t = findTrack(trackId);
    if (t) t->pan.store(pan, std::memory_order_relaxed);
    return t != nullptr;
}
bool Engine::setMute(int trackId, bool mute) {
    Track* t = findTrack(trackId);
    if (t) t->mute.store(mute, std::memory_order_relaxed);
    return t != nullptr;
}
bool Engine::setSolo(int trackId, bool solo) {
    Track* t = findTrack(trackId);
    if (t) t->solo.store(solo, std::memory_order_relaxed);
    return t != nullptr;
}
bool Engine::setKeepRaw(int trackId, bool keep) {
    Track* t = findTrack(trackId);
    if (t) t->keepRaw.store(keep, std::memory_order_relaxed);
    return t != nullptr;
}
bool Engine::setPreampSettings(int trackId, const PreampSettings& settings) {
    Track* t = findTrack(trackId);
    if (t) t->preamp().setSettings(settings);
    return t != nullptr;
}

std::shared_ptr<CaptureStreams> Engine::captureStreams(int trackId) const {
    Track* t = findTrack(trackId);
    return t ? t->captureStreams() : nullptr;
}

std::shared_ptr<PlaybackStream> Engine::attachPlayback(int trackId) {
    Track* t = findTrack(trackId);
    if (!t) return nullptr;
    const size_t frames = static_cast<size_t>(std::ceil(kPlaybackRingSeconds * sampleRate_));
    auto stream = std::make_shared<PlaybackStream>(t->channels(), frames);
    std::shared_ptr<PlaybackStream> old = t->swapPlayback(stream);
    // A new list (same tracks) is the barrier: once the audio thread adopts it,
    // it has finished every call that could still hold the old stream.
    retired_.push_back({generation_ + 1, nullptr, std::move(old)});
    publishTrackList();
    return stream;
}

void Engine::detachPlayback(int trackId) {
    Track* t = findTrack(trackId);
    if (!t) return;
    retired_.push_back({generation_ + 1, nullptr, t->swapPlayback(nullptr)});
    publishTrackList();
}

bool Engine::meterSnapshots(int trackId, int channel, MeterSnapshot& raw, MeterSnapshot& processed) const {
    Track* t = findTrack(trackId);
    if (!t || channel < 0 || channel >= t->channels()) return false;
    raw = t->rawMeterSnapshot(channel);
    processed = t->trackMeterSnapshot(channel);
    return true;
}

bool Engine::send(Command::Type type, int64_t position) {
    collectGarbage();
    const Command command{type, position};
    return commands_.tryWrite(&command, 1);
}

bool Engine::play() { return send(Command::Type::Play); }
bool Engine::stop() { return send(Command::Type::Stop); }
bool Engine::record(bool on) { return send(on ? Command::Type::RecordOn : Command::Type::RecordOff); }
bool Engine::locate(int64_t position) { return send(Command::Type::Locate, std::max<int64_t>(0, position)); }

std::vector<EngineEvent> Engine::pollEvents() {
    collectGarbage();
    std::vector<EngineEvent> out(events_.readAvailable());
    out.resize(events_.tryRead(out.data(), out.size()));
    return out;
}

bool Engine::fadeOutAndWait(std::chrono::milliseconds timeout) {
    if (!running_) return true;
    monitor_.requestFadeOut();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!monitor_.fadeOutDone()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

int64_t Engine::roundTripFrames() const noexcept {
    const int64_t measured = measuredRoundTrip_.load(std::memory_order_relaxed);
    return measured >= 0 ? measured : streamRoundTrip_.load(std::memory_order_relaxed);
}

int64_t Engine::captureOffsetFrames(int trackId) const {
    Track* t = findTrack(trackId);
    return heardLatencyFrames() + (t ? t->preamp().latencySamples() : 0);
}

// ---------------------------------------------------------------------------
// [audio thread]

void Engine::push(const EngineEvent& event) noexcept {
    if (!events_.tryWrite(&event, 1)) droppedEvents_.fetch_add(1, std::memory_order_relaxed);
}

void Engine::publishTransport() noexcept {
    positionPublished_.store(position_, std::memory_order_release);
    statePublished_.store(state_, std::memory_order_release);
    recordingPublished_.store(recording_ && state_ == TransportState::Rolling, std::memory_order_release);
}

void Engine::endAllTakes() noexcept {
    if (!active_) return;
    for (Track* track : active_->tracks) track->endTake(position_, *this);
    wakeCapture_ = true;
}

void Engine::startRolling(bool recording) noexcept {
    state_ = TransportState::Rolling;
    recording_ = recording;
    push({EngineEvent::Type::TransportStarted, -1, position_, 0, 0});
    if (recording) push({EngineEvent::Type::RecordingStarted, -1, position_, 0, 0});
}

void Engine::handleCommands() noexcept {
    Command command;
    while (commands_.tryRead(&command, 1) == 1) {
        switch (command.type) {
        case Command::Type::Play:
            if (state_ == TransportState::Stopped) startRolling(false);
            break;
        case Command::Type::Stop:
            if (recording_ && state_ == TransportState::Rolling) push({EngineEvent::Type::RecordingStopped, -1, position_, 0, 0});
            endAllTakes();
            if (state_ != TransportState::Stopped) push({EngineEvent::Type::TransportStopped, -1, position_, 0, 0});
            state_ = TransportState::Stopped;
            recording_ = false;
            break;
        case Command::Type::RecordOn:
            if (state_ == TransportState::Rolling && !recording_) {
                recording_ = true;
                push({EngineEvent::Type::RecordingStarted, -1, position_, 0, 0});
            } else if (state_ == TransportState::Stopped) {
                const int64_t countIn = metronome_.countInFrames();
                if (countIn > 0) {
                    state_ = TransportState::CountIn;
                    recording_ = true;
                    countInRemaining_ = countIn;
                    countInElapsed_ = 0;
                    push({EngineEvent::Type::CountInStarted, -1, position_, countIn, 0});
                } else {
                    startRolling(true);
                }
            }
            break;
        case Command::Type::RecordOff:
            if (state_ == TransportState::CountIn) {
                state_ = TransportState::Stopped; // nothing was recorded yet
                push({EngineEvent::Type::TransportStopped, -1, position_, 0, 0});
            } else if (recording_) {
                push({EngineEvent::Type::RecordingStopped, -1, position_, 0, 0});
                endAllTakes();
            }
            recording_ = false;
            break;
        case Command::Type::Locate:
            if (recording_ && state_ == TransportState::Rolling) {
                push({EngineEvent::Type::RecordingStopped, -1, position_, 0, 0});
                endAllTakes();
                recording_ = false;
            }
            position_ = command.position;
            metronome_.cut();
            if (active_)
                for (Track* track : active_->tracks) track->requestLocate(position_);
            wakeReader_ = true;
            push({EngineEvent::Type::Located, -1, position_, 0, 0});
            break;
        }
    }
}

void Engine::process(const float* const* inputs, float* const* outputs, int frames, const ProcessStatus& status) noexcept {
    ScopedNoDenormals noDenormals;
    load_.begin();
    if (!prepared_ || frames <= 0) {
        for (int c = 0; c < outputChannels_ && outputs && frames > 0; ++c)
            if (outputs[c]) std::fill(outputs[c], outputs[c] + frames, 0.0f);
        return;
    }

    // Adopt the newest track list; the control thread frees older ones once it sees the generation.
    TrackList* latest = published_.load(std::memory_order_acquire);
    if (latest && latest != active_) {
        active_ = latest;
        adoptedGeneration_.store(latest->generation, std::memory_order_release);
    }
    captureHookNow_ = captureHook_.load(std::memory_order_acquire);
    EngineDiskHook* readerHook = readerHook_.load(std::memory_order_acquire);
    heardLatencyNow_ = heardLatencyFrames();

    // An xrun raises both flags on JACK: one xrun per call, whichever flags are set.
    if (status.inputOverflow || status.outputUnderflow) {
        const uint64_t count = xruns_.fetch_add(1, std::memory_order_relaxed) + 1;
        push({EngineEvent::Type::Xrun, -1, position_, static_cast<int64_t>(count), 0});
        monitor_.noteInstability();
        if (captureHookNow_) captureHookNow_->xrun(position_);
    }

    handleCommands();
    metronome_.beginBlock();
    anySolo_ = false;
    for (Track* track : active_->tracks) anySolo_ = anySolo_ || track->solo.load(std::memory_order_relaxed);

    // Sub-blocks: never more than prepared, and a count-in ends exactly on a sub-block boundary.
    for (int done = 0; done < frames;) {
        if (state_ == TransportState::CountIn && countInRemaining_ <= 0) startRolling(true);
        int n = std::min(maxBlock_, frames - done);
        if (state_ == TransportState::CountIn) n = static_cast<int>(std::min<int64_t>(n, countInRemaining_));
        processSubBlock(inputs, outputs, done, n);
        done += n;
    }

    if (monitor_.takeFadeOutCompleted()) push({EngineEvent::Type::FadeOutDone, -1, position_, 0, 0});
    publishTransport();

    if (captureHookNow_ && (wakeCapture_ || captureFramesSinceWake_ >= kCaptureWakeFrames)) {
        captureHookNow_->wake();
        captureFramesSinceWake_ = 0;
    }
    if (readerHook && (wakeReader_ || readerFramesSinceWake_ >= kReaderWakeFrames)) {
        readerHook->wake();
        readerFramesSinceWake_ = 0;
    }
    wakeCapture_ = wakeReader_ = false;

    // Test hook: overrun this call's period so the backend reports an xrun.
    if (injectedOverruns_.load(std::memory_order_relaxed) > 0) {
        injectedOverruns_.fetch_sub(1, std::memory_order_relaxed);
        const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(1.5 * frames / sampleRate_);
        while (std::chrono::steady_clock::now() < until) {}
    }
    load_.end(frames, sampleRate_);
}

void Engine::playTestTone(double seconds) noexcept {
    const double rate = sampleRate_ > 0.0 ? sampleRate_ : 48000.0;
    testToneRequest_.store(std::max<int64_t>(1, static_cast<int64_t>(seconds * rate)), std::memory_order_relaxed);
    testToneActive_.store(true, std::memory_order_relaxed);
}

// [audio thread]
void Engine::renderTestTone(float* const* bus, int frames) noexcept {
    const int64_t request = testToneRequest_.exchange(0, std::memory_order_relaxed);
    if (request > 0) {
        testToneLength_ = request;
        testToneDone_ = 0;
    }
    if (testToneDone_ >= testToneLength_) return;
    constexpr double kLevel = 0.12589254117941673; // -18 dBFS
    constexpr double kTwoPi = 6.283185307179586;
    const double step = kTwoPi * 440.0 / sampleRate_;
    const int64_t fade = std::max<int64_t>(1, static_cast<int64_t>(0.010 * sampleRate_));
    for (int n = 0; n < frames && testToneDone_ < testToneLength_; ++n, ++testToneDone_) {
        const int64_t fromEnd = testToneLength_ - 1 - testToneDone_;
        const double ramp = std::min({1.0, static_cast<double>(testToneDone_) / fade, static_cast<double>(fromEnd) / fade});
        const float value = static_cast<float>(kLevel * ramp * std::sin(step * static_cast<double>(testToneDone_)));
        bus[0][n] += value;
        if (monitorChannels_ > 1) bus[1][n] += value;
    }
    if (testToneDone_ >= testToneLength_) testToneActive_.store(false, std::memory_order_relaxed);
}

void Engine::processSubBlock(const float* const* inputs, float* const* outputs, int offset, int frames) noexcept {
    float* left = bus_.get();
    float* right = bus_.get() + maxBlock_;
    std::fill(left, left + frames, 0.0f);
    std::fill(right, right + frames, 0.0f);

    const bool rolling = state_ == TransportState::Rolling;
    Track::BlockContext context{inputs, inputChannels_, offset, frames, position_, rolling, rolling && recording_, anySolo_, heardLatencyNow_};
    bool capturing = false;
    for (Track* track : active_->tracks) {
        Track::BlockResult result;
        track->processBlock(context, left, right, *this, result);
        wakeCapture_ = wakeCapture_ || result.wokeDisk;
        wakeReader_ = wakeReader_ || result.locateRequested;
        if (result.wantsReader) readerFramesSinceWake_ += frames;
        capturing = capturing || (context.recording && track->armed.load(std::memory_order_relaxed));
    }
    if (capturing) captureFramesSinceWake_ += frames;

    // The click, after capture: monitor only.
    if (state_ == TransportState::CountIn) metronome_.render(left, right, frames, countInElapsed_, true);
    else metronome_.render(left, right, frames, position_, rolling && metronome_.enabled());

    if (monitorChannels_ == 1)
        for (int n = 0; n < frames; ++n) left[n] = 0.5f * (left[n] + right[n]);
    float* bus[2] = {left, right};
    AudioBlock master(bus, monitorChannels_, frames);
    monitor_.process(master);

    renderTestTone(bus, frames);

    for (int c = 0; c < outputChannels_ && outputs; ++c) {
        if (!outputs[c]) continue;
        float* out = outputs[c] + offset;
        if (c < 2) std::memcpy(out, bus[c], static_cast<size_t>(frames) * sizeof(float));
        else std::fill(out, out + frames, 0.0f);
    }

    if (rolling) position_ += frames;
    if (state_ == TransportState::CountIn) {
        countInElapsed_ += frames;
        countInRemaining_ -= frames;
    }
}

} // namespace gainstage
