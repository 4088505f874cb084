# Installs what the stack needs and is missing: Debian packages, then the Kafka and Debezium
# artifacts from Maven Central into the stack's cache. Sourced by stack.sh.

apt_updated=0
apt_install() {
  if ((apt_updated == 0)); then
    log "apt-get update"
    apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  # Debian's postinst scripts would start system-wide servers on the default ports; the stack
  # runs its own on private ports, so keep the packaged services stopped during the install.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  mkdir -p /etc/postgresql-common
  [[ -e /etc/postgresql-common/createcluster.conf ]] ||
    echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  local status=$?
  ((created_policy == 0)) || rm -f "$policy"
  ((status == 0)) || die "apt-get install $* failed"
}

need_root_for() {
  [[ $EUID -eq 0 ]] || die "$1 is missing; install it (sudo apt-get install $1) or run this as root"
}

pg_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $dir && -x $dir/initdb ]] && echo "$dir"
}

install_packages() {
  local missing=()
  pg_bin_dir >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-cli >/dev/null || missing+=(redis-tools)
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v curl >/dev/null || missing+=(curl)
  ((${#missing[@]} == 0)) && return 0
  need_root_for "${missing[*]}"
  apt_install "${missing[@]}"
}

# Jars are fetched once per version into the cache; a marker file records what is there.
install_artifacts() {
  local marker=$CACHE_DIR/artifacts-$KAFKA_VERSION-$DEBEZIUM_VERSION.done
  [[ -f $marker ]] && return 0
  local pom=$REPO_DIR/deploy/local/maven/pom.xml
  rm -rf "$CACHE_DIR/lib" "$CACHE_DIR/plugins" "$CACHE_DIR/download"
  mkdir -p "$CACHE_DIR/lib" "$CACHE_DIR/plugins" "$CACHE_DIR/download"
  log "fetching Kafka $KAFKA_VERSION and Connect jars from Maven Central"
  mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$CACHE_DIR/lib" || die "Maven could not fetch the Kafka jars (see above)"
  log "fetching the Debezium PostgreSQL connector plugin $DEBEZIUM_VERSION"
  mvn -q -B -f "$pom" dependency:copy \
    -Dartifact="io.debezium:debezium-connector-postgres:$DEBEZIUM_VERSION:tar.gz:plugin" \
    -DoutputDirectory="$CACHE_DIR/download" || die "Maven could not fetch the Debezium plugin"
  # The plugin lives under plugin.path only: never on the worker's own classpath.
  tar -xzf "$CACHE_DIR/download/debezium-connector-postgres-$DEBEZIUM_VERSION-plugin.tar.gz" \
    -C "$CACHE_DIR/plugins" || die "could not unpack the Debezium plugin"
  touch "$marker"
}

stack_install() {
  mkdir -p "$CACHE_DIR" "$STATE_DIR" "$RUN_DIR" "$LOG_DIR"
  install_packages
  install_artifacts
}
