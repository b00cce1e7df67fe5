#!/usr/bin/env bash
# API-source benchmark (docs/performance.md, "API sources"): sluice run against a local JSON API
# (bench/api_server.cc, its own process) vs hand-written Python loaders (bench/api_peer.py:
# urllib + pandas.json_normalize + to_sql, and urllib + sqlite3 executemany), same server, same
# run. Prints pages/s, records/s, CPU per record and peak RSS, and sluice's RSS at 1/10 the size.
#
# Environment:
#   BENCH_API_RECORDS=200000   records (~520 bytes each as JSON, 100 per page)
#   BENCH_API_PER_PAGE=100
#   BENCH_RUNS=3               runs per sluice measurement (best reported); peers run once
#   BENCH_SKIP_BUILD=0 BENCH_BUILD_DIR=build BENCH_OUT_DIR=bench/out
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BENCH_BUILD_DIR:-build}
RECORDS=${BENCH_API_RECORDS:-200000}
PER_PAGE=${BENCH_API_PER_PAGE:-100}
RUNS=${BENCH_RUNS:-3}
OUT=$(realpath -m "${BENCH_OUT_DIR:-bench/out}")
mkdir -p "$OUT"
log() { echo "[bench-api] $*" >&2; }

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BENCH=ON >/dev/null
  ninja -C "$BUILD_DIR" sluice sluice_api_bench_server >/dev/null
fi
SLUICE=$(realpath "$BUILD_DIR/sluice") SERVER=$(realpath "$BUILD_DIR/sluice_api_bench_server")
[[ -x /usr/bin/time ]] || { log "GNU time (/usr/bin/time) is needed"; exit 1; }

PORT=$((20000 + RANDOM % 20000))
"$SERVER" "$PORT" "$RECORDS" 2>"$OUT/api_server.log" &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$PORT/issues?page=1&per_page=1" >/dev/null 2>&1 && break
  sleep 0.1
done
PAGES=$(((RECORDS + PER_PAGE - 1) / PER_PAGE))
log "$RECORDS records in $PAGES pages on port $PORT; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"

pipeline() {  # FILE DESTINATION RECORDS-LIMIT-PAGE-PARAM
  cat >"$1" <<YAML
pipeline: bench
destination: $2
sources:
  - type: rest_api
    client:
      base_url: http://127.0.0.1:$PORT
      paginator: {type: json_link, next_url_path: next}
    resources:
      - name: issues
        endpoint: {path: /issues, params: {per_page: $PER_PAGE}, data_selector: items}
YAML
}

# One measured command: prints "seconds cpu_seconds peak_rss_kib".
measure() {
  /usr/bin/time -f '%e %U %S %M' -o "$OUT/api.time" "$@" >"$OUT/api.stdout" 2>"$OUT/api.stderr" \
    || { log "failed: $*"; cat "$OUT/api.stderr" >&2; exit 1; }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$OUT/api.time"
}
best_of() {  # runs a measurement RUNS times, prints the fastest line
  local lines=()
  for ((run = 1; run <= RUNS; run++)); do
    "$@" && lines+=("$(cat "$OUT/api.line")")
  done
  printf '%s\n' "${lines[@]}" | sort -n | head -n 1
}

sluice_into() {  # DEST-URI
  rm -f "$OUT"/api_bench.* 
  pipeline "$OUT/api_pipeline.yaml" "$1"
  measure "$SLUICE" run "$OUT/api_pipeline.yaml" --quiet >"$OUT/api.line"
}
DUCK=$(best_of sluice_into "duckdb:///$OUT/api_bench.duckdb")
log "sluice -> duckdb: $DUCK"
SQLITE=$(best_of sluice_into "sqlite:///$OUT/api_bench.sqlite")
log "sluice -> sqlite: $SQLITE"

peer() {  # MODE
  rm -f "$OUT/api_peer.sqlite"
  measure /usr/bin/python3 bench/api_peer.py "$1" \
    "http://127.0.0.1:$PORT/issues?page=1&per_page=$PER_PAGE" "$OUT/api_peer.sqlite"
}
PANDAS=$(peer pandas)
log "python urllib + pandas.json_normalize + to_sql: $PANDAS"
PLAIN=$(peer sqlite)
log "python urllib + json + sqlite3 executemany: $PLAIN"

# Memory as the input grows 10x: the same load at a tenth of the records.
kill $SERVER_PID; wait $SERVER_PID 2>/dev/null || true
"$SERVER" "$PORT" $((RECORDS / 10)) 2>>"$OUT/api_server.log" &
SERVER_PID=$!
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$PORT/issues?page=1&per_page=1" >/dev/null 2>&1 && break
  sleep 0.1
done
SMALL=$(sluice_into "duckdb:///$OUT/api_bench.duckdb"; cat "$OUT/api.line")

row() {  # NAME "seconds cpu rss"
  read -r s cpu rss <<<"$2"
  awk -v n="$1" -v s="$s" -v c="$cpu" -v m="$rss" -v r="$RECORDS" -v p="$PAGES" 'BEGIN {
    printf "%-44s %7.2f %9.0f %10.0f %11.1f %9.0f\n", n, s, p / s, r / s, c * 1e6 / r, m / 1024 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
echo
echo "API benchmark: $RECORDS records, $PAGES pages of $PER_PAGE, local server (own process); $(nproc) cores"
printf '%-44s %7s %9s %10s %11s %9s\n' tool seconds pages/s records/s "CPU us/rec" "RSS MB"
row "sluice run -> duckdb" "$DUCK"
row "sluice run -> sqlite" "$SQLITE"
row "python urllib + pandas json_normalize/to_sql" "$PANDAS"
row "python urllib + sqlite3 executemany" "$PLAIN"
echo "sluice -> sqlite vs pandas: $(ratio "${PANDAS%% *}" "${SQLITE%% *}") faster; vs executemany: $(ratio "${PLAIN%% *}" "${SQLITE%% *}")"
echo "sluice -> duckdb peak RSS at $((RECORDS / 10)) records: $(awk '{ printf "%.0f", $3 / 1024 }' <<<"$SMALL") MB; at $RECORDS: $(awk '{ printf "%.0f", $3 / 1024 }' <<<"$DUCK") MB"
