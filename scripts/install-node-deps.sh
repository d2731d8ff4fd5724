#!/usr/bin/env bash
# Installs the npm packages of the signature interoperability test
# (tests/node) exactly as package-lock.json pins them. Safe to run again:
# it skips `npm ci` while the lock file is unchanged since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

lock=tests/node/package-lock.json
stamp=tests/node/node_modules/.installed-lock.sha256
checksum=$(sha256sum "$lock" | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$checksum" ]]; then
  echo "install-node-deps: tests/node/node_modules matches $lock"
  exit 0
fi
npm ci --prefix tests/node --no-audit --no-fund
echo "$checksum" >"$stamp"
