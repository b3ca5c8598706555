#!/usr/bin/env bash
# More Docker engines on this machine, one per extra compute host:
#
#   scripts/engines.sh up N [DIR]    start N engines numbered from ZUN_ENGINE_BASE (default 1),
#                                    state in DIR (default $ZUN_STATE/engines or .zun/engines)
#   scripts/engines.sh down [DIR]    stop the engines started in DIR (by their pidfiles)
#   scripts/engines.sh sockets [DIR] print the sockets of the running ones, one per line
#
# Each engine gets its own socket, data-root, exec-root, pidfile, its OWN bridge (zunbrI with
# 10.200.I.1/24) and its own address pool (10.(210+I).0.0/16) for user-defined networks, with
# iptables off, so it never touches the first engine's docker0 or rules. Images come from the
# local registry on 127.0.0.1 like on any real host. Needs root.
set -euo pipefail

cmd=${1:-}
dir_arg() { echo "${1:-${ZUN_STATE:-$PWD/.zun}/engines}"; }

ping_sock() { curl -sf --max-time 2 --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1; }

up_one() {
  local i=$1 dir=$2
  local d="$dir/$i" br="zunbr$i" sock="$dir/$i/docker.sock"
  mkdir -p "$d/data" "$d/exec"
  if [ -f "$d/dockerd.pid" ] && kill -0 "$(cat "$d/dockerd.pid")" 2>/dev/null && ping_sock "$sock"; then
    echo "$sock"
    return 0
  fi
  if ! ip link show "$br" >/dev/null 2>&1; then
    ip link add "$br" type bridge
    ip addr add "10.200.$i.1/24" dev "$br"
  fi
  ip link set "$br" up
  # A restart on a kept data-root reloads its network store, and that makes dockerd delete the
  # machine's docker0 (seen with docker.io 20.10): always start with a fresh network store.
  rm -rf "$d/data/network"
  setsid dockerd -H "unix://$sock" --data-root "$d/data" --exec-root "$d/exec" \
    --pidfile "$d/dockerd.pid" --bridge "$br" --iptables=false --ip-masq=false \
    --default-address-pool "base=10.$((210 + i)).0.0/16,size=24" \
    --label "zun.engine=$i" >"$d/dockerd.log" 2>&1 </dev/null &
  echo $! >"$d/started.pid"
  for _ in $(seq 1 80); do
    if ping_sock "$sock"; then
      echo "$sock"
      return 0
    fi
    sleep 0.25
  done
  echo "engine $i did not answer in 20 s; see $d/dockerd.log" >&2
  return 1
}

down_one() {
  local d=$1
  local pidfile="$d/started.pid"
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$pidfile"
  local i
  i=$(basename "$d")
  ip link del "zunbr$i" 2>/dev/null || true
}

case "$cmd" in
  up)
    n=${2:?usage: engines.sh up N [DIR]}
    dir=$(dir_arg "${3:-}")
    mkdir -p "$dir"
    # Numbers (hence bridges and address pools) must differ between sets running at once.
    base=${ZUN_ENGINE_BASE:-1}
    for i in $(seq "$base" $((base + n - 1))); do up_one "$i" "$dir"; done
    ;;
  down)
    dir=$(dir_arg "${2:-}")
    [ -d "$dir" ] || exit 0
    for d in "$dir"/*/; do [ -d "$d" ] && down_one "${d%/}"; done
    ;;
  sockets)
    dir=$(dir_arg "${2:-}")
    for d in "$dir"/*/; do [ -S "${d}docker.sock" ] && ping_sock "${d}docker.sock" && echo "${d}docker.sock"; done
    ;;
  *)
    sed -n '2,14p' "$0"
    exit 2
    ;;
esac
