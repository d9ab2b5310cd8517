#!/usr/bin/env bash
# The demo command (README Quick start): installs what is missing, then starts host + demo bank +
# demo shop on the embedded SQLite default and builds the Wallet.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh --chromium-only
bash scripts/install.sh
# node with the tsx loader directly (not npx): Ctrl-C reaches the demo itself, which stops every player.
exec node --import tsx scripts/demo.ts
