#!/usr/bin/env bash
# npm run bench: starts an all-in-one stack on its own state and ports, then runs the
# benchmarks in bench/ against it and the raw engine on the same run. Results: bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
export ZUN_STATE=${ZUN_STATE:-$PWD/.zun/bench}
source scripts/lib/setup.sh
source scripts/lib/openstack.sh
# `npm run bench -- scale` (long: about half an hour) brings its own stack: a fresh embedded
# PostgreSQL, zun-api and hollow compute hosts, no engine. It is never part of the default run.
if [ "${1:-}" = scale ]; then
  ensure_node_deps
  ensure_build
  exec npx ts-node --transpile-only bench/scale.ts
fi
prepare
# bench/console.ts drives the web console in Debian's chromium (as the browser tests do).
if [[ $# -eq 0 || " $* " == *" console "* ]] && [ ! -x /usr/bin/chromium ]; then
  echo "zun: installing Debian chromium for the console benchmark..."
  apt_install chromium
fi
# Keystone and Glance for the glance driver's benchmark (bench/glance.ts), only when it runs:
# they cost the 2 cores a few uwsgi workers that the other benchmarks would compete with.
if [ $# -eq 0 ] || [[ " $* " == *" glance "* ]] || [[ " $* " == *" keystone "* ]]; then
  openstack_up
  export ZUN_GLANCE_AUTH_URL="$ZUN_KEYSTONE_URL/v3" ZUN_GLANCE_API_SERVERS="$ZUN_GLANCE_URL" ZUN_GLANCE_PASSWORD=zun-secret
fi

export ZUN_API_PORT=${ZUN_API_PORT:-29517} ZUN_COMPUTE_LISTEN_PORT=${ZUN_COMPUTE_LISTEN_PORT:-29518} ZUN_PG_PORT=${ZUN_PG_PORT:-55435} ZUN_WSPROXY_PORT=${ZUN_WSPROXY_PORT:-29519} ZUN_CONSOLE_PORT=${ZUN_CONSOLE_PORT:-29520}
# `npm run bench -- swarm`: a separate engine (never the main one, which a swarm would change),
# with a second zun-compute on it, for bench/swarm.ts.
swarm_engines="$ZUN_STATE/swarm-engines"
if [[ " $* " == *" swarm "* ]]; then
  export ZUN_DEFAULT_HOST=${ZUN_DEFAULT_HOST:-bench}
  export BENCH_SWARM_SOCKET
  BENCH_SWARM_SOCKET=$(ZUN_ENGINE_BASE=${ZUN_SWARM_ENGINE:-7} bash scripts/engines.sh up 1 "$swarm_engines" | tail -1)
  export ZUN_EXTRA_ENGINES=$BENCH_SWARM_SOCKET BENCH_SWARM_HOST="$ZUN_DEFAULT_HOST-2"
fi
log="$ZUN_STATE/aio.out"
setsid node packages/aio/dist/main.js > "$log" 2>&1 &
aio=$!
cleanup() {
  kill -INT "$aio" 2>/dev/null && wait "$aio" 2>/dev/null || true
  bash scripts/engines.sh down "$swarm_engines"
  openstack_down
  release
}
trap cleanup EXIT
for _ in $(seq 1 600); do grep -q ZUN_READY "$log" && break; kill -0 "$aio" || { cat "$log"; exit 1; }; sleep 0.2; done

run_bench() {
  BENCH_API_URL="http://127.0.0.1:$ZUN_API_PORT" \
  BENCH_COMPUTE_URL="http://127.0.0.1:$ZUN_COMPUTE_LISTEN_PORT" \
  BENCH_WSPROXY_URL="http://127.0.0.1:$ZUN_WSPROXY_PORT" \
  BENCH_CONSOLE_URL="http://127.0.0.1:$ZUN_CONSOLE_PORT" \
  BENCH_ADMIN_PASSWORD=$(node -e "console.log(require('$ZUN_STATE/secrets.json').adminPassword)") \
    npx ts-node --transpile-only "bench/$1.ts"
}
# `npm run bench -- wsproxy` runs only the named benchmarks.
if [ $# -gt 0 ]; then
  for b in "$@"; do run_bench "$b"; done
  exit 0
fi
if [ -f bench/scheduler.ts ]; then npx ts-node --transpile-only bench/scheduler.ts; fi
run_bench containers
run_bench overhead
run_bench capsule
run_bench wsproxy
run_bench glance
run_bench keystone
run_bench quotas
run_bench console
