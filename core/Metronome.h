#pragma once
// The click: a short synthesised tone on every beat, accented (higher and
// louder) on the first beat of each bar. It is added to the monitor mix only,
// after capture, so it can never be recorded.
//
// Beat grid: beat k starts at sample round(k * 60 * rate / tempo) of the grid's
// origin (timeline sample 0 while rolling; the start of the count-in during a
// count-in). At 120 BPM and 48 kHz that is every 24000 samples. The click's
// first sample is non-zero and sits exactly on the beat.
//
// Threads: settings are atomics, any thread; prepare() on the control thread
// (the click tables are made there); render() on the audio thread.

#include <atomic>
#include <cstdint>
#include <memory>

namespace gainstage {

class Metronome {
public:
    static constexpr double kClickSeconds = 0.025;
    static constexpr double kAccentHz = 1760.0;
    static constexpr double kBeatHz = 1320.0;
    static constexpr float kBeatRelativeDb = -6.0f; // the other beats against the accent

    // [control thread] Allocates the two click tables.
    void prepare(double sampleRate);

    // [any thread]
    void setEnabled(bool on) noexcept { enabled_.store(on, std::memory_order_relaxed); }
    void setTempo(double bpm) noexcept;
    void setBeatsPerBar(int beats) noexcept;
    void setCountInBars(int bars) noexcept;
    void setLevelDb(float db) noexcept { levelDb_.store(db, std::memory_order_relaxed); }
    bool enabled() const noexcept { return enabled_.load(std::memory_order_relaxed); }
    double tempo() const noexcept { return tempo_.load(std::memory_order_relaxed); }
    int beatsPerBar() const noexcept { return beatsPerBar_.load(std::memory_order_relaxed); }
    int countInBars() const noexcept { return countInBars_.load(std::memory_order_relaxed); }
    float levelDb() const noexcept { return levelDb_.load(std::memory_order_relaxed); }

    // [audio thread] Reads the settings for this block.
    void beginBlock() noexcept;
    // [audio thread] Samples per beat for the block's tempo.
    double samplesPerBeat() const noexcept { return samplesPerBeat_; }
    // [audio thread] Frames of count-in for the block's settings (0: none).
    int64_t countInFrames() const noexcept;
    // [audio thread] Adds clicks for grid samples [origin, origin + frames) when
    // `active`, and finishes any click already sounding either way.
    void render(float* left, float* right, int frames, int64_t origin, bool active) noexcept;
    // [audio thread] Silences a click in progress (locate).
    void cut() noexcept { playing_ = -1; }

private:
    int64_t beatStart(int64_t beat) const noexcept;

    std::atomic<bool> enabled_{false};
    std::atomic<double> tempo_{120.0};
    std::atomic<int> beatsPerBar_{4};
    std::atomic<int> countInBars_{0};
    std::atomic<float> levelDb_{-6.0f};

    double sampleRate_ = 48000.0;
    std::unique_ptr<float[]> accent_, beat_;
    int clickFrames_ = 0;
    // [audio thread]
    double samplesPerBeat_ = 24000.0;
    int beatsPerBarNow_ = 4;
    float gain_ = 0.5f;
    int playing_ = -1; // sample index into the sounding click, -1 none
    bool playingAccent_ = false;
};

} // namespace gainstage
