#!/bin/bash
# `xp predict` against the same job in PyTorch, side by side on one generated JPEG folder: a
# ResNet-34 run (random weights: speed does not depend on them) predicts every image at 224 px
# with xp, then the network `xp export` wrote is rebuilt in PyTorch (README's code) and predicts
# the same files with PIL + torchvision transforms + a DataLoader. Same threads, workers and batch.
# Prints each rate (images/s over the whole pass, decoding included) and the ratio.
#
#   bench/predict_bench.sh [IMAGES=500] [THREADS=2] [WORKERS=2] [BATCH=64]    (REPEAT=3)
set -euo pipefail
images=${1:-500}
threads=${2:-2}
workers=${3:-2}
batch=${4:-64}
source "$(dirname "$0")/bench_setup.sh" "$images"
cat > "$work/bench.yaml" <<YAML
name: predict-bench
seed: 1
threads: $threads
data: {source: folders, path: $work/data, size: 224, batch_size: $batch, workers: $workers}
model: {arch: resnet34}
stages:
  - predict: {}
YAML

echo "predict bench: $images JPEGs of 300-500 px, resnet34 at 224, batch $batch, $threads threads, $workers workers"
"$xp" run "$work/bench.yaml" --out "$work/results" --quiet >/dev/null
run=$(ls -d "$work"/results/predict-bench/2*)
# This machine's timings vary by ~10% from run to run: each side runs REPEAT times, alternately,
# and the medians are compared.
"$xp" export "$run" --out "$work/model.pth" >/dev/null
xp_rates=() torch_rates=()
for ((trial = 0; trial < ${REPEAT:-3}; ++trial)); do
  xp_rates+=("$("$xp" predict "$run" "$work/data/train" --threads "$threads" --batch-size "$batch" \
                --out "$work/xp.csv" | sed -n 's/.*: \([0-9.]*\) images\/s.*/\1/p')")
  torch_rates+=("$("${PYTHON:-/usr/bin/python3}" "$root/bench/pytorch_predict.py" "$work/model.pth" \
                   "$work/data/train" "$workers" "$threads" "$batch")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
xp_rate=$(median "${xp_rates[@]}")
torch_rate=$(median "${torch_rates[@]}")
echo "runs: xp ${xp_rates[*]}; PyTorch ${torch_rates[*]} (images/s)"
echo "xp predict              $xp_rate images/s (median)"
echo "PyTorch + torchvision   $torch_rate images/s (median)"
awk -v a="$xp_rate" -v b="$torch_rate" 'BEGIN { printf "ratio                   x%.2f (xp / PyTorch, same files, same network)\n", a / b }'
