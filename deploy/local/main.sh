#!/usr/bin/env bash
# `npm start`: the whole local pipeline on demo data. Installs what is missing, starts the stack
# (PostgreSQL, Redis, Kafka, Kafka Connect + Debezium), builds and runs the invalidator service
# in the foreground with the demo rules. Ctrl-C stops the service; `npm run stack -- down` stops
# the servers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
source "$here/ensure-deps.sh"
bash "$here/stack.sh" up
cd "$REPO_DIR"
log "building the service"
npm run --silent build
export INVALIDATOR_KAFKA_BROKERS=${INVALIDATOR_KAFKA_BROKERS:-$HOST:$KAFKA_PORT}
export INVALIDATOR_KAFKA_TOPICS=${INVALIDATOR_KAFKA_TOPICS:-'/^catalog\.public\./'}
export INVALIDATOR_REDIS_URL=${INVALIDATOR_REDIS_URL:-redis://$HOST:$REDIS_PORT}
export INVALIDATOR_DATABASE_URL=${INVALIDATOR_DATABASE_URL:-postgres://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DATABASE}
export INVALIDATOR_RULES_PATH=${INVALIDATOR_RULES_PATH:-$REPO_DIR/rules}
export INVALIDATOR_HTTP_PORT=${INVALIDATOR_HTTP_PORT:-53000}
cat >&9 <<HELP

  The invalidator is starting on http://$HOST:$INVALIDATOR_HTTP_PORT (health/ready, metrics).
  Watch an UPDATE make its keys disappear, in another terminal:
    redis-cli -p $REDIS_PORT set product:123 '{"price":"100.00"}'
    redis-cli -p $REDIS_PORT set category:5:products '[123,124,125]'
    psql postgres://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DATABASE -c "UPDATE products SET price = price - 1 WHERE id = 123"
    redis-cli -p $REDIS_PORT exists product:123 category:5:products    # 0: both are gone

HELP
exec node dist/apps/invalidator/src/main.js
