# Prometheus and promtool from Debian's `prometheus` package. The server is started on demand
# (`npm run stack -- prometheus-up`, or by the dashboard e2e test), never by `npm start`: it
# scrapes the invalidator and the demo catalog app on loopback, and loads the alert rules of
# deploy/prometheus. Sourced by stack.sh and deploy-tools.sh.

PROMETHEUS_PORT=${INVALIDATOR_PROMETHEUS_PORT:-59090}
PROMETHEUS_DIR=$STATE_DIR/prometheus
PROMETHEUS_URL=http://$HOST:$PROMETHEUS_PORT
# What it scrapes: host:port lists, comma-separated (the e2e test passes its own processes' ports).
PROMETHEUS_INVALIDATOR_TARGETS=${INVALIDATOR_PROMETHEUS_INVALIDATOR_TARGETS:-$HOST:${INVALIDATOR_HTTP_PORT:-53000}}
PROMETHEUS_CATALOG_TARGETS=${INVALIDATOR_PROMETHEUS_CATALOG_TARGETS:-$HOST:${CATALOG_HTTP_PORT:-53001}}
PROMETHEUS_SCRAPE_INTERVAL=${INVALIDATOR_PROMETHEUS_SCRAPE_INTERVAL:-2s}

prometheus_install() {
  command -v prometheus >/dev/null && command -v promtool >/dev/null && return 0
  need_root_for prometheus
  apt_install prometheus
}

# yaml_targets "a:1,b:2" -> "'a:1', 'b:2'"
yaml_targets() { local IFS=,; local t out=(); for t in $1; do out+=("'$t'"); done; (IFS=,; echo "${out[*]}" | sed 's/,/, /g'); }

prometheus_write_config() {
  mkdir -p "$PROMETHEUS_DIR/data"
  cat >"$PROMETHEUS_DIR/prometheus.yml" <<YAML
global:
  scrape_interval: $PROMETHEUS_SCRAPE_INTERVAL
  evaluation_interval: $PROMETHEUS_SCRAPE_INTERVAL
rule_files:
  - $REPO_DIR/deploy/prometheus/*.rules.yml
scrape_configs:
  - job_name: invalidator
    metrics_path: /metrics
    static_configs:
      - targets: [$(yaml_targets "$PROMETHEUS_INVALIDATOR_TARGETS")]
  - job_name: catalog-api
    metrics_path: /metrics
    static_configs:
      - targets: [$(yaml_targets "$PROMETHEUS_CATALOG_TARGETS")]
YAML
}

prometheus_up() {
  if pid_alive prometheus; then
    prometheus_write_config
    log "prometheus already running on $PROMETHEUS_URL: targets rewritten, reloading"
    curl -fsS -X POST "$PROMETHEUS_URL/-/reload" || die "Prometheus rejected its new configuration (see $LOG_DIR/prometheus.log)"
    return 0
  fi
  prometheus_install
  refuse_foreign_port prometheus "$PROMETHEUS_PORT"
  prometheus_write_config
  log "starting Prometheus on $PROMETHEUS_URL (scraping $PROMETHEUS_INVALIDATOR_TARGETS and $PROMETHEUS_CATALOG_TARGETS)"
  prometheus --config.file="$PROMETHEUS_DIR/prometheus.yml" \
    --storage.tsdb.path="$PROMETHEUS_DIR/data" --storage.tsdb.retention.time=1d \
    --web.listen-address="$HOST:$PROMETHEUS_PORT" --web.enable-lifecycle \
    </dev/null >"$LOG_DIR/prometheus.log" 2>&1 9>&- &
  echo $! >"$RUN_DIR/prometheus.pid"
  wait_until 60 "Prometheus" prometheus_ready
}

prometheus_ready() {
  pid_alive prometheus || die "Prometheus exited during start (see $LOG_DIR/prometheus.log)"
  curl -fsS "$PROMETHEUS_URL/-/ready"
}

prometheus_down() { stop_pid prometheus; }

prometheus_status() {
  if pid_alive prometheus; then echo "prometheus up    $PROMETHEUS_URL"; else echo "prometheus down"; fi
}
