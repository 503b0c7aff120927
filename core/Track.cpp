// Track: the per-track part of the callback. Everything in processBlock() and
// below runs on the audio thread: no allocation, no locks, no I/O.

#include "core/Track.h"
#include "core/MixLaws.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

namespace gainstage {

namespace {

constexpr double kCaptureSeconds = 5.0;
constexpr double kRawTapSeconds = 2.0; // the listener drains it many times a second
constexpr size_t kMinCaptureFrames = 2 * 65536;
constexpr double kFaderGlideSeconds = 0.02; // volume, pan, mute, solo and monitor switches

void pushMark(CaptureStreams& capture, const CaptureMark& mark) noexcept {
    if (!capture.marks.tryWrite(&mark, 1)) capture.lostMarks.fetch_add(1, std::memory_order_relaxed);
}

} // namespace

CaptureStreams::CaptureStreams(int channelCount, size_t capacityFrames)
    : channels(channelCount), processed(capacityFrames * static_cast<size_t>(channelCount)),
      raw(capacityFrames * static_cast<size_t>(channelCount)), marks(1024) {}

RawTap::RawTap(int channelCount, size_t capacityFrames)
    : channels(channelCount), ring(capacityFrames * static_cast<size_t>(channelCount)) {}

PlaybackStream::PlaybackStream(int channelCount, size_t capacityFrames)
    : channels(channelCount), ring(capacityFrames * static_cast<size_t>(channelCount)) {}

Track::Track(int id, const TrackConfig& config)
    : id_(id), name_(config.name), input_(config.input), channels_(config.channels()) {
    preamp_.setSettings(config.preamp);
    armed.store(config.armed);
    monitor.store(config.monitor);
    volumeDb.store(config.volumeDb);
    pan.store(config.pan);
    mute.store(config.mute);
    solo.store(config.solo);
    keepRaw.store(config.keepRaw);
    clipGuardOn.store(config.clipGuard);
}

Track::~Track() = default;

void Track::prepare(double sampleRate, int maxBlockFrames) {
    maxBlockFrames_ = std::max(maxBlockFrames, 1);
    preamp_.prepare(sampleRate, maxBlockFrames_, channels_);
    clipGuard_.prepare(sampleRate, maxBlockFrames_, channels_);
    clipGuardWasOn_ = false;
    for (int c = 0; c < 2; ++c) {
        // The live meters show peaks and RMS; a take's loudness comes from the
        // file (TakeReport), so they skip loudness and its ~1 MB each.
        rawMeter_[c].setMeasuresLoudness(false);
        trackMeter_[c].setMeasuresLoudness(false);
        rawMeter_[c].prepare(sampleRate, maxBlockFrames_, 1);
        trackMeter_[c].prepare(sampleRate, maxBlockFrames_, 1);
        inputGain_[c].prepare(sampleRate, kFaderGlideSeconds);
        playbackGain_[c].prepare(sampleRate, kFaderGlideSeconds);
    }
    const size_t block = static_cast<size_t>(maxBlockFrames_);
    scratch_ = std::make_unique<float[]>(2 * block);
    interleaved_ = std::make_unique<float[]>(2 * block);
    rawInterleaved_ = std::make_unique<float[]>(2 * block);
    playScratch_ = std::make_unique<float[]>(2 * block);
    channelBuffers_[0] = scratch_.get();
    channelBuffers_[1] = scratch_.get() + block;
    const size_t captureFrames = std::max(kMinCaptureFrames, static_cast<size_t>(std::ceil(kCaptureSeconds * sampleRate)));
    // Keep the rings the disk side may already hold when they are big enough
    // (a restart at the same rate); a new rate or a first prepare makes new ones.
    if (!capture_ || capture_->processed.capacity() < captureFrames * static_cast<size_t>(channels_))
        capture_ = std::make_shared<CaptureStreams>(channels_, captureFrames);
    const size_t tapFrames = std::max(static_cast<size_t>(std::ceil(kRawTapSeconds * sampleRate)), 4 * block);
    if (!rawTap_ || rawTap_->ring.capacity() < tapFrames * static_cast<size_t>(channels_))
        rawTap_ = std::make_shared<RawTap>(channels_, tapFrames);
    capturing_ = false;
    smoothersPrimed_ = false;
    lastPlayback_ = nullptr;
}

std::shared_ptr<PlaybackStream> Track::swapPlayback(std::shared_ptr<PlaybackStream> stream) {
    playback_.store(stream.get(), std::memory_order_release);
    std::swap(playbackOwner_, stream);
    return stream;
}

TrackConfig Track::config() const {
    TrackConfig c;
    c.name = name_;
    c.input = input_;
    c.stereo = channels_ == 2;
    c.preamp = preamp_.settings();
    c.armed = armed.load();
    c.monitor = monitor.load();
    c.volumeDb = volumeDb.load();
    c.pan = pan.load();
    c.mute = mute.load();
    c.solo = solo.load();
    c.keepRaw = keepRaw.load();
    c.clipGuard = clipGuardOn.load();
    return c;
}

MeterSnapshot Track::rawMeterSnapshot(int channel) noexcept { return rawMeter_[std::clamp(channel, 0, 1)].snapshot(); }
MeterSnapshot Track::trackMeterSnapshot(int channel) noexcept { return trackMeter_[std::clamp(channel, 0, 1)].snapshot(); }

// ---------------------------------------------------------------------------
// [audio thread] from here on

void Track::requestLocate(int64_t position) noexcept {
    PlaybackStream* stream = playback_.load(std::memory_order_acquire);
    if (!stream) return;
    stream->locatedAt_ = position;
    stream->inUnderrun_ = false;
    stream->requestedPosition.store(position, std::memory_order_relaxed);
    stream->requestedGeneration.fetch_add(1, std::memory_order_release);
}

void Track::startTake(int64_t position, int64_t roundTripFrames, EngineEventSink& events) noexcept {
    CaptureStreams& capture = *capture_;
    capturing_ = true;
    capture.takeKeepsRaw_ = keepRaw.load(std::memory_order_relaxed);
    capture.gapFrames_ = capture.rawGapFrames_ = 0;
    CaptureMark mark;
    mark.kind = CaptureMark::Kind::TakeStart;
    mark.keepRaw = capture.takeKeepsRaw_;
    mark.position = position;
    mark.ringFrame = capture.framesWritten.load(std::memory_order_relaxed);
    mark.rawAlignFrames = roundTripFrames;
    mark.alignFrames = roundTripFrames + preamp_.latencySamples();
    pushMark(capture, mark);
    capture.takeStart.store(position, std::memory_order_relaxed);
    capture.takeEnd.store(-1, std::memory_order_relaxed);
    capture.takeActive.store(true, std::memory_order_release);
    events.push({EngineEvent::Type::RecordingStarted, id_, position, 0, 0});
}

void Track::closeGaps(EngineEventSink& events) noexcept {
    CaptureStreams& capture = *capture_;
    EngineDiskHook* hook = events.captureHook();
    if (capture.gapFrames_ > 0) {
        CaptureMark mark;
        mark.kind = CaptureMark::Kind::Overflow;
        mark.position = capture.gapStart_;
        mark.ringFrame = capture.framesWritten.load(std::memory_order_relaxed);
        mark.frames = capture.gapFrames_;
        pushMark(capture, mark);
        events.push({EngineEvent::Type::CaptureOverflow, id_, capture.gapStart_, capture.gapFrames_, 0});
        if (hook) hook->captureOverflow(id_, false, capture.gapTakeFrame_, capture.gapStart_, capture.gapFrames_);
        capture.gapFrames_ = 0;
    }
    if (capture.rawGapFrames_ > 0) {
        CaptureMark mark;
        mark.kind = CaptureMark::Kind::Overflow;
        mark.raw = true;
        mark.position = capture.rawGapStart_;
        mark.ringFrame = capture.rawFramesWritten_;
        mark.frames = capture.rawGapFrames_;
        pushMark(capture, mark);
        events.push({EngineEvent::Type::CaptureOverflow, id_, capture.rawGapStart_, capture.rawGapFrames_, 1});
        if (hook) hook->captureOverflow(id_, true, capture.rawGapTakeFrame_, capture.rawGapStart_, capture.rawGapFrames_);
        capture.rawGapFrames_ = 0;
    }
}

void Track::endTake(int64_t position, EngineEventSink& events) noexcept {
    if (!capturing_) return;
    capturing_ = false;
    CaptureStreams& capture = *capture_;
    closeGaps(events);
    CaptureMark mark;
    mark.kind = CaptureMark::Kind::TakeStop;
    mark.position = position;
    mark.ringFrame = capture.framesWritten.load(std::memory_order_relaxed);
    pushMark(capture, mark);
    capture.takeEnd.store(position, std::memory_order_relaxed);
    capture.takeActive.store(false, std::memory_order_release);
    events.push({EngineEvent::Type::RecordingStopped, id_, position, 0, 0});
}

void Track::writeCapture(int frames, int64_t position, EngineEventSink& events) noexcept {
    CaptureStreams& capture = *capture_;
    const size_t items = static_cast<size_t>(frames) * static_cast<size_t>(channels_);
    const int64_t takeStart = capture.takeStart.load(std::memory_order_relaxed);

    // The ring is all-or-nothing per block: a block either lands whole or is
    // counted as lost, with the gap's first position, so the disk side can mark
    // (and pad) it exactly. A gap is reported when it closes.
    if (capture.processed.tryWrite(interleaved_.get(), items)) {
        if (capture.gapFrames_ > 0) closeGaps(events);
        capture.framesWritten.fetch_add(static_cast<uint64_t>(frames), std::memory_order_release);
    } else {
        if (capture.gapFrames_ == 0) {
            capture.gapStart_ = position;
            capture.gapTakeFrame_ = position - takeStart;
        }
        capture.gapFrames_ += frames;
        capture.lostFrames.fetch_add(static_cast<uint64_t>(frames), std::memory_order_relaxed);
    }
    if (!capture.takeKeepsRaw_) return;
    if (capture.raw.tryWrite(rawInterleaved_.get(), items)) {
        if (capture.rawGapFrames_ > 0) closeGaps(events);
        capture.rawFramesWritten_ += static_cast<uint64_t>(frames);
    } else {
        if (capture.rawGapFrames_ == 0) {
            capture.rawGapStart_ = position;
            capture.rawGapTakeFrame_ = position - takeStart;
        }
        capture.rawGapFrames_ += frames;
        capture.lostRawFrames.fetch_add(static_cast<uint64_t>(frames), std::memory_order_relaxed);
    }
}

int Track::readPlayback(PlaybackStream& stream, int frames, int64_t position, EngineEventSink& events) noexcept {
    const size_t ch = static_cast<size_t>(stream.channels);
    const uint64_t generation = stream.requestedGeneration.load(std::memory_order_relaxed);
    if (stream.servedGeneration.load(std::memory_order_acquire) != generation) {
        // The reader has not caught up with the locate: whatever is in the ring is stale.
        stream.framesConsumed_ += stream.ring.discard(stream.ring.readAvailable()) / ch;
        return 0;
    }
    const uint64_t expected =
        stream.servedFromFrame.load(std::memory_order_relaxed) + static_cast<uint64_t>(position - stream.locatedAt_);
    if (stream.framesConsumed_ < expected) {
        const size_t behind = static_cast<size_t>(expected - stream.framesConsumed_);
        stream.framesConsumed_ += stream.ring.discard(std::min(behind, stream.ring.readAvailable() / ch) * ch) / ch;
    }
    int got = 0;
    if (stream.framesConsumed_ == expected) {
        got = static_cast<int>(stream.ring.tryRead(interleaved_.get(), static_cast<size_t>(frames) * ch) / ch);
        stream.framesConsumed_ += static_cast<uint64_t>(got);
    }
    if (got < frames) {
        stream.underrunFrames.fetch_add(static_cast<uint64_t>(frames - got), std::memory_order_relaxed);
        if (!stream.inUnderrun_) events.push({EngineEvent::Type::PlaybackUnderrun, id_, position + got, frames - got, 0});
        stream.inUnderrun_ = true;
    } else {
        stream.inUnderrun_ = false;
    }
    const size_t block = static_cast<size_t>(maxBlockFrames_);
    for (int c = 0; c < stream.channels && c < 2; ++c) {
        float* out = playScratch_.get() + static_cast<size_t>(c) * block;
        for (int i = 0; i < got; ++i) out[i] = interleaved_[static_cast<size_t>(i) * ch + static_cast<size_t>(c)];
        std::fill(out + got, out + frames, 0.0f);
    }
    return frames;
}

void Track::processBlock(const BlockContext& context, float* busLeft, float* busRight, EngineEventSink& events,
                         BlockResult& result) noexcept {
    const int frames = context.frames;
    const size_t block = static_cast<size_t>(maxBlockFrames_);

    if (meterResetRequest.exchange(false, std::memory_order_acq_rel))
        for (int c = 0; c < channels_; ++c) {
            rawMeter_[c].reset();
            trackMeter_[c].reset();
        }

    // 1. The input: raw meter -> preamp -> track meter.
    for (int c = 0; c < channels_; ++c) {
        float* buffer = channelBuffers_[c];
        const int device = input_ < 0 ? -1 : input_ + c;
        const float* source = (context.inputs && device >= 0 && device < context.inputChannels) ? context.inputs[device] : nullptr;
        if (source) std::memcpy(buffer, source + context.offset, static_cast<size_t>(frames) * sizeof(float));
        else std::fill(buffer, buffer + frames, 0.0f);
        rawMeter_[c].measure(buffer, frames);
    }
    const bool wantCapture = context.recording && armed.load(std::memory_order_relaxed) && input_ >= 0;
    if (wantCapture && !capturing_) startTake(context.position, context.roundTripFrames, events), result.wokeDisk = true;
    const bool tapping = input_ >= 0 && rawTap_->enabled.load(std::memory_order_acquire);
    if ((capturing_ && capture_->takeKeepsRaw_) || tapping) {
        for (int c = 0; c < channels_; ++c)
            for (int i = 0; i < frames; ++i) rawInterleaved_[static_cast<size_t>(i * channels_ + c)] = channelBuffers_[c][i];
    }
    if (tapping && !rawTap_->ring.tryWrite(rawInterleaved_.get(), static_cast<size_t>(frames) * static_cast<size_t>(channels_)))
        rawTap_->lostFrames.fetch_add(static_cast<uint64_t>(frames), std::memory_order_relaxed);
    AudioBlock audio(channelBuffers_, channels_, frames);
    preamp_.process(audio);
    // Clip Guard: zero latency, so nothing downstream (meter, capture, take
    // alignment) moves; off, the samples are not touched at all.
    const bool guard = clipGuardOn.load(std::memory_order_relaxed);
    if (guard) {
        if (!clipGuardWasOn_) clipGuard_.reset();
        clipGuard_.process(audio);
    }
    clipGuardWasOn_ = guard;
    for (int c = 0; c < channels_; ++c) trackMeter_[c].measure(channelBuffers_[c], frames);

    // 2. Capture.
    if (capturing_ && !wantCapture) endTake(context.position, events), result.wokeDisk = true;
    if (capturing_) {
        for (int c = 0; c < channels_; ++c)
            for (int i = 0; i < frames; ++i) interleaved_[static_cast<size_t>(i * channels_ + c)] = channelBuffers_[c][i];
        writeCapture(frames, context.position, events);
    }

    // 3. What the track contributes to the bus.
    const bool isArmed = armed.load(std::memory_order_relaxed);
    const MonitorMode mode = monitor.load(std::memory_order_relaxed);
    const bool audible = !mute.load(std::memory_order_relaxed) && (!context.anySolo || solo.load(std::memory_order_relaxed));
    const bool hearsInput = input_ >= 0 && (mode == MonitorMode::Input || (mode == MonitorMode::Auto && isArmed));
    const bool hearsDisk = mode != MonitorMode::Input && !isArmed;
    float left = 0.0f, right = 0.0f;
    panGains(pan.load(std::memory_order_relaxed), channels_ == 2, left, right);
    const float volume = audible ? faderGain(volumeDb.load(std::memory_order_relaxed)) : 0.0f;
    const float inputTarget[2] = {hearsInput ? volume * left : 0.0f, hearsInput ? volume * right : 0.0f};
    const float diskTarget[2] = {hearsDisk ? volume * left : 0.0f, hearsDisk ? volume * right : 0.0f};
    for (int side = 0; side < 2; ++side) {
        if (!smoothersPrimed_) {
            inputGain_[side].setCurrentAndTarget(inputTarget[side]);
            playbackGain_[side].setCurrentAndTarget(diskTarget[side]);
        } else {
            inputGain_[side].setTarget(inputTarget[side]);
            playbackGain_[side].setTarget(diskTarget[side]);
        }
    }
    smoothersPrimed_ = true;

    float* bus[2] = {busLeft, busRight};
    if (inputGain_[0].isSmoothing() || inputGain_[1].isSmoothing() || inputGain_[0].current() != 0.0f ||
        inputGain_[1].current() != 0.0f) {
        for (int side = 0; side < 2; ++side) {
            const float* source = channelBuffers_[channels_ == 2 ? side : 0];
            float* out = bus[side];
            LinearSmoothedValue& gain = inputGain_[side];
            if (!gain.isSmoothing()) {
                const float g = gain.current();
                for (int i = 0; i < frames; ++i) out[i] += g * source[i];
            } else {
                for (int i = 0; i < frames; ++i) out[i] += gain.next() * source[i];
            }
        }
    }

    // Disk playback: consumed whenever the transport rolls, heard or not, so it
    // stays in step with the timeline.
    PlaybackStream* stream = playback_.load(std::memory_order_acquire);
    if (stream != lastPlayback_) {
        lastPlayback_ = stream;
        requestLocate(context.position);
        result.locateRequested = true;
    }
    bool played = false;
    if (stream && !context.rolling) {
        // Stopped: still drop data a locate made stale, so the reader can refill
        // the ring before play starts and the first frames are there in time.
        if (stream->servedGeneration.load(std::memory_order_acquire) != stream->requestedGeneration.load(std::memory_order_relaxed)) {
            stream->framesConsumed_ += stream->ring.discard(stream->ring.readAvailable()) / static_cast<size_t>(stream->channels);
        } else {
            const uint64_t expected = stream->servedFromFrame.load(std::memory_order_relaxed) +
                                      static_cast<uint64_t>(context.position - stream->locatedAt_);
            if (stream->framesConsumed_ < expected) {
                const size_t ch = static_cast<size_t>(stream->channels);
                const size_t behind = static_cast<size_t>(expected - stream->framesConsumed_);
                stream->framesConsumed_ += stream->ring.discard(std::min(behind, stream->ring.readAvailable() / ch) * ch) / ch;
                result.wantsReader = true;
            }
        }
    }
    if (stream && context.rolling) {
        played = readPlayback(*stream, frames, context.position, events) > 0;
        result.wantsReader = true;
    }
    for (int side = 0; side < 2; ++side) {
        LinearSmoothedValue& gain = playbackGain_[side];
        if (!played) {
            // Nothing to play: let the gain reach its target without output.
            for (int i = 0; i < frames && gain.isSmoothing(); ++i) gain.next();
            continue;
        }
        const float* source = playScratch_.get() + static_cast<size_t>(stream->channels == 2 ? side : 0) * block;
        float* out = bus[side];
        if (!gain.isSmoothing()) {
            const float g = gain.current();
            if (g != 0.0f)
                for (int i = 0; i < frames; ++i) out[i] += g * source[i];
        } else {
            for (int i = 0; i < frames; ++i) out[i] += gain.next() * source[i];
        }
    }
}

} // namespace gainstage
