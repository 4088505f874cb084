#!/usr/bin/env bash
# `npm start`: the whole local pipeline on demo data. Installs what is missing, starts the stack
# (PostgreSQL, Redis, Kafka, Kafka Connect + Debezium), then follows the change events in the
# foreground. Ctrl-C stops following; `npm run stack -- down` stops the servers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
source "$here/ensure-deps.sh"
bash "$here/stack.sh" up
cd "$REPO_DIR"
log "try: psql postgres://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DATABASE -c \"UPDATE products SET price = 80 WHERE id = 123\""
exec node "$here/watch-changes.mjs"
