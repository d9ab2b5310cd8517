#!/usr/bin/env bash
# Installs what the tests and the demo need from Debian when it is missing: Chromium (the browser the
# e2e journeys and the demo drive; no test tool may download its own) and PostgreSQL (the host's
# scale-out store, whose contract tests start a throwaway cluster). Idempotent and quiet when all is there.
set -euo pipefail

want=()
[ -x /usr/bin/chromium ] || want+=(chromium)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then want+=(postgresql); fi
[ "${1:-}" = "--chromium-only" ] && want=("${want[@]/postgresql}")

pkgs=()
for p in "${want[@]}"; do [ -n "$p" ] && pkgs+=("$p"); done
[ ${#pkgs[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" != "0" ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to apt-get install ${pkgs[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "==> installing from Debian: ${pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
echo "==> installed: ${pkgs[*]}"
