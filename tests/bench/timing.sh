# Shared by the side-by-side scripts in tests/bench: sourced, not run.

# Median wall time in ms of RUNS runs of the command (output discarded).
median_ms() {
    local times=()
    for _ in $(seq "$RUNS"); do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1
        end=$(date +%s%N)
        times+=($(( (end - start) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f", m / 1000}'
}

# ns per item of a median time in ms over a baseline in ms: net_ns_per_item MS BASE_MS ITEMS
net_ns_per_item() { awk -v t="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (t - b) * 1e6 / n }'; }
