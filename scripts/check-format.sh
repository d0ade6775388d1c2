#!/usr/bin/env bash
# Checks (or, with --fix, applies) .clang-format on every C++ file of the checkout, so style is
# never argued in review. `make test` runs the check; `make format` fixes the tree.
# Pinned to Debian 12's clang-format 14: other versions break lines differently. Without it the
# check exits 77, which ctest reports as skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=clang-format-14
if ! command -v "$formatter" >/dev/null; then
  echo "check-format: $formatter not found (scripts/install-deps.sh installs it); not checked"
  exit 77
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h')
else
  mapfile -t files < <(find core runner tests bench -name '*.cpp' -o -name '*.h')
fi
if [ "${1:-}" = "--fix" ]; then
  "$formatter" -i "${files[@]}"
  echo "check-format: formatted ${#files[@]} files"
  exit 0
fi
report=$(mktemp)
trap 'rm -f "$report"' EXIT
if ! "$formatter" --dry-run --Werror "${files[@]}" 2>"$report"; then
  grep -E ': (error|warning): ' "$report" | head -20
  echo "check-format: $(grep -cE ': (error|warning): ' "$report") places differ from .clang-format; run 'make format'" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files follow .clang-format"
