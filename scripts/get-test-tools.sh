#!/usr/bin/env bash
# Test tools that Debian 12 does not package, from PyPI, into ~/.cache/xp (reused once there):
# TensorBoard's own event-file reader, with the protobuf and absl-py it imports, for the tests that
# read xp's event files back as TensorBoard does (tests/tools/read_tfevents.py). Without a network
# those tests say so and check with the independent reader only. Only the wheels' files are used.
set -euo pipefail
dest="${XP_TEST_TOOLS:-$HOME/.cache/xp}/tensorboard"
[ -f "$dest/.complete" ] && exit 0
rm -rf "$dest" && mkdir -p "$dest/wheels"
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
  --platform manylinux2014_x86_64 -d "$dest/wheels" tensorboard==2.21.0 protobuf==7.36.2 absl-py >&2
for wheel in "$dest"/wheels/*.whl; do python3 -m zipfile -e "$wheel" "$dest"; done
rm -rf "$dest/wheels"
touch "$dest/.complete"
