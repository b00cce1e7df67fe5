#!/usr/bin/env bash
# Parquet load benchmark: `sluice load FILE.parquet duckdb:///...` vs DuckDB's own
# `CREATE TABLE t AS SELECT * FROM read_parquet(FILE)` (sluice_duckdb_peer parquet), same
# machine, same run. Results: docs/parquet.md ("Measurements").
#
# Environment:
#   BENCH_PARQUET_ROWS=20000000  rows of the big file (8 columns, snappy; ~0.6 GB)
#   BENCH_SCALE_ROWS=2000000     rows of the small file for the peak-RSS scale check (0: skip)
#   BENCH_SKIP_BUILD=0           1: use the existing binaries in BENCH_BUILD_DIR
#   BENCH_BUILD_DIR=build BENCH_DATA_DIR=bench/data BENCH_OUT_DIR=bench/out
#   BENCH_JOBS=1                 ninja -j for the build (the machine may be shared)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BENCH_BUILD_DIR:-build}
ROWS=${BENCH_PARQUET_ROWS:-20000000}
SCALE_ROWS=${BENCH_SCALE_ROWS:-2000000}
DATA=$(realpath -m "${BENCH_DATA_DIR:-bench/data}")
OUT=$(realpath -m "${BENCH_OUT_DIR:-bench/out}")

log() { echo "[parquet-bench] $*" >&2; }

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  log "building sluice and sluice_duckdb_peer in $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BENCH=ON >/dev/null
  ninja -C "$BUILD_DIR" -j "${BENCH_JOBS:-1}" sluice sluice_duckdb_peer
fi
SLUICE=$(realpath -m "$BUILD_DIR/sluice")
PEER=$(realpath -m "$BUILD_DIR/sluice_duckdb_peer")
for bin in "$SLUICE" "$PEER"; do
  [[ -x $bin ]] || { log "missing $bin (build failed?)"; exit 1; }
done
[[ -x /usr/bin/time ]] || { log "GNU time missing: apt-get install time"; exit 1; }
mkdir -p "$DATA" "$OUT"

# Same shape as the CSV benchmark's rows: ints, text, a decimal, a double, a timestamp, a bool,
# a low-cardinality category (dictionary-encoded in Parquet) and a date.
generate() {  # path rows
  local path=$1 rows=$2
  if [[ -f $path && -f $path.args && $(cat "$path.args") == "$rows" ]]; then return; fi
  log "generating $path ($rows rows)"
  "$PEER" query :memory: "COPY (SELECT range AS id, 'customer ' || (range * 7919 % 1000003) AS name,
      ((range * 37) % 100000 / 100.0)::DECIMAL(10,2) AS amount, (range % 1000) / 7.0 AS score,
      TIMESTAMP '2020-01-01' + to_seconds(range % 100000000) AS created_at,
      range % 3 = 0 AS active, ['red', 'green', 'blue', 'amber'][1 + range % 4] AS category,
      DATE '2020-01-01' + (range % 2000)::INTEGER AS day
    FROM range($rows)) TO '$path' (FORMAT parquet)" >/dev/null
  echo "$rows" >"$path.args"
}

run() {  # tag command...  -> LAST_SECONDS LAST_RSS_KB
  local tag=$1
  shift
  rm -f "$OUT/$tag.duckdb" "$OUT/$tag.duckdb.wal"
  if ! /usr/bin/time -f '%e %M' -o "$OUT/$tag.time" "$@" >"$OUT/$tag.stdout" 2>"$OUT/$tag.stderr"; then
    log "$tag failed:"; cat "$OUT/$tag.stderr" >&2; exit 1
  fi
  read -r LAST_SECONDS LAST_RSS_KB < <(tail -n 1 "$OUT/$tag.time")
}

count() {  # db table
  "$PEER" query "$1" "SELECT count(*) FROM $2" | tail -n 1
}

BIG=$DATA/parquet_${ROWS}.parquet
generate "$BIG" "$ROWS"
log "file: $(du -h "$BIG" | cut -f1), load before: $(uptime | sed 's/.*load average: //')"

run parquet_duckdb "$PEER" parquet "$BIG" "$OUT/parquet_duckdb.duckdb" t
peer_s=$LAST_SECONDS peer_kb=$LAST_RSS_KB
run parquet_sluice "$SLUICE" load "$BIG" "duckdb:///$OUT/parquet_sluice.duckdb" --table t --quiet
sluice_s=$LAST_SECONDS sluice_kb=$LAST_RSS_KB

peer_rows=$(count "$OUT/parquet_duckdb.duckdb" t)
sluice_rows=$(count "$OUT/parquet_sluice.duckdb" t)
[[ $peer_rows == "$sluice_rows" ]] || { log "row counts differ: $peer_rows vs $sluice_rows"; exit 1; }

printf 'parquet rows=%s duckdb=%ss (%d MB) sluice=%ss (%d MB) ratio=%.2fx (sluice throughput / DuckDB)\n' \
  "$sluice_rows" "$peer_s" $((peer_kb / 1024)) "$sluice_s" $((sluice_kb / 1024)) \
  "$(echo "$peer_s / $sluice_s" | bc -l)"

if [[ $SCALE_ROWS != 0 ]]; then
  SMALL=$DATA/parquet_${SCALE_ROWS}.parquet
  generate "$SMALL" "$SCALE_ROWS"
  run parquet_sluice_small "$SLUICE" load "$SMALL" "duckdb:///$OUT/parquet_sluice_small.duckdb" --table t --quiet
  printf 'parquet scale check: sluice peak RSS %d MB at %s rows vs %d MB at %s rows\n' \
    $((LAST_RSS_KB / 1024)) "$SCALE_ROWS" $((sluice_kb / 1024)) "$ROWS"
fi
log "load after: $(uptime | sed 's/.*load average: //')"
