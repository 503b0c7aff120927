#pragma once
// A backend with no device: it drives any AudioCallback over in-memory planar
// buffers as fast as the CPU allows, for tests and offline rendering.
//
// Like the real backends it calls the callback through a static C-style
// trampoline (function pointer + user pointer), fills the inputs from the
// planar signal it was given (silence past its end), and keeps every output
// sample it receives. Block sizes are fixed, or a pseudo-random sequence
// (seeded, so a failure repeats), or a caller-given cycle, and may exceed the
// format's maxBlockFrames when a test asks for it (the engine must cope).
//
// Optionally (setReportOverruns) it behaves like JACK under a late callback:
// when a call takes longer than its frames last in real time, the next call
// carries inputOverflow and outputUnderflow.
//
// Threads: one thread does everything (the caller of run()); the callback runs
// on it, so this thread plays both the control and the audio role in turn.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/AudioCallback.h"

namespace gainstage {

class OfflineBackend {
public:
    using Trampoline = void (*)(void* user, const float* const* inputs, float* const* outputs, int frames,
                                const ProcessStatus& status);

    explicit OfflineBackend(const StreamFormat& format);

    // Input signal, one vector per input channel (missing channels are silent).
    void setInputs(std::vector<std::vector<float>> planar);
    void setBlockSize(int frames);
    // Pseudo-random sizes in [minFrames, maxFrames].
    void setRandomBlockSizes(int minFrames, int maxFrames, uint32_t seed);
    // The sizes in turn, cycling.
    void setBlockSequence(std::vector<int> sizes);
    // Keep the outputs (default true); off for long runs that only look at the rings.
    void setKeepOutputs(bool keep) { keepOutputs_ = keep; }
    void setReportOverruns(bool on) { reportOverruns_ = on; }
    // The flags for the next call only (a test's xrun).
    void setNextStatus(const ProcessStatus& status) { nextStatus_ = status; }
    // The device frames at which a call carried the overrun flags because the
    // call before it was late (setReportOverruns): what a test holds the
    // engine's xrun count and marks to, whether a late call was forced or the
    // machine was simply slow (a sanitizer build).
    const std::vector<int64_t>& reportedOverrunFrames() const { return reportedOverrunFrames_; }

    // audioStreamAboutToStart(format) on `callback`.
    void start(AudioCallback& callback);
    // Runs `frames` frames through the callback in blocks; returns the calls made.
    int run(int64_t frames);
    // audioStreamStopped(false).
    void stop();

    const StreamFormat& format() const { return format_; }
    int64_t framesProcessed() const { return processed_; }
    // Every output sample since start(), planar.
    const std::vector<std::vector<float>>& outputs() const { return outputs_; }
    void clearOutputs();

private:
    static void trampoline(void* user, const float* const* inputs, float* const* outputs, int frames,
                           const ProcessStatus& status);
    int nextBlockSize();

    StreamFormat format_;
    AudioCallback* callback_ = nullptr;
    Trampoline trampoline_ = nullptr;
    void* user_ = nullptr;

    std::vector<std::vector<float>> inputSignal_;
    std::vector<std::vector<float>> inputBuffers_, outputBuffers_;
    std::vector<const float*> inputPointers_;
    std::vector<float*> outputPointers_;
    std::vector<std::vector<float>> outputs_;
    std::vector<int64_t> reportedOverrunFrames_;

    int fixedBlock_ = 256;
    int randomMin_ = 0, randomMax_ = 0;
    uint32_t randomState_ = 1;
    std::vector<int> sequence_;
    size_t sequenceIndex_ = 0;
    bool keepOutputs_ = true;
    bool reportOverruns_ = false;
    ProcessStatus nextStatus_{};
    int64_t processed_ = 0;
};

} // namespace gainstage
