#!/usr/bin/env bash
# Purpose: the agents-mode figures of benchmarks/agents/README.md on the synthetic 50-country
# scenario, whole runs with their output: throughput (person-days per second), speed-up from 1
# to 2 threads, memory per person (peak resident set / persons), and run time against persons
# (0.1, 1, 3, 10 million) and days (91, 182, 365). Each figure is the median of REPEATS runs;
# the load average is printed before each set, since the machine is shared. The speed-up is
# also measured on PAIRS back-to-back pairs of runs.
#
# Usage: benchmarks/agents/run_benchmarks.sh [BENCH_BINARY] (REPEATS=5, OUT=a scratch file)
#        benchmarks/agents/run_benchmarks.sh --callgrind [BENCH_BINARY] (instruction counts per
#        thread for 1 and 2 threads at PEOPLE=1e6: thread-independent figures of the speed-up)
#        benchmarks/agents/run_benchmarks.sh --window SECONDS [BENCH_BINARY] (the speed-up alone
#        over a longer window: pairs at 1 and 10 million in turn for SECONDS, each pair's first
#        run in turn on 1 and 2 threads; per size the median, the share of pairs at 1.7x or
#        more, the 10th and 90th percentiles and the median of each two-minute window)
#
# Every run writes a new file: the previous run's output is removed first (ext4 starts writing a
# file back when a rename replaces another file, which would add 2-5 ms to every run but the
# first). OpenMP settings are left as the environment gives them (libgomp's default: idle
# threads spin briefly before they sleep), and printed with the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=timing
if [ "${1:-}" = "--callgrind" ]; then
    mode=callgrind
    shift
elif [ "${1:-}" = "--window" ]; then
    mode=window
    window=${2:?--window needs a number of seconds}
    shift 2
fi
binary=${1:-build/release/benchmarks/bench_agents}
[ -x "$binary" ] || { echo "build first: cmake --build <dir> --target bench_agents" >&2; exit 2; }
repeats=${REPEATS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=${OUT:-$tmp/bench.h5}

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
machine="$(nproc) cores, $(awk '/model name/{$1=$2=$3="";print;exit}' /proc/cpuinfo | sed 's/^ *//')"
today=$(date -u +%Y-%m-%d)
load() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field() { tr ' ' '\n' | awk -F= -v k="$1" '$1==k {print $2}'; }

if [ "$mode" = callgrind ]; then
    people=${PEOPLE:-1e6}
    for threads in 1 2; do
        rm -f "$tmp"/cg.out* "$out"
        valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$tmp/cg.out" \
            "$binary" --people "$people" --threads "$threads" --output "$out" >/dev/null 2>&1
        total=0
        main=0
        for f in "$tmp"/cg.out-*; do
            n=$(awk '/^totals:/ {print $2}' "$f")
            total=$((total + n))
            [ "$f" = "$tmp/cg.out-01" ] && main=$n
        done
        printf '| %s | %s | %s | `bench_agents --people %s --threads %s` under callgrind | %s instructions in all threads, %s on the main thread |\n' \
            "$today" "$commit" "$machine" "$people" "$threads" "$total" "$main"
    done
    exit 0
fi

# timed PEOPLE THREADS: seconds of one whole run.
timed() {
    rm -f "$out"
    "$binary" --people "$1" --threads "$2" --output "$out" | grep '^result' | field total
}

# pair_ratio PEOPLE K: a run on 1 thread and one on 2, back to back, the 1-thread run first when
# K is even (a run right after another of its size finds the kernel's memory ready, one after a
# pause or a smaller run does not: up to 0.3 s more to start 10 million persons); prints the
# ratio of their times.
pair_ratio() {
    local one two
    if (($2 % 2 == 0)); then
        one=$(timed "$1" 1)
        two=$(timed "$1" 2)
    else
        two=$(timed "$1" 2)
        one=$(timed "$1" 1)
    fi
    awk -v a="$one" -v b="$two" 'BEGIN {printf "%.3f", a / b}'
}

if [ "$mode" = window ]; then
    # One line per pair: seconds since the start, people, ratio.
    end=$((SECONDS + window))
    start=$SECONDS
    i=0
    while [ $SECONDS -lt $end ]; do
        for people in 1e6 1e7; do
            echo "$((SECONDS - start)) $people $(pair_ratio "$people" "$i")"
        done
        i=$((i + 1))
    done >"$tmp/pairs"
    for people in 1e6 1e7; do
        awk -v p="$people" '$2 == p {print $3}' "$tmp/pairs" | sort -g >"$tmp/ratios"
        n=$(wc -l <"$tmp/ratios")
        [ "$n" -gt 0 ] || continue
        share=$(awk '$1 >= 1.7 {k++} END {printf "%.0f", 100 * k / NR}' "$tmp/ratios")
        p10=$(awk -v n="$n" 'NR == int(n * 0.1) + 1 {print}' "$tmp/ratios")
        p90=$(awk -v n="$n" 'NR == int(n * 0.9) + 1 {print}' "$tmp/ratios")
        windows=$(for w in $(awk -v p="$people" '$2 == p {print int($1 / 120)}' "$tmp/pairs" | sort -nu); do
            awk -v p="$people" -v w="$w" '$2 == p && int($1 / 120) == w {print $3}' "$tmp/pairs" | median
        done | tr '\n' ' ' | sed 's/ $//')
        printf '| %s | %s | %s | `bench_agents --people %s`, `--threads 1` and `--threads 2` back to back, in turn first, for %d s with 1e6 and 1e7 in turn (load %s) | speed-up from 1 to 2 threads: median of %d pairs %.2fx; %s %% of pairs at 1.7x or more; 10th-90th percentile %s-%s; medians of two-minute windows: %s |\n' \
            "$today" "$commit" "$machine" "$people" "$window" "$(load)" "$n" \
            "$(median <"$tmp/ratios")" "$share" "$p10" "$p90" "$windows"
    done
    exit 0
fi

# run PEOPLE DAYS THREADS [OPTIONS...]: REPEATS runs; prints the median total seconds,
# person-days per second and bytes per person.
run() {
    local totals=() rates=() bytes=()
    for ((i = 0; i < repeats; i++)); do
        rm -f "$out"
        line=$("$binary" --people "$1" --days "$2" --threads "$3" --output "$out" "${@:4}" |
            grep '^result')
        totals+=("$(echo "$line" | field total)")
        rates+=("$(echo "$line" | field mpd_per_s)")
        bytes+=("$(echo "$line" | field bytes_per_person)")
    done
    printf '%s %s %s\n' "$(printf '%s\n' "${totals[@]}" | median)" \
        "$(printf '%s\n' "${rates[@]}" | median)" "$(printf '%s\n' "${bytes[@]}" | median)"
}

row() { # people days threads [options...]
    local before result extra=""
    [ $# -gt 3 ] && extra=" ${*:4}"
    before=$(load)
    result=$(run "$@")
    read -r seconds rate bytes <<<"$result"
    printf '| %s | %s | %s | `bench_agents --people %s --days %s --threads %s%s` (load %s) | median of %d: %.3f s, %.0f million person-days/s, %.1f bytes/person |\n' \
        "$today" "$commit" "$machine" "$1" "$2" "$3" "$extra" "$before" "$repeats" "$seconds" "$rate" "$bytes"
}

echo "OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset} GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-unset}"
echo "| date | commit | machine | command | figure |"
echo "| --- | --- | --- | --- | --- |"
for people in 1e5 1e6 3e6 1e7; do
    for threads in 1 2; do
        row "$people" 365 "$threads"
    done
done
for days in 91 182; do
    for people in 1e6 1e7; do
        row "$people" "$days" 2
    done
done
# Speed-up from 1 to 2 threads as PAIRS (9) back-to-back pairs of runs: the median of the
# pairs' ratios, which a shared machine's changing load affects less than the ratio of medians
# taken minutes apart. The pairs alternate which run comes first (pair_ratio).
pairs=${PAIRS:-9}
for people in 1e6 1e7; do
    ratios=()
    for ((i = 0; i < pairs; i++)); do
        ratios+=("$(pair_ratio "$people" "$i")")
    done
    printf '| %s | %s | %s | `bench_agents --people %s`, `--threads 1` and `--threads 2` back to back, in turn first, %d times (load %s) | speed-up from 1 to 2 threads: median %.2fx (pairs: %s) |\n' \
        "$today" "$commit" "$machine" "$people" "$pairs" "$(load)" \
        "$(printf '%s\n' "${ratios[@]}" | median)" "$(printf '%s\n' "${ratios[@]}" | sort -g | tr '\n' ' ' | sed 's/ $//')"
done
# The parts at 10 million: the engine alone, and with the run file but not /persons.
for threads in 1 2; do
    row 1e7 365 "$threads" --output none
    row 1e7 365 "$threads" --no-person-group
done
