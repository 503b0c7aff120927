#!/usr/bin/env bash
# Side by side, on one private JACK dummy server: recording CHANNELS inputs for
# SECONDS with Debian's jack_capture and with `gainstage record`, CPU time of
# each process (user + sys, /usr/bin/time), median of RUNS runs each, and the
# ratio; and 1 s takes of each, so the fixed cost can be taken out and the
# cost per recorded second compared as well.
#
#   jack_capture -c N -d S -b 24 -f wav --port system:capture_1 ...  (one N-channel 24-bit WAV)
#   gainstage record --inputs 1..N --model clean   (N mono 24-bit WAVs, preamp bit-transparent,
#                                                   both meters, the take report)
#   gainstage record --inputs 1..N --model tube --gain 12   (the soak's worst case)
#
# Both record the dummy driver's system:capture ports (silence: the dummy has
# no real input; the work per sample does not depend on it). The runs take
# turns, so a busy moment of the shared machine does not land on one tool only.
# gainstage's figure is the whole process: device probing (PortAudio lists
# ALSA, JACK and OSS), the engine, the disk thread, and the take report that
# reads every file back (true peak, loudness) after the take.
#
# The server runs under a unique name (JACK_DEFAULT_SERVER) and is always
# stopped, also on error or Ctrl-C.
#
# Needs a build (./scripts/test makes one) and Debian's jackd2 and jack-capture.
# Usage: tests/bench/compare_jack_capture.sh [BUILD_DIR]
#        env: RUNS (3), SECONDS_PER_RUN (20), CHANNELS (64), RATE (48000), PERIOD (64)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
RUNS="${RUNS:-3}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-20}"
CHANNELS="${CHANNELS:-64}"
RATE="${RATE:-48000}"
PERIOD="${PERIOD:-64}"
GAINSTAGE="$BUILD/bin/gainstage"

[ -x "$GAINSTAGE" ] || { echo "compare_jack_capture: $GAINSTAGE is missing: run ./scripts/test first" >&2; exit 1; }
for tool in jackd jack_capture jack_lsp /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "compare_jack_capture: $tool is missing: apt-get install jackd2 jack-capture time" >&2; exit 1; }
done

WORK="$(mktemp -d)"
SERVER="gs-cmp-$$"
JACKD_PID=""
cleanup() {
    if [ -n "$JACKD_PID" ] && kill -0 "$JACKD_PID" 2>/dev/null; then
        kill -TERM "$JACKD_PID" 2>/dev/null || true
        for _ in $(seq 30); do kill -0 "$JACKD_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$JACKD_PID" 2>/dev/null || true
        wait "$JACKD_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export JACK_DEFAULT_SERVER="$SERVER"
export XDG_CONFIG_HOME="$WORK/config" # no stored calibration of another run
jackd --no-realtime -n "$SERVER" -d dummy -r "$RATE" -p "$PERIOD" -C "$CHANNELS" -P 2 >"$WORK/jackd.log" 2>&1 &
JACKD_PID=$!
for _ in $(seq 100); do
    jack_lsp >/dev/null 2>&1 && break
    kill -0 "$JACKD_PID" 2>/dev/null || { echo "compare_jack_capture: jackd died:" >&2; cat "$WORK/jackd.log" >&2; exit 1; }
    sleep 0.1
done
jack_lsp >/dev/null 2>&1 || { echo "compare_jack_capture: jackd did not accept clients" >&2; exit 1; }

PORTS=()
INPUTS=""
for c in $(seq "$CHANNELS"); do
    PORTS+=(--port "system:capture_$c")
    INPUTS="${INPUTS:+$INPUTS,}$c"
done

# Prints "user+sys wall" in seconds of one run of the command.
cpu_of() {
    local out="$WORK/time.txt"
    /usr/bin/time -f "%U %S %e" -o "$out" "$@" >"$WORK/last.log" 2>&1 || { echo "compare_jack_capture: failed: $*" >&2; tail -5 "$WORK/last.log" >&2; exit 1; }
    awk '{ printf "%.2f %.2f\n", $1 + $2, $3 }' "$out"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.2f", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "compare_jack_capture: $CHANNELS channels, $RATE Hz, $PERIOD-frame periods, $SECONDS_PER_RUN s per run, $RUNS runs each; load average $(cut -d' ' -f1-3 /proc/loadavg)"
declare -a JC GS_CLEAN GS_TUBE JC_WALL GS_CLEAN_WALL GS_TUBE_WALL JC_SHORT GS_SHORT JC_SHORT_WALL GS_SHORT_WALL
for run in $(seq "$RUNS"); do
    # 1 s takes: each tool's fixed cost (start-up, device probing, connecting, closing).
    read -r cpu wall < <(cpu_of jack_capture --daemon -c "$CHANNELS" -d 1 -b 24 -f wav "${PORTS[@]}" "$WORK/jc-short.wav")
    JC_SHORT+=("$cpu"); JC_SHORT_WALL+=("$wall"); rm -f "$WORK/jc-short.wav"
    read -r cpu wall < <(cpu_of "$GAINSTAGE" record --session "$WORK/gs-short" --seconds 1 --device JACK:system \
        --rate "$RATE" --buffer "$PERIOD" --inputs "$INPUTS" --json)
    GS_SHORT+=("$cpu"); GS_SHORT_WALL+=("$wall"); rm -rf "$WORK/gs-short"
    read -r cpu wall < <(cpu_of jack_capture --daemon -c "$CHANNELS" -d "$SECONDS_PER_RUN" -b 24 -f wav "${PORTS[@]}" "$WORK/jc-$run.wav")
    JC+=("$cpu"); JC_WALL+=("$wall")
    rm -f "$WORK/jc-$run.wav"
    read -r cpu wall < <(cpu_of "$GAINSTAGE" record --session "$WORK/gs-clean-$run" --seconds "$SECONDS_PER_RUN" --device JACK:system \
        --rate "$RATE" --buffer "$PERIOD" --inputs "$INPUTS" --json)
    GS_CLEAN+=("$cpu"); GS_CLEAN_WALL+=("$wall")
    rm -rf "$WORK/gs-clean-$run"
    read -r cpu wall < <(cpu_of "$GAINSTAGE" record --session "$WORK/gs-tube-$run" --seconds "$SECONDS_PER_RUN" --device JACK:system \
        --rate "$RATE" --buffer "$PERIOD" --inputs "$INPUTS" --model tube --gain 12 --json)
    GS_TUBE+=("$cpu"); GS_TUBE_WALL+=("$wall")
    rm -rf "$WORK/gs-tube-$run"
    echo "run $run: jack_capture ${JC[-1]} s, gainstage clean ${GS_CLEAN[-1]} s, gainstage tube ${GS_TUBE[-1]} s (CPU)"
done

jc=$(median "${JC[@]}"); clean=$(median "${GS_CLEAN[@]}"); tube=$(median "${GS_TUBE[@]}")
printf '\n%-52s %12s %10s %10s\n' "recorder ($CHANNELS ch, $SECONDS_PER_RUN s)" "CPU s (med)" "wall s" "% of core"
row() { printf '%-52s %12s %10s %10s\n' "$1" "$2" "$3" "$(awk -v c="$2" -v w="$3" 'BEGIN { printf "%.1f", 100 * c / w }')"; }
row "jack_capture -b 24 -f wav" "$jc" "$(median "${JC_WALL[@]}")"
row "gainstage record --model clean" "$clean" "$(median "${GS_CLEAN_WALL[@]}")"
row "gainstage record --model tube --gain 12" "$tube" "$(median "${GS_TUBE_WALL[@]}")"
row "jack_capture, 1 s take (fixed cost)" "$(median "${JC_SHORT[@]}")" "$(median "${JC_SHORT_WALL[@]}")"
row "gainstage record --model clean, 1 s take (fixed cost)" "$(median "${GS_SHORT[@]}")" "$(median "${GS_SHORT_WALL[@]}")"
printf '%-52s %12s\n' "CPU ratio gainstage clean / jack_capture" "$(awk -v a="$clean" -v b="$jc" 'BEGIN { printf "%.2fx", a / b }')"
printf '%-52s %12s\n' "CPU ratio gainstage tube / jack_capture" "$(awk -v a="$tube" -v b="$jc" 'BEGIN { printf "%.2fx", a / b }')"
# Per recorded second, the fixed cost taken out: what recording itself costs each.
jc_marginal=$(awk -v a="$jc" -v b="$(median "${JC_SHORT[@]}")" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%.4f", (a - b) / (s - 1) }')
gs_marginal=$(awk -v a="$clean" -v b="$(median "${GS_SHORT[@]}")" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%.4f", (a - b) / (s - 1) }')
printf '%-52s %12s\n' "CPU s per recorded second: jack_capture" "$jc_marginal"
printf '%-52s %12s\n' "CPU s per recorded second: gainstage clean" "$gs_marginal"
printf '%-52s %12s\n' "CPU ratio per recorded second (clean)" "$(awk -v a="$gs_marginal" -v b="$jc_marginal" 'BEGIN { printf "%.2fx", a / b }')"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
