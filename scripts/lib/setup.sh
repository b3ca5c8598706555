# Sourced by start.sh / test.sh / bench.sh: npm dependencies and a build, done only when needed.

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
  npx tsc -b || return 1
}
