#!/usr/bin/env bash
# Makes sure PostgreSQL's server binaries (initdb, pg_ctl, postgres) are on this machine.
# Idempotent: does nothing when they are already installed; otherwise installs Debian's
# `postgresql` package non-interactively (needs root). Prints the binaries' directory.
set -euo pipefail

# The server binaries live in /usr/lib/postgresql/<major>/bin on Debian; take the newest major.
pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
    echo "$dir"
    return 0
  fi
  # Not Debian's layout (e.g. a distro or Homebrew build on PATH).
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

if bindir=$(pg_bindir); then
  echo "$bindir"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "ensure-postgres: PostgreSQL is not installed and installing it needs root" >&2
  exit 1
fi

echo "ensure-postgres: installing Debian's postgresql package" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update >&2
apt-get install -y --no-install-recommends postgresql >&2
# Debian's package starts a default cluster; tests bring their own, so it is left alone.

if bindir=$(pg_bindir); then
  echo "$bindir"
else
  echo "ensure-postgres: postgresql installed but initdb/pg_ctl not found" >&2
  exit 1
fi
