#!/usr/bin/env bash
# npm run deploy-test: builds the images, brings the containerised deployment up with two
# compute hosts, drives it with the real zun CLI through the load balancer (run, logs, exec,
# an interactive `zun run -i` through zun-wsproxy, delete), then restarts both zun-api one after
# the other under a client load and counts the failed requests. Results go to
# deploy/results/latest.{md,json}; everything is taken down again (ZUN_DEPLOY_KEEP=1 keeps it).
# Needs root, Docker, mmdebstrap (first build only), tmux and /usr/bin/zun.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
DEPLOY=${ZUN_DEPLOY_STATE:-${ZUN_STATE:-$repo/.zun}/deploy}
HOSTS=${ZUN_DEPLOY_HOSTS:-2}
TMUX_SOCK=zun-deploy-test
results="$here/results"
mkdir -p "$results"
t() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
say() { echo "deploy-test: $*" >&2; }
cleanup() {
  tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
  [ -n "${load_pid:-}" ] && kill "$load_pid" 2>/dev/null || true
  [ "${ZUN_DEPLOY_KEEP:-0}" = 1 ] || bash "$here/deploy.sh" down
}
trap cleanup EXIT

t0=$(t)
# ZUN_DEPLOY_SKIP_BUILD=1: use the images already built.
[ "${ZUN_DEPLOY_SKIP_BUILD:-0}" = 1 ] || bash "$here/images/build.sh"
t1=$(t)
# ZUN_DEPLOY_REUSE=1: drive a deployment already up (kept by ZUN_DEPLOY_KEEP=1).
if [ "${ZUN_DEPLOY_REUSE:-0}" != 1 ]; then
  bash "$here/deploy.sh" down
  bash "$here/deploy.sh" up "$HOSTS"
fi
t2=$(t)

# shellcheck disable=SC1091
source "$DEPLOY/zunrc"
zun service-list
zun host-list
hosts_seen=$(zun host-list | grep -c 'deploy-host-' || true)
[ "$hosts_seen" -eq "$HOSTS" ] || { say "expected $HOSTS compute hosts, saw $hosts_seen"; exit 1; }

# The zun CLI prints tables only: one field of `zun show`.
field() { zun show "$1" 2>/dev/null | awk -F'|' -v f="$2" '{ k = $2; gsub(/ /, "", k) } k == f { v = $3; gsub(/ /, "", v); print v }'; }
names() { zun list 2>/dev/null | awk -F'|' 'NR > 3 && NF > 3 { v = $3; gsub(/ /, "", v); print v }'; }
wait_status() { # name, status
  for _ in $(seq 1 120); do
    [ "$(field "$1" status)" = "$2" ] && return 0
    sleep 1
  done
  say "$1 never reached $2"; zun show "$1" || true; return 1
}
zun run --name deploy-hello busybox echo hello-from-deploy >/dev/null
wait_status deploy-hello Stopped
zun logs deploy-hello | grep -q hello-from-deploy
for i in 1 2; do zun run --name "deploy-sleep-$i" busybox sleep 600 >/dev/null; done
wait_status deploy-sleep-1 Running
wait_status deploy-sleep-2 Running
placed=$(for i in 1 2; do field "deploy-sleep-$i" host; done | sort -u | paste -sd, -)
say "the two sleepers run on: $placed"
zun exec deploy-sleep-1 echo exec-ok | grep -q exec-ok

# Interactive session through zun-wsproxy, in a terminal (the client needs a tty).
tmux -L "$TMUX_SOCK" new-session -d -s attach -x 120 -y 30 \
  "bash -c 'source $DEPLOY/zunrc; zun run -i --name deploy-attach busybox sh; sleep 60'"
screen() { tmux -L "$TMUX_SOCK" capture-pane -p -t attach; }
# The client waits for the container, then for Enter before it shows the shell's prompt.
for _ in $(seq 1 120); do screen | grep -q 'connected to' && break; sleep 1; done
tmux -L "$TMUX_SOCK" send-keys -t attach Enter
for _ in $(seq 1 30); do screen | grep -q '/ #' && break; sleep 1; done
tmux -L "$TMUX_SOCK" send-keys -t attach 'echo attach-ok-$((6*7))' Enter
for _ in $(seq 1 30); do screen | grep -q 'attach-ok-42' && break; sleep 1; done
screen | grep -q 'attach-ok-42' || { say "no answer through the interactive session:"; screen; exit 1; }
tmux -L "$TMUX_SOCK" send-keys -t attach 'exit' Enter
wait_status deploy-attach Stopped
for c in deploy-hello deploy-attach deploy-sleep-1 deploy-sleep-2; do zun delete --stop "$c"; done
for _ in $(seq 1 60); do [ -z "$(names)" ] && break; sleep 1; done
[ -z "$(names)" ] || { say "containers left after delete:"; zun list; exit 1; }
t3=$(t)
say "CLI checks passed"

# Rolling restart of both zun-api under load.
ZUN_URL="${OS_AUTH_URL%/identity/v3}" node "$here/load.mjs" >"$DEPLOY/load.json" &
load_pid=$!
sleep 10
t4=$(t)
roll_log=$(bash "$here/deploy.sh" roll 2>&1)
t5=$(t)
echo "$roll_log" >&2
sleep 10
kill -TERM "$load_pid"
wait "$load_pid"
load_pid=
load=$(cat "$DEPLOY/load.json")
failed=$(node -e "console.log(JSON.parse(process.argv[1]).failed)" "$load")
requests=$(node -e "console.log(JSON.parse(process.argv[1]).requests)" "$load")
say "rolling restart under load: $requests requests, $failed failed"

commit=$(git -C "$repo" rev-parse --short HEAD)
cat >"$results/latest.json" <<JSON
{"date": "$(date -u +%FT%TZ)", "commit": "$commit", "hosts": $HOSTS,
 "build_s": $(secs "$t0" "$t1"), "up_s": $(secs "$t1" "$t2"), "cli_s": $(secs "$t2" "$t3"), "roll_s": $(secs "$t4" "$t5"),
 "load": $load}
JSON
cat >"$results/latest.md" <<MD
# npm run deploy-test, $(date -u +%F\ %H:%M) UTC (commit $commit)

Machine: $(nproc) cores shared with other work (load average $(cut -d' ' -f1-3 /proc/loadavg)).

| step | seconds |
|---|---|
| build the images (root filesystems cached) | $(secs "$t0" "$t1") |
| up: PostgreSQL, 2 zun-api + haproxy, $HOSTS compute hosts with their engines, wsproxy, console | $(secs "$t1" "$t2") |
| zun CLI: service/host list, run, logs, exec, run -i through wsproxy, delete | $(secs "$t2" "$t3") |
| rolling restart of both zun-api | $(secs "$t4" "$t5") |

Compute hosts that ran the two sleepers: $placed.

Rolling restart under load (list, create, show, force delete through haproxy, 10 s before and after):
**$requests requests, $failed failed.**

\`\`\`
$roll_log
$load
\`\`\`
MD
[ "$failed" = 0 ] || { say "requests failed during the rolling restart"; exit 1; }
say "passed; results in $results/latest.md"
