# Sourced by start.sh / test.sh / bench.sh: a local Docker registry on loopback
# (Debian docker-registry) holding a busybox image built from Debian's
# busybox-static, so that image pulls go through a real registry without Docker Hub.

ZUN_REGISTRY_PORT=${ZUN_REGISTRY_PORT:-5000}
ZUN_REGISTRY="127.0.0.1:$ZUN_REGISTRY_PORT"

registry_ping() {
  curl -sf --max-time 2 "http://$ZUN_REGISTRY/v2/" >/dev/null 2>&1
}

apt_install() {
  [ "$(id -u)" = 0 ] || { echo "zun: please install Debian packages: $*" >&2; return 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_registry() {
  local dir="$ZUN_STATE/registry"
  if ! registry_ping; then
    [ -x /usr/bin/docker-registry ] || apt_install docker-registry || return 1
    mkdir -p "$dir/data"
    cat > "$dir/config.yml" <<CFG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $ZUN_REGISTRY
CFG
    setsid /usr/bin/docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 < /dev/null &
    echo $! > "$dir/registry.pid"
    for _ in $(seq 1 40); do registry_ping && break; sleep 0.25; done
    registry_ping || { echo "zun: registry did not start; see $dir/registry.log" >&2; return 1; }
  fi
  ensure_busybox_image
  ensure_sandbox_image
}

# busybox from Debian's busybox-static, imported as an image and pushed to the local registry.
ensure_busybox_image() {
  if curl -sf "http://$ZUN_REGISTRY/v2/busybox/manifests/latest" \
      -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' >/dev/null 2>&1; then
    return 0
  fi
  [ -x /bin/busybox ] && /bin/busybox --help 2>&1 | grep -q static \
    || [ -f /usr/share/doc/busybox-static/copyright ] || apt_install busybox-static || return 1
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
  echo 'root:x:0:' > "$root/etc/group"
  tar -C "$root" -c . | $DOCKER_BIN import -c 'CMD ["sh"]' -c 'ENV PATH=/bin' - "$ZUN_REGISTRY/busybox:latest" >/dev/null
  rm -rf "$root"
  $DOCKER_BIN push -q "$ZUN_REGISTRY/busybox:latest" >/dev/null
}

# The capsule sandbox ([DEFAULT] sandbox_image): busybox-static whose PID 1 sleeps until SIGTERM
# and then exits at once (a plain `sleep` as PID 1 ignores SIGTERM, so a stop would wait for the
# kill). It only holds the network and IPC namespaces a capsule's members join.
ensure_sandbox_image() {
  if curl -sf "http://$ZUN_REGISTRY/v2/zun-sandbox/manifests/latest" \
      -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' >/dev/null 2>&1; then
    return 0
  fi
  [ -x /bin/busybox ] && /bin/busybox --help 2>&1 | grep -q static \
    || [ -f /usr/share/doc/busybox-static/copyright ] || apt_install busybox-static || return 1
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  ln -s busybox "$root/bin/sleep"
  tar -C "$root" -c . | $DOCKER_BIN import \
    -c 'CMD ["/bin/sh", "-c", "trap \"exit 0\" TERM INT; while :; do sleep 3600 & wait $!; done"]' \
    -c 'ENV PATH=/bin' -c 'LABEL org.openstack.zun.sandbox=true' \
    - "$ZUN_REGISTRY/zun-sandbox:latest" >/dev/null
  rm -rf "$root"
  $DOCKER_BIN push -q "$ZUN_REGISTRY/zun-sandbox:latest" >/dev/null
}

stop_our_registry() {
  local pidfile="$ZUN_STATE/registry/registry.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; fi
  rm -f "$pidfile"
}
