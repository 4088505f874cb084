# Redis from Debian's packages; a cache, so nothing is persisted. Sourced by stack.sh.

redis_up() {
  if pid_alive redis; then log "redis already running on $HOST:$REDIS_PORT"; return 0; fi
  refuse_foreign_port redis "$REDIS_PORT"
  mkdir -p "$STATE_DIR/redis"
  log "starting Redis on $HOST:$REDIS_PORT"
  redis-server --bind "$HOST" --port "$REDIS_PORT" --daemonize yes --dir "$STATE_DIR/redis" \
    --pidfile "$RUN_DIR/redis.pid" --logfile "$LOG_DIR/redis.log" --save '' --appendonly no \
    </dev/null 9>&- || die "Redis did not start (see $LOG_DIR/redis.log)"
  wait_until 30 "Redis" redis-cli -h "$HOST" -p "$REDIS_PORT" ping
}

redis_down() { stop_pid redis; }

redis_status() {
  if pid_alive redis; then echo "redis     up    $HOST:$REDIS_PORT"; else echo "redis     down"; fi
}
