# Sourced by start.sh / test.sh / bench.sh: makes sure a Docker engine answers on
# $DOCKER_SOCKET. As root, a missing engine is installed from Debian (docker.io)
# and a dockerd we start ourselves is recorded in $ZUN_STATE/dockerd.pid so that
# only that one is ever stopped by us.

DOCKER_SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}
DOCKER_BIN=/usr/bin/docker

docker_ping() {
  curl -sf --max-time 2 --unix-socket "$DOCKER_SOCKET" http://localhost/_ping >/dev/null 2>&1
}

ensure_docker() {
  if docker_ping; then return 0; fi
  if [ "$(id -u)" != 0 ]; then
    echo "zun: no Docker engine answers on $DOCKER_SOCKET." >&2
    echo "     Install and start one (Debian: sudo apt-get install docker.io && sudo systemctl start docker)," >&2
    echo "     or point DOCKER_SOCKET at a running engine, then run this again." >&2
    return 1
  fi
  if ! command -v dockerd >/dev/null 2>&1 || [ ! -x "$DOCKER_BIN" ]; then
    echo "zun: installing Debian docker.io (no Docker engine found)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null || return 1
  fi
  mkdir -p "$ZUN_STATE"
  echo "zun: starting dockerd (log: $ZUN_STATE/dockerd.log)"
  setsid dockerd -H "unix://$DOCKER_SOCKET" >"$ZUN_STATE/dockerd.log" 2>&1 < /dev/null &
  echo $! > "$ZUN_STATE/dockerd.pid"
  for _ in $(seq 1 60); do
    docker_ping && return 0
    sleep 0.5
  done
  echo "zun: dockerd did not answer within 30 s; see $ZUN_STATE/dockerd.log" >&2
  return 1
}

# Stops dockerd only if this checkout started it.
stop_our_docker() {
  local pidfile="$ZUN_STATE/dockerd.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$pidfile"
}
