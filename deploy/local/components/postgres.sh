# PostgreSQL from Debian's packages, in the stack's own data directory. Sourced by stack.sh.

# True when every existing ancestor of $1 lets other users through (the o+x bit).
world_traversable() {
  local dir=$1
  while [[ ! -d $dir ]]; do dir=$(dirname "$dir"); done
  while [[ $dir != / ]]; do
    [[ $(stat -c %A "$dir") == *x ]] || return 1
    dir=$(dirname "$dir")
  done
}

# As root the server runs as `postgres`, which must reach its data directory. A checkout under a
# private directory (such as /root) gets a fixed directory of its own under /var/tmp instead.
PG_DIR=$STATE_DIR/postgres
if [[ $EUID -eq 0 ]] && ! world_traversable "$STATE_DIR"; then
  PG_DIR=/var/tmp/invalidator-postgres-$(printf '%s' "$STATE_DIR" | sha1sum | cut -c1-12)
fi
PGDATA_DIR=$PG_DIR/data

# The server refuses to run as root, so as root every server command runs as `postgres`.
as_pg_owner() {
  if [[ $EUID -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_ctl_cmd() { as_pg_owner "$(pg_bin_dir)/pg_ctl" -D "$PGDATA_DIR" "$@"; }

psql_admin() {
  as_pg_owner psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres "$@"
}

postgres_running() { [[ -f $PGDATA_DIR/postmaster.pid ]] && pg_ctl_cmd status >/dev/null 2>&1; }

postgres_init() {
  mkdir -p "$PG_DIR"
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$PG_DIR"
    runuser -u postgres -- test -w "$PG_DIR" ||
      die "user postgres cannot reach $PG_DIR; set INVALIDATOR_STACK_DIR to a directory every user can traverse"
  fi
  log "initialising PostgreSQL data directory"
  as_pg_owner "$(pg_bin_dir)/initdb" -D "$PGDATA_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$LOG_DIR/postgres-initdb.log" 2>&1 || die "initdb failed (see $LOG_DIR/postgres-initdb.log)"
  # A fresh database means any Kafka or Connect state from an earlier run describes WAL that no
  # longer exists: drop it so Debezium snapshots again instead of failing on an unknown LSN.
  rm -rf "$STATE_DIR/kafka" "$STATE_DIR/connect"
  touch "$PG_DIR/fresh"
}

postgres_up() {
  if postgres_running; then log "postgres already running on $HOST:$PG_PORT"; return 0; fi
  refuse_foreign_port pg "$PG_PORT"
  [[ -f $PGDATA_DIR/PG_VERSION ]] || postgres_init
  # The server writes its log itself, so it lives beside the data; logs/ holds a link to it.
  touch "$PG_DIR/server.log" && { [[ $EUID -ne 0 ]] || chown postgres: "$PG_DIR/server.log"; }
  ln -sfn "$PG_DIR/server.log" "$LOG_DIR/postgres.log"
  log "starting PostgreSQL on $HOST:$PG_PORT"
  # fsync=off: a throwaway data directory. synchronous_commit stays on (PostgreSQL's default, as
  # in production): with it off, a commit reaches the logical walsender, hence Debezium, only
  # when the WAL writer flushes (wal_writer_delay, 200 ms), which cost commit -> Kafka ~190 ms
  # at p50 (docs/benchmarks.md, "Debezium leg").
  pg_ctl_cmd -w -t 60 -l "$PG_DIR/server.log" start -o "-c port=$PG_PORT \
    -c listen_addresses=$HOST -c unix_socket_directories=$PG_DIR -c wal_level=logical \
    -c max_wal_senders=20 -c max_replication_slots=20 -c fsync=off" \
    </dev/null >/dev/null 9>&- || die "PostgreSQL did not start (see $LOG_DIR/postgres.log)"
  if [[ -f $PG_DIR/fresh ]]; then
    postgres_load_demo
    rm -f "$PG_DIR/fresh"
  fi
}

postgres_load_demo() {
  log "creating role $PG_USER and database $PG_DATABASE with the demo catalog"
  psql_admin -d postgres -c "CREATE ROLE $PG_USER LOGIN REPLICATION PASSWORD '$PG_PASSWORD'" \
    -c "CREATE DATABASE $PG_DATABASE OWNER $PG_USER" || die "could not create the demo database"
  local file
  # Fed on stdin: the files may sit where the postgres user cannot read them.
  for file in "$REPO_DIR"/deploy/postgres/*.sql; do
    { echo "SET ROLE $PG_USER;"; cat "$file"; } | psql_admin -d "$PG_DATABASE" >/dev/null ||
      die "loading $file failed"
  done
}

# postgres_lookup_role <role> <password> <schema> <table>...: a login role for the service's
# cascade lookups that can only SELECT the given tables (docs/security.md has the same SQL).
postgres_lookup_role() {
  local role=$1 password=$2 schema=$3 table
  shift 3
  local sql="CREATE ROLE \"$role\" LOGIN NOINHERIT PASSWORD '$password';
ALTER ROLE \"$role\" SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE $PG_DATABASE TO \"$role\";
GRANT USAGE ON SCHEMA \"$schema\" TO \"$role\";"
  for table in "$@"; do sql+=$'\n'"GRANT SELECT ON \"$schema\".\"$table\" TO \"$role\";"; done
  psql_admin -d "$PG_DATABASE" -c "$sql" >/dev/null
}

# postgres_drop_role <role>: revokes what the role was granted, then drops it.
postgres_drop_role() {
  psql_admin -d "$PG_DATABASE" -c "DROP OWNED BY \"$1\"" -c "DROP ROLE \"$1\"" >/dev/null
}

# A slot left by an earlier run whose connector is gone would make Debezium resume from WAL
# that its new offsets know nothing about; drop it (ending its walsender if one still holds it).
postgres_drop_slot() {
  psql_admin -d "$PG_DATABASE" -c "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
      WHERE slot_name = '$1' AND active_pid IS NOT NULL" \
    -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$1'" \
    >/dev/null
}

postgres_down() {
  postgres_running || return 0
  log "stopping PostgreSQL"
  pg_ctl_cmd -m fast -w stop >/dev/null || log "warning: pg_ctl stop failed"
}

postgres_status() {
  if postgres_running; then echo "postgres  up    $HOST:$PG_PORT  data=$PGDATA_DIR"; else echo "postgres  down"; fi
}
