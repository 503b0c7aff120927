#pragma once
// The contract between an audio backend (PortAudio, Virtual, Offline) and what
// it drives (the Engine). Every backend calls the same process() through a
// static trampoline; it writes every output sample on every call and copes
// with a frame count that changes from call to call (up to the prepared
// maximum).

#include <cstdint>

namespace gainstage {

// What a backend opened: the engine prepares itself for exactly this.
struct StreamFormat {
    double sampleRate = 48000.0;
    int maxBlockFrames = 256;    // the largest frame count process() will be called with
    int inputChannels = 0;
    int outputChannels = 0;
    double inputLatencySeconds = 0.0;  // converter + driver, as the backend reports it
    double outputLatencySeconds = 0.0;
};

// Per-call flags from the backend (PortAudio's status flags, or a test hook).
struct ProcessStatus {
    bool inputOverflow = false;   // input samples were lost before this call
    bool outputUnderflow = false; // output was not delivered in time before this call
    bool primingOutput = false;
};

class AudioCallback {
public:
    virtual ~AudioCallback() = default;

    // [control thread] The stream is about to start with `format`; allocate here.
    virtual void audioStreamAboutToStart(const StreamFormat& format) = 0;

    // [audio thread] Planar buffers: inputs[c][frame], outputs[c][frame].
    // Must write every output sample. No allocation, no locks, no I/O, no throw.
    virtual void process(const float* const* inputs, float* const* outputs, int frames,
                         const ProcessStatus& status) noexcept = 0;

    // [control thread, or the backend's own thread] The stream stopped, by request or
    // because the device went away (`deviceLost`). The audio thread is no longer running.
    virtual void audioStreamStopped(bool deviceLost) = 0;
};

} // namespace gainstage
