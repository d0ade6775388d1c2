#!/bin/bash
# fastai's precompute, measured: an epoch of the head on cached body activations against the same
# epoch through the frozen body (what precompute: false does), side by side in one xp run on the
# same generated JPEGs, with pretrained-style weights (torchvision's layout, written here). Prints
# each epoch's time, the one-time cost of computing the activations, and the ratio (fastai claims
# 10x or more).
#
#   bench/precompute_bench.sh [IMAGES=512] [ARCH=resnet34] [SIZE=224] [THREADS=2]
set -euo pipefail
images=${1:-512}
arch=${2:-resnet34}
size=${3:-224}
threads=${4:-2}
source "$(dirname "$0")/bench_setup.sh" "$images" "$arch"
cat > "$work/bench.yaml" <<YAML
name: precompute-bench
threads: $threads
data: {source: folders, path: $work/data, size: $size, batch_size: 64, workers: 2, augment: side_on, max_zoom: 1.1}
model: {arch: $arch, weights: $work/$arch.safetensors}
stages:
  - fit: {lr: 0.01, cycles: 1, precompute: true}   # computes the activations, then an epoch on them
  - fit: {lr: 0.01, cycles: 1, precompute: true}   # an epoch on the activations already in memory
  - fit: {lr: 0.01, cycles: 1}                     # precompute off: an epoch through the frozen body
YAML
echo "precompute bench: $images JPEGs of 300-500 px ($((images / 10)) validation), $arch at $size px, batch 64, $threads threads"
"$xp" run "$work/bench.yaml" --out "$work/out" --cache "$work/cache" >"$work/log.txt"
run=$(ls -d "$work"/out/precompute-bench/2*)
# metrics.csv: stage,stage_type,epoch,lr,trn_loss,trn_loss_mean,val_loss,accuracy,seconds
head_epoch=$(awk -F, '$1 == 1 {print $NF}' "$run/metrics.csv")
body_epoch=$(awk -F, '$1 == 2 {print $NF}' "$run/metrics.csv")
computing=$(/usr/bin/python3 -c "import json,sys; print(sum(p['seconds'] for p in json.load(open(sys.argv[1]))['precompute']))" "$run/run.json")
echo "activations computed once       ${computing} s (train + validation, eval mode)"
echo "epoch on cached activations     ${head_epoch} s"
echo "epoch through the frozen body   ${body_epoch} s"
awk -v h="$head_epoch" -v b="$body_epoch" -v c="$computing" 'BEGIN {
  printf "ratio                           x%.0f (frozen-body epoch / precomputed epoch)\n", b / h
  printf "break-even                      precompute pays for itself after %.1f epochs\n", c / (b - h) }'
