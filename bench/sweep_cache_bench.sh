#!/usr/bin/env bash
# What the stage cache saves a sweep: the same `xp sweep` run twice from an empty cache, once with
# the stage cache and once with --no-cache (every trial runs every stage), timed in one run on one
# machine. Both must end with the same metrics per trial; the script checks that and prints the
# two times and their ratio. The activation cache (precompute) serves both.
#
#   bench/sweep_cache_bench.sh [RECIPE] [GRID]
#   default: recipes/fashion-transfer.yaml, the last fit's differential LRs (two trials)
#   (fashion-transfer starts from results/fashion-pretrain/latest: run recipes/fashion-pretrain.yaml first)
set -euo pipefail
cd "$(dirname "$0")/.."
recipe=${1:-recipes/fashion-transfer.yaml}
grid=${2:-'stages[7].fit.lr=[0.003,0.01,0.03],[0.001,0.003,0.01]'}
xp=build/runner/xp
[ -x "$xp" ] || { echo "build xp first (make build)" >&2; exit 1; }
work=$(mktemp -d /tmp/xp-sweep-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

run_sweep() {  # $1: label, then extra options
  local label=$1; shift
  local started=$(date +%s.%N)
  "$xp" sweep "$recipe" --grid "$grid" --out "$work/$label" --cache "$work/$label-cache" "$@" > "$work/$label.log" 2>&1 \
    || { cat "$work/$label.log"; exit 1; }
  awk -v a="$(date +%s.%N)" -v b="$started" 'BEGIN { printf "%.1f", a - b }'
}

echo "sweep   $recipe --grid '$grid'  ($(nproc) cores)"
with=$(run_sweep cached)
without=$(run_sweep uncached --no-cache)
summary() {  # summary.csv without the seconds and run columns (quoted values may hold commas)
  python3 -c 'import csv, sys
for row in csv.reader(open(sys.argv[1])): print("  ".join(row[:-2]))' "$(ls "$work/$1"/*/sweep-*/summary.csv)"
}
if [ "$(summary cached)" != "$(summary uncached)" ]; then
  echo "the two sweeps disagree:"; summary cached; summary uncached; exit 1
fi
summary cached
printf 'with the stage cache     %8.1f s\n' "$with"
printf 'without (--no-cache)     %8.1f s\n' "$without"
awk -v w="$with" -v n="$without" 'BEGIN { printf "saved                    %8.1f s  (x%.2f faster)\n", n - w, n / w }'
