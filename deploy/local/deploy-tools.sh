#!/usr/bin/env bash
# The deployment artifacts' tools: Helm (built from its Go module into .stack/cache/bin) and
# Prometheus + promtool (Debian's `prometheus` package). Not needed to run the service; CI and
# the deploy tests use them.
#
#   deploy-tools.sh install   install what is missing (idempotent)
#   deploy-tools.sh check     helm lint + helm template (default and full values),
#                             promtool check rules + promtool test rules
#   deploy-tools.sh env       print the PATH line that puts the tools first (eval it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
for component in install helm prometheus; do
  source "$here/components/$component.sh"
done

CHART_DIR=$REPO_DIR/deploy/helm/invalidator
RULES_DIR=$REPO_DIR/deploy/prometheus

cmd_install() {
  mkdir -p "$CACHE_DIR" "$STATE_DIR" "$RUN_DIR" "$LOG_DIR"
  prometheus_install
  helm_install
}

cmd_check() {
  local out=$STATE_DIR/helm-rendered
  mkdir -p "$out"
  log "helm lint (default values)"
  "$HELM_BIN" lint --strict "$CHART_DIR"
  log "helm lint (full values)"
  "$HELM_BIN" lint --strict "$CHART_DIR" -f "$CHART_DIR/ci/full-values.yaml"
  log "helm template (default values) -> $out/default.yaml"
  "$HELM_BIN" template invalidator "$CHART_DIR" >"$out/default.yaml"
  log "helm template (full values) -> $out/full.yaml"
  "$HELM_BIN" template invalidator "$CHART_DIR" -f "$CHART_DIR/ci/full-values.yaml" >"$out/full.yaml"
  log "promtool check rules"
  promtool check rules "$RULES_DIR"/*.rules.yml
  log "promtool test rules"
  promtool test rules "$RULES_DIR"/tests/*.test.yml
}

case ${1:-} in
  install) cmd_install ;;
  check) cmd_install && cmd_check ;;
  env) echo "export PATH=$TOOLS_BIN:\$PATH" ;;
  *)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
