#!/usr/bin/env bash
# The storage emulators the test suite runs against, from npm: s3rver (the S3 REST API) and
# azurite (Azure Blob; it verifies SharedKey signatures). GCS is served by an in-test server.
#
#   scripts/storage_emulators.sh install       -> npm installs the pinned versions (idempotent)
#   scripts/storage_emulators.sh start         -> prints the path of an env file to `source`
#   scripts/storage_emulators.sh stop ENVFILE
#
# The env file sets SLUICE_TEST_S3_ENDPOINT, SLUICE_TEST_AZURE_CONNECTION_STRING and
# SLUICE_TEST_EMULATORS_DIR (data and logs; `stop` removes it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/third_party/emulators"
s3rver_version=3.7.1
azurite_version=3.35.0  # newer releases require Node.js 22; Debian 12 ships 18
# Azurite's well-known development account (public, documented by Microsoft; not a secret).
azure_account=devstoreaccount1
azure_key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

install() {
  if [[ -x $prefix/node_modules/.bin/s3rver && -x $prefix/node_modules/.bin/azurite-blob ]] &&
    grep -q "\"version\": \"$s3rver_version\"" "$prefix/node_modules/s3rver/package.json" &&
    grep -q "\"version\": \"$azurite_version\"" "$prefix/node_modules/azurite/package.json"; then
    return
  fi
  mkdir -p "$prefix"
  npm install --silent --no-audit --no-fund --prefix "$prefix" \
    "s3rver@$s3rver_version" "azurite@$azurite_version" >&2
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {  # first free port from $1
  local port=$1
  while port_in_use "$port"; do port=$((port + 1)); done
  echo "$port"
}

wait_for_port() {  # port, name, log
  for _ in $(seq 1 100); do
    port_in_use "$1" && return 0
    sleep 0.1
  done
  echo "$2 did not start; its log:" >&2
  cat "$3" >&2
  exit 1
}

start() {
  install
  local dir
  dir="$(mktemp -d /tmp/sluice-emulators.XXXXXX)"
  mkdir -p "$dir/s3" "$dir/azure"
  local s3_port azure_port
  s3_port="$(free_port "${SLUICE_S3_PORT:-4568}")"
  "$prefix/node_modules/.bin/s3rver" --directory "$dir/s3" --address 127.0.0.1 --port "$s3_port" \
    --silent >"$dir/s3rver.log" 2>&1 &
  echo $! >"$dir/s3rver.pid"
  wait_for_port "$s3_port" s3rver "$dir/s3rver.log"
  azure_port="$(free_port "${SLUICE_AZURE_PORT:-10010}")"
  "$prefix/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$azure_port" \
    --location "$dir/azure" --skipApiVersionCheck --silent >"$dir/azurite.log" 2>&1 &
  echo $! >"$dir/azurite.pid"
  wait_for_port "$azure_port" azurite "$dir/azurite.log"
  cat >"$dir/env" <<ENV
export SLUICE_TEST_EMULATORS_DIR='$dir'
export SLUICE_TEST_S3_ENDPOINT='http://127.0.0.1:$s3_port'
export SLUICE_TEST_AZURE_CONNECTION_STRING='DefaultEndpointsProtocol=http;AccountName=$azure_account;AccountKey=$azure_key;BlobEndpoint=http://127.0.0.1:$azure_port/$azure_account;'
ENV
  echo "$dir/env"
}

stop() {
  local env_file="${1:-}" dir
  [[ -n $env_file && -f $env_file ]] || return 0
  dir="$(dirname "$env_file")"
  for name in s3rver azurite; do
    [[ -f $dir/$name.pid ]] && kill "$(cat "$dir/$name.pid")" 2>/dev/null || true
  done
  sleep 0.2
  rm -rf "$dir"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 install|start|stop ENVFILE" >&2; exit 2 ;;
esac
