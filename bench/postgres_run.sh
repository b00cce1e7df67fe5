#!/usr/bin/env bash
# PostgreSQL destination benchmark: sluice (CSV reader + PostgreSQL destination, through
# build/sluice_postgres_load) against psql's \copy of the same file into a pre-created table, on a
# fresh durable (fsync on) PostgreSQL 15 server from scripts/postgres_test_server.sh.
#
#   bench/postgres_run.sh [CSV]     (default bench/data/orders.csv, see bench/run.sh)
#
# Environment: BENCH_RUNS=3 (best of), BENCH_CONFIGS (a substring of the names to run, default
# all), BENCH_BUILD_DIR=build.
# Per configuration: wall seconds (best run), client CPU (user+sys of the loader) and server CPU
# (every backend and background process of the cluster) of that run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
csv=$(realpath "${1:-bench/data/orders.csv}")
runs=${BENCH_RUNS:-3}
bin=$(realpath "${BENCH_BUILD_DIR:-build}")/sluice_postgres_load
[[ -x $bin ]] || { echo "build $bin first (cmake -DSLUICE_BENCH=ON; ninja sluice_postgres_load)" >&2; exit 1; }

env_file=$(SLUICE_PG_DURABLE=1 scripts/postgres_test_server.sh start)
trap 'scripts/postgres_test_server.sh stop "$env_file"' EXIT
# shellcheck disable=SC1090
source "$env_file"
uri=$SLUICE_TEST_POSTGRES_URI
admin=$SLUICE_TEST_POSTGRES_ADMIN_URI
postmaster=$(head -1 "$SLUICE_TEST_POSTGRES_DIR/data/postmaster.pid")

server_cpu() {  # CPU seconds of the cluster so far: live processes plus reaped backends
  local total=0 f
  for s in /proc/[0-9]*/stat; do
    read -r -a f 2>/dev/null <"$s" || continue
    if [[ ${f[0]} == "$postmaster" ]]; then
      total=$((total + f[13] + f[14] + f[15] + f[16]))
    elif [[ ${f[3]} == "$postmaster" ]]; then
      total=$((total + f[13] + f[14]))
    fi
  done
  echo "$total"
}
sql() { PGOPTIONS="-c client_min_messages=warning" psql "$uri" -qAtX -v ON_ERROR_STOP=1 -c "$1" >/dev/null; }
create_orders() {
  sql "DROP TABLE IF EXISTS orders; CREATE TABLE orders (id bigint, customer_id bigint,
       amount numeric(18,2), ratio double precision, quantity bigint, is_active boolean,
       created_at timestamp, order_date date, country text, name text, comment text)"
}
ensure_orders_loaded() {  # replace starts from a loaded table
  if [[ $(psql "$uri" -qAtX -c "SELECT count(*) FROM pg_class WHERE relname = 'orders'") == 0 ]] ||
    [[ $(psql "$uri" -qAtX -c "SELECT count(*) FROM (SELECT 1 FROM orders LIMIT 1) o") == 0 ]]; then
    create_orders
    psql "$uri" -qX -c "\\copy orders FROM '$csv' WITH (FORMAT csv, HEADER true)" >/dev/null
  fi
}

dest="$uri?schema=public"
# name | setup | command
configs=(
  "psql \\copy (pre-created table)|create_orders|psql $uri -qX -c \"\\copy orders FROM '$csv' WITH (FORMAT csv, HEADER true)\""
  "sluice append, new table, copy_connections=1|sql 'DROP TABLE IF EXISTS orders'|$bin '$dest&copy_connections=1' '$csv' append"
  "sluice append, new table, copy_connections=2|sql 'DROP TABLE IF EXISTS orders'|$bin '$dest&copy_connections=2' '$csv' append"
  "sluice append, new table, copy_connections=3|sql 'DROP TABLE IF EXISTS orders'|$bin '$dest&copy_connections=3' '$csv' append"
  "sluice append, existing empty table|create_orders|$bin '$dest&copy_connections=1' '$csv' append"
  "sluice replace, existing table, copy_connections=1|ensure_orders_loaded|$bin '$dest&copy_connections=1' '$csv' replace"
  "sluice replace, existing table, copy_connections=2|ensure_orders_loaded|$bin '$dest&copy_connections=2' '$csv' replace"
  "sluice replace, existing table, copy_connections=3|ensure_orders_loaded|$bin '$dest&copy_connections=3' '$csv' replace"
  "sluice replace, table with a grant (kept), copy_c=2|ensure_orders_loaded; sql 'GRANT SELECT ON orders TO PUBLIC'|$bin '$dest&copy_connections=2' '$csv' replace"
)
printf '%-52s %8s %8s %8s %9s\n' configuration wall_s client_s server_s rows/s
for cfg in "${configs[@]}"; do
  IFS='|' read -r name setup command <<<"$cfg"
  [[ -n ${BENCH_CONFIGS:-} && $name != *${BENCH_CONFIGS}* ]] && continue
  best=""
  for ((r = 0; r < runs; r++)); do
    eval "$setup"
    psql "$admin" -qAtX -c CHECKPOINT >/dev/null
    before=$(server_cpu)
    out=$( { /usr/bin/time -f '%e %U %S' bash -c "$command" >/dev/null; } 2>&1 | tail -1)
    after=$(server_cpu)
    read -r wall user sys <<<"$out"
    client=$(echo "$user + $sys" | bc)
    server=$(echo "scale=2; ($after - $before) / 100" | bc)
    if [[ -z $best ]] || (($(echo "$wall < ${best%% *}" | bc))); then best="$wall $client $server"; fi
  done
  read -r wall client server <<<"$best"
  rows=$(psql "$uri" -qAtX -c "SELECT count(*) FROM orders")
  printf '%-52s %8.2f %8.2f %8.2f %9.0f\n' "$name" "$wall" "$client" "$server" \
    "$(echo "$rows / $wall" | bc)"
done
