#!/usr/bin/env bash
# Purpose: throughput of `deportsim sweep` with summaries only: stochastic two-year runs of the
# default scenario per minute on --jobs 2 (an ensemble: one point, RUNS replicates, no series).
# Target (issue: parameter sweeps and ensembles): >= 300 runs per minute on 2 cores. The time
# is the whole command: loading and checking the sweep, every run, the journal, the file.
# Prints the median of REPEATS sweeps and a line to paste into benchmarks/RESULTS.md.
#
# Usage: benchmarks/sweep_throughput.sh [SCENARIO] (RUNS=60, REPEATS=3, JOBS=2 by default;
# DEPORTSIM=path/to/deportsim to time another build)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=$(realpath "${1:-scenarios/el_salvador_2025.yaml}")
runs=${RUNS:-60}
repeats=${REPEATS:-3}
jobs=${JOBS:-2}
binary=${DEPORTSIM:-build/release/deportsim}
[ -x "$binary" ] || { echo "build first: make build (or set DEPORTSIM)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/ensemble.yaml" <<YAML
# benchmarks/sweep_throughput.sh: $runs stochastic replicates of the scenario, summaries only.
base: $scenario
mode: stochastic
seed: 1
design: grid
replicates: $runs
YAML

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
machine="$(nproc) cores, $(awk '/model name/{$1=$2=$3="";print;exit}' /proc/cpuinfo | sed 's/^ *//')"
load=$(cut -d' ' -f1 /proc/loadavg)
rates=()
for ((i = 0; i < repeats; i++)); do
    rm -rf "$tmp/ensemble.h5" "$tmp/ensemble.h5.runs"
    start=$(date +%s.%N)
    "$binary" sweep "$tmp/ensemble.yaml" -o "$tmp/ensemble.h5" --jobs "$jobs" -q
    end=$(date +%s.%N)
    rates+=("$(awk -v a="$start" -v b="$end" -v n="$runs" 'BEGIN {print 60 * n / (b - a)}')")
done
m=$(printf '%s\n' "${rates[@]}" | median)
printf '| %s | %s | %s, load %s | `deportsim sweep` %d stochastic runs of %s, --jobs %d, summaries only | median of %d: %.0f runs/min |\n' \
    "$(date -u +%Y-%m-%d)" "$commit" "$machine" "$load" "$runs" "$(basename "$scenario")" "$jobs" \
    "$repeats" "$m"
