#pragma once
// The one processor shape of dsp/ (after juce_dsp's prepare/reset/process):
//
//   prepare(sampleRate, maxBlockSize, channels)  [non-real-time] allocates everything
//   reset()                                      [non-real-time or audio thread] clears state, no allocation
//   process(block) noexcept                      [audio thread] in place, no allocation, no locks
//   latencySamples()                             [any thread] delay it adds, at the prepared rate
//
// Parameters live in std::atomic members set from any thread in musical units
// (dB, Hz, ohms); process() reads them once per block and smooths towards them
// sample by sample, so a change never clicks and the output does not depend on
// how the input is split into blocks.

#include "dsp/AudioBlock.h"

namespace gainstage {

class Processor {
public:
    virtual ~Processor() = default;

    virtual void prepare(double sampleRate, int maxBlockSize, int channels) = 0;
    virtual void reset() noexcept = 0;
    virtual void process(AudioBlock& block) noexcept = 0;
    virtual int latencySamples() const noexcept { return 0; }
};

} // namespace gainstage
