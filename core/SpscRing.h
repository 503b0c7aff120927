#pragma once
// Lock-free single-producer / single-consumer ring of trivially copyable items
// (samples, events). One thread only writes, one other thread only reads; the
// only synchronisation is a pair of atomic indices, so neither side ever
// blocks or allocates. Capacity is fixed in the constructor (allocation
// happens there, on a non-real-time thread).
//
// As in moodycamel's queues, the names say what is safe on the audio thread:
// every try... function is wait-free and never allocates.
//
// Threads: construct/destroy on a non-real-time thread while neither side runs;
// tryWrite/writeSpace on the producer; tryRead/readAvailable/discard on the
// consumer.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>

namespace gainstage {

template <typename T>
class SpscRing {
    static_assert(std::is_trivially_copyable_v<T>, "SpscRing holds plain values");

public:
    // Holds at least `minCapacity` items (rounded up to a power of two). The
    // storage is zeroed here, so every page is faulted in on this thread: left
    // untouched, a capture ring's first pass would page-fault on the audio
    // thread (the 64-channel soak saw ~17,400 faults at the start of a take).
    explicit SpscRing(size_t minCapacity)
        : capacity_(roundUpToPowerOfTwo(std::max<size_t>(minCapacity, 2))), mask_(capacity_ - 1), items_(new T[capacity_]()) {}

    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    size_t capacity() const noexcept { return capacity_; }

    // [producer] How many items fit right now.
    size_t writeSpace() const noexcept {
        return capacity_ - (writeIndex_.load(std::memory_order_relaxed) - readIndex_.load(std::memory_order_acquire));
    }

    // [producer] Writes all `count` items, or none if they do not fit. Returns whether it wrote.
    bool tryWrite(const T* source, size_t count) noexcept {
        const size_t write = writeIndex_.load(std::memory_order_relaxed);
        if (capacity_ - (write - readIndex_.load(std::memory_order_acquire)) < count) return false;
        copyIn(write, source, count);
        writeIndex_.store(write + count, std::memory_order_release);
        return true;
    }

    // [consumer] How many items are waiting.
    size_t readAvailable() const noexcept {
        return writeIndex_.load(std::memory_order_acquire) - readIndex_.load(std::memory_order_relaxed);
    }

    // [consumer] Reads up to `maxCount` items; returns how many it read.
    size_t tryRead(T* destination, size_t maxCount) noexcept {
        const size_t read = readIndex_.load(std::memory_order_relaxed);
        const size_t count = std::min(maxCount, writeIndex_.load(std::memory_order_acquire) - read);
        copyOut(read, destination, count);
        readIndex_.store(read + count, std::memory_order_release);
        return count;
    }

    // [consumer] Drops up to `maxCount` waiting items; returns how many it dropped.
    size_t discard(size_t maxCount) noexcept {
        const size_t read = readIndex_.load(std::memory_order_relaxed);
        const size_t count = std::min(maxCount, writeIndex_.load(std::memory_order_acquire) - read);
        readIndex_.store(read + count, std::memory_order_release);
        return count;
    }

private:
    static size_t roundUpToPowerOfTwo(size_t value) {
        size_t result = 1;
        while (result < value) result <<= 1;
        return result;
    }

    // An empty transfer returns before memcpy: callers may pass the null data()
    // of an empty vector, and memcpy with a null pointer is undefined even for 0 bytes.
    void copyIn(size_t position, const T* source, size_t count) noexcept {
        if (count == 0) return;
        const size_t start = position & mask_;
        const size_t first = std::min(count, capacity_ - start);
        std::memcpy(items_.get() + start, source, first * sizeof(T));
        std::memcpy(items_.get(), source + first, (count - first) * sizeof(T));
    }

    void copyOut(size_t position, T* destination, size_t count) const noexcept {
        if (count == 0) return;
        const size_t start = position & mask_;
        const size_t first = std::min(count, capacity_ - start);
        std::memcpy(destination, items_.get() + start, first * sizeof(T));
        std::memcpy(destination + first, items_.get(), (count - first) * sizeof(T));
    }

    const size_t capacity_;
    const size_t mask_;
    std::unique_ptr<T[]> items_;
    // Monotonic counters (wrap at 2^64, i.e. never); separate cache lines so the
    // two threads do not fight over one.
    alignas(64) std::atomic<size_t> writeIndex_{0};
    alignas(64) std::atomic<size_t> readIndex_{0};
};

} // namespace gainstage
