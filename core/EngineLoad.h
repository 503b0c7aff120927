#pragma once
// Engine load: the callback's own time as a share of the period its frames
// last (frames / sample rate). 1.0 means the callback used the whole period.
//
// The audio thread measures with steady_clock (a vDSO read, no syscall, no
// lock) and publishes three atomics: the last value, an exponential moving
// average with a ~1 s time constant (per-block weight = period / 1 s), and the
// maximum since the last resetMaximum(). Any thread reads them.

#include <algorithm>
#include <atomic>
#include <chrono>

namespace gainstage {

class EngineLoad {
public:
    static constexpr double kAverageSeconds = 1.0;

    // [audio thread]
    void begin() noexcept { start_ = std::chrono::steady_clock::now(); }
    // [audio thread] `frames` processed at `sampleRate` since begin().
    void end(int frames, double sampleRate) noexcept {
        if (frames <= 0 || sampleRate <= 0.0) return;
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        const double period = frames / sampleRate;
        const double load = elapsed / period;
        const double weight = std::min(1.0, period / kAverageSeconds);
        average_ = primed_ ? average_ + weight * (load - average_) : load;
        primed_ = true;
        last_.store(static_cast<float>(load), std::memory_order_relaxed);
        average.store(static_cast<float>(average_), std::memory_order_relaxed);
        if (load > maximum.load(std::memory_order_relaxed)) maximum.store(static_cast<float>(load), std::memory_order_relaxed);
        blocks.fetch_add(1, std::memory_order_relaxed);
    }

    // [any thread]
    float lastLoad() const noexcept { return last_.load(std::memory_order_relaxed); }
    void resetMaximum() noexcept { maximum.store(0.0f, std::memory_order_relaxed); }

    std::atomic<float> average{0.0f};
    std::atomic<float> maximum{0.0f};
    std::atomic<uint64_t> blocks{0};

private:
    std::chrono::steady_clock::time_point start_{};
    double average_ = 0.0;
    bool primed_ = false;
    std::atomic<float> last_{0.0f};
};

} // namespace gainstage
