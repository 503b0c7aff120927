#!/usr/bin/env bash
# Side by side, in one run: how long Gainstage, Audacity and Ardour take from
# exec to their first window on screen, started with an empty session.
# Gainstage's goal is <= 0.25 s.
#
# What is measured, identically for every program: the time from the moment
# just before exec to the MapNotify of its first top-level window on the X
# server (tests/bench/first_window.c, built here with cc; it skips splash
# screens, menus and tooltips, and waits for a given title where one is given):
#   gainstage   main window mapped (no arguments: an empty session)
#   audacity    main window mapped (the window titled "Audacity", after its splash)
#   ardour      session dialog mapped ("Session Setup", after its splash)
#   xlogo       a bare Xlib window: the floor of the method itself
# With GAINSTAGE_STARTUP_PROBE=1 Gainstage also prints its own
# "first-paint-ms N" and quits after its first paint; when the build has it,
# that figure is reported as a second, internal line.
#
# Conditions: one private Xvfb (1920x1080x24, no window manager) for the whole
# run; a fresh private HOME and XDG_CONFIG_HOME for every single start, copied
# from a seed, so every start finds the same state: Audacity's seed holds the
# plugin registry of one seeding start (otherwise every start would scan
# plugins for seconds) with the splash help and update notice off and no
# projects left to recover; Ardour's holds the marker that skips its first-run
# wizard (".aN" for Ardour N). No JACK server runs and none is auto-started
# (JACK_NO_START_SERVER=1), so Gainstage falls back to its Virtual device; the
# session dialog of Ardour comes before any audio setup. Warm: every program is
# started once untimed first; then RUNS starts each, interleaved (gainstage,
# audacity, ardour, xlogo, gainstage, ...). Each is stopped after its window is
# mapped (SIGTERM to its process group, SIGKILL after 3 s).
#
# Needs cc, libx11-dev, Xvfb, audacity, ardour, xlogo (x11-apps).
# Usage: tests/bench/startup.sh [GAINSTAGE_BINARY]   (default build/bin/gainstage)
# Environment: RUNS (default 7), TIMEOUT seconds per start (default 60),
# KEEP=1 keeps the work folder (every start's window trace and output).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
GAINSTAGE="${1:-$ROOT/build/bin/gainstage}"
RUNS="${RUNS:-7}"
TIMEOUT="${TIMEOUT:-60}"

[ -x "$GAINSTAGE" ] || { echo "startup: $GAINSTAGE is missing: build it (cmake --build build --target gainstage) or pass its path" >&2; exit 1; }
GAINSTAGE="$(cd "$(dirname "$GAINSTAGE")" && pwd)/$(basename "$GAINSTAGE")"
for tool in cc Xvfb audacity ardour xlogo; do
    command -v "$tool" >/dev/null || { echo "startup: $tool is missing: apt-get install gcc libx11-dev xvfb audacity ardour x11-apps" >&2; exit 1; }
done
[ -f /usr/include/X11/Xlib.h ] || { echo "startup: the Xlib headers are missing: apt-get install libx11-dev" >&2; exit 1; }

WORK="$(mktemp -d)"
XVFB_PID=""
cleanup() {
    [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null && wait "$XVFB_PID" 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then echo "startup: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FIRST_WINDOW="$WORK/first_window"
cc -O2 -Wall -Wextra -o "$FIRST_WINDOW" "$ROOT/tests/bench/first_window.c" -lX11

# A display number nobody uses: no lock file and no socket.
DISPLAY_NUMBER=""
for n in $(seq 90 199); do
    if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then DISPLAY_NUMBER=$n; break; fi
done
[ -n "$DISPLAY_NUMBER" ] || { echo "startup: no free X display number in 90..199" >&2; exit 1; }
Xvfb ":$DISPLAY_NUMBER" -screen 0 1920x1080x24 -nolisten tcp -noreset >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 100); do [ -S "/tmp/.X11-unix/X$DISPLAY_NUMBER" ] && break; sleep 0.05; done
kill -0 "$XVFB_PID" 2>/dev/null && [ -S "/tmp/.X11-unix/X$DISPLAY_NUMBER" ] || { echo "startup: Xvfb :$DISPLAY_NUMBER did not start: $(cat "$WORK/xvfb.log")" >&2; exit 1; }
export DISPLAY=":$DISPLAY_NUMBER"
export JACK_NO_START_SERVER=1
unset SESSION_MANAGER DBUS_SESSION_BUS_ADDRESS

# Seeds of the private homes (copied fresh for every start).
ARDOUR_MAJOR="$(grep -o 'ardour[0-9][0-9]*' "$(command -v ardour)" | head -n1 | tr -dc 0-9)"
[ -n "$ARDOUR_MAJOR" ] || ARDOUR_MAJOR="$(ardour --version 2>/dev/null | grep -o '[0-9][0-9]*' | head -n1)"
mkdir -p "$WORK/seed-gainstage" "$WORK/seed-xlogo" "$WORK/seed-ardour/.config/ardour$ARDOUR_MAJOR" "$WORK/seed-audacity" "$WORK/audacity-temp"
touch "$WORK/seed-ardour/.config/ardour$ARDOUR_MAJOR/.a$ARDOUR_MAJOR"

# start NAME HOME_SEED FIRST_WINDOW_ARGS... -- CMD...: one start. LAST names
# its files: LAST.result (the helper's figures), LAST.out (the program's
# output), LAST.trace (every window the helper saw).
RUN_COUNTER=0
LAST=""
start() {
    local name=$1 seed=$2
    shift 2
    RUN_COUNTER=$((RUN_COUNTER + 1))
    local home="$WORK/home-$RUN_COUNTER"
    LAST="$WORK/$name-$RUN_COUNTER"
    rm -rf "$home" "$WORK/audacity-temp"/*
    cp -a "$seed" "$home"
    HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" XDG_CACHE_HOME="$home/.cache" \
        "$FIRST_WINDOW" --verbose --timeout "$TIMEOUT" --log "$LAST.out" "$@" >"$LAST.result" 2>"$LAST.trace" || true
    rm -rf "$home"
    sleep 0.5 # let the stopped program's teardown finish before the next start
}

# Audacity's seed: one start with a fresh home scans the plugins; keep the
# registry it writes, drop the projects it would offer to recover, keep its
# temporary files in one known place, and switch off the dialogs that follow
# the main window on a first start.
seed_audacity() {
    local home="$WORK/seed-audacity"
    HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" XDG_CACHE_HOME="$home/.cache" \
        "$FIRST_WINDOW" --timeout 300 --title Audacity --hold 2000 --log "$WORK/audacity-seed.out" -- audacity >"$WORK/audacity-seed.result" 2>&1 || true
    local cfg="$home/.config/audacity/audacity.cfg"
    grep -q '^mapped-ms [0-9]' "$WORK/audacity-seed.result" && [ -f "$cfg" ] && [ -f "$home/.config/audacity/pluginregistry.cfg" ] ||
        { echo "startup: seeding Audacity's configuration failed: $(cat "$WORK/audacity-seed.result")" >&2; exit 1; }
    python3 - "$cfg" "$WORK/audacity-temp" <<'EOF'
import sys
path, temp = sys.argv[1], sys.argv[2]
out, section = [], None
for line in open(path, encoding="utf-8").read().splitlines():
    if line.startswith("["):
        section = line.strip("[]")
        if section in ("ActiveProjects", "Directories", "GUI", "Update"):
            continue
    elif section in ("ActiveProjects", "Directories", "GUI", "Update"):
        continue
    out.append(line)
out += ["[Directories]", "TempDir=" + temp,
        "[GUI]", "ShowSplash=0",
        "[Update]", "UpdateNoticeShown=1", "DefaultUpdatesChecking=0"]
open(path, "w", encoding="utf-8").write("\n".join(out) + "\n")
EOF
    rm -rf "$home/.local/share/audacity/"*.aup3* "$WORK/audacity-temp"/*
}

gainstage_start() { start gainstage "$WORK/seed-gainstage" -- "$GAINSTAGE"; }
audacity_start() { start audacity "$WORK/seed-audacity" --title Audacity -- audacity; }
ardour_start() { start ardour "$WORK/seed-ardour" --title "Session Setup" -- ardour; }
xlogo_start() { start xlogo "$WORK/seed-xlogo" -- xlogo; }
probe_start() { GAINSTAGE_STARTUP_PROBE=1 start probe "$WORK/seed-gainstage" --wait-exit -- "$GAINSTAGE"; }

echo "startup: Xvfb $DISPLAY, $RUNS runs each after one warm-up, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
seed_audacity

# Does this build have the internal probe? It must quit by itself soon after its window.
PROBE=0
GAINSTAGE_STARTUP_PROBE=1 HOME="$WORK/seed-gainstage" XDG_CONFIG_HOME="$WORK/seed-gainstage/.config" \
    "$FIRST_WINDOW" --timeout 10 --wait-exit --log "$WORK/probe-check.out" -- "$GAINSTAGE" >/dev/null 2>&1 || true
grep -q '^first-paint-ms [0-9]' "$WORK/probe-check.out" && PROBE=1
rm -rf "$WORK/seed-gainstage"/* "$WORK/seed-gainstage"/.[!.]* 2>/dev/null || true
[ "$PROBE" = 1 ] || echo "startup: this gainstage does not print first-paint-ms with GAINSTAGE_STARTUP_PROBE=1; the internal figure is left out" >&2

APPS=(gainstage audacity ardour xlogo)
[ "$PROBE" = 1 ] && APPS+=(probe)
declare -A MAPPED=() PAINT=() FAILS=()
for app in "${APPS[@]}"; do MAPPED[$app]=""; PAINT[$app]=""; FAILS[$app]=0; done

for app in "${APPS[@]}"; do "${app}_start"; done # warm-up, untimed
for i in $(seq "$RUNS"); do
    for app in "${APPS[@]}"; do
        "${app}_start"
        ms="$(awk '$1 == "mapped-ms" && $2 != "none" { print $2 }' "$LAST.result")"
        if [ -z "$ms" ]; then
            FAILS[$app]=$((FAILS[$app] + 1))
            echo "startup: $app run $i: no window within ${TIMEOUT}s; its trace:" >&2
            tail -n 5 "$LAST.trace" >&2 || true
            continue
        fi
        MAPPED[$app]+="$ms "
        if [ "$app" = probe ]; then
            paint="$(awk '$1 == "first-paint-ms" { print $2; exit }' "$LAST.out")"
            [ -n "$paint" ] && PAINT[$app]+="$paint "
        fi
    done
    echo "startup: run $i of $RUNS done" >&2
done

# stats "v1 v2 ...": median min max count
stats() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END { if (NR == 0) { print "- - - 0"; exit } m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f %.1f %.1f %d\n", m, a[1], a[NR], NR }'; }

declare -A WHAT=(
    [gainstage]="main window mapped"
    [audacity]="main window mapped"
    [ardour]="session dialog mapped"
    [xlogo]="bare Xlib window mapped (method floor)"
    [probe]="own first paint (GAINSTAGE_STARTUP_PROBE)")
declare -A MEDIAN=()
printf '%-10s %-44s %10s %9s %9s %6s\n' "app" "measured" "median ms" "min" "max" "runs"
for app in "${APPS[@]}"; do
    values="${MAPPED[$app]}"
    [ "$app" = probe ] && values="${PAINT[$app]}"
    read -r median low high count < <(stats "$values")
    MEDIAN[$app]=$median
    printf '%-10s %-44s %10s %9s %9s %6s\n' "$app" "${WHAT[$app]}" "$median" "$low" "$high" "$count/$RUNS"
done
if [ "$PROBE" = 1 ]; then
    read -r median low high count < <(stats "${MAPPED[probe]}")
    printf '%-10s %-44s %10s %9s %9s %6s\n' "probe" "main window mapped (same starts)" "$median" "$low" "$high" "$count/$RUNS"
fi
awk -v g="${MEDIAN[gainstage]}" -v a="${MEDIAN[audacity]}" -v r="${MEDIAN[ardour]}" 'BEGIN {
    if (g == "-" || g <= 0) { print "ratios: no Gainstage figure"; exit }
    printf "ratios (median mapped): Audacity/Gainstage %s, Ardour/Gainstage %s\n",
        (a == "-") ? "-" : sprintf("%.1fx", a / g), (r == "-") ? "-" : sprintf("%.1fx", r / g)
    printf "goal <= 250 ms: %s\n", (g <= 250) ? "met" : "missed"
}'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
failed=0
for app in "${APPS[@]}"; do [ "${FAILS[$app]}" -gt 0 ] && failed=1; done
exit "$failed"
