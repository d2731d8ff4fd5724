#!/usr/bin/env bash
# Installs the dependencies, builds herald, and runs every test: once in a
# normal build and once under AddressSanitizer and UndefinedBehaviorSanitizer.
# Set HERALD_SKIP_SANITIZERS=1 to run only the normal build.
# The PostgreSQL store tests start their own server. HERALD_REQUIRE_POSTGRES=1
# makes them fail, not skip, when its binaries are missing.
# The last stage runs each libFuzzer target for FUZZ_SECONDS (default 30);
# set HERALD_SKIP_FUZZ=1 to leave it out.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/install-node-deps.sh

echo "== build and test (RelWithDebInfo)"
./scripts/build.sh build -DHERALD_BUILD_TESTS=ON -DHERALD_WERROR=ON
HERALD_REQUIRE_POSTGRES=1 \
  ctest --test-dir build --output-on-failure --parallel "$(nproc)" --timeout 300

if [[ "${HERALD_SKIP_SANITIZERS:-0}" != 1 ]]; then
  echo "== build and test (AddressSanitizer + UndefinedBehaviorSanitizer)"
  ./scripts/build.sh build-asan -DHERALD_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=Debug \
    -DHERALD_SANITIZE=address,undefined
  HERALD_REQUIRE_POSTGRES=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)" --timeout 600
fi

if [[ "${HERALD_SKIP_FUZZ:-0}" != 1 ]]; then
  ./scripts/fuzz.sh
fi
