# Installs the npm dependencies when package-lock.json changed since the last install; sourced.
lock_hash=$(sha256sum "$REPO_DIR/package-lock.json" | cut -d' ' -f1)
marker=$REPO_DIR/node_modules/.invalidator-lock-hash
if [[ ! -f $marker || $(cat "$marker") != "$lock_hash" ]]; then
  log "installing npm dependencies (npm ci)"
  (cd "$REPO_DIR" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  echo "$lock_hash" >"$marker"
fi
