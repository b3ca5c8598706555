#!/usr/bin/env bash
# npm test: the same set-up as npm start (npm deps, build, Docker engine, local registry with
# busybox, the Debian zun CLI) plus a real Keystone and Glance on loopback for the glance image
# driver (Debian packages installed once; scripts/lib/openstack.sh), then the whole jest suite:
# unit, integration against the real engine and PostgreSQL, and end-to-end with the real zun
# CLI. Stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export ZUN_STATE=${ZUN_STATE:-$PWD/.zun/test}
source scripts/lib/setup.sh
source scripts/lib/openstack.sh
trap 'openstack_down; release' EXIT
prepare
openstack_up
if [ ! -x /usr/bin/zun ]; then
  echo "zun: installing the real client (Debian python3-zunclient) for the end-to-end tests..."
  apt_install python3-zunclient
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "zun: installing Debian chromium for the web console's browser tests..."
  apt_install chromium
fi

if [ $# -eq 0 ]; then
  echo "zun: lint and format checks..."
  npx eslint .
  npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
fi
npx jest "$@"
