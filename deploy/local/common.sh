# Shared settings and helpers for the local stack scripts; sourced, never run.
# Every port and path can be overridden by the environment; test/support/endpoints.ts reads the
# same variables with the same defaults.

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_DIR=${INVALIDATOR_STACK_DIR:-$REPO_DIR/.stack}
CACHE_DIR=$STACK_DIR/cache
STATE_DIR=$STACK_DIR/state
RUN_DIR=$STACK_DIR/run
LOG_DIR=$STACK_DIR/logs

HOST=127.0.0.1
PG_PORT=${INVALIDATOR_PG_PORT:-55432}
REDIS_PORT=${INVALIDATOR_REDIS_PORT:-56379}
KAFKA_PORT=${INVALIDATOR_KAFKA_PORT:-59092}
KAFKA_CONTROLLER_PORT=${INVALIDATOR_KAFKA_CONTROLLER_PORT:-59093}
# A second Kafka listener for the fault tests: the broker listens on the PROXIED port and
# advertises the PROXY port, where a test's fault-injecting proxy forwards to it. Derived from
# the broker's port, so stacks that moved their ports apart keep these apart too.
KAFKA_PROXIED_PORT=${INVALIDATOR_KAFKA_PROXIED_PORT:-$((KAFKA_PORT + 2))}
KAFKA_PROXY_PORT=${INVALIDATOR_KAFKA_PROXY_PORT:-$((KAFKA_PORT + 3))}
# SASL/SCRAM listener, for running the service as a least-privilege Kafka user (docs/security.md).
KAFKA_SASL_PORT=${INVALIDATOR_KAFKA_SASL_PORT:-$((KAFKA_PORT + 4))}
CONNECT_PORT=${INVALIDATOR_CONNECT_PORT:-58083}
# The lagging standby (stack.sh replica up): next to the primary's port unless set.
PG_REPLICA_PORT=${INVALIDATOR_PG_REPLICA_PORT:-$((PG_PORT + 1))}
PG_REPLICA_DELAY_MS=${INVALIDATOR_PG_REPLICA_DELAY_MS:-300}

PG_DATABASE=catalog
PG_USER=invalidator
PG_PASSWORD=invalidator
CONNECTOR_FILE=$REPO_DIR/deploy/debezium/postgres-connector.json

KAFKA_VERSION=4.3.0
DEBEZIUM_VERSION=3.6.1.Final

# fd 9 is the caller's stderr, kept so messages survive the redirections of wait_until. Servers
# started in the background must not inherit it (9>&-), or a caller reading our output through a
# pipe would wait for them to exit.
exec 9>&2
log() { printf '[stack %s] %s\n' "$(date +%H:%M:%S)" "$*" >&9; }
die() { log "error: $*"; exit 1; }

# wait_until <seconds> <description> <command...>: polls the command every 0.5 s.
wait_until() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      die "$what not ready after ${timeout}s (logs: $LOG_DIR)"
    fi
    sleep 0.5
  done
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

pid_alive() {
  local file=$RUN_DIR/$1.pid
  [[ -f $file ]] && kill -0 "$(cat "$file")" 2>/dev/null
}

# stop_pid <name>: TERM the process recorded in run/<name>.pid, KILL it after 30 s.
stop_pid() {
  local name=$1 file=$RUN_DIR/$1.pid pid
  [[ -f $file ]] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS >= deadline)); then
        log "$name did not stop in 30s, killing it"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
  fi
  rm -f "$file"
}

# refuse_foreign_port <name> <port>: a port held by a process we did not start is a collision.
refuse_foreign_port() {
  if port_open "$2"; then
    die "$1: port $2 on $HOST is already in use by another process; set INVALIDATOR_${1^^}_PORT to a free port"
  fi
}
