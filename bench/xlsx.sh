#!/usr/bin/env bash
# xlsx benchmark (docs/xlsx.md): sluice's reader alone, sluice loading into DuckDB, and
# openpyxl's read-only mode, all on the same generated workbook, in one run.
#
# Environment:
#   BENCH_XLSX_ROWS=1000000   data rows (x 10 columns: ints, doubles, shared strings, a date, a
#                             date-time, a boolean)
#   BENCH_RUNS=3              runs per sluice measurement (best is reported); openpyxl runs once
#   BENCH_SKIP_BUILD=0 BENCH_BUILD_DIR=build BENCH_DATA_DIR=bench/data BENCH_OUT_DIR=bench/out
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BENCH_BUILD_DIR:-build}
ROWS=${BENCH_XLSX_ROWS:-1000000}
RUNS=${BENCH_RUNS:-3}
DATA=$(realpath -m "${BENCH_DATA_DIR:-bench/data}")
OUT=$(realpath -m "${BENCH_OUT_DIR:-bench/out}")
mkdir -p "$DATA" "$OUT"
log() { echo "[bench-xlsx] $*" >&2; }

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BENCH=ON >/dev/null
  ninja -C "$BUILD_DIR" sluice sluice_xlsx_gen sluice_xlsx_read >/dev/null
fi
SLUICE=$BUILD_DIR/sluice GEN=$BUILD_DIR/sluice_xlsx_gen READ=$BUILD_DIR/sluice_xlsx_read
for bin in "$SLUICE" "$GEN" "$READ"; do
  [[ -x $bin ]] || { log "missing $bin (build failed?)"; exit 1; }
done
[[ -x /usr/bin/time ]] || { log "GNU time (/usr/bin/time) is needed for peak RSS"; exit 1; }
/usr/bin/python3 -c 'import openpyxl' 2>/dev/null || { log "python3-openpyxl is needed"; exit 1; }

FILE=$DATA/xlsx_${ROWS}.xlsx
if [[ ! -f $FILE ]]; then
  log "generating $FILE ($ROWS rows x 10 columns)"
  "$GEN" "$FILE.tmp" "$ROWS" && mv "$FILE.tmp" "$FILE"
fi
CELLS=$((ROWS * 10))
log "file: $FILE ($(stat -c %s "$FILE") bytes, $CELLS cells); $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"

best() { sort -n | head -n 1; }
rate() { awk -v c="$CELLS" -v s="$1" 'BEGIN { printf "%.0f", c / s }'; }

# 1. The reader alone (parse into typed batches, no destination).
reader_s=()
for ((run = 1; run <= RUNS; run++)); do
  line=$(/usr/bin/time -f '%M' -o "$OUT/xlsx_read.time" "$READ" "$FILE")
  reader_s+=("$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$line")")
  log "reader run $run: $line, peak RSS $(tail -n 1 "$OUT/xlsx_read.time") KiB"
done
READER_S=$(printf '%s\n' "${reader_s[@]}" | best)
READER_RSS=$(tail -n 1 "$OUT/xlsx_read.time")
# Its sequential phase (inflate + XML on one thread), in CPU seconds: the reader's ceiling.
PHASE=$("$READ" "$FILE" --phase read)
log "sequential phase: $PHASE"

# 2. sluice load into a fresh DuckDB file.
load_s=()
for ((run = 1; run <= RUNS; run++)); do
  rm -f "$OUT/xlsx.duckdb" "$OUT/xlsx.duckdb.wal"
  /usr/bin/time -f '%e %M' -o "$OUT/xlsx_load.time" \
    "$SLUICE" load "$FILE" "duckdb:///$OUT/xlsx.duckdb" --table orders --mode replace \
    --report json >"$OUT/xlsx_load.json" 2>"$OUT/xlsx_load.stderr"
  read -r s rss < <(tail -n 1 "$OUT/xlsx_load.time")
  load_s+=("$s")
  log "sluice load run $run: ${s}s, peak RSS $rss KiB"
done
LOAD_S=$(printf '%s\n' "${load_s[@]}" | best)
LOAD_RSS=$(tail -n 1 "$OUT/xlsx_load.time" | cut -d' ' -f2)

# 3. openpyxl read-only, values only.
log "openpyxl (read_only=True, iter_rows(values_only=True)) ..."
PY=$(/usr/bin/time -f '%M' -o "$OUT/xlsx_openpyxl.time" /usr/bin/python3 bench/xlsx_openpyxl.py "$FILE")
PY_S=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$PY")
PY_RSS=$(tail -n 1 "$OUT/xlsx_openpyxl.time")
log "openpyxl: $PY, peak RSS $PY_RSS KiB"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo
echo "xlsx benchmark: $ROWS rows x 10 columns = $CELLS cells, $(stat -c %s "$FILE") bytes; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %9s %14s %12s\n' tool seconds cells/s "peak RSS MB"
printf '%-34s %9s %14s %12s\n' "sluice reader alone (best of $RUNS)" "$READER_S" "$(rate "$READER_S")" $((READER_RSS / 1024))
printf '%-34s %9s %14s %12s\n' "sluice load -> DuckDB (best of $RUNS)" "$LOAD_S" "$(rate "$LOAD_S")" $((LOAD_RSS / 1024))
printf '%-34s %9s %14s %12s\n' "openpyxl read_only" "$PY_S" "$(rate "$PY_S")" $((PY_RSS / 1024))
echo "reader vs openpyxl: $(ratio "$PY_S" "$READER_S")x; load vs openpyxl: $(ratio "$PY_S" "$LOAD_S")x"
echo "sequential phase: $PHASE"
