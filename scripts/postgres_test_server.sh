#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the test suite.
#
#   scripts/postgres_test_server.sh start        -> prints the path of an env file to `source`
#   scripts/postgres_test_server.sh stop ENVFILE  (or: stop, with SLUICE_TEST_POSTGRES_DIR set)
#
# `start` creates a fresh cluster in a temp directory (as the postgres user when run as root:
# PostgreSQL refuses to run as root), listens on a free loopback port with password
# (scram-sha-256) authentication for TCP and on a Unix socket inside that directory, creates the
# role `sluice` (random password) and the database `sluice_test`, and writes:
#   SLUICE_TEST_POSTGRES_URI        postgresql://sluice:PASSWORD@127.0.0.1:PORT/sluice_test
#   SLUICE_TEST_POSTGRES_ADMIN_URI  superuser `postgres` over the socket (tests that terminate
#                                   backends)
#   SLUICE_TEST_POSTGRES_DIR        the directory `stop` removes
# Settings: SLUICE_PG_PORT (first port to try, default 54329), SLUICE_PG_DURABLE=1 keeps fsync on
# (benchmarks); by default fsync is off, which only matters if the machine crashes.
set -euo pipefail

bindir="${SLUICE_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
marker=".sluice-postgres-test-server"

as_owner() {  # runs a command as the cluster owner
  if [[ $(id -u) == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  [[ -x $bindir/initdb ]] || { echo "no PostgreSQL binaries in $bindir (apt-get install postgresql-15)" >&2; exit 1; }
  local dir
  dir="$(mktemp -d /tmp/sluice-pg.XXXXXX)"
  touch "$dir/$marker"
  chmod 700 "$dir"
  [[ $(id -u) == 0 ]] && chown -R postgres: "$dir"
  local password
  password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s\n' "$password" >"$dir/pwfile"
  [[ $(id -u) == 0 ]] && chown postgres: "$dir/pwfile"
  as_owner "$bindir/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" -E UTF8 \
    --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  rm -f "$dir/pwfile"
  local fsync=off
  [[ ${SLUICE_PG_DURABLE:-0} == 1 ]] && fsync=on
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
fsync = $fsync
logging_collector = off
EOF
  local port="${SLUICE_PG_PORT:-54329}" tries=0
  while :; do
    if ! port_in_use "$port" &&
      as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port" start >/dev/null 2>&1; then
      break
    fi
    tries=$((tries + 1))
    if ((tries >= 50)); then
      echo "could not start PostgreSQL (last log lines):" >&2
      tail -n 20 "$dir/server.log" >&2 || true
      exit 1
    fi
    port=$((port + 1))
  done
  local psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres)
  "${psql[@]}" -d postgres -c "CREATE ROLE sluice LOGIN PASSWORD '$password'" \
    -c "CREATE DATABASE sluice_test OWNER sluice" >/dev/null
  cat >"$dir/env" <<EOF
export SLUICE_TEST_POSTGRES_URI='postgresql://sluice:$password@127.0.0.1:$port/sluice_test'
export SLUICE_TEST_POSTGRES_ADMIN_URI='postgresql://postgres@/sluice_test?host=$dir&port=$port'
export SLUICE_TEST_POSTGRES_DIR='$dir'
EOF
  chmod 644 "$dir/env"
  echo "$dir/env"
}

stop() {
  local dir="${1:-${SLUICE_TEST_POSTGRES_DIR:-}}"
  [[ -n $dir ]] || { echo "usage: $0 stop ENVFILE|DIR" >&2; exit 2; }
  [[ -f $dir ]] && dir="$(dirname "$dir")"
  [[ -f $dir/$marker ]] || { echo "$dir is not a sluice test server directory" >&2; exit 2; }
  if [[ -f $dir/data/postmaster.pid ]]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *)
    echo "usage: $0 start|stop [ENVFILE]" >&2
    exit 2
    ;;
esac
