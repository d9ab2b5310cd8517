#!/usr/bin/env bash
# Installs the project's npm dependencies exactly as locked, unless they already match the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp=node_modules/.quickpay-lock-hash
hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] && [ "${QUICKPAY_FORCE_INSTALL:-}" != "1" ]; then
  exit 0
fi
if [ -d node_modules ]; then
  # An existing tree (a developer's checkout): bring it in line with the lockfile in place; npm ci
  # refuses some trees whose hidden lockfile lists other platforms' optional packages differently.
  echo "==> npm install (lockfile changed since the last install)"
  npm install --no-audit --no-fund --loglevel=error
else
  echo "==> npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "$hash" > "$stamp"
