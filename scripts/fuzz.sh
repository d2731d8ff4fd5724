#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz and runs each for
# FUZZ_SECONDS seconds (default 30), starting from its seed corpus in
# fuzz/corpus/<target>. Exits non-zero when a target crashes, times out on
# one input or a sanitizer reports an error; the input that caused it is
# saved as build-fuzz/artifacts/<target>-crash-* (or -timeout-*, -oom-*).
# New inputs found while fuzzing go to build-fuzz/corpus/<target>, not to the
# committed seeds.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-30}"
targets=(fuzz_config_load fuzz_egress fuzz_payload fuzz_retry_after)

echo "== build fuzz targets (clang, libFuzzer, AddressSanitizer, UndefinedBehaviorSanitizer)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHERALD_BUILD_TESTS=OFF \
  -DHERALD_BUILD_FUZZERS=ON \
  -DHERALD_SANITIZE=address,undefined \
  -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link \
  -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link
cmake --build build-fuzz --target "${targets[@]}"

mkdir -p build-fuzz/artifacts
for target in "${targets[@]}"; do
  echo "== fuzz ${target} for ${seconds} s"
  mkdir -p "build-fuzz/corpus/${target}"
  # -timeout: one input taking longer than 10 s counts as a failure.
  # -rss_limit_mb: the default of 2048 MB, stated so the bound is visible.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "build-fuzz/fuzz/${target}" \
    -max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/${target}-" \
    "build-fuzz/corpus/${target}" "fuzz/corpus/${target}"
done
echo "== every fuzz target ran ${seconds} s without a failure"
