#!/usr/bin/env bash
# The one test command (README Quick start, `npm test`, `.ci/run`): installs what is missing, then
# type-check, lint, unit + integration tests (SQLite and a throwaway PostgreSQL), and the e2e journeys
# with the real Wallet extension in Debian's Chromium against real servers on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

step() { printf '\n==> %s\n' "$*"; }

step "system packages (chromium, postgresql)"
bash scripts/ensure-system-deps.sh
step "npm dependencies"
bash scripts/install.sh
step "type-check"
npx tsc -p tsconfig.json --noEmit
step "lint + format check (biome)"
npx biome check .
step "unit + integration tests (vitest)"
npx vitest run
step "e2e journeys (playwright, real extension in /usr/bin/chromium)"
npm run test -w @quickpay/e2e
step "all green"
