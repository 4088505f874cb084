#!/usr/bin/env bash
# The local pipeline without Docker: PostgreSQL, Redis, Kafka (KRaft) and Kafka Connect with
# Debezium, all on 127.0.0.1 and private ports, state under .stack/.
#
#   stack.sh install        install missing Debian packages and fetch the jars
#   stack.sh up             install, start everything, register the connector, wait for RUNNING
#   stack.sh down           stop what the stack started (pid files)
#   stack.sh stop <name>    stop one component (postgres: fast shutdown); `up` starts it again
#   stack.sh status         one line per component, and the connector's state
#   stack.sh prometheus-up  start Prometheus (on demand only) scraping the invalidator and the
#                           demo app; already running: rewrite its targets and reload it
#   stack.sh prometheus-down
#   stack.sh logs [name]    follow a component's log (postgres, redis, kafka, connect)
#   stack.sh reset          down, then delete all state (keeps the downloaded jars)
#   stack.sh replica up|down|status   the lagging PostgreSQL standby (on demand only)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
for component in install postgres redis kafka connect prometheus replica; do
  source "$here/components/$component.sh"
done

cluster_script=$here/redis-cluster.sh

cmd_up() {
  local started=$SECONDS
  stack_install
  postgres_up
  redis_up
  kafka_up
  connect_up
  if [[ ${INVALIDATOR_REDIS_CLUSTER:-0} == 1 && -x $cluster_script ]]; then "$cluster_script" up 9>&-; fi
  log "stack up in $((SECONDS - started))s; status: npm run stack -- status; logs: $LOG_DIR"
}

cmd_down() {
  prometheus_down
  if [[ -x $cluster_script ]]; then "$cluster_script" down || true; fi
  connect_down
  kafka_down
  redis_down
  replica_down
  postgres_down
}

cmd_status() {
  postgres_status
  redis_status
  kafka_status
  connect_status
  prometheus_status
  replica_status
  if [[ -x $cluster_script ]]; then "$cluster_script" status || true; fi
}

cmd_logs() {
  local name=${1:-}
  if [[ -z $name ]]; then
    ls -1 "$LOG_DIR"
    return 0
  fi
  [[ -f $LOG_DIR/$name.log ]] || die "no log named $name in $LOG_DIR"
  tail -n 200 -F "$LOG_DIR/$name.log"
}

case ${1:-} in
  install) stack_install ;;
  up) cmd_up ;;
  down) cmd_down ;;
  stop)
    case ${2:-} in
      postgres | redis | kafka | connect) "${2}_down" ;;
      *) die "stop: expected postgres, redis, kafka or connect" ;;
    esac
    ;;
  status) cmd_status ;;
  prometheus-up) mkdir -p "$STATE_DIR" "$RUN_DIR" "$LOG_DIR" && prometheus_up ;;
  prometheus-down) prometheus_down ;;
  logs) cmd_logs "${2:-}" ;;
  replica)
    case ${2:-} in
      up) replica_up ;;
      down) replica_down ;;
      status) replica_status ;;
      *) die "usage: stack.sh replica up|down|status" ;;
    esac
    ;;
  reset) cmd_down && rm -rf "$STATE_DIR" "$RUN_DIR" "$PG_DIR" && log "state deleted" ;;
  *)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
