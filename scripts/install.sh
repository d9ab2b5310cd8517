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
echo "==> npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "$hash" > "$stamp"
