#!/usr/bin/env bash
# Side by side, in one run: Gainstage's crossfeed against bs2b's own converter,
# on the same 60 s stereo 48 kHz float file (two detuned tones and noise, so
# the channels differ).
#
#   gainstage render --headphones default   (its crossfeed, 700 Hz / 4.5 dB)
#   bs2bconvert -l d                         (libbs2b, the same preset)
#
# Cost: wall time, median of RUNS runs, minus each tool's own baseline, per
# stereo frame. Gainstage's baseline is `render --headphones none` (a true
# bypass through the same reading, preamp, analysis and writing); bs2bconvert
# has no bypass, so its baseline is sox copying the same file (a plain read and
# write of the same float WAV). Agreement: the largest difference between the two outputs,
# in dB of the file's level, read with sox.
#
# Needs a build (./scripts/test makes one), sox and Debian's libbs2b-bin.
# Usage: tests/bench/compare_bs2b.sh [BUILD_DIR]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
RUNS="${RUNS:-5}"
GAINSTAGE="$BUILD/bin/gainstage"

[ -x "$GAINSTAGE" ] || { echo "compare_bs2b: $GAINSTAGE is missing: run ./scripts/test first" >&2; exit 1; }
for tool in bs2bconvert sox; do
    command -v "$tool" >/dev/null || { echo "compare_bs2b: $tool is missing: apt-get install libbs2b-bin sox" >&2; exit 1; }
done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
sox -n -r 48000 -c 2 -e floating-point -b 32 "$WORK/in.wav" synth 60 sine 220 sine 331 synth 60 whitenoise mix vol 0.3
FRAMES=2880000

source "$ROOT/tests/bench/timing.sh"

ns_per_frame() { net_ns_per_item "$1" "$2" "$FRAMES"; }

render() { "$GAINSTAGE" render "$WORK/in.wav" "$1" --format float "${@:2}"; }

gs_base=$(median_ms render "$WORK/bypass.wav" --headphones none)
gs=$(median_ms render "$WORK/gainstage.wav" --headphones default)
copy_base=$(median_ms sox -V1 "$WORK/in.wav" "$WORK/copy.wav")
bs=$(median_ms bs2bconvert -l d "$WORK/in.wav" "$WORK/bs2b.wav")

# Largest sample difference between the two outputs, relative to the output's peak.
sox -V1 -m -v 1 "$WORK/gainstage.wav" -v -1 "$WORK/bs2b.wav" "$WORK/difference.wav"
diff_peak=$(sox -V1 "$WORK/difference.wav" -n stat 2>&1 | awk '/Maximum amplitude/ {print $3}')
out_peak=$(sox -V1 "$WORK/bs2b.wav" -n stat 2>&1 | awk '/Maximum amplitude/ {print $3}')
diff_db=$(awk -v d="$diff_peak" -v p="$out_peak" 'BEGIN { if (d <= 0) print "-inf"; else printf "%.1f", 20 * log(d / p) / log(10) }')

printf '%-44s %10s %12s\n' "renderer (60 s stereo, 48 kHz)" "median ms" "ns/frame"
printf '%-44s %10s %12s\n' "gainstage render --headphones default" "$gs" "$(ns_per_frame "$gs" "$gs_base")"
printf '%-44s %10s %12s\n' "bs2bconvert -l d" "$bs" "$(ns_per_frame "$bs" "$copy_base")"
printf '%-44s %10s\n' "baseline: gainstage --headphones none" "$gs_base"
printf '%-44s %10s\n' "baseline: sox copy" "$copy_base"
printf 'largest difference between the outputs: %s dB re their peak\n' "$diff_db"
