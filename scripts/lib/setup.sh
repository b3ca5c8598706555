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

# Written after a successful build. Nothing newer than it among the sources means nothing to
# build: each e2e test starts its own stack with this script, and a no-op `npm run build`
# (npm, tsc and esbuild starting to find nothing to do) costs seconds of CPU every time.
build_stamp=.zun/build.stamp

build_is_current() {
  [ -f "$build_stamp" ] && [ -f packages/aio/dist/main.js ] && [ -d packages/console/dist/public ] || return 1
  local newer
  newer=$(find packages package.json package-lock.json tsconfig.base.json tsconfig.json \
    \( -name node_modules -o -name dist \) -prune -o -newer "$build_stamp" -type f \
    \( -name '*.ts' -o -name '*.tsx' -o -name '*.mjs' -o -name '*.json' -o -name '*.css' -o -name '*.html' \) \
    -print -quit)
  [ -z "$newer" ]
}

ensure_build() {
  if build_is_current; then return 0; fi
  echo "zun: building..."
  # The daemons (tsc) and the web console's browser bundle (esbuild): `npm run build`.
  local started
  started=$(mktemp)
  npm run --silent build || { rm -f "$started"; return 1; }
  # Stamped with the time the build began: a file saved during the build is seen next time.
  mkdir -p "$(dirname "$build_stamp")"
  mv "$started" "$build_stamp"
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
