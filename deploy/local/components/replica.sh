# A lagging PostgreSQL streaming standby of the demo database, for replica-read tests and the
# audit: it replays the primary's WAL only recovery_min_apply_delay after each commit, as a busy
# read replica would. Started on demand (`stack.sh replica up`), never by `up`. Sourced by stack.sh.

REPLICA_DIR=$PG_DIR/replica
REPLICA_DATA_DIR=$REPLICA_DIR/data

replica_ctl() { as_pg_owner "$(pg_bin_dir)/pg_ctl" -D "$REPLICA_DATA_DIR" "$@"; }

replica_running() { [[ -f $REPLICA_DATA_DIR/postmaster.pid ]] && replica_ctl status >/dev/null 2>&1; }

# A base backup of the running primary, with standby.signal and primary_conninfo written (-R).
replica_init() {
  mkdir -p "$REPLICA_DIR"
  [[ $EUID -ne 0 ]] || chown postgres: "$REPLICA_DIR"
  log "taking a base backup of the primary for the replica"
  as_pg_owner "$(pg_bin_dir)/pg_basebackup" -h "$HOST" -p "$PG_PORT" -U "$PG_USER" \
    -D "$REPLICA_DATA_DIR" -R -X stream -c fast >"$LOG_DIR/replica-basebackup.log" 2>&1 ||
    die "pg_basebackup failed (see $LOG_DIR/replica-basebackup.log)"
}

replica_up() {
  postgres_running || die "the replica needs the primary: run stack.sh up first"
  if replica_running; then log "replica already running on $HOST:$PG_REPLICA_PORT"; return 0; fi
  refuse_foreign_port pg_replica "$PG_REPLICA_PORT"
  [[ -f $REPLICA_DATA_DIR/PG_VERSION ]] || replica_init
  touch "$REPLICA_DIR/server.log" && { [[ $EUID -ne 0 ]] || chown postgres: "$REPLICA_DIR/server.log"; }
  ln -sfn "$REPLICA_DIR/server.log" "$LOG_DIR/replica.log"
  log "starting the replica on $HOST:$PG_REPLICA_PORT (apply delay ${PG_REPLICA_DELAY_MS} ms)"
  replica_ctl -w -t 60 -l "$REPLICA_DIR/server.log" start -o "-c port=$PG_REPLICA_PORT \
    -c listen_addresses=$HOST -c unix_socket_directories=$REPLICA_DIR -c hot_standby=on -c max_wal_senders=20 -c max_replication_slots=20 \
    -c recovery_min_apply_delay=${PG_REPLICA_DELAY_MS}ms -c fsync=off" \
    </dev/null >/dev/null 9>&- || die "the replica did not start (see $LOG_DIR/replica.log)"
  wait_until 60 "replica accepting reads" as_pg_owner psql -X -q -h "$REPLICA_DIR" \
    -p "$PG_REPLICA_PORT" -U "$PG_USER" -d "$PG_DATABASE" -c 'SELECT 1'
}

replica_down() {
  replica_running || return 0
  log "stopping the replica"
  replica_ctl -m fast -w stop >/dev/null || log "warning: pg_ctl stop (replica) failed"
}

replica_status() {
  if replica_running; then
    echo "replica   up    $HOST:$PG_REPLICA_PORT  apply delay ${PG_REPLICA_DELAY_MS} ms"
  else
    echo "replica   down  (start it with: npm run stack -- replica up)"
  fi
}
