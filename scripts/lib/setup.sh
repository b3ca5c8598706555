# Sourced by start.sh / test.sh / bench.sh: npm dependencies and a build, done only when needed.

ensure_node_deps() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "zun: installing npm dependencies..."
    npm ci --no-audit --no-fund --loglevel=error || return 1
  fi
}

ensure_build() {
  echo "zun: building..."
  npx tsc -b || return 1
}
