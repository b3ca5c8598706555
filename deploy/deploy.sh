#!/usr/bin/env bash
# A multi-host zun-ts on this machine, every part in a container (images from images/build.sh):
#
#   deploy/deploy.sh up [N]   PostgreSQL, two zun-api behind haproxy, zun-wsproxy, zun-console
#                             and N (default 2) compute hosts, each with its own Docker engine
#                             (scripts/engines.sh); writes $DEPLOY/zunrc for the zun CLI
#   deploy/deploy.sh status   the containers and whether the load balancer answers
#   deploy/deploy.sh roll     rolling restart of the two zun-api (one at a time, each drained)
#   deploy/deploy.sh down     removes everything `up` made (containers, network, volumes, engines)
#
# Everything is named zun-deploy-* and labelled zun-deploy=1. Ports on 127.0.0.1:
# ZUN_DEPLOY_LB_PORT (19517, the API), ZUN_DEPLOY_WS_PORT (16784), ZUN_DEPLOY_CONSOLE_PORT (19519).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
DEPLOY=${ZUN_DEPLOY_STATE:-${ZUN_STATE:-$repo/.zun}/deploy}
LB_PORT=${ZUN_DEPLOY_LB_PORT:-19517}
WS_PORT=${ZUN_DEPLOY_WS_PORT:-16784}
CONSOLE_PORT=${ZUN_DEPLOY_CONSOLE_PORT:-19519}
REGISTRY=${ZUN_DEPLOY_REGISTRY:-127.0.0.1:5000}
# Engine numbers (hence bridges zunbrI and address pools 10.(210+I)/16, so I <= 45) apart from
# the other sets on the machine.
export ZUN_ENGINE_BASE=${ZUN_DEPLOY_ENGINE_BASE:-41}
NET=zun-deploy-net
LABEL=zun-deploy=1
ENGINES="$DEPLOY/engines"

say() { echo "deploy: $*" >&2; }

secrets() {
  local f="$DEPLOY/secrets.env"
  if [ ! -f "$f" ]; then
    umask 077
    local r
    r() { head -c 24 /dev/urandom | base64 | tr -d '/+='; }
    {
      echo "DB_PASSWORD=$(r)"
      echo "PG_ADMIN_PASSWORD=$(r)"
      echo "AUTH_KEY=$(r)$(r)"
      echo "SERVICE_TOKEN=$(r)$(r)"
      echo "ADMIN_PASSWORD=$(r)"
      echo "DEMO_PASSWORD=$(r)"
    } >"$f"
  fi
  # shellcheck disable=SC1090
  source "$f"
}

# zun.conf shared by every daemon; each reads only its sections. Per-daemon values (host,
# advertise_url) come as ZUN_<SECTION>_<OPTION> variables on the container.
render_conf() {
  cat <<CONF
[DEFAULT]
log_format = json
auth_encryption_key = ${AUTH_KEY}
sandbox_image = ${REGISTRY}/zun-sandbox

[database]
connection = postgres://zun:${DB_PASSWORD}@zun-deploy-db:5432/zun

[api]
host_ip = 0.0.0.0
port = 9517
public_url = http://127.0.0.1:${LB_PORT}

[identity]
admin_password = ${ADMIN_PASSWORD}
demo_password = ${DEMO_PASSWORD}

[compute]
listen_host = 0.0.0.0
listen_port = 9518
service_token = ${SERVICE_TOKEN}
state_path = /var/lib/zun

[docker]
socket_path = /var/run/docker.sock
default_registry = ${REGISTRY}
publish_address = 127.0.0.1

[websocket_proxy]
wsproxy_host = 0.0.0.0
wsproxy_port = 6784
base_url = ws://127.0.0.1:${WS_PORT}/
allowed_origins = http://127.0.0.1:${CONSOLE_PORT}

[console]
host = 0.0.0.0
port = 9519
api_url = http://zun-deploy-lb:9517
CONF
}

# The Kolla directory of one daemon: config.json plus the rendered zun.conf.
render_kolla() { # name, package, state path to own (or empty)
  local d="$DEPLOY/config/$1"
  mkdir -p "$d"
  (umask 077 && render_conf >"$d/zun.conf")
  local perms=''
  [ -n "$3" ] && perms=", \"permissions\": [{\"path\": \"$3\", \"owner\": \"zun:zun\", \"recurse\": true}]"
  cat >"$d/config.json" <<JSON
{
  "command": "node /opt/zun/packages/$2/dist/main.js",
  "config_files": [
    {"source": "/var/lib/kolla/config_files/zun.conf", "dest": "/etc/zun/zun.conf", "owner": "zun", "perm": "0600"},
    {"source": "/var/lib/kolla/config_files/policy.yaml", "dest": "/etc/zun/policy.yaml", "owner": "zun", "perm": "0600", "optional": true}
  ]${perms}
}
JSON
  echo "$d"
}

run() { # name, image, docker run options... [-- command...]
  local name=$1 image=$2 opts=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" --label "$LABEL" --network "$NET" --restart unless-stopped \
    --stop-timeout 70 "${opts[@]}" "$image" "$@" >/dev/null
}

wait_for() { # what, command...
  local what=$1
  shift
  for _ in $(seq 1 240); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  say "$what did not come up"
  return 1
}

api_ok() { docker exec "$1" node -e "fetch('http://127.0.0.1:9517/').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; }

up_db() {
  docker volume create --label "$LABEL" zun-deploy-pgdata >/dev/null
  # Debian's PostgreSQL 15, run as its postgres user; the cluster is made on the first start.
  run zun-deploy-db zun-deploy/infra:bookworm --user postgres -v zun-deploy-pgdata:/var/lib/postgresql \
    -e "PW=${PG_ADMIN_PASSWORD}" --entrypoint /bin/sh -- -c '
      D=/var/lib/postgresql/zun; B=/usr/lib/postgresql/15/bin
      if [ ! -s "$D/PG_VERSION" ]; then
        printf %s "$PW" >/tmp/pw
        $B/initdb -D "$D" -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile=/tmp/pw >/dev/null
        rm /tmp/pw
        echo "host all all 0.0.0.0/0 scram-sha-256" >>"$D/pg_hba.conf"
      fi
      exec $B/postgres -D "$D" -c listen_addresses=* -c unix_socket_directories=/tmp -c max_connections=200'
  wait_for PostgreSQL docker exec zun-deploy-db psql -h /tmp -U postgres -c 'select 1'
  docker exec zun-deploy-db psql -h /tmp -U postgres -v ON_ERROR_STOP=1 -q -c \
    "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='zun') THEN CREATE ROLE zun LOGIN PASSWORD '${DB_PASSWORD}'; END IF; END\$\$;"
  if [ -z "$(docker exec zun-deploy-db psql -h /tmp -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='zun'")" ]; then
    docker exec zun-deploy-db psql -h /tmp -U postgres -q -c 'CREATE DATABASE zun OWNER zun'
  fi
  say "PostgreSQL up (zun-deploy-db)"
}

up_api() { # i
  local d
  d=$(render_kolla "api-$1" api '')
  run "zun-deploy-api-$1" zun-deploy/zun-api:latest -v "$d:/var/lib/kolla/config_files:ro" \
    -e "ZUN_DEFAULT_HOST=zun-deploy-api-$1"
  wait_for "zun-deploy-api-$1" api_ok "zun-deploy-api-$1"
}

up_lb() {
  mkdir -p "$DEPLOY/config/lb"
  # Health checks take a draining zun-api out within a second; a request refused or cut while
  # connecting is retried on the other one (retry-on/redispatch), so clients see no error.
  cat >"$DEPLOY/config/lb/haproxy.cfg" <<CFG
global
  user haproxy
  group haproxy
defaults
  mode http
  timeout connect 2s
  timeout client 120s
  timeout server 120s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout 503
  option http-server-close
frontend api
  bind *:9517
  default_backend zun_api
backend zun_api
  balance roundrobin
  option httpchk GET /healthcheck
  default-server inter 500ms fall 1 rise 2 on-marked-down shutdown-sessions
  server api1 zun-deploy-api-1:9517 check init-addr last,libc,none resolvers docker
  server api2 zun-deploy-api-2:9517 check init-addr last,libc,none resolvers docker
resolvers docker
  nameserver dns 127.0.0.11:53
  hold valid 1s
CFG
  run zun-deploy-lb zun-deploy/infra:bookworm -p "127.0.0.1:${LB_PORT}:9517" \
    -v "$DEPLOY/config/lb:/etc/zun-deploy-lb:ro" --entrypoint haproxy -- \
    -W -db -f /etc/zun-deploy-lb/haproxy.cfg
  wait_for "load balancer" curl -sf "http://127.0.0.1:${LB_PORT}/"
  say "zun-api x2 behind haproxy on 127.0.0.1:${LB_PORT}"
}

up_compute() { # i, engine socket
  local i=$1 sock=$2 d
  # The state path is a host directory at the same path inside: files injected into tenants'
  # containers are written there by the agent and bind-mounted by the engine, which resolves
  # the path on the host.
  local state="$DEPLOY/hosts/$i"
  mkdir -p "$state"
  d=$(render_kolla "compute-$i" compute "$state")
  # What compute gets from the host: its engine's socket (and the socket's group, so the
  # unprivileged zun user may use it) and its state directory. No host network, no privileges.
  run "zun-deploy-compute-$i" zun-deploy/zun-compute:latest -v "$d:/var/lib/kolla/config_files:ro" \
    -v "$sock:/var/run/docker.sock" --group-add "$(stat -c %g "$sock")" -v "$state:$state" \
    -e "ZUN_DEFAULT_HOST=deploy-host-$i" -e "ZUN_COMPUTE_STATE_PATH=$state" \
    -e "ZUN_COMPUTE_ADVERTISE_URL=http://zun-deploy-compute-$i:9518"
  wait_for "zun-deploy-compute-$i" sh -c "docker logs zun-deploy-compute-$i 2>&1 | grep -q 'zun-compute started'"
  say "compute host deploy-host-$i (engine $sock)"
}

up() {
  local n=${1:-2}
  mkdir -p "$DEPLOY"
  secrets
  for img in zun-deploy/infra:bookworm zun-deploy/zun-api:latest; do
    docker image inspect "$img" >/dev/null 2>&1 || { say "no image $img: run deploy/images/build.sh"; exit 1; }
  done
  docker network inspect "$NET" >/dev/null 2>&1 || docker network create --label "$LABEL" "$NET" >/dev/null
  up_db
  up_api 1
  up_api 2
  up_lb
  local i=1 socks
  socks=$(bash "$repo/scripts/engines.sh" up "$n" "$ENGINES")
  for sock in $socks; do
    up_compute "$i" "$sock"
    i=$((i + 1))
  done
  local d
  d=$(render_kolla wsproxy wsproxy '')
  run zun-deploy-wsproxy zun-deploy/zun-wsproxy:latest -p "127.0.0.1:${WS_PORT}:6784" -v "$d:/var/lib/kolla/config_files:ro"
  d=$(render_kolla console console '')
  run zun-deploy-console zun-deploy/zun-console:latest -p "127.0.0.1:${CONSOLE_PORT}:9519" -v "$d:/var/lib/kolla/config_files:ro"
  wait_for console curl -sf "http://127.0.0.1:${CONSOLE_PORT}/healthcheck"
  cat >"$DEPLOY/zunrc" <<RC
export OS_AUTH_URL=http://127.0.0.1:${LB_PORT}/identity/v3
export OS_USERNAME=admin
export OS_PASSWORD='${ADMIN_PASSWORD}'
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_IDENTITY_API_VERSION=3
export OS_REGION_NAME=RegionOne
RC
  say "up: source $DEPLOY/zunrc; console http://127.0.0.1:${CONSOLE_PORT}/"
}

roll() {
  for i in 1 2; do
    local t0=$SECONDS
    # SIGTERM: zun-api drains (answers what is in flight, then exits); haproxy's health check
    # has already moved new requests to the other one.
    docker restart -t 70 "zun-deploy-api-$i" >/dev/null
    wait_for "zun-deploy-api-$i" api_ok "zun-deploy-api-$i"
    # haproxy needs `rise` good checks before sending it traffic again.
    sleep 2
    say "zun-deploy-api-$i restarted in $((SECONDS - t0)) s"
  done
}

status() {
  docker ps -a --filter "label=$LABEL" --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}'
  if curl -sf "http://127.0.0.1:${LB_PORT}/" >/dev/null; then say "API answers on 127.0.0.1:${LB_PORT}"; else say "API does not answer"; fi
}

down() {
  local ids
  ids=$(docker ps -aq --filter "label=$LABEL")
  [ -n "$ids" ] && docker rm -f $ids >/dev/null
  # Tenants' containers live on the compute hosts' own engines, which go away with them.
  # engines.sh down answers 1 for a folder without engines; nothing to stop is not an error.
  bash "$repo/scripts/engines.sh" down "$ENGINES" || true
  docker network rm "$NET" >/dev/null 2>&1 || true
  ids=$(docker volume ls -q --filter "label=$LABEL")
  [ -n "$ids" ] && docker volume rm $ids >/dev/null
  rm -rf "$DEPLOY/config" "$DEPLOY/hosts" "$DEPLOY/secrets.env" "$DEPLOY/zunrc"
  say "down"
}

case "${1:-}" in
  up) up "${2:-2}" ;;
  roll) roll ;;
  status) status ;;
  down) down ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
