#!/usr/bin/env bash
# Builds xp's libFuzzer targets (bench/fuzz/) with clang and runs each for SECONDS (default 60), seeded
# with the test suite's sample inputs. Prints one line per target: runs, coverage, and FOUND when a
# crash, leak or undefined behaviour was hit (the input is kept in build-fuzz/findings/).
#
#   bash bench/fuzz.sh [SECONDS]        exit 1 when any target found something
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"
command -v clang++ >/dev/null || { echo "fuzz: clang++ is missing (apt-get install clang)" >&2; exit 2; }

cmake -S "$root/bench/fuzz" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

# Seeds: a few valid inputs per target, so that mutation starts from real files.
seeds="$build/seeds"
rm -rf "$seeds" && mkdir -p "$seeds"/{recipe,header,pickle,pth,safetensors,h5}
cp "$root"/recipes/*.yaml "$root"/tests/recipes/good/*.yaml "$seeds/recipe/"
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\0\xc8\x08\x02\0\0\0' > "$seeds/header/png"
printf 'P6\n# c\n640 480\n255\n' > "$seeds/header/pnm"
printf 'II*\0\x08\0\0\0\x02\0\x00\x01\x03\0\x01\0\0\0\x40\0\0\0\x01\x01\x03\0\x01\0\0\0\x30\0\0\0' > "$seeds/header/tiff"
if /usr/bin/python3 -c "import torch, h5py" 2>/dev/null; then
  /usr/bin/python3 "$root/tests/tools/torch_save_cases.py" "$build/seeds" >/dev/null 2>&1 || true
  mv "$build/seeds"/*.pth "$seeds/pth/" 2>/dev/null || true
  /usr/bin/python3 - "$seeds" <<'PY'
import sys, zipfile, collections, torch, h5py
seeds = sys.argv[1]
state = collections.OrderedDict(w=torch.arange(6.0).reshape(2, 3), b=torch.tensor([1.0, 2.0]))
torch.save(state, f"{seeds}/pth/state.pth")
with zipfile.ZipFile(f"{seeds}/pth/state.pth") as archive:
    name = [n for n in archive.namelist() if n.endswith("data.pkl")][0]
    open(f"{seeds}/pickle/data.pkl", "wb").write(archive.read(name))
with h5py.File(f"{seeds}/h5/state.h5", "w") as f:
    for key, value in state.items():
        f[key] = value.numpy()
PY
fi
header='{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"__metadata__":{"format":"pt"}}'
{ printf "$(printf '\\x%02x' ${#header} 0 0 0 0 0 0 0)"; printf '%s' "$header"; head -c 16 /dev/zero; } > "$seeds/safetensors/w"

findings="$build/findings"
mkdir -p "$findings"
found=0
for target in recipe_document:recipe image_header_parse:header pickle:pickle pth:pth safetensors:safetensors h5:h5; do
  name="fuzz_${target%%:*}"
  corpus="$build/corpus/${target%%:*}"
  mkdir -p "$corpus"
  log="$build/$name.log"
  if LSAN_OPTIONS="suppressions=$root/bench/fuzz/lsan.supp" "$build/$name" "$corpus" "$seeds/${target##*:}" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 \
       -timeout=20 -artifact_prefix="$findings/$name-" -print_final_stats=1 >"$log" 2>&1; then
    status="ok"
  else
    status="FOUND (see $log)"
    found=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}' || true)
  printf '%-28s %8s runs  cov %6s  %s\n' "$name" "${runs:-?}" "${cov:-?}" "$status"
done
exit "$found"
