#!/usr/bin/env bash
# PostgreSQL load benchmark (docs/performance.md): sluice vs `psql \copy` into a pre-created table,
# pgloader and pandas (read_csv + to_sql(method="multi")), all against one throwaway PostgreSQL 15
# server started here (fsync on), on the same generated data, in one run.
#
# Environment:
#   BENCH_ROWS=12000000          CSV rows for sluice and psql (~1.08 GB)
#   BENCH_PGLOADER_ROWS=1200000  CSV rows for pgloader (rows/s compared)
#   BENCH_PANDAS_ROWS=200000     CSV rows for pandas (rows/s compared)
#   BENCH_JSON_ROWS=2000000      NDJSON documents for sluice
#   BENCH_PANDAS_JSON_ROWS=50000 NDJSON documents for pandas json_normalize
#   BENCH_SCALE_CHECK=1          also load a 10x smaller CSV with sluice (peak RSS flat?)
#   BENCH_SKIP_BUILD=0 BENCH_BUILD_DIR=build BENCH_DATA_DIR=bench/data BENCH_OUT_DIR=bench/out
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BENCH_BUILD_DIR:-build}
ROWS=${BENCH_ROWS:-12000000}
PGLOADER_ROWS=${BENCH_PGLOADER_ROWS:-1200000}
PANDAS_ROWS=${BENCH_PANDAS_ROWS:-200000}
JSON_ROWS=${BENCH_JSON_ROWS:-2000000}
PANDAS_JSON_ROWS=${BENCH_PANDAS_JSON_ROWS:-50000}
SCALE_CHECK=${BENCH_SCALE_CHECK:-1}
DATA=$(realpath -m "${BENCH_DATA_DIR:-bench/data}")
OUT=$(realpath -m "${BENCH_OUT_DIR:-bench/out}")
mkdir -p "$DATA" "$OUT"
log() { echo "[bench-pg] $*" >&2; }

# --- tools -----------------------------------------------------------------------------------------
need=()
command -v pgloader >/dev/null || need+=(pgloader)
[[ -x /usr/bin/time ]] || need+=(time)
/usr/bin/python3 -c 'import pandas, sqlalchemy, psycopg2' 2>/dev/null ||
  need+=(python3-pandas python3-sqlalchemy python3-psycopg2)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  apt-get install -y "${need[@]}" >/dev/null || { apt-get update -qq && apt-get install -y "${need[@]}" >/dev/null; }
fi
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$BUILD_DIR" sluice sluice_gen_data >/dev/null
fi
SLUICE=$(realpath "$BUILD_DIR/sluice")
GEN=$(realpath "$BUILD_DIR/sluice_gen_data")

generate() {  # format path rows
  local stamp="$2.args"
  if [[ -f $2 && -f $stamp && $(cat "$stamp") == "$1 $3" ]]; then return; fi
  log "generating $2 ($3 rows)"
  "$GEN" "$1" "$2" --rows "$3"
  echo "$1 $3" >"$stamp"
}
CSV=$DATA/orders.csv
SMALL=$DATA/orders_small.csv
NDJSON=$DATA/orders.ndjson
generate csv "$CSV" "$ROWS"
generate csv "$SMALL" $((ROWS / 10))
generate ndjson "$NDJSON" "$JSON_ROWS"
head -n $((PGLOADER_ROWS + 1)) "$CSV" >"$OUT/pgloader.csv"  # ids are unique; a cut row is rare
head -n $((PANDAS_JSON_ROWS)) "$NDJSON" >"$OUT/pandas.ndjson"

# --- server ----------------------------------------------------------------------------------------
env_file=$(SLUICE_PG_DURABLE=1 scripts/postgres_test_server.sh start)
trap 'scripts/postgres_test_server.sh stop "$env_file"' EXIT
# shellcheck disable=SC1090
source "$env_file"
URI=$SLUICE_TEST_POSTGRES_URI
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$URI" "$@"; }

RESULTS=$OUT/postgres_results.txt
: >"$RESULTS"
# Runs a command under GNU time; sets SECONDS_TAKEN and RSS_MB.
measure() {
  local name=$1
  shift
  log "$name"
  /usr/bin/time -f '%e %M' -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || {
    log "$name failed:"
    tail -n 20 "$OUT/$name.err" >&2
    exit 1
  }
  read -r SECONDS_TAKEN rss_kb < <(tail -n 1 "$OUT/$name.time")
  RSS_MB=$((rss_kb / 1024))
}
rows_in() { psql_ -At -c "SELECT count(*) FROM $1"; }
report() {  # name rows
  local rate
  rate=$(awk -v r="$2" -v s="$SECONDS_TAKEN" 'BEGIN { printf "%.0f", r / s }')
  printf '%-28s %10s rows %8.1f s %10s rows/s %6s MB peak RSS\n' "$1" "$2" "$SECONDS_TAKEN" "$rate" \
    "$RSS_MB" | tee -a "$RESULTS"
  eval "RATE_$1=$rate"
}
reset() { psql_ -c "DROP SCHEMA IF EXISTS bench CASCADE" -c "CREATE SCHEMA bench"; }
TABLE_DDL="(id bigint, customer_id bigint, amount numeric(18,2), ratio numeric(18,3), quantity bigint,
  is_active boolean, created_at timestamp, order_date date, country text, name text, comment text)"

# --- CSV -------------------------------------------------------------------------------------------
reset
measure sluice_csv "$SLUICE" load "$CSV" "$URI?schema=bench" --table orders -q
report sluice_csv "$(rows_in bench.orders)"

reset
psql_ -c "CREATE TABLE bench.orders $TABLE_DDL"
measure psql_copy psql -X -v ON_ERROR_STOP=1 "$URI" \
  -c "\\copy bench.orders FROM '$CSV' WITH (FORMAT csv, HEADER true)"
report psql_copy "$(rows_in bench.orders)"

if [[ $SCALE_CHECK == 1 ]]; then
  reset
  measure sluice_csv_small "$SLUICE" load "$SMALL" "$URI?schema=bench" --table orders -q
  report sluice_csv_small "$(rows_in bench.orders)"
fi

reset
psql_ -c "CREATE TABLE bench.orders $TABLE_DDL"
cat >"$OUT/pgloader.load" <<EOF
LOAD CSV FROM '$OUT/pgloader.csv'
  (id, customer_id, amount, ratio, quantity, is_active, created_at, order_date, country, name, comment)
  INTO ${URI}
  TARGET TABLE bench.orders
  WITH skip header = 1, fields optionally enclosed by '"', fields escaped by double-quote,
       fields terminated by ','
  SET client_encoding to 'utf8';
EOF
measure pgloader pgloader "$OUT/pgloader.load"
report pgloader "$(rows_in bench.orders)"

reset
cat >"$OUT/pandas_csv.py" <<'EOF'
import sys, pandas as pd, sqlalchemy as sa
uri, path, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
engine = sa.create_engine(uri.replace("postgresql://", "postgresql+psycopg2://", 1))
df = pd.read_csv(path, nrows=rows, parse_dates=["created_at", "order_date"])
df.to_sql("orders", engine, schema="bench", if_exists="replace", index=False, method="multi",
          chunksize=1000)
EOF
measure pandas_csv /usr/bin/python3 "$OUT/pandas_csv.py" "$URI" "$CSV" "$PANDAS_ROWS"
report pandas_csv "$(rows_in bench.orders)"

# --- NDJSON with child tables ----------------------------------------------------------------------
reset
measure sluice_ndjson "$SLUICE" load "$NDJSON" "$URI?schema=bench" --table orders -q
json_rows=$(psql_ -At -c "SELECT (SELECT count(*) FROM bench.orders) + (SELECT count(*) FROM bench.orders__items) + (SELECT count(*) FROM bench.orders__tags)")
report sluice_ndjson "$json_rows"

reset
cat >"$OUT/pandas_json.py" <<'EOF'
import json, sys, pandas as pd, sqlalchemy as sa
uri, path = sys.argv[1], sys.argv[2]
engine = sa.create_engine(uri.replace("postgresql://", "postgresql+psycopg2://", 1))
docs = [json.loads(line) for line in open(path, encoding="utf-8")]
orders = pd.json_normalize(docs, sep="__").drop(columns=["items", "tags"])
items = pd.json_normalize(docs, record_path="items", meta=["order_id"])
tags = pd.json_normalize(docs, record_path="tags", meta=["order_id"])
for name, df in (("orders", orders), ("orders__items", items), ("orders__tags", tags)):
    df.to_sql(name, engine, schema="bench", if_exists="replace", index=False, method="multi",
              chunksize=1000)
EOF
measure pandas_ndjson /usr/bin/python3 "$OUT/pandas_json.py" "$URI" "$OUT/pandas.ndjson"
pandas_json_rows=$(psql_ -At -c "SELECT (SELECT count(*) FROM bench.orders) + (SELECT count(*) FROM bench.orders__items) + (SELECT count(*) FROM bench.orders__tags)")
report pandas_ndjson "$pandas_json_rows"

# --- ratios ----------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
{
  echo "sluice / psql \\copy (CSV rows/s):   $(ratio "$RATE_sluice_csv" "$RATE_psql_copy")x"
  echo "sluice / pgloader (CSV rows/s):      $(ratio "$RATE_sluice_csv" "$RATE_pgloader")x"
  echo "sluice / pandas (CSV rows/s):        $(ratio "$RATE_sluice_csv" "$RATE_pandas_csv")x"
  echo "sluice / pandas (NDJSON rows/s):     $(ratio "$RATE_sluice_ndjson" "$RATE_pandas_ndjson")x"
} | tee -a "$RESULTS"
log "results in $RESULTS"
