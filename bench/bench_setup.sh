# Sourced by the bench scripts: the repository root, the xp binary (XP overrides it), a scratch
# folder $work removed on exit, the generated JPEG folder $work/data with $1 training images, and,
# with a second argument ARCH, torchvision-layout weights $work/ARCH.pth and $work/ARCH.safetensors.
root=$(cd "$(dirname "$0")/.." && pwd)
xp=${XP:-$root/build/runner/xp}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"${PYTHON:-/usr/bin/python3}" "$root/bench/make_jpeg_folder.py" "$work/data" "$1"
if [ -n "${2:-}" ]; then
  "${PYTHON:-/usr/bin/python3}" "$root/tests/tools/torchvision_reference.py" "$work" "$2" >/dev/null 2>&1
fi
