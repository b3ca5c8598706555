#!/usr/bin/env bash
# Builds the deploy images with the local engine and no internet access beyond Debian's apt
# mirror and the npm registry:
#   zun-deploy/debian:bookworm   mmdebstrap --variant=minbase (tarball cached in $CACHE)
#   zun-deploy/infra:bookworm    the same plus Debian's haproxy and postgresql-15
#   zun-deploy/base              + node, the built app, production node_modules, kolla_start
#   zun-deploy/zun-{api,compute,wsproxy,console}   one label layer each on the base
# Re-running reuses the cached root filesystems; the app layer is rebuilt from the worktree.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
CACHE=${ZUN_DEPLOY_CACHE:-${ZUN_STATE:-$repo/.zun}/deploy/cache}
MIRROR=${ZUN_DEPLOY_MIRROR:-http://deb.debian.org/debian}
LABEL=zun-deploy=1
mkdir -p "$CACHE"

rootfs() { # name, extra packages
  local tar="$CACHE/$1-rootfs.tar"
  if [ ! -s "$tar" ]; then
    if ! command -v mmdebstrap >/dev/null; then
      [ "$(id -u)" = 0 ] || { echo "needs Debian's mmdebstrap (apt-get install mmdebstrap)" >&2; exit 1; }
      echo "zun: installing Debian's mmdebstrap (once)..." >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
    fi
    mmdebstrap --variant=minbase ${2:+--include=$2} bookworm "$tar.part" "$MIRROR"
    mv "$tar.part" "$tar"
  fi
  echo "$tar"
}
import() { # tarball, image
  if ! docker image inspect "$2" >/dev/null 2>&1; then
    docker import --change "LABEL $LABEL" "$1" "$2" >/dev/null
  fi
}

import "$(rootfs base)" zun-deploy/debian:bookworm

(cd "$repo" && npx tsc -b && npm run build -w @zun/console >/dev/null)
ctx="$CACHE/context"
rm -rf "$ctx" && mkdir -p "$ctx/app/packages"
cp "$here/kolla_start" "$here/Dockerfile.base" "$ctx/"
cp "$(command -v node)" "$ctx/node"
cp "$repo/package.json" "$repo/package-lock.json" "$ctx/app/"
for p in "$repo"/packages/*/; do
  n=$(basename "$p")
  mkdir -p "$ctx/app/packages/$n"
  cp "$p/package.json" "$ctx/app/packages/$n/"
  cp -r "$p/dist" "$ctx/app/packages/$n/"
  find "$ctx/app/packages/$n/dist" \( -name '*.test.*' -o -name '*.map' \) -delete
  # The migrations are read from disk at start.
  [ -d "$p/migrations" ] && cp -r "$p/migrations" "$ctx/app/packages/$n/"
  [ -d "$p/web" ] && cp -r "$p/web" "$ctx/app/packages/$n/"
done
(cd "$ctx/app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
docker build -q --label "$LABEL" -t zun-deploy/base:latest -f "$ctx/Dockerfile.base" "$ctx" >/dev/null
for s in api compute wsproxy console; do
  docker build -q --label "$LABEL" --build-arg "SERVICE=zun-$s" -t "zun-deploy/zun-$s:latest" \
    -f "$here/Dockerfile.service" "$here" >/dev/null
done
import "$(rootfs infra haproxy,postgresql-15)" zun-deploy/infra:bookworm
docker images --filter "label=$LABEL" --format '{{.Repository}}:{{.Tag}}  {{.Size}}'
