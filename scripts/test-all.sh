#!/usr/bin/env bash
# The one test command (README Quick start, `npm test`, `.ci/run`): installs what is missing, then
# type-check, lint, unit + integration tests (SQLite and a throwaway PostgreSQL, the player
# processes), and the e2e journeys with the real Wallet extension in Debian's Chromium against the
# host, bank and shop processes on loopback. In CI (CI=true) the work tree must stay clean after the
# install and after the tests. Whatever the outcome, nothing the tests started is left running.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

step() { printf '\n==> %s\n' "$*"; }

# Every process the tests start inherits this marker, so the end can find what is still running by
# its own run id (never by a name pattern that could match someone else's processes).
QUICKPAY_TEST_RUN="$(cat /proc/sys/kernel/random/uuid)"
export QUICKPAY_TEST_RUN

leftovers() { env -u QUICKPAY_TEST_RUN node --import tsx scripts/leftovers.ts "$QUICKPAY_TEST_RUN" "$@"; }
on_exit() {
  local status=$?
  # Only once dependencies are installed can the check run (tsx comes from node_modules).
  if [ -d node_modules/tsx ] && ! leftovers --kill; then
    echo "FAILED: the processes above outlived the tests (killed now)" >&2
    [ "$status" -eq 0 ] && status=1
  fi
  exit "$status"
}
trap on_exit EXIT

clean_tree() {
  [ "${CI:-}" = "true" ] || return 0
  local dirty
  dirty="$(git status --porcelain)"
  if [ -n "$dirty" ]; then
    echo "FAILED: git status is not clean $1 (CI=true):" >&2
    echo "$dirty" >&2
    exit 1
  fi
}

step "system packages (chromium, postgresql)"
bash scripts/ensure-system-deps.sh
step "npm dependencies"
bash scripts/install.sh
clean_tree "after npm install"
step "type-check"
npx tsc -p tsconfig.json --noEmit
step "lint + format check (biome, files git tracks)"
bash scripts/lint.sh
step "unit + integration tests (vitest)"
# The fault matrix's cells are this run's or none: results of an earlier run must not stand in.
rm -rf e2e/.fault-matrix
npx vitest run
step "e2e journeys (playwright, real extension in /usr/bin/chromium)"
npm run test -w @quickpay/e2e
# Prints the table both suites just wrote, and fails if either wrote none; docs/fault-matrix.md is
# written only by a person's run (FAULT_MATRIX_DOC=1), never here.
step "the fault matrix (the Node suite's and the browser suite's cells)"
node --import tsx scripts/fault-matrix/doc.ts --require-all
clean_tree "after the tests"
step "nothing left running"
leftovers
step "all green"
