#!/usr/bin/env bash
# sluice's main job on the embedded default: installs what is missing, builds, loads the bundled
# sample data (a CSV and a nested NDJSON file) into ./sluice.duckdb and prints the run reports.
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
