#pragma once
// A non-owning view of planar (one pointer per channel) float audio.
// Every processor in dsp/ works on an AudioBlock in place. The view never
// allocates, so it can be made freely on the audio thread.

#include <cassert>

namespace gainstage {

class AudioBlock {
public:
    AudioBlock() = default;
    AudioBlock(float* const* channels, int numChannels, int numFrames, int startFrame = 0) noexcept
        : channels_(channels), numChannels_(numChannels), numFrames_(numFrames), startFrame_(startFrame) {}

    int numChannels() const noexcept { return numChannels_; }
    int numFrames() const noexcept { return numFrames_; }

    float* channel(int index) const noexcept {
        assert(index >= 0 && index < numChannels_);
        return channels_[index] + startFrame_;
    }

    // A view of frames [offset, offset + length) of this block.
    AudioBlock subBlock(int offset, int length) const noexcept {
        assert(offset >= 0 && length >= 0 && offset + length <= numFrames_);
        return AudioBlock(channels_, numChannels_, length, startFrame_ + offset);
    }

    // A view of the first `count` channels (for a processor prepared with fewer channels).
    AudioBlock firstChannels(int count) const noexcept {
        assert(count >= 0 && count <= numChannels_);
        return AudioBlock(channels_, count, numFrames_, startFrame_);
    }

private:
    float* const* channels_ = nullptr;
    int numChannels_ = 0;
    int numFrames_ = 0;
    int startFrame_ = 0;
};

} // namespace gainstage
