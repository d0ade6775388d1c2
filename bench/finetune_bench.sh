#!/bin/bash
# An unfrozen fine-tune epoch: xp against the same loop written in Python with PyTorch and
# torchvision (bench/pytorch_finetune.py), side by side on the same generated JPEGs, same weights,
# architecture, head, batch size, augmentation, differential LRs, threads and fp32. Both run EPOCHS
# epochs (training + validation); the last epoch's time is compared (the first carries one-time
# allocation and thread start-up costs on both sides).
#
#   bench/finetune_bench.sh [IMAGES=256] [ARCH=resnet34] [SIZE=224] [THREADS=2] [EPOCHS=2]
set -euo pipefail
images=${1:-256}
arch=${2:-resnet34}
size=${3:-224}
threads=${4:-2}
epochs=${5:-2}
source "$(dirname "$0")/bench_setup.sh" "$images" "$arch"
cat > "$work/bench.yaml" <<YAML
name: finetune-bench
threads: $threads
data: {source: folders, path: $work/data, size: $size, batch_size: 64, workers: 2, augment: side_on, max_zoom: 1.1,
       reduced_decode: false}
model: {arch: $arch, weights: $work/$arch.pth}
stages:
  - unfreeze: {}
  - fit: {lr: [1.0e-4, 1.0e-3, 1.0e-2], cycles: 1, cycle_len: $epochs}
YAML
echo "fine-tune bench: $images JPEGs of 300-500 px, $arch at $size px unfrozen, batch 64, $threads threads, 2 loader workers, fp32"
"$xp" run "$work/bench.yaml" --out "$work/out" >"$work/xp.txt"
xp_epoch=$(awk -F, 'NR > 1 {last = $NF} END {print last}' "$work"/out/finetune-bench/2*/metrics.csv)
py_epoch=$(/usr/bin/python3 "$root/bench/pytorch_finetune.py" "$work/data" "$work/$arch.pth" "$arch" "$size" "$threads" 2 "$epochs" \
           2>/dev/null | awk '{last = $3} END {print last}')
echo "xp       epoch ${xp_epoch} s"
echo "PyTorch  epoch ${py_epoch} s"
awk -v x="$xp_epoch" -v p="$py_epoch" 'BEGIN { printf "ratio    x%.2f (PyTorch epoch time / xp epoch time; above 1 = xp faster)\n", p / x }'
