#!/usr/bin/env bash
# The long soak of BENCHMARKS.md: build/bin/soak (tests/bench/soak.cpp) for
# SECONDS (default 600 s = 10 minutes) of audio: 64 inputs through Tube at
# +12 dB, 48 kHz, 64-frame buffers, on a private JACK dummy server, all recorded.
# CTest runs the same program for 60 s (soak_jack_64). The machine's load
# average is printed before and after: other work on the cores shows up as
# JACK xruns and preempted callbacks, so say what it was when quoting figures.
# Usage: tests/bench/soak.sh [BUILD_DIR]   env: SECONDS_TO_RUN (600), extra soak options in SOAK_OPTIONS
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
SOAK="$BUILD/bin/soak"
[ -x "$SOAK" ] || { echo "soak.sh: $SOAK is missing: run ./scripts/test first (needs libjack-jackd2-dev)" >&2; exit 1; }
echo "soak.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), uptime: $(uptime)"
# shellcheck disable=SC2086 # SOAK_OPTIONS is a list of options
status=0
"$SOAK" --seconds "${SECONDS_TO_RUN:-600}" ${SOAK_OPTIONS:-} || status=$?
echo "soak.sh: uptime after: $(uptime)"
exit $status
