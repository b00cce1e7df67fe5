#!/usr/bin/env bash
# Installs the Debian packages sluice builds, tests and benchmarks with (idempotent), then DuckDB.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang-14 libclang-rt-14-dev
  libsimdjson-dev libfast-float-dev libxxhash-dev zlib1g-dev libzstd-dev libcli11-dev
  libsqlite3-dev sqlite3
  libgtest-dev libgmock-dev libbenchmark-dev
  libpq-dev postgresql-15 libyaml-cpp-dev
  libcurl4-openssl-dev libssl-dev libzip-dev libexpat1-dev libxlsxwriter-dev libcpp-httplib-dev
  python3 hyperfine
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere with its own npm: only ask Debian for it when absent.
command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
"$root/scripts/fetch_duckdb.sh"
