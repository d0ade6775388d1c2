#!/usr/bin/env bash
# Fetches a LibTorch 2.x from PyPI's torch wheel, for building xp against it (issue #16):
#
#   scripts/get-libtorch.sh [VERSION] [DEST]      # prints the TORCH_DIR to give CMake
#   make test-torch2                              # fetches, builds build-torch2/ and tests it
#
# PyPI's Linux torch wheel is a complete LibTorch (headers, shared libraries, CMake config) built
# with CUDA; its CUDA libraries come as separate nvidia-* wheels. This takes the torch wheel and,
# of the CUDA wheels, only the runtime and CUPTI that libtorch_cpu.so itself loads: enough to build
# and run the CPU flavour on any x86-64 machine (cmake -DTORCH_DIR=... -DXP_TORCH_CPU_ONLY=ON).
# For the CUDA flavour on a GPU machine, `pip install torch` and point TORCH_DIR at the installed
# package instead (bench/gpu.sh does). Nothing here needs a GPU.
#
# DEST defaults to ~/.cache/xp/libtorch-VERSION; a finished fetch is reused.
set -euo pipefail

version="${1:-2.9.1}"
dest="${2:-${XP_LIBTORCH_CACHE:-$HOME/.cache/xp}/libtorch-$version}"
torch_dir="$dest/torch"
if [ -f "$dest/.complete" ]; then
  echo "$torch_dir"
  exit 0
fi

python="$(command -v python3)"
mkdir -p "$dest/wheels"
# Any interpreter's pip can fetch the wheel: only its files are used, not the Python package.
"$python" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
  --platform manylinux_2_28_x86_64 -d "$dest/wheels" "torch==$version" >&2

wheel="$(ls "$dest"/wheels/torch-"$version"-*.whl | head -n 1)"
"$python" - "$wheel" "$dest" <<'PY'
import os, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.startswith(("torch/lib/", "torch/include/", "torch/share/cmake/")) or name == "torch/version.py":
            archive.extract(name, dest)
PY

# The CUDA major version the wheel was built with ('12.8' → nvidia-*-cu12 12.8.*).
cuda="$(sed -n "s/^cuda: Optional\[str\] = '\(.*\)'$/\1/p" "$torch_dir/version.py")"
if [ -n "$cuda" ]; then
  major="${cuda%%.*}"
  "$python" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d "$dest/wheels" \
    "nvidia-cuda-runtime-cu$major==$cuda.*" "nvidia-cuda-cupti-cu$major==$cuda.*" >&2
  "$python" - "$dest" <<'PY'
import glob, os, sys, zipfile
dest = sys.argv[1]
for wheel in glob.glob(os.path.join(dest, "wheels", "nvidia_*.whl")):
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if "/lib/" in name and ".so" in name:  # beside libtorch_cpu.so, found through its $ORIGIN
                with open(os.path.join(dest, "torch", "lib", os.path.basename(name)), "wb") as out:
                    out.write(archive.read(name))
PY
fi
rm -rf "$dest/wheels"
touch "$dest/.complete"
echo "$torch_dir"
