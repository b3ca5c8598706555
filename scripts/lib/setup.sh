# Sourced by start.sh / test.sh / bench.sh: everything they need, each step done only when
# needed. `prepare` runs them all; `release` stops what prepare started (engine, registry).
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/docker.sh"
source "$here/registry.sh"

ensure_node_deps() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "zun: installing npm dependencies..."
    # npm install, not npm ci: npm 11 rejects this lock file in ci for optional platform
    # packages of @swc/core it chose not to record; install still follows the lock.
    npm install --no-audit --no-fund --loglevel=error || return 1
  fi
}

ensure_build() {
  echo "zun: building..."
  # The daemons (tsc) and the web console's browser bundle (esbuild): `npm run build`.
  npm run --silent build || return 1
}

prepare() {
  mkdir -p "$ZUN_STATE"
  ensure_node_deps
  ensure_build
  ensure_docker
  ensure_registry
}

release() {
  # Extra engines a multi-host test started and could not stop (it was killed).
  [ -d "$ZUN_STATE/engines" ] && bash "$here/../engines.sh" down "$ZUN_STATE/engines"
  stop_our_registry
  stop_our_docker
}
