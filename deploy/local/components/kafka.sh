# Apache Kafka broker in KRaft mode (one node, broker and controller), from Maven Central jars.
# Sourced by stack.sh.

KAFKA_DIR=$STATE_DIR/kafka

java_run() {
  local name=$1 heap=$2
  shift 2
  # Keep the previous run's log beside the new one; readiness checks read only the new one.
  [[ -f $LOG_DIR/$name.log ]] && mv "$LOG_DIR/$name.log" "$LOG_DIR/$name.previous.log"
  nohup java "-Xms$heap" "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$REPO_DIR/deploy/local/log4j2.xml" \
    -cp "$CACHE_DIR/lib/*" "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1 9>&- &
  echo $! >"$RUN_DIR/$name.pid"
}

kafka_write_config() {
  mkdir -p "$KAFKA_DIR"
  cat >"$KAFKA_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT,PROXIED://$HOST:$KAFKA_PROXIED_PORT,SASL_PLAINTEXT://$HOST:$KAFKA_SASL_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT,PROXIED://$HOST:$KAFKA_PROXY_PORT,SASL_PLAINTEXT://$HOST:$KAFKA_SASL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,PROXIED:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
# SCRAM users (created with kafka-configs, see docs/security.md) get only the ACLs granted to them.
# Everything on the plaintext listeners is User:ANONYMOUS, a super user, so the stack's own
# clients (Connect, tests, the service by default) are not affected.
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS
log.dirs=$KAFKA_DIR/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
group.consumer.min.session.timeout.ms=6000
group.classic.min.session.timeout.ms=6000
PROPS
}

kafka_up() {
  if pid_alive kafka; then log "kafka already running on $HOST:$KAFKA_PORT"; return 0; fi
  refuse_foreign_port kafka "$KAFKA_PORT"
  refuse_foreign_port kafka_controller "$KAFKA_CONTROLLER_PORT"
  refuse_foreign_port kafka_proxied "$KAFKA_PROXIED_PORT"
  refuse_foreign_port kafka_sasl "$KAFKA_SASL_PORT"
  kafka_write_config
  if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
    local cluster_id
    cluster_id=$(java -cp "$CACHE_DIR/lib/*" -Dlog4j2.configurationFile="$REPO_DIR/deploy/local/log4j2.xml" \
      kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    [[ -n $cluster_id ]] || die "could not generate a Kafka cluster id"
    log "formatting Kafka storage (cluster $cluster_id)"
    java -cp "$CACHE_DIR/lib/*" -Dlog4j2.configurationFile="$REPO_DIR/deploy/local/log4j2.xml" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_DIR/server.properties" \
      >>"$LOG_DIR/kafka.log" 2>&1 || die "Kafka storage format failed (see $LOG_DIR/kafka.log)"
  fi
  log "starting Kafka $KAFKA_VERSION on $HOST:$KAFKA_PORT"
  java_run kafka 512m kafka.Kafka "$KAFKA_DIR/server.properties"
  wait_until 120 "Kafka broker" kafka_ready
}

kafka_ready() {
  pid_alive kafka || die "Kafka exited during start (see $LOG_DIR/kafka.log)"
  port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$LOG_DIR/kafka.log"
}

kafka_down() { stop_pid kafka; }

# kafka_scram_user <name> <password>: creates or updates a SCRAM-SHA-512 user (kafka-configs).
kafka_scram_user() {
  java -cp "$CACHE_DIR/lib/*" -Dlog4j2.configurationFile="$REPO_DIR/deploy/local/log4j2.xml" \
    kafka.admin.ConfigCommand --bootstrap-server "$HOST:$KAFKA_PORT" --alter \
    --add-config "SCRAM-SHA-512=[password=$2]" --entity-type users --entity-name "$1"
}

kafka_status() {
  if pid_alive kafka; then echo "kafka     up    $HOST:$KAFKA_PORT"; else echo "kafka     down"; fi
}
