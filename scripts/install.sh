#!/usr/bin/env bash
# Installs the project's npm dependencies at their locked versions, unless they already match the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp=node_modules/.quickpay-lock-hash
hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] && [ "${QUICKPAY_FORCE_INSTALL:-}" != "1" ]; then
  exit 0
fi
# `npm install`, not `npm ci`: the registry this project installs from does not carry every platform's
# optional binary (e.g. @biomejs/cli-darwin-arm64), so the lockfile cannot list them and `npm ci`'s
# strict sync check refuses it. `npm install` still installs exactly the locked versions and leaves the
# lockfile unchanged (checked on a fresh clone).
echo "==> npm install (locked versions)"
npm install --no-audit --no-fund --loglevel=error
echo "$hash" > "$stamp"
