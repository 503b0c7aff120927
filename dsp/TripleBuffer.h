#pragma once
// Wait-free hand-over of a trivially copyable value from one writer thread to
// one reader thread: the writer never waits for the reader and the reader
// always sees a whole, consistent value (never a mix of two publications).
// Meters publish their snapshots through this. [writer: audio thread]
// [reader: any one other thread, e.g. the GUI's meter timer]

#include <atomic>
#include <cstdint>
#include <type_traits>

namespace gainstage {

template <typename T>
class TripleBuffer {
    static_assert(std::is_trivially_copyable_v<T>, "TripleBuffer holds plain values");

public:
    // [writer thread] Publish a new value.
    void write(const T& value) noexcept {
        slots_[writeIndex_] = value;
        const uint8_t published = static_cast<uint8_t>(writeIndex_ | kFreshBit);
        writeIndex_ = static_cast<uint8_t>(middle_.exchange(published, std::memory_order_acq_rel) & kIndexMask);
    }

    // [reader thread] The most recent value; returns false if nothing new since the last read.
    bool read(T& out) noexcept {
        if (middle_.load(std::memory_order_relaxed) & kFreshBit) {
            readIndex_ = static_cast<uint8_t>(middle_.exchange(readIndex_, std::memory_order_acq_rel) & kIndexMask);
            out = slots_[readIndex_];
            return true;
        }
        out = slots_[readIndex_];
        return false;
    }

private:
    static constexpr uint8_t kIndexMask = 0x3;
    static constexpr uint8_t kFreshBit = 0x4;
    T slots_[3]{};
    uint8_t writeIndex_ = 0;
    uint8_t readIndex_ = 1;
    std::atomic<uint8_t> middle_{2};
};

} // namespace gainstage
