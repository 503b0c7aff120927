#pragma once
// Export mixdown: the session's tracks mixed offline to one stereo WAV or FLAC
// file, as fast as the CPU allows.
//
// The mix is what playback sends to the master bus, and nothing else: each
// track's clips laid over each other as the DiskReader lays them (a later clip
// in the list lies on top, the part of a clip outside its file is silence, a
// mono file on a stereo track feeds both sides, a stereo file on a mono track
// gives its first channel), then the track's volume and pan with Track.cpp's
// laws (mono: constant-power sin/cos pan; stereo: balance), mute and solo as
// the engine applies them (any solo silences every track not soloed; mute
// always wins), summed into left and right. The monitor section (power amp,
// speaker, headphones) is the listener's and is never part of an export. Arm
// and monitor mode do not matter: an export is the recorded material. Tracks
// nobody would hear (muted, not soloed, volume at silence) are not read at all,
// so a missing file on a muted track does not stop an export.
//
// Invariants:
// - The output is written to a temporary file beside it (unnamed until it is
//   complete, where the system allows) and renamed over it only when complete
//   and synced: a cancel or an error leaves no partial file and no temporary
//   file, and an existing output is replaced only on success.
// - WAV is plain WAV (RF64 only past 4 GiB); FLAC is 16 or 24-bit.
// - Audio is streamed in blocks of kMixdownBlockFrames; each clip file is
//   opened once (a file used by several clips shares one handle) and never
//   loaded whole.
// - Normalising measures the whole mix first (one pass), then writes it with
//   the gain (a second pass); without normalising there is one pass.
// - Integer output is rounded by Gainstage itself (x * 2^(bits-1), clamped), so
//   a file reread with libsndfile gives back the mix to within half an LSB
//   (plus the TPDF dither at 16 bits, +-1 LSB).
//
// Threads: renderMixdown() runs on a [worker thread] of the caller's; it
// shares nothing with the engine, and the session it is given is its own copy.

#include "core/Session.h"

#include <QString>

#include <atomic>
#include <cstdint>
#include <functional>

namespace gainstage {

inline constexpr int kMixdownBlockFrames = 8192;

struct MixdownOptions {
    enum class Container { Wav, Flac };
    // SampleFormat (AudioFile.h) has no 16-bit member, and an export needs one.
    enum class Format { Pcm16, Pcm24, Float32 };
    enum class Normalise { None, PeakDbfs, TruePeakDbtp, LoudnessLufs };

    QString outputPath;                  // ends in .wav (Wav) or .flac (Flac)
    Container container = Container::Wav;
    Format format = Format::Pcm24;       // FLAC: Pcm16 or Pcm24 only
    int64_t rangeStart = 0;              // timeline samples, >= 0
    int64_t rangeEnd = -1;               // one past the last frame; -1: the end of the last audible clip
    Normalise normalise = Normalise::None;
    float normaliseTarget = -1.0f;       // dBFS / dBTP (-60..0) or LUFS (-60..0); loudness also never above kLoudnessCeilingDbtp
    bool dither = true;                  // TPDF dither, 16-bit only

    static constexpr float kLoudnessCeilingDbtp = -1.0f;
};

struct MixdownResult {
    bool ok = false;
    bool cancelled = false;
    QString error;                // one or two sentences naming what is wrong (empty when ok)
    int64_t frames = 0;           // frames written
    // Of the signal written (after the gain, before rounding to integers);
    // -infinity for silence.
    double peakDbfs = 0.0;
    double truePeakDbtp = 0.0;
    double loudnessLufs = 0.0;    // integrated, EBU R128
    double gainAppliedDb = 0.0;
    bool gainCapped = false;      // loudness normalising was held back by the -1 dBTP ceiling
    int64_t clippedSamples = 0;   // integer formats: samples beyond full scale, clamped
    QString summary;              // what a user reads when it is done
};

// [worker thread] Mixes `session` (its files relative to `sessionFolder`) into
// options.outputPath. `progress` (may be empty) gets 0..1, at most about 50
// times a second and 1 at the end of a successful export; it is called on this
// thread. `cancel` is checked every block; when it is set the export stops
// and leaves nothing behind (result.cancelled).
MixdownResult renderMixdown(const Session& session, const QString& sessionFolder, const MixdownOptions& options,
                            const std::function<void(double fraction)>& progress, const std::atomic<bool>& cancel);

// [any thread] The frame one past the end of the last clip of any audible
// track (what rangeEnd = -1 means); 0 when there is none.
int64_t mixdownEnd(const Session& session);

// [any thread] "WAV 24-bit", "FLAC 16-bit", "WAV 32-bit float".
QString mixdownFormatName(MixdownOptions::Container container, MixdownOptions::Format format);

} // namespace gainstage
