#!/usr/bin/env bash
# services.sh up|down|status — private PostgreSQL 15 and ClickHouse for treem.
#
# Data lives under .data/ (ignored by git). Both commands are idempotent: a second
# `up` is a no-op, a stale pid file is removed. Setting DATABASE_URL or
# CLICKHOUSE_ADDR selects an existing server instead of starting a private one.
# The addresses in use, and the private ClickHouse's users and passwords, are
# written to .data/env (mode 0600) for every treem command and tool.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data"
pg_port=${TREEM_PG_PORT:-55432}
ch_port=${TREEM_CH_PORT:-59000}
pg_bin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v initdb)")

die() { echo "services: $*" >&2; exit 1; }
log() { echo "services: $*" >&2; }

port_taken() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

pid_alive() { [ -f "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }

# setting NAME prints NAME from the environment, else from .data/env: the order
# in which treem reads its settings.
setting() {
  local v=${!1:-}
  if [ -z "$v" ] && [ -f "$data/env" ]; then v=$(sed -n "s/^$1=//p" "$data/env" | head -1); fi
  printf '%s' "$v"
}

random_hex() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

sha256_hex() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# ch_passwords picks the private ClickHouse's passwords: kept from an earlier
# `up`, so that running servers and shells keep working; random the first time.
ch_passwords() {
  etl_password=$(setting CLICKHOUSE_PASSWORD); [ -n "$etl_password" ] || etl_password=$(random_hex)
  api_password=$(setting CLICKHOUSE_API_PASSWORD); [ -n "$api_password" ] || api_password=$(random_hex)
  bi_password=$(setting CLICKHOUSE_BI_PASSWORD); [ -n "$bi_password" ] || bi_password=$(random_hex)
}

# ch_users renders users.xml with the password hashes on every `up`. A running
# server rereads the file by itself, so an existing .data gets the current
# users; the file is replaced whole, never read half-written.
ch_users() {
  local dir="$data/ch"
  (umask 077; sed -e "s#@ETL_PASSWORD_SHA256@#$(sha256_hex "$etl_password")#" \
    -e "s#@API_PASSWORD_SHA256@#$(sha256_hex "$api_password")#" \
    -e "s#@BI_PASSWORD_SHA256@#$(sha256_hex "$bi_password")#" \
    "$root/scripts/clickhouse-users.xml" >"$dir/users.xml.new")
  if cmp -s "$dir/users.xml.new" "$dir/users.xml"; then
    rm -f "$dir/users.xml.new"
  else
    mv "$dir/users.xml.new" "$dir/users.xml"
    log "clickhouse users written to $dir/users.xml"
  fi
}

# run_pg runs a PostgreSQL binary as the postgres user: the server refuses root.
run_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_up() {
  if [ -n "${DATABASE_URL:-}" ]; then log "using DATABASE_URL from the environment"; return; fi
  local dir="$data/pg" pidfile="$data/pg/data/postmaster.pid"
  if pid_alive "$pidfile" && run_pg "$pg_bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    log "postgres already running on 127.0.0.1:$pg_port"; return
  fi
  [ -f "$pidfile" ] && { log "removing stale postgres pid file"; rm -f "$pidfile"; }
  port_taken "$pg_port" && die "port $pg_port is taken by another program; set TREEM_PG_PORT or DATABASE_URL"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "initdb in $dir/data"
    run_pg "$pg_bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || die "initdb failed, see $dir/initdb.log"
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$dir'
shared_buffers = 1GB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
max_connections = 200
fsync = on
synchronous_commit = off
EOF
  fi
  run_pg "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || die "postgres did not start, see $dir/server.log"
  run_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='treem'" | grep -q 1 \
    || run_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres treem
  log "postgres on 127.0.0.1:$pg_port"
}

ch_install() {
  command -v clickhouse-server >/dev/null && return
  log "installing clickhouse-server and clickhouse-client from Debian"
  [ "$(id -u)" = 0 ] || die "clickhouse is missing and installing it needs root"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server clickhouse-client >/dev/null \
    || die "apt-get install clickhouse-server failed"
}

ch_up() {
  if [ -n "${CLICKHOUSE_ADDR:-}" ]; then log "using CLICKHOUSE_ADDR from the environment"; return; fi
  local dir="$data/ch" pidfile="$data/ch/clickhouse.pid"
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
  ch_users
  sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$ch_port#g" "$root/scripts/clickhouse-config.xml" >"$dir/config.xml.new"
  if pid_alive "$pidfile"; then
    # Ports and listeners are read at start only.
    cmp -s "$dir/config.xml.new" "$dir/config.xml" \
      || log "clickhouse runs with an older config.xml: 'make down && make up' applies the new one"
    rm -f "$dir/config.xml.new"
    log "clickhouse already running on 127.0.0.1:$ch_port"; return
  fi
  [ -f "$pidfile" ] && { log "removing stale clickhouse pid file"; rm -f "$pidfile"; }
  port_taken "$ch_port" && die "port $ch_port is taken by another program; set TREEM_CH_PORT or CLICKHOUSE_ADDR"
  ch_install
  mv "$dir/config.xml.new" "$dir/config.xml"
  (cd "$dir" && clickhouse-server --config-file="$dir/config.xml" --pid-file="$pidfile" --daemon) \
    || die "clickhouse did not start, see $dir/log"
  for _ in $(seq 1 60); do
    clickhouse-client --port "$ch_port" -q "SELECT 1" >/dev/null 2>&1 && { log "clickhouse on 127.0.0.1:$ch_port"; return; }
    sleep 0.5
  done
  die "clickhouse did not answer on port $ch_port, see $dir/log/clickhouse-server.err.log"
}

write_env() {
  mkdir -p "$data"
  # The development JWT secret survives rewrites, so tokens from `treem token`
  # keep verifying across `make up`; a fresh checkout gets a random one.
  local secret=""
  [ -f "$data/env" ] && secret=$(sed -n 's/^TREEM_JWT_SECRET=//p' "$data/env" | head -1)
  [ -n "$secret" ] || secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  # The cell-key secret seeds the warehouse's record keys (disclosure control):
  # kept across rewrites, or every ETL run after it would rebuild in full.
  local cell_secret=""
  [ -f "$data/env" ] && cell_secret=$(sed -n 's/^TREEM_CELL_KEY_SECRET=//p' "$data/env" | head -1)
  [ -n "$cell_secret" ] || cell_secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  # The cursor key seals pagination cursors: kept, so that open pages survive
  # a restart of `treem serve`.
  local cursor_key=""
  [ -f "$data/env" ] && cursor_key=$(sed -n 's/^TREEM_CURSOR_KEY=//p' "$data/env" | head -1)
  [ -n "$cursor_key" ] || cursor_key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (umask 077; {
    echo "DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:$pg_port/treem?sslmode=disable}"
    echo "CLICKHOUSE_ADDR=${CLICKHOUSE_ADDR:-127.0.0.1:$ch_port}"
    # Users of the private server only: another server's come from the environment.
    if [ -z "${CLICKHOUSE_ADDR:-}" ]; then
      echo "CLICKHOUSE_USER=treem_etl"
      echo "CLICKHOUSE_PASSWORD=$etl_password"
      echo "CLICKHOUSE_API_USER=treem_api"
      echo "CLICKHOUSE_API_PASSWORD=$api_password"
      echo "CLICKHOUSE_BI_PASSWORD=$bi_password"
    fi
    echo "TREEM_JWT_SECRET=$secret"
    echo "TREEM_CELL_KEY_SECRET=$cell_secret"
    echo "TREEM_CURSOR_KEY=$cursor_key"
  } >"$data/env.new")
  mv "$data/env.new" "$data/env"
}

down() {
  if [ -f "$data/pg/data/postmaster.pid" ]; then
    run_pg "$pg_bin/pg_ctl" -D "$data/pg/data" -m fast -w stop >/dev/null 2>&1 || rm -f "$data/pg/data/postmaster.pid"
    log "postgres stopped"
  fi
  local pidfile="$data/ch/clickhouse.pid"
  if pid_alive "$pidfile"; then
    local pid; pid=$(head -1 "$pidfile")
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    log "clickhouse stopped"
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  up) mkdir -p "$data"; ch_passwords; pg_up; ch_up; write_env ;;
  down) down ;;
  status) cat "$data/env" 2>/dev/null || echo "not started" ;;
  -h|--help|"") echo "usage: scripts/services.sh up|down|status"; [ -n "${1:-}" ] ;;
  *) die "unknown command $1 (up|down|status)" ;;
esac
