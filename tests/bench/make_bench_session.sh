#!/usr/bin/env bash
# Makes the session the studio window's drawing benchmark opens
# (tests/bench/gui_load.sh): DIR/session.json and DIR/audio/Track N-1.wav.
#
#   16 mono tracks "Track 1".."Track 16" (ids t1..t16), each with one clip of a
#   10-minute 48 kHz 24-bit file at 0 on the timeline, with its take record.
#   The audio is pink noise shaped by a slow swell (phrases, with near-silent
#   gaps) and a faster pulse (syllables or strums), different for every track,
#   peaking at -12 dBFS, so every waveform has visible detail at any zoom.
#   Tracks monitor their inputs (monitor "input"), with the preamp at Clean,
#   0 dB. Track N listens to input (N-1) % 2 (0-based), the two inputs the
#   Virtual device offers by default; with --distinct-inputs track N listens to
#   input N-1 (the Virtual device then needs to be opened with 16 inputs).
#   The format is what core/Session.cpp's toJson writes (format
#   "gainstage-session", version 1).
#
# 16 x 86 MB of audio; sox makes each file in about 2 s of CPU.
# With --verify GAINSTAGE it checks that Gainstage loads the session: on a
# copy whose audio is hard-linked, `gainstage record` opens it (exit 3 and
# the reason when Session::load refuses it) and records 1 s on the Virtual
# device while the 16 tracks play; the original is never touched.
#
# Usage: tests/bench/make_bench_session.sh DIR [--distinct-inputs] [--verify GAINSTAGE_BINARY]
set -euo pipefail

TRACKS=16
SECONDS_LONG=600
RATE=48000
FRAMES=$((SECONDS_LONG * RATE))

usage() { echo "usage: make_bench_session.sh DIR [--distinct-inputs] [--verify GAINSTAGE_BINARY]" >&2; exit 2; }
[ $# -ge 1 ] || usage
DIR="$1"
shift
DISTINCT=0
VERIFY=""
while [ $# -gt 0 ]; do
    case "$1" in
        --distinct-inputs) DISTINCT=1 ;;
        --verify) [ $# -ge 2 ] || usage; VERIFY="$2"; shift ;;
        *) usage ;;
    esac
    shift
done
command -v sox >/dev/null || { echo "make_bench_session: sox is missing: apt-get install sox" >&2; exit 1; }
[ -z "$VERIFY" ] || [ -x "$VERIFY" ] || { echo "make_bench_session: $VERIFY is not an executable" >&2; exit 1; }
if [ -e "$DIR/session.json" ]; then
    echo "make_bench_session: $DIR already holds a session; choose a new folder" >&2
    exit 1
fi
mkdir -p "$DIR/audio"

# One file per track, skipped when a previous run left a complete one.
for n in $(seq "$TRACKS"); do
    file="$DIR/audio/Track $n-1.wav"
    if [ -f "$file" ] && [ "$(soxi -s "$file" 2>/dev/null)" = "$FRAMES" ]; then continue; fi
    # Swell: one phrase every 6-14 s, down to near silence between them; pulse: 2-6 Hz.
    swell=$(awk -v n="$n" 'BEGIN { printf "%.3f", 1 / (6 + (n * 7) % 9) }')
    pulse=$(awk -v n="$n" 'BEGIN { printf "%.2f", 2 + (n * 5 % 17) / 4 }')
    sox -R -n -r "$RATE" -b 24 -c 1 "$DIR/audio/.partial.wav" synth "$SECONDS_LONG" pinknoise \
        tremolo "$swell" 95 tremolo "$pulse" 45 gain -n -12
    mv "$DIR/audio/.partial.wav" "$file"
done

python3 - "$DIR" "$TRACKS" "$FRAMES" "$RATE" "$DISTINCT" <<'EOF'
import json, os, sys
folder, tracks, frames, rate, distinct = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
preamp = {"source": "mic", "model": "clean", "gainDb": 0.0, "pad": False, "lowCut": "off", "phase": False,
          "inputZOhms": 1200.0, "trimDb": 0.0, "calibrationDbu": 18.0}
session = {"format": "gainstage-session", "version": 1, "name": "Bench: 16 tracks x 10 min", "sampleRate": rate,
           "devices": {}, "tracks": [], "takes": []}
for n in range(1, tracks + 1):
    file = "audio/Track %d-1.wav" % n
    session["tracks"].append({
        "id": "t%d" % n, "name": "Track %d" % n,
        "input": {"channel": (n - 1) if distinct else (n - 1) % 2, "stereo": False},
        "preamp": preamp, "armed": False, "monitor": "input", "volumeDb": 0.0, "pan": 0.0,
        "mute": False, "solo": False, "keepRaw": False, "clipGuard": False,
        "clips": [{"file": file, "timelineOffset": 0, "length": frames, "sourceOffset": 0}]})
    session["takes"].append({
        "file": file, "trackId": "t%d" % n, "raw": False, "channels": 1, "sampleRate": rate, "format": "pcm24",
        "frames": frames, "timelineStart": 0, "overruns": [], "xruns": [], "report": {}})
path = os.path.join(folder, "session.json")
with open(path + ".partial", "w", encoding="utf-8") as out:
    json.dump(session, out, indent=4)
    out.write("\n")
os.replace(path + ".partial", path)
EOF
echo "make_bench_session: $DIR: $TRACKS tracks, $((SECONDS_LONG / 60)) min each at $RATE Hz, 24-bit"

if [ -n "$VERIFY" ]; then
    check="$(mktemp -d "$(dirname "$(cd "$DIR" && pwd)")/.bench-session-check.XXXXXX")"
    trap 'rm -rf "$check"' EXIT
    mkdir -p "$check/audio"
    cp "$DIR/session.json" "$check/"
    ln "$DIR/audio/"*.wav "$check/audio/" 2>/dev/null || cp "$DIR/audio/"*.wav "$check/audio/"
    if ! report="$(JACK_NO_START_SERVER=1 "$VERIFY" record --session "$check" --seconds 1 --device Virtual:Demo --inputs 1 --json 2>"$check/stderr")"; then
        echo "make_bench_session: gainstage refused the session: $(cat "$check/stderr")" >&2
        exit 1
    fi
    python3 - "$check/session.json" "$TRACKS" "$FRAMES" <<'EOF' || exit 1
import json, sys
session = json.load(open(sys.argv[1], encoding="utf-8"))
tracks, frames = int(sys.argv[2]), int(sys.argv[3])
bench = [t for t in session["tracks"] if t["name"].startswith("Track ")]
ok = len(bench) == tracks and all(len(t["clips"]) == 1 and t["clips"][0]["length"] == frames for t in bench)
print("make_bench_session: verified: gainstage record loaded the session and saved it back with %d tracks (%d bench tracks of %d frames each)"
      % (len(session["tracks"]), len(bench), frames) if ok else "make_bench_session: gainstage saved back a different session")
sys.exit(0 if ok else 1)
EOF
fi
