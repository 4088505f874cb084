# Helm, built from its Go module into the stack's cache (.stack/cache/bin/helm), like the Maven
# jars: fetched once per version. Go comes from the machine if it has one (1.21+ fetches the
# toolchain Helm's go.mod asks for by itself); otherwise a Go toolchain is fetched from the Go
# module proxy into the cache. Sourced by deploy-tools.sh.

HELM_VERSION=${INVALIDATOR_HELM_VERSION:-v3.22.0}
GO_FALLBACK_VERSION=1.26.8
TOOLS_BIN=$CACHE_DIR/bin
HELM_BIN=$TOOLS_BIN/helm

helm_installed() {
  [[ -x $HELM_BIN ]] && "$HELM_BIN" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"
}

# go_command: prints a usable go binary, fetching a toolchain module zip if the machine has none.
go_command() {
  if command -v go >/dev/null; then command -v go; return 0; fi
  [[ -x /usr/local/go/bin/go ]] && { echo /usr/local/go/bin/go; return 0; }
  local dir=$CACHE_DIR/go-$GO_FALLBACK_VERSION arch
  if [[ ! -x $dir/bin/go ]]; then
    arch=$(dpkg --print-architecture)
    log "fetching the Go $GO_FALLBACK_VERSION toolchain from the Go module proxy"
    local zip=$CACHE_DIR/download/go-$GO_FALLBACK_VERSION.zip
    mkdir -p "$CACHE_DIR/download" "$dir"
    curl -fsSL -o "$zip" \
      "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go$GO_FALLBACK_VERSION.linux-$arch.zip" ||
      die "could not fetch the Go toolchain"
    command -v unzip >/dev/null || apt_install unzip
    unzip -q -o "$zip" -d "$dir.tmp" && mv "$dir.tmp"/golang.org/toolchain@*/* "$dir"/ && rm -rf "$dir.tmp"
    chmod +x "$dir"/bin/* "$dir"/pkg/tool/*/* 2>/dev/null || true
  fi
  echo "$dir/bin/go"
}

helm_install() {
  helm_installed && return 0
  local go
  go=$(go_command)
  mkdir -p "$TOOLS_BIN"
  log "building helm $HELM_VERSION with $("$go" version) (go install, a few minutes once)"
  # go install does not stamp the version the way Helm's Makefile does: set it, as `helm version`
  # (and charts' kubeVersion checks) read it.
  GOBIN=$TOOLS_BIN GOTOOLCHAIN=auto GOFLAGS=-mod=mod CGO_ENABLED=0 \
    "$go" install -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" 9>&- ||
    die "go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION failed"
  helm_installed || die "$HELM_BIN does not report version $HELM_VERSION"
}
