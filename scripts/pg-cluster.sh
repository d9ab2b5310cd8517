#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, benchmarks and local runs.
#   scripts/pg-cluster.sh start <dir>   → initdb in <dir>/data, listen on 127.0.0.1:<free port>,
#                                          trust auth on loopback only, fsync on, create db `quickpay`,
#                                          print DATABASE_URL=postgres://postgres@127.0.0.1:PORT/quickpay
#   scripts/pg-cluster.sh stop <dir>    → stop it (the directory is left for the caller to delete)
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` OS user.
set -euo pipefail

usage() { echo "usage: $0 start|stop <dir>" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  if command -v initdb >/dev/null 2>&1; then
    bindir=$(dirname "$(command -v initdb)")
  else
    echo "pg-cluster: PostgreSQL is not installed (run scripts/ensure-postgres.sh)" >&2
    exit 1
  fi
fi

# Runs a PostgreSQL tool as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A port nobody listens on right now. A race with another process is possible, so start retries.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start() {
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
  local data="$dir/data"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # Trust, but only over loopback and the cluster's own private socket directory.
    as_owner tee "$data/pg_hba.conf" >/dev/null <<HBA
local all all trust
host  all all 127.0.0.1/32 trust
HBA
  fi
  local port="" attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    # Settings for this cluster only; later lines win, so a restart with a new port just appends.
    as_owner tee -a "$data/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
max_connections = 300
shared_buffers = 128MB
CONF
    if as_owner "$bindir/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 start >/dev/null; then
      break
    fi
    port=""
    echo "pg-cluster: start attempt $attempt failed, retrying" >&2
  done
  if [[ -z "$port" ]]; then
    tail -n 30 "$dir/postgres.log" >&2 || true
    exit 1
  fi
  if ! as_owner "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc \
    "select 1 from pg_database where datname = 'quickpay'" | grep -q 1; then
    as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres quickpay
  fi
  local url="postgres://postgres@127.0.0.1:$port/quickpay"
  echo "$url" >"$dir/url"
  echo "DATABASE_URL=$url"
}

stop() {
  local data="$dir/data"
  if [[ ! -f "$data/postmaster.pid" ]]; then
    echo "pg-cluster: no running cluster in $dir" >&2
    return 0
  fi
  as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
