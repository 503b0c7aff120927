#!/usr/bin/env bash
# The studio window under load: 16 tracks with meters animating at 60 Hz and a
# 10-minute session visible. Goals: GUI-thread CPU <= 10% of one core,
# resident memory <= 150 MB.
#
# It makes the bench session (tests/bench/make_bench_session.sh: 16 mono
# tracks, one 10-minute clip each, every track monitoring its input), starts
#   gainstage gui SESSION --device Virtual:Demo
# on a private Xvfb (1920x1080x24, no window manager) with a private HOME, so
# the Virtual device plays its demo material into every input and every
# track's meter moves. After SETTLE s it samples for SAMPLE s:
#   GUI thread   utime+stime of /proc/PID/task/PID/stat (the main thread: tid == pid)
#   process      utime+stime of /proc/PID/stat (every thread: audio, disk, GUI)
#   memory       VmRSS of /proc/PID/status every 0.5 s, and VmHWM at the end
# CPU is in % of one core over the sampling window's wall time. It checks
# before sampling that the window is visible (xdotool) and that the screen
# changes (a screen grab differs from one taken up to 1 s earlier), so an idle window cannot pass
# for an animating one. REPS repetitions, each with a fresh copy of the session
# (audio hard-linked) and a fresh HOME; the table gives each and their medians.
#
# Needs Xvfb, xdotool, xwd (x11-apps), sox, and a gainstage with the `gui`
# command. Usage: tests/bench/gui_load.sh [GAINSTAGE_BINARY]   (default build/bin/gainstage)
# Environment: REPS (3), SETTLE (5), SAMPLE (20) seconds, BENCH_SESSION=DIR to
# keep and reuse the bench session (made there when missing; it takes 1.4 GB),
# SHOTS=DIR to keep a screenshot of each repetition.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
GAINSTAGE="${1:-$ROOT/build/bin/gainstage}"
REPS="${REPS:-3}"
SETTLE="${SETTLE:-5}"
SAMPLE="${SAMPLE:-20}"

[ -x "$GAINSTAGE" ] || { echo "gui_load: $GAINSTAGE is missing: build it (cmake --build build --target gainstage) or pass its path" >&2; exit 1; }
for tool in Xvfb xdotool xwd sox; do
    command -v "$tool" >/dev/null || { echo "gui_load: $tool is missing: apt-get install xvfb xdotool x11-apps sox" >&2; exit 1; }
done

WORK="$(mktemp -d)"
XVFB_PID=""
APP_PID=""
cleanup() {
    if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then kill -KILL "$APP_PID" 2>/dev/null; wait "$APP_PID" 2>/dev/null || true; fi
    if [ -n "$XVFB_PID" ]; then kill "$XVFB_PID" 2>/dev/null; wait "$XVFB_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SESSION="${BENCH_SESSION:-$WORK/bench-session}"
if [ ! -f "$SESSION/session.json" ]; then
    echo "gui_load: making the bench session in $SESSION" >&2
    "$ROOT/tests/bench/make_bench_session.sh" "$SESSION" >&2
fi
SESSION="$(cd "$SESSION" && pwd)"

DISPLAY_NUMBER=""
for n in $(seq 90 199); do
    if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then DISPLAY_NUMBER=$n; break; fi
done
[ -n "$DISPLAY_NUMBER" ] || { echo "gui_load: no free X display number in 90..199" >&2; exit 1; }
Xvfb ":$DISPLAY_NUMBER" -screen 0 1920x1080x24 -nolisten tcp -noreset >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 100); do [ -S "/tmp/.X11-unix/X$DISPLAY_NUMBER" ] && break; sleep 0.05; done
kill -0 "$XVFB_PID" 2>/dev/null && [ -S "/tmp/.X11-unix/X$DISPLAY_NUMBER" ] || { echo "gui_load: Xvfb :$DISPLAY_NUMBER did not start: $(cat "$WORK/xvfb.log")" >&2; exit 1; }
export DISPLAY=":$DISPLAY_NUMBER"
export JACK_NO_START_SERVER=1
unset SESSION_MANAGER DBUS_SESSION_BUS_ADDRESS

TICKS="$(getconf CLK_TCK)"
# utime+stime in clock ticks of a /proc stat file (the name may hold spaces: count after the last ')').
cpu_ticks() { sed 's/.*) //' "$1" | awk '{ print $12 + $13 }'; }
status_kb() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }
now_ns() { date +%s%N; }
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END { m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f", m }'; }

stop_app() {
    kill -TERM "$APP_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
    APP_PID=""
}

declare -a GUI_PCT=() PROC_PCT=() RSS_MED=() RSS_MAX=() HWM=()
for rep in $(seq "$REPS"); do
    copy="$WORK/session-$rep"
    home="$WORK/home-$rep"
    rm -rf "$copy" "$home"
    mkdir -p "$copy/audio" "$home"
    cp "$SESSION/session.json" "$copy/"
    ln "$SESSION/audio/"*.wav "$copy/audio/" 2>/dev/null || cp "$SESSION/audio/"*.wav "$copy/audio/"

    HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" XDG_CACHE_HOME="$home/.cache" \
        "$GAINSTAGE" gui "$copy" --device Virtual:Demo >"$WORK/gui-$rep.out" 2>&1 </dev/null &
    APP_PID=$!
    settle_end=$(( $(now_ns) + SETTLE * 1000000000 ))
    while [ "$(now_ns)" -lt "$settle_end" ]; do
        if ! kill -0 "$APP_PID" 2>/dev/null; then
            rc=0; wait "$APP_PID" || rc=$?
            APP_PID=""
            if grep -q "unknown command 'gui'" "$WORK/gui-$rep.out"; then
                echo "gui_load: this gainstage has no 'gui' command yet (the studio window that accepts 'gainstage gui [SESSION_FOLDER] [--device SPEC]' has not landed); it said: $(cat "$WORK/gui-$rep.out")" >&2
            else
                echo "gui_load: 'gainstage gui $copy --device Virtual:Demo' exited with status $rc before the $SETTLE s settling time was over; it said: $(cat "$WORK/gui-$rep.out")" >&2
            fi
            exit 1
        fi
        sleep 0.1
    done
    if ! xdotool search --onlyvisible --pid "$APP_PID" >/dev/null 2>&1; then
        echo "gui_load: gainstage gui has run for $SETTLE s but shows no window" >&2
        exit 1
    fi
    shot_a="$(xwd -root -silent | md5sum)"
    changed=0
    for _ in $(seq 10); do
        sleep 0.1
        [ "$(xwd -root -silent | md5sum)" != "$shot_a" ] && { changed=1; break; }
    done
    if [ "$changed" = 0 ]; then
        echo "gui_load: nothing on screen changed in 1 s: the meters are not moving, so this would measure an idle window" >&2
        exit 1
    fi

    tid_stat="/proc/$APP_PID/task/$APP_PID/stat"
    gui0=$(cpu_ticks "$tid_stat"); proc0=$(cpu_ticks "/proc/$APP_PID/stat"); t0=$(now_ns)
    rss_samples=""
    end=$(( t0 + SAMPLE * 1000000000 ))
    while [ "$(now_ns)" -lt "$end" ]; do
        kill -0 "$APP_PID" 2>/dev/null || { echo "gui_load: gainstage gui quit while it was being measured: $(tail -n 5 "$WORK/gui-$rep.out")" >&2; APP_PID=""; exit 1; }
        rss_samples+="$(status_kb "$APP_PID" VmRSS) "
        sleep 0.5
    done
    gui1=$(cpu_ticks "$tid_stat"); proc1=$(cpu_ticks "/proc/$APP_PID/stat"); t1=$(now_ns)
    hwm_kb=$(status_kb "$APP_PID" VmHWM)
    if [ -n "${SHOTS:-}" ]; then
        mkdir -p "$SHOTS"
        xwd -root -silent >"$SHOTS/gui_load-$rep.xwd"
        command -v convert >/dev/null && convert "xwd:$SHOTS/gui_load-$rep.xwd" "$SHOTS/gui_load-$rep.png" && rm -f "$SHOTS/gui_load-$rep.xwd"
    fi
    stop_app

    wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')
    GUI_PCT+=("$(awk -v d=$((gui1 - gui0)) -v hz="$TICKS" -v w="$wall_s" 'BEGIN { printf "%.1f", d / hz / w * 100 }')")
    PROC_PCT+=("$(awk -v d=$((proc1 - proc0)) -v hz="$TICKS" -v w="$wall_s" 'BEGIN { printf "%.1f", d / hz / w * 100 }')")
    RSS_MED+=("$(awk -v k="$(median "$rss_samples")" 'BEGIN { printf "%.1f", k / 1024 }')")
    RSS_MAX+=("$(tr ' ' '\n' <<<"$rss_samples" | grep . | sort -n | tail -n1 | awk '{ printf "%.1f", $1 / 1024 }')")
    HWM+=("$(awk -v k="$hwm_kb" 'BEGIN { printf "%.1f", k / 1024 }')")
    i=$((rep - 1))
    [ "$rep" = 1 ] && printf '%-6s %14s %14s %14s %14s %14s\n' "rep" "GUI thread %" "process %" "RSS median MB" "RSS max MB" "VmHWM MB"
    printf '%-6s %14s %14s %14s %14s %14s\n' "$rep" "${GUI_PCT[$i]}" "${PROC_PCT[$i]}" "${RSS_MED[$i]}" "${RSS_MAX[$i]}" "${HWM[$i]}"
    rm -rf "$copy" "$home"
done

gui_m=$(median "${GUI_PCT[*]}")
rss_m=$(median "${RSS_MED[*]}")
rss_max=$(median "${RSS_MAX[*]}")
printf '%-6s %14s %14s %14s %14s %14s\n' "median" "$gui_m" "$(median "${PROC_PCT[*]}")" "$rss_m" "$rss_max" "$(median "${HWM[*]}")"
echo "sampled ${SAMPLE} s after ${SETTLE} s of settling, ${REPS} repetitions; load average $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v g="$gui_m" -v r="$rss_max" 'BEGIN {
    printf "goals: GUI thread <= 10%% of a core: %s; resident memory <= 150 MB: %s\n", (g <= 10) ? "met" : "missed", (r <= 150) ? "met" : "missed"
    exit !(g <= 10 && r <= 150)
}'
