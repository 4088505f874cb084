#!/usr/bin/env bash
# A real three-master Redis Cluster on loopback for local development and tests.
#
#   deploy/local/redis-cluster.sh up|down|status|reset
#
# Ports: ${INVALIDATOR_REDIS_CLUSTER_PORT:-57001} and the next two. With
# INVALIDATOR_REDIS_CLUSTER_REPLICAS=1, three masters and one replica each on six ports (the fault
# tests run such a cluster on ports of their own, see test/support/replicated-cluster.ts).
# The cluster bus normally listens on port+10000, which does not exist above 55535, so such
# ports use port-10000 (47001..) instead.
# State: ${INVALIDATOR_STACK_DIR:-<repo>/.stack}/redis-cluster/<port>/ (config, nodes.conf, pid, log).
# `up` is idempotent; `down` stops only the processes named by our pid files; `reset` is down plus
# deleting these ports' state (use it when a half-formed cluster cannot recover).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
base_port="${INVALIDATOR_REDIS_CLUSTER_PORT:-57001}"
state_dir="${INVALIDATOR_STACK_DIR:-$repo_root/.stack}/redis-cluster"
host=127.0.0.1
replicas="${INVALIDATOR_REDIS_CLUSTER_REPLICAS:-0}"
[[ $replicas == 0 || $replicas == 1 ]] || { echo "INVALIDATOR_REDIS_CLUSTER_REPLICAS: expected 0 or 1" >&2; exit 2; }
node_count=$((3 * (1 + replicas)))
ports=()
for ((i = 0; i < node_count; i++)); do ports+=("$((base_port + i))"); done
wait_seconds="${INVALIDATOR_REDIS_CLUSTER_WAIT:-60}"

log() { printf 'redis-cluster: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# Installs Debian's redis without letting the package start a system redis on 6379.
ensure_redis_installed() {
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then return; fi
  log "installing redis-server and redis-tools"
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    created_policy=1
  fi
  local status=0
  as_root apt-get update && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y redis-server redis-tools || status=$?
  if [[ $created_policy -eq 1 ]]; then as_root rm -f "$policy"; fi
  [[ $status -eq 0 ]] || die "apt-get failed with status $status"
}

node_dir() { printf '%s/%s' "$state_dir" "$1"; }
pid_file() { printf '%s/redis.pid' "$(node_dir "$1")"; }

# Prints the pid when our pid file names a live redis-server for this port.
our_pid() {
  local file pid
  file="$(pid_file "$1")"
  [[ -f $file ]] || return 1
  pid="$(cat "$file")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guards against a recycled pid belonging to some other program.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "redis-server.*:$1" || return 1
  printf '%s' "$pid"
}

cli() {
  local port=$1
  shift
  redis-cli -h "$host" -p "$port" "$@"
}

cluster_info_field() { cli "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"; }

port_in_use() { cli "$1" ping >/dev/null 2>&1; }

bus_port() { if (($1 > 55535)); then echo $(($1 - 10000)); else echo $(($1 + 10000)); fi; }

start_node() {
  local port=$1 dir
  dir="$(node_dir "$port")"
  mkdir -p "$dir"
  cat >"$dir/redis.conf" <<EOF
port $port
bind $host
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
dir $dir
cluster-enabled yes
cluster-config-file nodes.conf
cluster-port $(bus_port "$port")
cluster-node-timeout 5000
save ""
appendonly no
EOF
  # The bus ports (port +/- 10000) lie in Linux's ephemeral range, where an outgoing connection
  # of any process can hold one for a moment: a bind failure is retried a few times.
  local attempt
  for attempt in 1 2 3 4 5; do
    : >"$dir/redis.log"
    redis-server "$dir/redis.conf"
    if wait_node_started "$port" "$dir"; then return 0; fi
    grep -q 'Address already in use' "$dir/redis.log" 2>/dev/null || break
    log "port $port or its bus port is taken for now (attempt $attempt); retrying"
    sleep 1
  done
  die "redis on $port did not start: $(tail -n 3 "$dir/redis.log" 2>/dev/null)"
}

# Waits for the node to answer; returns 1 at once when it exited at start (port taken, bad config).
wait_node_started() {
  local port=$1 dir=$2 deadline=$((SECONDS + wait_seconds))
  until cli "$port" ping >/dev/null 2>&1; do
    if ! our_pid "$port" >/dev/null && ((SECONDS > deadline - wait_seconds + 3)); then
      return 1
    fi
    ((SECONDS < deadline)) || die "timed out waiting for redis on $port"
    sleep 0.2
  done
}

wait_until() {
  local what=$1
  shift
  local deadline=$((SECONDS + wait_seconds))
  until "$@"; do
    ((SECONDS < deadline)) || die "timed out after ${wait_seconds}s waiting for $what"
    sleep 0.2
  done
}

all_ping() {
  local port
  for port in "${ports[@]}"; do cli "$port" ping >/dev/null 2>&1 || return 1; done
}

all_ok() {
  local port
  for port in "${ports[@]}"; do
    [[ $(cluster_info_field "$port" cluster_state) == ok ]] || return 1
    [[ $(cluster_info_field "$port" cluster_known_nodes) == "$node_count" ]] || return 1
  done
}

# Fresh nodes know only themselves and own no slot: the only state `--cluster create` accepts.
all_fresh() {
  local port
  for port in "${ports[@]}"; do
    [[ $(cluster_info_field "$port" cluster_known_nodes) == 1 ]] || return 1
    [[ $(cluster_info_field "$port" cluster_slots_assigned) == 0 ]] || return 1
  done
}

cmd_up() {
  ensure_redis_installed
  local port started=0
  for port in "${ports[@]}"; do
    if our_pid "$port" >/dev/null; then continue; fi
    port_in_use "$port" && die "port $port is taken by a process this script did not start"
    start_node "$port"
    started=1
  done
  wait_until "all nodes to answer PING" all_ping
  if [[ $started -eq 0 ]] && all_ok; then
    log "already up on $host:${ports[0]}-${ports[-1]}"
    return
  fi
  if all_fresh; then
    log "creating the cluster"
    redis-cli --cluster create "${ports[@]/#/$host:}" --cluster-replicas "$replicas" --cluster-yes >"$state_dir/create.log" 2>&1 ||
      die "cluster create failed, see $state_dir/create.log"
  fi
  # Restarted nodes keep nodes.conf and re-form the cluster by themselves.
  wait_until "cluster_state:ok on every node (try: $0 reset)" all_ok
  log "up on $host:${ports[0]}-${ports[-1]}"
}

cmd_down() {
  local port pid
  for port in "${ports[@]}"; do
    pid="$(our_pid "$port")" || continue
    kill "$pid"
    wait_until "redis on $port (pid $pid) to stop" eval "! kill -0 $pid 2>/dev/null"
    rm -f "$(pid_file "$port")"
    log "stopped $port (pid $pid)"
  done
}

cmd_status() {
  local port pid healthy=0
  for port in "${ports[@]}"; do
    if pid="$(our_pid "$port")"; then
      printf '%s:%s pid %s cluster_state:%s\n' "$host" "$port" "$pid" \
        "$(cluster_info_field "$port" cluster_state || true)"
    else
      printf '%s:%s down\n' "$host" "$port"
      healthy=1
    fi
  done
  if [[ $healthy -eq 0 ]] && command -v redis-cli >/dev/null && all_ok; then return 0; fi
  return 1
}

# Deletes only this cluster's node directories: another cluster (other ports) may share state_dir.
cmd_reset() {
  cmd_down
  local port
  for port in "${ports[@]}"; do rm -rf "$(node_dir "$port")"; done
  log "removed the state of $host:${ports[0]}-${ports[-1]}"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  *)
    echo "usage: $0 up|down|status|reset" >&2
    exit 2
    ;;
esac
