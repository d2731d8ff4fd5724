#!/usr/bin/env bash
# Configures and builds herald into build/ (or $1), with the given extra
# CMake arguments after it. Usage: scripts/build.sh [BUILD_DIR] [CMAKE_ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build}
shift || true

generator=()
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi

# Reuse an existing build tree; only a new one needs the generator chosen.
if [[ -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" "$@" >/dev/null
else
  cmake -S . -B "$build_dir" "${generator[@]}" "$@" >/dev/null
fi
cmake --build "$build_dir" --parallel "$(nproc)"
