#!/usr/bin/env bash
# Installs every Debian package that herald's build, tests, demo and
# benchmarks need. Safe to run again: apt-get skips what is present.
set -euo pipefail

packages=(
  # Toolchain and build.
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev
  # Libraries herald links against.
  libcurl4-openssl-dev libyaml-cpp-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev libcli11-dev libssl-dev
  libsqlite3-dev libpq-dev libboost-dev libcpp-httplib-dev libjemalloc-dev
  # Tests and benchmarks. The PostgreSQL store tests run initdb and
  # postgres from the server package, on a throwaway cluster.
  libgtest-dev libgmock-dev libbenchmark-dev
  curl wrk procps python3 postgresql
)
# The signature interoperability test runs the reference npm package on
# Node. A node already on PATH (for example Node 20 from NodeSource) is
# used as it is.
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
elif ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
