#!/usr/bin/env bash
# Checks formatting with clang-format and runs clang-tidy over herald's
# sources, using the compile commands of build/ (run scripts/build.sh
# first). Exits non-zero when a file is not formatted; clang-tidy findings
# are printed as advice.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(git ls-files '*.cc' '*.h' | grep -v '^fuzz/corpus/')

echo "== clang-format"
clang-format --dry-run --Werror "${files[@]}"

echo "== clang-tidy"
if [[ ! -f build/compile_commands.json ]]; then
  echo "lint: build/compile_commands.json is missing; run scripts/build.sh first" >&2
  exit 2
fi
mapfile -t sources < <(printf '%s\n' "${files[@]}" | grep '\.cc$' | grep -v '^fuzz/' | grep -v '^bench/')
clang-tidy -p build --quiet "${sources[@]}" 2>/dev/null || true
