#!/usr/bin/env bash
# `npm start`: the whole local pipeline on demo data. Installs what is missing, starts the stack
# (PostgreSQL, Redis, Kafka, Kafka Connect + Debezium), builds and runs the demo catalog app in
# the background and the invalidator service in the foreground with the demo rules. Ctrl-C stops
# both; `npm run stack -- down` stops the servers.
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
export CATALOG_DATABASE_URL=${CATALOG_DATABASE_URL:-$INVALIDATOR_DATABASE_URL}
export CATALOG_REDIS_URL=${CATALOG_REDIS_URL:-$INVALIDATOR_REDIS_URL}
export CATALOG_HTTP_PORT=${CATALOG_HTTP_PORT:-53001}
node dist/apps/catalog-api/src/main.js >"$LOG_DIR/catalog-api.log" 2>&1 9>&- &
catalog_pid=$!
trap 'kill "$catalog_pid" 2>/dev/null || true' EXIT
cat >&9 <<HELP

  The invalidator is starting on http://$HOST:$INVALIDATOR_HTTP_PORT (health/ready, metrics);
  the demo catalog app on http://$HOST:$CATALOG_HTTP_PORT (log: $LOG_DIR/catalog-api.log).
  A price change is visible on the next read, with no cache code in the write path:
    curl -s $HOST:$CATALOG_HTTP_PORT/products/123          # read through the cache
    curl -s -X PUT -H 'content-type: application/json' -d '{"price":"79.00"}' $HOST:$CATALOG_HTTP_PORT/products/123
    curl -s $HOST:$CATALOG_HTTP_PORT/products/123          # 79.00: the invalidator deleted the key
  Or watch an UPDATE make its keys disappear:
    redis-cli -p $REDIS_PORT set product:123 '{"price":"100.00"}'
    redis-cli -p $REDIS_PORT set category:5:products '[123,124,125]'
    psql postgres://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DATABASE -c "UPDATE products SET price = price - 1 WHERE id = 123"
    redis-cli -p $REDIS_PORT exists product:123 category:5:products    # 0: both are gone

HELP
node dist/apps/invalidator/src/main.js
