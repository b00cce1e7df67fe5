#!/usr/bin/env bash
# End-to-end load benchmark: sluice vs DuckDB's own read_csv / read_json, same machine, same run.
# See docs/performance.md.
#
# Environment:
#   BENCH_ROWS=12000000       CSV rows (~90 bytes/row, ~1.08 GB)
#   BENCH_JSON_ROWS=2000000   NDJSON documents (~320 bytes/doc, ~640 MB)
#   BENCH_RUNS=1              runs per (tool, file); the fastest one is reported
#   BENCH_SCALE_CHECK=0       1: also load a 10x smaller CSV and compare peak RSS
#   BENCH_SKIP_BUILD=0        1: use the existing binaries in BENCH_BUILD_DIR
#   BENCH_BUILD_DIR=build
#   BENCH_DATA_DIR=bench/data BENCH_OUT_DIR=bench/out
#   BENCH_FORMATS="csv json"  subset to run
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BENCH_BUILD_DIR:-build}
ROWS=${BENCH_ROWS:-12000000}
JSON_ROWS=${BENCH_JSON_ROWS:-2000000}
RUNS=${BENCH_RUNS:-1}
SCALE_CHECK=${BENCH_SCALE_CHECK:-0}
FORMATS=${BENCH_FORMATS:-csv json}
DATA=$(realpath -m "${BENCH_DATA_DIR:-bench/data}")
OUT=$(realpath -m "${BENCH_OUT_DIR:-bench/out}")
RESULTS=$OUT/results.txt

log() { echo "[bench] $*" >&2; }

# --- (a) release build ---------------------------------------------------------------------------
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  log "building release binaries in $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$BUILD_DIR" sluice sluice_gen_data sluice_duckdb_peer
fi
BIN=$(realpath -m "$BUILD_DIR")
SLUICE=$BIN/sluice
GEN=$BIN/sluice_gen_data
PEER=$BIN/sluice_duckdb_peer
for bin in "$SLUICE" "$GEN" "$PEER"; do
  [[ -x $bin ]] || { log "missing $bin (build failed?)"; exit 1; }
done

# GNU time, not the shell keyword: it is the one that reports peak RSS (%M, KiB).
if [[ ! -x /usr/bin/time ]]; then
  log "installing GNU time"
  SUDO=""
  [[ $(id -u) == 0 ]] || SUDO=sudo
  $SUDO apt-get install -y time >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y time >/dev/null; }
fi

mkdir -p "$DATA" "$OUT"

# --- (b) data, generated only when missing ---------------------------------------------------------
# A stamp records the generator arguments so a changed BENCH_ROWS regenerates instead of silently
# reusing a file of the wrong size.
generate() {  # format path rows
  local format=$1 path=$2 rows=$3
  local stamp="$path.args"
  if [[ -f $path && -f $stamp && $(cat "$stamp") == "$format $rows" ]]; then
    log "reusing $path ($rows rows)"
    return
  fi
  log "generating $path ($rows rows)"
  rm -f "$path" "$stamp"
  "$GEN" "$format" "$path" --rows "$rows"
  echo "$format $rows" >"$stamp"
}

file_bytes() { stat -c %s "$1"; }

# --- (c) measured loads ----------------------------------------------------------------------------
# Sets LAST_SECONDS, LAST_RSS_KB, LAST_STATUS. The database file is removed first so every load
# starts from an empty DuckDB file for both tools.
measure() {  # tool kind file db table
  local tool=$1 kind=$2 file=$3 db=$4 table=$5
  local tag
  tag=$(basename "$db" .duckdb)
  local time_file=$OUT/$tag.time stdout_file=$OUT/$tag.stdout stderr_file=$OUT/$tag.stderr
  rm -rf "$db" "$db.wal" "$db.tmp"
  local cmd
  if [[ $tool == sluice ]]; then
    cmd=("$SLUICE" load "$file" "duckdb:///$db" --table "$table" --mode replace --report json)
  else
    cmd=("$PEER" "$kind" "$file" "$db" "$table")
  fi
  LAST_STATUS=ok
  if ! /usr/bin/time -f '%e %M' -o "$time_file" "${cmd[@]}" >"$stdout_file" 2>"$stderr_file"; then
    LAST_STATUS=failed
    log "$tool $kind FAILED (see $stderr_file):"
    tail -n 5 "$stderr_file" >&2 || true
  fi
  # With -o, GNU time appends "Command exited with non-zero status" before the numbers.
  read -r LAST_SECONDS LAST_RSS_KB < <(tail -n 1 "$time_file")
}

count_rows() {  # db table -> prints count or "?"
  "$PEER" query "$1" "SELECT count(*) FROM \"$2\"" 2>/dev/null || echo "?"
}

declare -A R  # results, keyed "dataset.tool.field"
FAILED=0

bench_one() {  # dataset tool kind file table
  local dataset=$1 tool=$2 kind=$3 file=$4 table=$5
  local db=$OUT/${dataset}_${tool}.duckdb
  local best_s="" best_rss="" status=ok run
  for ((run = 1; run <= RUNS; run++)); do
    log "$dataset: $tool load (run $run/$RUNS)"
    measure "$tool" "$kind" "$file" "$db" "$table"
    if [[ $LAST_STATUS != ok ]]; then
      status=failed
      break
    fi
    if [[ -z $best_s ]] || awk -v a="$LAST_SECONDS" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then
      best_s=$LAST_SECONDS
      best_rss=$LAST_RSS_KB
    fi
  done
  local rows="?"
  [[ $status == ok ]] && rows=$(count_rows "$db" "$table")
  local bytes
  bytes=$(file_bytes "$file")
  R[$dataset.$tool.status]=$status
  R[$dataset.$tool.rows]=$rows
  if [[ $status == ok ]]; then
    R[$dataset.$tool.seconds]=$best_s
    R[$dataset.$tool.peak_rss_mb]=$(awk -v k="$best_rss" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')
    R[$dataset.$tool.rows_per_s]=$(awk -v r="$rows" -v s="$best_s" \
      'BEGIN { printf "%.0f", ((s > 0 && r ~ /^[0-9]+$/) ? r / s : 0) }')
    R[$dataset.$tool.mb_per_s]=$(awk -v b="$bytes" -v s="$best_s" \
      'BEGIN { printf "%.1f", (s > 0 ? b / 1e6 / s : 0) }')
  else
    FAILED=1
  fi
}

run_dataset() {  # dataset kind file table expected_rows
  local dataset=$1 kind=$2 file=$3 table=$4 expected=$5
  R[$dataset.file]=$file
  R[$dataset.file_bytes]=$(file_bytes "$file")
  R[$dataset.rows_expected]=$expected
  # Warm the page cache once so neither tool is charged for cold disk reads.
  cat "$file" >/dev/null
  bench_one "$dataset" sluice "$kind" "$file" "$table"
  bench_one "$dataset" duckdb "$kind" "$file" "$table"

  # --- (e) row counts must agree (with each other and with the generator) ---
  local s=${R[$dataset.sluice.rows]} d=${R[$dataset.duckdb.rows]}
  if [[ $s == "$d" && $s == "$expected" ]]; then
    R[$dataset.rows_match]=yes
  else
    R[$dataset.rows_match]=no
    FAILED=1
    log "$dataset: ROW COUNT MISMATCH sluice=$s duckdb=$d expected=$expected"
  fi
  if [[ ${R[$dataset.sluice.status]} == ok && ${R[$dataset.duckdb.status]} == ok ]]; then
    # Same rows and bytes for both, so the throughput ratio is the inverse time ratio.
    R[$dataset.ratio_sluice_over_duckdb]=$(awk -v a="${R[$dataset.sluice.seconds]}" \
      -v b="${R[$dataset.duckdb.seconds]}" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')
  else
    R[$dataset.ratio_sluice_over_duckdb]=n/a
  fi
}

CSV=$DATA/orders.csv
NDJSON=$DATA/orders.ndjson
DATASETS=()
for f in $FORMATS; do
  case $f in
    csv)
      generate csv "$CSV" "$ROWS"
      run_dataset csv csv "$CSV" orders "$ROWS"
      DATASETS+=(csv)
      ;;
    json)
      generate ndjson "$NDJSON" "$JSON_ROWS"
      run_dataset json json "$NDJSON" orders_json "$JSON_ROWS"
      DATASETS+=(json)
      ;;
    *) log "unknown format in BENCH_FORMATS: $f"; exit 2 ;;
  esac
done

if [[ $SCALE_CHECK == 1 ]]; then
  SMALL_ROWS=$((ROWS / 10))
  SMALL=$DATA/orders_small.csv
  generate csv "$SMALL" "$SMALL_ROWS"
  [[ -n ${R[csv.file]:-} ]] || run_dataset csv csv "$CSV" orders "$ROWS"
  run_dataset csv_small csv "$SMALL" orders "$SMALL_ROWS"
  [[ " ${DATASETS[*]} " == *" csv "* ]] || DATASETS+=(csv)
  DATASETS+=(csv_small)
fi

# --- (d) human-readable table ----------------------------------------------------------------------
print_table() {
  printf '\n%-10s %-7s %12s %9s %12s %9s %13s %8s\n' \
    dataset tool rows seconds rows/s MB/s "peak RSS MB" status
  local ds tool
  for ds in "${DATASETS[@]}"; do
    for tool in sluice duckdb; do
      printf '%-10s %-7s %12s %9s %12s %9s %13s %8s\n' "$ds" "$tool" \
        "${R[$ds.$tool.rows]:-?}" "${R[$ds.$tool.seconds]:--}" "${R[$ds.$tool.rows_per_s]:--}" \
        "${R[$ds.$tool.mb_per_s]:--}" "${R[$ds.$tool.peak_rss_mb]:--}" "${R[$ds.$tool.status]}"
    done
    printf '%-10s sluice/duckdb throughput = %s   rows match: %s   (file %s MB)\n' "$ds" \
      "${R[$ds.ratio_sluice_over_duckdb]}" "${R[$ds.rows_match]}" \
      "$(awk -v b="${R[$ds.file_bytes]}" 'BEGIN { printf "%.1f", b / 1e6 }')"
  done
  if [[ $SCALE_CHECK == 1 ]]; then
    printf '\nmemory scale check (10x more rows should not mean 10x more memory):\n'
    for tool in sluice duckdb; do
      printf '  %-7s peak RSS: %s MB at %s rows, %s MB at %s rows\n' "$tool" \
        "${R[csv_small.$tool.peak_rss_mb]:--}" "${R[csv_small.rows_expected]}" \
        "${R[csv.$tool.peak_rss_mb]:--}" "${R[csv.rows_expected]}"
    done
  fi
  echo
}
print_table

# --- (f) machine-readable summary --------------------------------------------------------------------
{
  echo "# sluice benchmark results; key=value; MB = 10^6 bytes; seconds = wall time incl. startup"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "git_dirty=$([[ -n $(git status --porcelain 2>/dev/null) ]] && echo yes || echo no)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
  echo "cores=$(nproc)"
  echo "mem_gb=$(awk '/MemTotal/ { printf "%.0f", $2 / 1024 / 1024 }' /proc/meminfo)"
  echo "duckdb_version=$("$PEER" query :memory: 'SELECT version()' 2>/dev/null || echo unknown)"
  echo "runs=$RUNS"
  for key in $(printf '%s\n' "${!R[@]}" | sort); do
    echo "$key=${R[$key]}"
  done
} >"$RESULTS"
log "summary written to $RESULTS"

exit "$FAILED"
