#!/usr/bin/env bash
# Fetches DuckDB's shared library and C API header from its official npm packages
# (Debian packages no DuckDB), verifies them by sha256 and extracts into third_party/duckdb/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/third_party/duckdb"
if [[ -f "$dest/lib/libduckdb.so" && -f "$dest/include/duckdb.h" ]]; then exit 0; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent duckdb@1.4.4 @duckdb/node-bindings-linux-x64@1.4.4-r.1 >/dev/null
sha256sum -c - <<'SUMS'
5bb967dcbcd517670ba5f169f238fb9d6787e53752c60ebe24386169d76941ed  duckdb-1.4.4.tgz
8ac460b152cd05a95065a414879bb09e40534b1fb7a80a7afe6969b6ce039029  duckdb-node-bindings-linux-x64-1.4.4-r.1.tgz
SUMS
mkdir -p "$dest/lib" "$dest/include"
tar xzf duckdb-1.4.4.tgz package/src/duckdb/src/include/duckdb.h
tar xzf duckdb-node-bindings-linux-x64-1.4.4-r.1.tgz package/libduckdb.so
cp package/src/duckdb/src/include/duckdb.h "$dest/include/"
cp package/libduckdb.so "$dest/lib/"
echo "DuckDB 1.4.4 C API installed into $dest"
