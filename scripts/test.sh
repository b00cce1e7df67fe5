#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, builds release, sanitizer and
# fuzzer builds, runs every unit and end-to-end test, then each fuzzer for a bounded time.
# Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
jobs="$(nproc)"
fuzz_seconds="${SLUICE_FUZZ_SECONDS:-30}"

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
scripts/install_deps.sh

step "release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build -j "$jobs"

step "PostgreSQL test server"
# A throwaway server for the PostgreSQL destination's tests (both ctest runs), stopped on exit.
pg_env="$(scripts/postgres_test_server.sh start)"
emulators_env=""
trap 'scripts/postgres_test_server.sh stop "$pg_env"; scripts/storage_emulators.sh stop "$emulators_env"' EXIT
# shellcheck disable=SC1090
source "$pg_env"
export SLUICE_TEST_POSTGRES_URI SLUICE_TEST_POSTGRES_ADMIN_URI
export SLUICE_REQUIRE_POSTGRES=1
echo "PostgreSQL: ${SLUICE_TEST_POSTGRES_URI%%:*}://...@${SLUICE_TEST_POSTGRES_URI##*@}"

step "storage emulators (s3rver, azurite)"
emulators_env="$(scripts/storage_emulators.sh start)"
# shellcheck disable=SC1090
source "$emulators_env"
export SLUICE_REQUIRE_STORAGE_EMULATORS=1
echo "S3: $SLUICE_TEST_S3_ENDPOINT; Azure Blob: ${SLUICE_TEST_AZURE_CONNECTION_STRING##*BlobEndpoint=}"

step "tests (release)"
ctest --test-dir build --output-on-failure -j "$jobs"

step "sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON \
  -DSLUICE_BENCH=OFF >/dev/null
ninja -C build-asan -j "$jobs"

step "tests (ASan + UBSan)"
# DuckDB is not instrumented; its allocator may look like leaks to LSan, so leak checks are off.
# The kill -9 suites (they SIGKILL sluice at random moments and check what committed) ran in the
# release pass; under the sanitizers they would only repeat the same loads 5x slower.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" \
  -E 'CrashSafety|CrashTest|KillingLoads'

step "fuzzers (libFuzzer, ${fuzz_seconds}s each)"
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSLUICE_FUZZ=ON -DSLUICE_TESTS=OFF -DSLUICE_BENCH=OFF >/dev/null
ninja -C build-fuzz -j "$jobs"
for fuzzer in build-fuzz/*_fuzzer; do
  name="$(basename "$fuzzer" _fuzzer)"
  work="$(mktemp -d)"
  corpus=("$work")
  [[ -d "fuzz/corpus/$name" ]] && corpus+=("fuzz/corpus/$name")
  # Regression inputs first: each must run clean.
  if [[ -d "fuzz/regressions/$name" ]] && compgen -G "fuzz/regressions/$name/*" >/dev/null; then
    ASAN_OPTIONS=detect_leaks=0 "$fuzzer" fuzz/regressions/"$name"/*
  fi
  ASAN_OPTIONS=detect_leaks=0 "$fuzzer" -max_total_time="$fuzz_seconds" -max_len=65536 \
    -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 "${corpus[@]}" 2>&1 | tail -n 12
  rm -rf "$work"
done

step "all tests passed"
