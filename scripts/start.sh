#!/usr/bin/env bash
# npm start: set up what is missing (npm deps, build, Docker engine, local registry with a
# busybox image) and run zun-ts all-in-one. Ctrl-C stops everything this started.
set -euo pipefail
cd "$(dirname "$0")/.."
export ZUN_STATE=${ZUN_STATE:-$PWD/.zun}
mkdir -p "$ZUN_STATE"
source scripts/lib/setup.sh
source scripts/lib/docker.sh
source scripts/lib/registry.sh

ensure_node_deps
ensure_build
ensure_docker
ensure_registry

cleanup() {
  stop_our_registry
  stop_our_docker
}
trap cleanup EXIT
# Ctrl-C reaches the node process (same process group); we wait for it, then clean up.
trap 'true' INT
node packages/aio/dist/main.js
