#!/usr/bin/env bash
# sluice's main job on the embedded default: installs what is missing, builds, loads the bundled
# sample data (a CSV, a nested NDJSON file, and a paginated JSON API served from samples/api)
# into ./sluice.duckdb and prints the run reports.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/install_deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build sluice
echo "== samples/customers.csv -> duckdb:///sluice.duckdb"
build/sluice load samples/customers.csv duckdb:///sluice.duckdb --mode replace --report json
echo "== samples/orders.ndjson -> duckdb:///sluice.duckdb (nested: child tables)"
build/sluice load samples/orders.ndjson duckdb:///sluice.duckdb --mode replace --report json
echo "== inferred schema of samples/orders.ndjson"
build/sluice schema samples/orders.ndjson
echo "== samples/api (a paginated JSON API served locally) -> duckdb:///sluice.duckdb"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory samples/api >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/issues-1.json')" \
    2>/dev/null && break
  sleep 0.1
done
SLUICE_DEMO_API="http://127.0.0.1:$port/" build/sluice run samples/api/pipeline.yaml --report json
echo "== the same pipeline again: nothing new since the stored cursor"
SLUICE_DEMO_API="http://127.0.0.1:$port/" build/sluice run samples/api/pipeline.yaml --report json
