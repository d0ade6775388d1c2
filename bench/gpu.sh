#!/bin/bash
# The GPU check of issue #16, in one go (~8 minutes on an H200): build xp against the LibTorch of a
# Python's torch, then
#   1. the tests that need a GPU (the learner on cuda against the CPU, deterministic twice, fp16
#      with loss scaling, NCCL's process group with one rank — two where two GPUs are) and those
#      of the pieces it uses (loss scaling, the multi-tensor and fused optimizer steps, uint8
#      batches); then the optimizer step alone (bench/step_bench.cpp: step() vs multi-tensor vs fused),
#   2. a tiny recipe end to end on cuda and on the CPU: accuracies side by side; xp predict of
#      the cuda run on cuda and on the CPU: the same predictions; the same recipe as one torchrun
#      process, in an NCCL process group of one; that run exported as TorchScript and run by
#      PyTorch on cuda and on the CPU,
#   3. ResNet-34 at 224 px, bf16, channels_last, unfrozen: xp's epoch against the same loop in
#      PyTorch on the same GPU (bench/finetune_bench.sh), printed as a ratio,
#   4. the loader's images/s (xp data --bench) beside it.
#
#   bench/gpu.sh                    # on the GPU machine
#   DEVICE=cpu bench/gpu.sh         # the dry run: the same steps on the CPU, small
#
# Needs: nvidia-smi and a GPU (unless DEVICE=cpu), CMake, a C++17 compiler, PYTHON (default
# python3) with torch (and torchvision, numpy and Pillow for the benchmark's data and peer), and
# xp's other dependencies (OpenCV, yaml-cpp, Boost.Program_options, HDF5, libjpeg-turbo, libpng,
# valijson, nlohmann-json, doctest: scripts/install-deps.sh on Debian 12) — or, where they are
# missing, the archive bench/gpu_bundle.sh makes of them (build-gpu-deps.tar.xz, ~14 MB; DEPS_BUNDLE
# names another, and forces its use). Steps whose prerequisite is missing say so and
# are skipped; the script's exit code is that of the first failed step.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
device=${DEVICE:-cuda}
python=${PYTHON:-python3}
build=${BUILD_DIR:-$root/build-gpu}
jobs=${JOBS:-$(nproc)}
status=0
step() { echo; echo "== $*"; }
fail() { echo "FAILED: $*"; [ "$status" -ne 0 ] || status=1; }

step "machine"
date -u +%FT%TZ
if [ "$device" = cuda ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || { echo "no GPU: run with DEVICE=cpu for the dry run"; exit 2; }
fi
torch_dir=$("$python" -c 'import torch, os; print(os.path.dirname(torch.__file__))') || { echo "$python has no torch"; exit 2; }
"$python" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version())'
echo "cores $(nproc)"

step "build xp against $torch_dir (${build#$root/})"
# Without OpenCV's development files here, xp's other dependencies come from the archive
# bench/gpu_bundle.sh made on Debian 12 (carried with the working tree): unpacked beside the build.
bundle=${DEPS_BUNDLE:-$root/build-gpu-deps.tar.xz}
deps=()
if [ ! -e /usr/include/opencv4/opencv2/core.hpp ] || [ -n "${DEPS_BUNDLE:-}" ]; then
  [ -f "$bundle" ] || { echo "no OpenCV development files and no $bundle: make one with bench/gpu_bundle.sh"; exit 2; }
  mkdir -p "$build-deps" && tar -xJf "$bundle" -C "$build-deps" || { echo "cannot unpack $bundle"; exit 2; }
  glibc=$(ldd --version | head -1 | grep -o '[0-9.]*$')
  needs=$(cat "$build-deps/needs-glibc")
  [ "$(printf '%s\n%s\n' "$needs" "$glibc" | sort -V | head -1)" = "$needs" ] ||
    { echo "the bundle's libraries need glibc $needs; this machine has $glibc"; exit 2; }
  head -2 "$build-deps/MANIFEST"
  deps=(-DXP_DEPS_DIR="$build-deps" -DXP_IMGCODECS=OFF)
fi
if [ -z "${BUILD_DIR:-}" ] || [ ! -x "$build/runner/xp" ]; then
  cpu_only=OFF
  [ "$device" = cpu ] && cpu_only=ON
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DTORCH_DIR="$torch_dir" \
    -DXP_TORCH_CPU_ONLY=$cpu_only "${deps[@]}" >"$build.configure.log" 2>&1 || { tail -30 "$build.configure.log"; exit 2; }
  cmake --build "$build" -j "$jobs" --target xp xp_unit_tests xp_bench_step >"$build.build.log" 2>&1 || { tail -40 "$build.build.log"; exit 2; }
fi
xp=$build/runner/xp
"$xp" --version

step "1. tests on $device"
"$build/tests/xp_unit_tests" -tc="*GPU*,*NCCL*,*loss scal*,*multi-tensor*,*fused*,*uint8*,*LossReadout*,*JPEG*,*PNG*,*EXIF*" || fail "tests"

step "1b. the optimizer step alone on $device: torch::optim's step() against the multi-tensor and fused steps"
"$build/bench/xp_bench_step" resnet34 "$device" "$jobs" 20 || fail "step bench"

step "2. a tiny recipe on $device and on the CPU (accuracies within noise of each other)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" "$root/bench/make_jpeg_folder.py" "$work/data" 512 learnable >/dev/null || fail "data"
for on in "$device" cpu; do
  cat > "$work/tiny-$on.yaml" <<YAML
name: tiny-$on
seed: 1
device: $on
data: {source: folders, path: $work/data, size: 64, batch_size: 32, workers: 4}
model: {arch: resnet18}
stages:
  - unfreeze: {}
  - fit: {lr: 0.01, cycles: 2}
YAML
  "$xp" run "$work/tiny-$on.yaml" --out "$work/runs" >"$work/tiny-$on.txt" 2>&1 || { tail -20 "$work/tiny-$on.txt"; fail "tiny recipe on $on"; }
  accuracy=$(awk -F, 'NR > 1 {last = $(NF - 1)} END {print last}' "$work"/runs/tiny-$on/2*/metrics.csv 2>/dev/null)
  echo "tiny recipe on $on: last accuracy ${accuracy:-?} ($(grep -m1 -o '"device": "[^"]*"' "$work"/runs/tiny-$on/2*/run.json))"
  [ "$on" = cpu ] || grep -A6 '"gpu"' "$work"/runs/tiny-$on/2*/run.json
  [ "$device" = cpu ] && break
done

step "2b. xp predict of that run on $device and on the CPU (the same predictions)"
run=$(ls -d "$work"/runs/tiny-$device/2* 2>/dev/null | head -1)
for on in "$device" cpu; do
  "$xp" predict "$run" "$work/data/valid" --device "$on" --top 2 --out "$work/predict-$on.csv" 2>&1 | tail -2 \
    || fail "predict on $on"
  [ "$device" = cpu ] && break
done
if [ "$device" = cuda ]; then
  paste -d, "$work/predict-cuda.csv" "$work/predict-cpu.csv" | awk -F, 'NR > 1 {
      if ($2 != $7) classes++; d = $3 - $8; if (d < 0) d = -d; if (d > most) most = d }
    END { printf "%d images predicted another class; max |p(top class) cuda - cpu| %.2g\n", classes, most
          exit (classes > 0 || most > 1e-3) }' || fail "predict cuda vs cpu"
fi

step "2c. the tiny recipe as one torchrun process: a process group of one (NCCL on cuda, Gloo on the CPU)"
WORLD_SIZE=1 RANK=0 LOCAL_RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=29517 \
  "$xp" run "$work/tiny-$device.yaml" --out "$work/group-of-one" >"$work/group-of-one.txt" 2>&1 \
  || { tail -20 "$work/group-of-one.txt"; fail "tiny recipe in a group of one"; }
accuracy=$(awk -F, 'NR > 1 {last = $(NF - 1)} END {print last}' "$work"/group-of-one/tiny-$device/2*/metrics.csv 2>/dev/null)
echo "group of one on $device: last accuracy ${accuracy:-?} ($(grep -m1 -o '"backend": "[^"]*"' "$work"/group-of-one/tiny-$device/2*/run.json))"

step "2d. that run exported as TorchScript, run by PyTorch on $device and on the CPU (the same outputs)"
"$xp" export "$run" --out "$work/model.torchscript" || fail "export as TorchScript"
"$python" - "$work/model.torchscript" "$device" <<'PY' || fail "TorchScript export on $device"
import json, sys, torch
path, device = sys.argv[1:]
extra = {"metadata.json": ""}
model = torch.jit.load(path, _extra_files=extra).eval()
size = json.loads(extra["metadata.json"])["input_size"]
images = torch.randn(8, 3, size, size, generator=torch.Generator().manual_seed(0))
with torch.no_grad():
    on_cpu = model(images).exp()
    on_device = torch.jit.load(path, map_location=device).eval()(images.to(device)).exp().cpu()
most = (on_device - on_cpu).abs().max().item()
print(f"TorchScript export on {device}: max |p({device}) - p(cpu)| {most:.2g}")
sys.exit(0 if most < 1e-3 else 1)
PY

step "3. fine-tune epoch: xp against PyTorch on $device"
if [ "$device" = cuda ]; then
  DEVICE=cuda PRECISION=bf16 CHANNELS_LAST=true BATCH=256 WORKERS=$(( $(nproc) - 2 )) PYTHON=$python XP=$xp \
    bash "$root/bench/finetune_bench.sh" 4096 resnet34 224 4 2 || fail "fine-tune bench"
else
  PYTHON=$python XP=$xp bash "$root/bench/finetune_bench.sh" 64 resnet18 64 2 1 || fail "fine-tune bench"
fi

step "4. the loader alone"
workers=$(( $(nproc) > 2 ? $(nproc) - 2 : 2 ))
"$xp" data "$work/tiny-$device.yaml" --set data.size=224 --set data.batch_size=256 --set data.workers=$workers \
  --set data.augment=side_on --out "$work/data-report" --bench --epochs 2 | tail -4 || fail "loader bench"
exit $status
