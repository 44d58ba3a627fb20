#!/usr/bin/env bash
# Purpose: whole-run wall time of `deportsim run` on the default scenario (two years, daily),
# output file included, in expected and stochastic modes. Target (issue: engine spine): under
# 2 s per run in either mode. Prints the median of REPEATS runs per mode and a line to paste
# into benchmarks/RESULTS.md.
#
# Usage: benchmarks/run_default.sh [SCENARIO] (REPEATS=7 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/el_salvador_2025.yaml}
repeats=${REPEATS:-7}
binary=build/release/deportsim
[ -x "$binary" ] || { echo "build first: make build" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
machine="$(nproc) cores, $(awk '/model name/{$1=$2=$3="";print;exit}' /proc/cpuinfo | sed 's/^ *//')"
for mode in expected stochastic; do
    times=()
    for ((i = 0; i < repeats; i++)); do
        start=$(date +%s.%N)
        "$binary" run "$scenario" --mode "$mode" --seed $((i + 1)) -o "$tmp/run.h5" -q
        end=$(date +%s.%N)
        times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')")
    done
    m=$(printf '%s\n' "${times[@]}" | median)
    printf '| %s | %s | %s | `%s run %s --mode %s` | median of %d: %.3f s |\n' \
        "$(date -u +%Y-%m-%d)" "$commit" "$machine" "deportsim" "$scenario" "$mode" "$repeats" "$m"
done
