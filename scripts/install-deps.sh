#!/usr/bin/env bash
# Installs every Debian 12 package xp needs to build, test and run its demo.
# Idempotent: packages already present are skipped, and apt is not touched when nothing is missing.
# Runs as root, or through sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config git
  libtorch-dev                      # LibTorch 1.13 (CPU) — the tensor and autograd core
  libopenblas0-openmp               # fast BLAS for LibTorch: ~47x faster fp32 matmul than reference BLAS
  libopencv-dev                     # resize, warp (and BMP/TIFF/WebP decoding)
  libturbojpeg0-dev                 # JPEG decode/encode (libjpeg-turbo, the library OpenCV wraps)
  libpng-dev                        # PNG decode/encode
  libyaml-cpp-dev                   # recipe parsing with line/column marks
  libboost-program-options-dev      # the xp command line
  libhdf5-dev                       # activation caches, checkpoints, model.h5
  doctest-dev                       # unit tests
  libvalijson-dev                   # JSON Schema validation of recipes on the yaml-cpp tree
  nlohmann-json3-dev                # run.json, status.json, the schema document
  zlib1g-dev                        # the IDX (.gz) reader
  libgloo-dev                       # Gloo's headers, for c10d's CPU process group (data-parallel training)
  dataset-fashion-mnist             # the demo's real data: /usr/share/datasets/fashion-mnist
  python3-torchvision               # reference outputs for parity tests, and the benchmark peer
  python3-h5py                      # tests check that model.h5 and feature files read in Python
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

# Test-only tools: installed when possible; without them the tests that use them say so and check
# less (the report test reads report.html as written instead of rendering it; the Slurm sweep test
# submits nothing; the multi-host test runs nothing).
test_tools=(
  chromium                          # the report test renders report.html headless
  clang-format-14                   # make test checks that the tree follows .clang-format
  slurm-wlm munge                   # the xp sweep --slurm test starts a private one-node Slurm
  iproute2                          # the multi-host test makes two machines of network namespaces
)
missing_tools=()
for pkg in "${test_tools[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing_tools+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ] && [ ${#missing_tools[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages and ${#test_tools[@]} test tools present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]} ${missing_tools[*]}" >&2; exit 1; }
  sudo="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
updated=false
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  updated=true
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ${#missing_tools[@]} -gt 0 ]; then
  echo "install-deps: installing test tools ${missing_tools[*]}"
  if ! { { $updated || $sudo apt-get update -qq; } && $sudo apt-get install -y -qq --no-install-recommends "${missing_tools[@]}"; }; then
    echo "install-deps: warning: could not install ${missing_tools[*]}; xp builds and runs without them," \
         "and the tests that use them say what they did not check" >&2
  fi
fi
