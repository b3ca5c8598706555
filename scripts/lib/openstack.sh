#!/usr/bin/env bash
# A real OpenStack Keystone (identity v3) and Glance (image v2) on loopback, from the Debian 12
# packages (python3-keystone, glance-common), for the Glance image driver's tests and benchmark.
# Both run under uwsgi with SQLite; all state (config, database, keys, image files, pid, log) is
# under $ZUN_STATE/openstack. Nothing is installed as a system service and nothing listens
# beyond 127.0.0.1.
#
# Sourced by test.sh / bench.sh (openstack_up / openstack_down), or run by hand:
#   ZUN_STATE=/some/dir bash scripts/lib/openstack.sh up|down
#
# Ports: Keystone on 127.0.0.1:$ZUN_KEYSTONE_PORT (35357: 5000 is the local Docker registry's),
# Glance on 127.0.0.1:$ZUN_GLANCE_PORT (9292).
#
# Accounts created (re-runs converge on them):
#   admin/admin-secret   admin on project admin
#   demo/demo-secret     member on project demo
#   other/other-secret   member on project other
#   zun/zun-secret       admin on project service  (zun-compute's credential, [glance] section)
#   glance/glance-secret admin on project service  (Glance's own credential for token validation)
# Catalog: identity and image services, region RegionOne, domain Default.

ZUN_KEYSTONE_PORT=${ZUN_KEYSTONE_PORT:-35357}
ZUN_GLANCE_PORT=${ZUN_GLANCE_PORT:-9292}
ZUN_KEYSTONE_URL="http://127.0.0.1:$ZUN_KEYSTONE_PORT"
ZUN_GLANCE_URL="http://127.0.0.1:$ZUN_GLANCE_PORT"
OPENSTACK_PKGS=(python3-keystone python3-keystoneclient glance-common uwsgi-core uwsgi-plugin-python3 sqlite3 curl)

os_log() { echo "zun: openstack: $*" >&2; }

openstack_install() {
  local missing=() p
  for p in "${OPENSTACK_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  [ "$(id -u)" = 0 ] || { os_log "please install Debian packages: ${missing[*]}"; return 1; }
  os_log "installing ${missing[*]} (1-2 minutes, once)..."
  # glance-common would otherwise offer to configure a database, RabbitMQ and Keystone in
  # /etc/glance through debconf; our configuration lives under the state folder.
  debconf-set-selections <<'SEL'
glance-common glance/configure_db boolean false
glance-common glance/configure_rabbit boolean false
glance-common glance/configure_ksat boolean false
glance-common glance-common/dbconfig-install boolean false
SEL
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 NEEDRESTART_MODE=l
  apt-cache show glance-common >/dev/null 2>&1 || apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Prints the PID in $1 when it is a live process whose command line names $2 (the uwsgi ini we
# wrote): a stale pidfile must never make us signal a process that reused the PID.
os_our_pid() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2" || return 1
  echo "$pid"
}

os_port_busy() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

# Stops the uwsgi master recorded in $1 (checked against $2) and then its own workers, by PID.
os_stop() {
  local pidfile=$1 marker=$2 name=$3 pid children=() c
  pid=$(os_our_pid "$pidfile" "$marker") || { rm -f "$pidfile"; return 0; }
  while read -r c; do [ -n "$c" ] && children+=("$c"); done < <(ps -o pid= --ppid "$pid" | tr -d ' ')
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do [ -e "/proc/$pid" ] || break; sleep 0.2; done
  [ -e "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null
  for c in "${children[@]}"; do
    for _ in $(seq 1 25); do [ -e "/proc/$c" ] || break; sleep 0.2; done
    [ -e "/proc/$c" ] && kill -KILL "$c" 2>/dev/null
  done
  rm -f "$pidfile"
  os_log "$name stopped (pid $pid)"
}

keystone_up() {
  local dir="$ZUN_STATE/openstack/keystone" url="$ZUN_KEYSTONE_URL/v3"
  mkdir -p "$dir/fernet-keys" "$dir/credential-keys"
  chmod 700 "$dir/fernet-keys" "$dir/credential-keys"
  local conf="$dir/keystone.conf" ini="$dir/keystone-uwsgi.ini" pidfile="$dir/keystone.pid"
  cat >"$conf" <<CONF
[DEFAULT]
use_stderr = true
[database]
connection = sqlite:///$dir/keystone.sqlite
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $dir/fernet-keys/
[fernet_receipts]
key_repository = $dir/fernet-keys/
[credential]
key_repository = $dir/credential-keys/
[identity]
# Cheap bcrypt: a loopback test service, password auth must be fast.
password_hash_rounds = 4
max_password_length = 72
[cache]
# Without the cache every token validation costs ~400 SQL queries (~1 s); the in-process
# cache is coherent because there is a single worker process.
enabled = true
backend = dogpile.cache.memory
CONF
  # One process, one thread: with SQLite, threads leak connections across threads ("database is
  # locked") and several processes would each have their own token cache.
  cat >"$ini" <<INI
[uwsgi]
plugins = python3
http-socket = 127.0.0.1:$ZUN_KEYSTONE_PORT
wsgi-file = /usr/bin/keystone-wsgi-public
env = OS_KEYSTONE_CONFIG_DIR=$dir
env = OS_KEYSTONE_CONFIG_FILES=keystone.conf
chdir = $dir
master = true
processes = 1
threads = 1
lazy-apps = true
die-on-term = true
no-orphans = true
buffer-size = 65535
add-header = Connection: close
INI
  if ! os_our_pid "$pidfile" "$ini" >/dev/null; then
    os_port_busy "$ZUN_KEYSTONE_PORT" && { os_log "127.0.0.1:$ZUN_KEYSTONE_PORT is taken by another process (set ZUN_KEYSTONE_PORT)"; return 1; }
    local km=(keystone-manage --config-file "$conf")
    "${km[@]}" db_sync 2>>"$dir/keystone-manage.log" || return 1
    # WAL: a read cursor left open must not block later writes ("database is locked").
    sqlite3 "$dir/keystone.sqlite" 'PRAGMA journal_mode=WAL;' >/dev/null
    [ -n "$(ls -A "$dir/fernet-keys")" ] || "${km[@]}" fernet_setup --keystone-user root --keystone-group root 2>>"$dir/keystone-manage.log"
    [ -n "$(ls -A "$dir/credential-keys")" ] || "${km[@]}" credential_setup --keystone-user root --keystone-group root 2>>"$dir/keystone-manage.log"
    "${km[@]}" bootstrap --bootstrap-password admin-secret --bootstrap-username admin \
      --bootstrap-project-name admin --bootstrap-role-name admin --bootstrap-service-name keystone \
      --bootstrap-admin-url "$url" --bootstrap-internal-url "$url" --bootstrap-public-url "$url" \
      --bootstrap-region-id RegionOne 2>>"$dir/keystone-manage.log" || return 1
    # Own session: a Ctrl-C of the caller's process group must not take it down.
    (unset PYTHONPATH PYTHONHOME VIRTUAL_ENV; exec setsid uwsgi --ini "$ini" >>"$dir/keystone.log" 2>&1 </dev/null) &
    echo $! >"$pidfile"
  fi
  for _ in $(seq 1 120); do
    curl -sf -o /dev/null --max-time 2 "$url" && break
    os_our_pid "$pidfile" "$ini" >/dev/null || { tail -n 20 "$dir/keystone.log" >&2; os_log "keystone exited at start-up, see $dir/keystone.log"; return 1; }
    sleep 0.5
  done
  curl -sf -o /dev/null --max-time 2 "$url" || { os_log "keystone does not answer at $url"; return 1; }
  KS_URL="$url" GLANCE_URL="$ZUN_GLANCE_URL" /usr/bin/python3 - <<'PY' || return 1
import os
from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

auth = v3.Password(auth_url=os.environ["KS_URL"], username="admin", password="admin-secret",
                   project_name="admin", user_domain_id="default", project_domain_id="default")
ks = client.Client(session=session.Session(auth=auth), interface="public")

def one(items, what):
    items = list(items)
    if len(items) > 1:
        raise SystemExit("ambiguous %s" % what)
    return items[0] if items else None

def project(name):
    return one(ks.projects.list(domain="default", name=name), name) or ks.projects.create(name=name, domain="default")

def role(name):
    return one(ks.roles.list(name=name), name) or ks.roles.create(name=name)

def user(name, password, proj, roles):
    u = one(ks.users.list(domain="default", name=name), name)
    if u is None:
        u = ks.users.create(name=name, domain="default", password=password, default_project=proj, enabled=True)
    else:
        ks.users.update(u, password=password, default_project=proj, enabled=True)
    for r in roles:
        ks.roles.grant(role(r), user=u, project=proj)

def service(name, stype, url):
    s = one(ks.services.list(type=stype, name=name), name) or ks.services.create(name=name, type=stype, enabled=True)
    for iface in ("public", "internal", "admin"):
        e = one(ks.endpoints.list(service=s, interface=iface, region="RegionOne"), name + iface)
        if e is None:
            ks.endpoints.create(service=s, url=url, interface=iface, region="RegionOne")
        elif e.url != url:
            ks.endpoints.update(e, url=url)

role("member"); role("reader"); role("admin")
svc = project("service")
user("demo", "demo-secret", project("demo"), ["member"])
user("other", "other-secret", project("other"), ["member"])
user("zun", "zun-secret", svc, ["admin"])
user("glance", "glance-secret", svc, ["admin"])
service("glance", "image", os.environ["GLANCE_URL"])
PY
  os_log "keystone ready at $url (pid $(cat "$pidfile"))"
}

glance_up() {
  local dir="$ZUN_STATE/openstack/glance"
  mkdir -p "$dir/images" "$dir/staging" "$dir/tasks" "$dir/image-cache"
  local conf="$dir/glance-api.conf" ini="$dir/glance-uwsgi.ini" pidfile="$dir/glance.pid"
  cat >"$conf" <<CONF
[DEFAULT]
use_stderr = true
bind_host = 127.0.0.1
bind_port = $ZUN_GLANCE_PORT
public_endpoint = $ZUN_GLANCE_URL
worker_self_reference_url = $ZUN_GLANCE_URL
enabled_backends = fs:file
image_cache_dir = $dir/image-cache
show_image_direct_url = false
[database]
connection = sqlite:///$dir/glance.sqlite
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $dir/images/
[os_glance_staging_store]
filesystem_store_datadir = $dir/staging/
[os_glance_tasks_store]
filesystem_store_datadir = $dir/tasks/
[paste_deploy]
flavor = keystone
config_file = $dir/glance-api-paste.ini
[keystone_authtoken]
www_authenticate_uri = $ZUN_KEYSTONE_URL
auth_url = $ZUN_KEYSTONE_URL
auth_type = password
user_domain_name = Default
project_domain_name = Default
project_name = service
username = glance
password = glance-secret
region_name = RegionOne
interface = public
CONF
  sed "s#^disable_by_file_path = .*#disable_by_file_path = $dir/healthcheck_disable#" \
    /usr/share/glance-common/glance-api-paste.ini >"$dir/glance-api-paste.ini"
  # Chunked request bodies are required for streamed uploads (PUT /v2/images/{id}/file).
  cat >"$ini" <<INI
[uwsgi]
plugins = python3
http-socket = 127.0.0.1:$ZUN_GLANCE_PORT
wsgi-file = /usr/bin/glance-wsgi-api
env = OS_GLANCE_CONFIG_DIR=$dir
chdir = $dir
master = true
processes = 2
threads = 1
enable-threads = true
lazy-apps = true
die-on-term = true
exit-on-reload = true
no-orphans = true
buffer-size = 65535
socket-timeout = 60
http-auto-chunked = true
http-chunked-input = true
http-raw-body = true
wsgi-manage-chunked-input = true
add-header = Connection: close
INI
  if ! os_our_pid "$pidfile" "$ini" >/dev/null; then
    os_port_busy "$ZUN_GLANCE_PORT" && { os_log "127.0.0.1:$ZUN_GLANCE_PORT is taken by another process (set ZUN_GLANCE_PORT)"; return 1; }
    glance-manage --config-file "$conf" db_sync >>"$dir/glance-manage.log" 2>&1 \
      || { tail -n 20 "$dir/glance-manage.log" >&2; os_log "glance-manage db_sync failed"; return 1; }
    sqlite3 "$dir/glance.sqlite" 'PRAGMA journal_mode=WAL;' >/dev/null
    (unset PYTHONPATH PYTHONHOME VIRTUAL_ENV; exec setsid uwsgi --ini "$ini" >>"$dir/glance.log" 2>&1 </dev/null) &
    echo $! >"$pidfile"
  fi
  local code=
  for _ in $(seq 1 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$ZUN_GLANCE_URL/" || true)
    case "$code" in 200 | 300) break ;; esac
    os_our_pid "$pidfile" "$ini" >/dev/null || { tail -n 20 "$dir/glance.log" >&2; os_log "glance exited at start-up, see $dir/glance.log"; return 1; }
    sleep 0.5
  done
  case "$code" in 200 | 300) ;; *) os_log "glance does not answer at $ZUN_GLANCE_URL"; return 1 ;; esac
  os_log "glance ready at $ZUN_GLANCE_URL (pid $(cat "$pidfile"))"
}

openstack_up() {
  openstack_install && keystone_up && glance_up || return 1
  # The tests find them here (test/support/openstack.ts), also on ports other than the defaults.
  export ZUN_TEST_KEYSTONE_URL="$ZUN_KEYSTONE_URL/v3" ZUN_TEST_GLANCE_URL="$ZUN_GLANCE_URL"
}

openstack_down() {
  local d="$ZUN_STATE/openstack"
  os_stop "$d/glance/glance.pid" "$d/glance/glance-uwsgi.ini" glance
  os_stop "$d/keystone/keystone.pid" "$d/keystone/keystone-uwsgi.ini" keystone
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  : "${ZUN_STATE:?set ZUN_STATE (the state folder; Keystone and Glance keep theirs in \$ZUN_STATE/openstack)}"
  case "${1:-}" in
    up) openstack_up ;;
    down) openstack_down ;;
    *) echo "usage: ZUN_STATE=DIR $0 up|down" >&2; exit 2 ;;
  esac
fi
