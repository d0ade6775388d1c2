#!/bin/bash
# An unfrozen fine-tune epoch: xp against the same loop written in Python with PyTorch and
# torchvision (bench/pytorch_finetune.py), side by side on the same generated JPEGs, same weights,
# architecture, head, batch size, augmentation, differential LRs, threads and fp32. Both run EPOCHS
# epochs (training + validation); the last epoch's time is compared (the first carries one-time
# allocation and thread start-up costs on both sides).
#
#   bench/finetune_bench.sh [IMAGES=256] [ARCH=resnet34] [SIZE=224] [THREADS=2] [EPOCHS=2]
#
# On a GPU (bench/gpu.sh): DEVICE=cuda PRECISION=bf16 CHANNELS_LAST=true BATCH=256 WORKERS=16,
# and PYTHON=the Python whose torch xp was built against (default /usr/bin/python3, Debian's).
set -euo pipefail
images=${1:-256}
arch=${2:-resnet34}
size=${3:-224}
threads=${4:-2}
epochs=${5:-2}
device=${DEVICE:-cpu}
precision=${PRECISION:-fp32}
channels_last=${CHANNELS_LAST:-false}
batch=${BATCH:-64}
workers=${WORKERS:-2}
python=${PYTHON:-/usr/bin/python3}
source "$(dirname "$0")/bench_setup.sh" "$images" "$arch"
cat > "$work/bench.yaml" <<YAML
name: finetune-bench
threads: $threads
device: $device
precision: $precision
channels_last: $channels_last
data: {source: folders, path: $work/data, size: $size, batch_size: $batch, workers: $workers, augment: side_on,
       max_zoom: 1.1, reduced_decode: false}
model: {arch: $arch, weights: $work/$arch.pth}
stages:
  - unfreeze: {}
  - fit: {lr: [1.0e-4, 1.0e-3, 1.0e-2], cycles: 1, cycle_len: $epochs}
YAML
echo "fine-tune bench: $images JPEGs of 300-500 px, $arch at $size px unfrozen, batch $batch, $threads threads, $workers loader workers, $device $precision channels_last=$channels_last"
"$xp" run "$work/bench.yaml" --out "$work/out" >"$work/xp.txt"
xp_epoch=$(awk -F, 'NR > 1 {last = $NF} END {print last}' "$work"/out/finetune-bench/2*/metrics.csv)
py_epoch=$("$python" "$root/bench/pytorch_finetune.py" "$work/data" "$work/$arch.pth" "$arch" "$size" "$threads" \
           "$workers" "$epochs" "$device" "$precision" "$channels_last" "$batch" 2>/dev/null | awk '{last = $3} END {print last}')
# The optimizer step each side used: xp's (run.json), PyTorch's default (foreach on a GPU,
# for-loop on the CPU; the script passes neither foreach nor fused).
xp_step=$(grep -m1 -o '"optimizer_step": "[^"]*"' "$work"/out/finetune-bench/2*/run.json | cut -d'"' -f4)
peer_step=$([ "$device" = cpu ] && echo for-loop || echo foreach)
echo "xp       epoch ${xp_epoch} s   (optimizer step: ${xp_step:-?})"
echo "PyTorch  epoch ${py_epoch} s   (optimizer step: $peer_step, PyTorch's default)"
awk -v x="$xp_epoch" -v p="$py_epoch" 'BEGIN { printf "ratio    x%.2f (PyTorch epoch time / xp epoch time; above 1 = xp faster)\n", p / x }'
