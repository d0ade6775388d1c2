#!/bin/bash
# The input pipeline, xp against torchvision, side by side on the same generated JPEG folder:
# xp's loader (`xp data RECIPE --bench`) and torchvision's ImageFolder + transforms equivalent to
# fastai's side_on at 224 + DataLoader, with the same number of workers. Prints each throughput
# (images/s over the timed epochs) and the ratio; then xp again reading its resize cache
# (data.resize_cache: 256, fastai's data.resize), which torchvision has no counterpart for.
#
#   bench/loader_bench.sh [IMAGES=2000] [WORKERS=2] [EPOCHS=2]
set -euo pipefail
images=${1:-2000}
workers=${2:-2}
epochs=${3:-2}
source "$(dirname "$0")/bench_setup.sh" "$images"
cat > "$work/bench.yaml" <<YAML
name: loader-bench
data: {source: folders, path: $work/data, size: 224, batch_size: 64, workers: $workers,
       augment: side_on, max_zoom: 1.1}
model: {arch: resnet34}
stages:
  - fit: {lr: 0.01}
YAML

echo "loader bench: $images JPEGs of 300-500 px, size 224, batch 64, $workers workers, $epochs epochs"
rate() { awk '/^images\/s/ {print $2}'; }
xp_rate=$("$xp" data "$work/bench.yaml" --out "$work/out" --bench --epochs "$epochs" | rate)
# fastai's data.resize(N): the copies are written by a first, untimed call, as fastai writes them once.
"$xp" data "$work/bench.yaml" --out "$work/out" --cache "$work/cache" --set data.resize_cache=256 >/dev/null
cached_rate=$("$xp" data "$work/bench.yaml" --out "$work/out" --cache "$work/cache" --set data.resize_cache=256 \
              --bench --epochs "$epochs" | rate)
tv_rate=$(/usr/bin/python3 "$root/bench/torchvision_loader.py" "$work/data/train" "$workers" "$epochs")
echo "xp                      $xp_rate images/s"
echo "xp, resize_cache: 256   $cached_rate images/s"
echo "torchvision             $tv_rate images/s"
awk -v a="$xp_rate" -v c="$cached_rate" -v b="$tv_rate" 'BEGIN {
  printf "ratio                   x%.2f (xp / torchvision, same files)\n", a / b
  printf "ratio, resize cache     x%.2f (xp reading its resize cache / torchvision reading the originals)\n", c / b }'
