#include "core/OfflineBackend.h"

#include <algorithm>
#include <chrono>

namespace gainstage {

OfflineBackend::OfflineBackend(const StreamFormat& format) : format_(format) {
    fixedBlock_ = std::max(1, format.maxBlockFrames);
}

void OfflineBackend::setInputs(std::vector<std::vector<float>> planar) { inputSignal_ = std::move(planar); }

void OfflineBackend::setBlockSize(int frames) {
    fixedBlock_ = std::max(1, frames);
    randomMax_ = 0;
    sequence_.clear();
}

void OfflineBackend::setRandomBlockSizes(int minFrames, int maxFrames, uint32_t seed) {
    randomMin_ = std::max(1, minFrames);
    randomMax_ = std::max(randomMin_, maxFrames);
    randomState_ = seed ? seed : 1;
    sequence_.clear();
}

void OfflineBackend::setBlockSequence(std::vector<int> sizes) {
    sequence_ = std::move(sizes);
    sequenceIndex_ = 0;
    randomMax_ = 0;
}

int OfflineBackend::nextBlockSize() {
    if (!sequence_.empty()) {
        const int size = sequence_[sequenceIndex_++ % sequence_.size()];
        return std::max(1, size);
    }
    if (randomMax_ > 0) {
        // xorshift32: a repeatable sequence with no library state.
        randomState_ ^= randomState_ << 13;
        randomState_ ^= randomState_ >> 17;
        randomState_ ^= randomState_ << 5;
        return randomMin_ + static_cast<int>(randomState_ % static_cast<uint32_t>(randomMax_ - randomMin_ + 1));
    }
    return fixedBlock_;
}

void OfflineBackend::trampoline(void* user, const float* const* inputs, float* const* outputs, int frames,
                                const ProcessStatus& status) {
    static_cast<AudioCallback*>(user)->process(inputs, outputs, frames, status);
}

void OfflineBackend::start(AudioCallback& callback) {
    callback_ = &callback;
    trampoline_ = &OfflineBackend::trampoline;
    user_ = &callback;
    processed_ = 0;
    reportedOverrunFrames_.clear();
    outputs_.assign(static_cast<size_t>(std::max(format_.outputChannels, 0)), {});
    callback.audioStreamAboutToStart(format_);
}

void OfflineBackend::stop() {
    if (callback_) callback_->audioStreamStopped(false);
    callback_ = nullptr;
}

void OfflineBackend::clearOutputs() {
    for (auto& channel : outputs_) channel.clear();
}

int OfflineBackend::run(int64_t frames) {
    if (!callback_) return 0;
    int calls = 0;
    const size_t inputs = static_cast<size_t>(std::max(format_.inputChannels, 0));
    const size_t outputs = static_cast<size_t>(std::max(format_.outputChannels, 0));
    inputBuffers_.resize(inputs);
    outputBuffers_.resize(outputs);
    inputPointers_.resize(inputs);
    outputPointers_.resize(outputs);
    for (int64_t done = 0; done < frames;) {
        const int n = static_cast<int>(std::min<int64_t>(nextBlockSize(), frames - done));
        for (size_t c = 0; c < inputs; ++c) {
            auto& buffer = inputBuffers_[c];
            if (buffer.size() < static_cast<size_t>(n)) buffer.resize(static_cast<size_t>(n));
            const std::vector<float>* source = c < inputSignal_.size() ? &inputSignal_[c] : nullptr;
            for (int i = 0; i < n; ++i) {
                const size_t at = static_cast<size_t>(processed_ + i);
                buffer[static_cast<size_t>(i)] = (source && at < source->size()) ? (*source)[at] : 0.0f;
            }
            inputPointers_[c] = buffer.data();
        }
        for (size_t c = 0; c < outputs; ++c) {
            auto& buffer = outputBuffers_[c];
            if (buffer.size() < static_cast<size_t>(n)) buffer.resize(static_cast<size_t>(n));
            // A poison value: a callback that leaves a sample unwritten is caught by the tests.
            std::fill(buffer.begin(), buffer.begin() + n, 1.0e9f);
            outputPointers_[c] = buffer.data();
        }
        const ProcessStatus status = nextStatus_;
        nextStatus_ = ProcessStatus{};
        if (reportOverruns_ && (status.inputOverflow || status.outputUnderflow)) reportedOverrunFrames_.push_back(processed_);
        const auto began = std::chrono::steady_clock::now();
        trampoline_(user_, inputPointers_.data(), outputPointers_.data(), n, status);
        const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
        if (reportOverruns_ && took > n / format_.sampleRate) {
            nextStatus_.inputOverflow = true;
            nextStatus_.outputUnderflow = true;
        }
        if (keepOutputs_)
            for (size_t c = 0; c < outputs; ++c) outputs_[c].insert(outputs_[c].end(), outputBuffers_[c].begin(), outputBuffers_[c].begin() + n);
        processed_ += n;
        done += n;
        ++calls;
    }
    return calls;
}

} // namespace gainstage
