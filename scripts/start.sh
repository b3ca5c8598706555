#!/usr/bin/env bash
# npm start: set up what is missing (npm deps, build, Docker engine, local registry with a
# busybox image) and run zun-ts all-in-one. Ctrl-C stops everything this started.
set -euo pipefail
cd "$(dirname "$0")/.."
export ZUN_STATE=${ZUN_STATE:-$PWD/.zun}
source scripts/lib/setup.sh
trap release EXIT
prepare

# Ctrl-C reaches the node process (same process group); we wait for it, then clean up.
trap 'true' INT
node packages/aio/dist/main.js
