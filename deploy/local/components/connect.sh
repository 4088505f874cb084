# Kafka Connect in distributed mode with the Debezium PostgreSQL connector plugin, and the
# connector registered from deploy/debezium/postgres-connector.json. Sourced by stack.sh.

CONNECT_DIR=$STATE_DIR/connect
CONNECT_URL=http://$HOST:$CONNECT_PORT

connect_write_config() {
  mkdir -p "$CONNECT_DIR"
  cat >"$CONNECT_DIR/worker.properties" <<PROPS
bootstrap.servers=$HOST:$KAFKA_PORT
group.id=invalidator-connect
listeners=http://$HOST:$CONNECT_PORT
rest.advertised.host.name=$HOST
rest.advertised.port=$CONNECT_PORT
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter.schemas.enable=false
config.storage.topic=_invalidator-connect-configs
offset.storage.topic=_invalidator-connect-offsets
status.storage.topic=_invalidator-connect-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.flush.interval.ms=1000
plugin.path=$CACHE_DIR/plugins
# Debezium ships ServiceLoader manifests: no reflective scan of every jar (30 s -> 13 s warm start).
plugin.discovery=service_load
config.providers=env
config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
PROPS
}

connect_up() {
  if pid_alive connect; then
    log "kafka connect already running on $CONNECT_URL"
  else
    refuse_foreign_port connect "$CONNECT_PORT"
    connect_write_config
    log "starting Kafka Connect on $CONNECT_URL"
    # The connector JSON reads the database location from these (${env:...} placeholders).
    INVALIDATOR_PG_HOST=$HOST INVALIDATOR_PG_PORT=$PG_PORT INVALIDATOR_PG_USER=$PG_USER \
      INVALIDATOR_PG_PASSWORD=$PG_PASSWORD INVALIDATOR_PG_DATABASE=$PG_DATABASE \
      java_run connect 512m org.apache.kafka.connect.cli.ConnectDistributed "$CONNECT_DIR/worker.properties"
    wait_until 180 "Kafka Connect REST API" connect_ready
  fi
  connector_register
}

connect_ready() {
  pid_alive connect || die "Kafka Connect exited during start (see $LOG_DIR/connect.log)"
  curl -fsS "$CONNECT_URL/connector-plugins" | grep -q PostgresConnector
}

connector_name() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).name)' "$CONNECTOR_FILE"; }

connector_register() {
  local name slot
  name=$(connector_name)
  slot=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).config["slot.name"])' "$CONNECTOR_FILE")
  if ! curl -fsS "$CONNECT_URL/connectors/$name" >/dev/null 2>&1; then
    postgres_drop_slot "$slot"
    log "registering connector $name from ${CONNECTOR_FILE#"$REPO_DIR"/}"
    curl -fsS -X POST -H 'Content-Type: application/json' --data @"$CONNECTOR_FILE" \
      "$CONNECT_URL/connectors" >/dev/null || die "Kafka Connect refused the connector (see $LOG_DIR/connect.log)"
  fi
  wait_until 120 "connector $name and its task RUNNING" connector_running "$name"
  log "connector $name RUNNING"
}

connector_running() {
  local state
  state=$(curl -fsS "$CONNECT_URL/connectors/$1/status" | node -e '
    const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const failed = [s.connector, ...s.tasks].find((t) => t.state === "FAILED");
    if (failed) console.log(`FAILED ${failed.trace ?? ""}`);
    else console.log(s.connector.state === "RUNNING" && s.tasks.length > 0 &&
      s.tasks.every((t) => t.state === "RUNNING") ? "RUNNING" : "STARTING");') || return 1
  [[ $state == FAILED* ]] && die "connector $1 failed: ${state#FAILED }"
  [[ $state == RUNNING ]]
}

connect_down() { stop_pid connect; }

connect_status() {
  if pid_alive connect; then
    echo "connect   up    $CONNECT_URL"
    local name
    name=$(connector_name)
    echo "connector $(curl -fsS "$CONNECT_URL/connectors/$name/status" 2>/dev/null | node -e '
      try { const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
        console.log(`${s.name} connector=${s.connector.state} tasks=${s.tasks.map((t) => t.state).join(",") || "none"}`);
      } catch { console.log("not registered"); }')"
  else
    echo "connect   down"
  fi
}
