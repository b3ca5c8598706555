#!/usr/bin/env bash
# npm start: set up what is missing (npm deps, build, Docker engine, local registry with a
# busybox image) and run zun-ts all-in-one. Ctrl-C stops everything this started.
set -euo pipefail
cd "$(dirname "$0")/.."
export ZUN_STATE=${ZUN_STATE:-$PWD/.zun}
source scripts/lib/setup.sh
trap release EXIT
prepare

# ZUN_EXTRA_HOSTS=N: N more compute hosts on this machine, each with its own Docker engine
# (scripts/engines.sh; stopped again by release).
if [ "${ZUN_EXTRA_HOSTS:-0}" -gt 0 ]; then
  echo "zun: starting ${ZUN_EXTRA_HOSTS} more Docker engine(s) for extra compute hosts..."
  ZUN_EXTRA_ENGINES=$(bash scripts/engines.sh up "$ZUN_EXTRA_HOSTS" "$ZUN_STATE/engines" | paste -sd, -)
  export ZUN_EXTRA_ENGINES
fi

# Ctrl-C reaches the node process (same process group); we wait for it, then clean up. The
# engine and registry are stopped (when we started them) after Ctrl-C or a failed start-up
# (exit code 3), never because the launcher itself died: the tenants' containers keep running.
asked_to_stop=0
trap 'asked_to_stop=1' INT
set +e
node packages/aio/dist/main.js
code=$?
set -e
if [ "$asked_to_stop" = 0 ] && [ "$code" != 0 ] && [ "$code" != 3 ]; then
  trap - EXIT
  echo "zun: the launcher died (exit code $code); the Docker engine and the containers keep running." >&2
  echo "     npm start again resumes; see $ZUN_STATE/logs." >&2
  exit "$code"
fi
exit "$code"
