#!/usr/bin/env bash
# Side by side, in one run: Gainstage's Tube preamp against two LV2 tube
# preamps, rendering the same 60 s mono 48 kHz file.
#
#   gainstage render --model tube   (at the moderate, heavy and extreme drives)
#   lv2file -b 256 gx_studiopre     (guitarix, at its defaults)
#   lv2file -b 256 ZamTube          (zam-plugins, at its defaults)
#
# Cost: wall time, median of RUNS runs, minus each harness's own baseline
# (gainstage render --model clean; lv2file with gxbooster), per sample.
# Aliasing: the file is a 5 kHz sine at 0 dBFS (the condition of the anchors'
# figures in shared/REFERENCE.md); Gainstage's Gain is lowered by 20 dB from
# each drive's value so its model sees exactly the level that defines the drive
# (drives are defined on a -20 dBFS sine). Non-harmonic energy 20 Hz-20 kHz, dBc,
# and THD, so that each renderer's aliasing is read against how hard it distorts.
#
# Needs a build with benchmarks (./scripts/test makes one) and Debian's
# lv2file, guitarix-lv2 and zam-plugins. Usage: tests/bench/compare_lv2.sh [BUILD_DIR]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
RUNS="${RUNS:-5}"
GAINSTAGE="$BUILD/bin/gainstage"
ALIAS_TOOL="$BUILD/bin/alias_tool"
STUDIOPRE="http://guitarix.sourceforge.net/plugins/gx_studiopre#studiopre"
ZAMTUBE="urn:zamaudio:ZamTube"
BOOSTER="http://guitarix.sourceforge.net/plugins/gxbooster#booster"

for tool in "$GAINSTAGE" "$ALIAS_TOOL"; do
    [ -x "$tool" ] || { echo "compare_lv2: $tool is missing: run ./scripts/test first" >&2; exit 1; }
done
command -v lv2file >/dev/null || { echo "compare_lv2: lv2file is missing: apt-get install lv2file guitarix-lv2 zam-plugins" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$ALIAS_TOOL" make "$WORK/in.wav" --freq 5000 --seconds 60 --dbfs 0
SAMPLES=2880000

source "$ROOT/tests/bench/timing.sh"

ns_per_sample() { net_ns_per_item "$1" "$2" "$SAMPLES"; }

render() { "$GAINSTAGE" render "$WORK/in.wav" "$1" --format float "${@:2}"; }
lv2() { lv2file -b 256 -i "$WORK/in.wav" -o "$1" "$2"; }

gs_base=$(median_ms render "$WORK/clean.wav" --model clean)
lv2_base=$(median_ms lv2 "$WORK/booster.wav" "$BOOSTER")

printf '%-36s %10s %10s %10s %8s\n' "renderer" "median ms" "ns/sample" "alias dBc" "THD dB"
declare -A NS
for drive in moderate heavy extreme; do
    thd=$(case $drive in moderate) echo -30;; heavy) echo -15;; extreme) echo -10;; esac)
    gain=$("$ALIAS_TOOL" drive tube "$thd")
    file_gain=$(awk -v g="$gain" 'BEGIN { printf "%.2f", g - 20 }')
    ms=$(median_ms render "$WORK/tube-$drive.wav" --model tube --gain "$file_gain")
    NS[$drive]=$(ns_per_sample "$ms" "$gs_base")
    read -r alias thd < <("$ALIAS_TOOL" measure "$WORK/tube-$drive.wav" --freq 5000)
    printf '%-36s %10s %10s %10s %8s\n' "gainstage tube $drive (gain $gain)" "$ms" "${NS[$drive]}" "$alias" "$thd"
done
for plugin in studiopre zamtube; do
    uri=$([ $plugin = studiopre ] && echo "$STUDIOPRE" || echo "$ZAMTUBE")
    ms=$(median_ms lv2 "$WORK/$plugin.wav" "$uri")
    NS[$plugin]=$(ns_per_sample "$ms" "$lv2_base")
    read -r alias thd < <("$ALIAS_TOOL" measure "$WORK/$plugin.wav" --freq 5000)
    printf '%-36s %10s %10s %10s %8s\n' "lv2file -b 256 $plugin (defaults)" "$ms" "${NS[$plugin]}" "$alias" "$thd"
done
printf '%-36s %10s\n' "baseline: gainstage --model clean" "$gs_base"
printf '%-36s %10s\n' "baseline: lv2file gxbooster" "$lv2_base"
awk -v g="${NS[moderate]}" -v s="${NS[studiopre]}" -v z="${NS[zamtube]}" \
    'BEGIN { printf "speed-up at moderate drive: %.1fx vs gx_studiopre, %.1fx vs ZamTube\n", s / g, z / g }'
