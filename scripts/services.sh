#!/usr/bin/env bash
# services.sh up|down|status — private PostgreSQL 15 and ClickHouse for treem.
#
# Data lives under .data/ (ignored by git). Both commands are idempotent: a second
# `up` is a no-op, a stale pid file is removed. Setting DATABASE_URL or
# CLICKHOUSE_ADDR selects an existing server instead of starting a private one.
# The addresses in use are written to .data/env for every treem command and tool.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data"
pg_port=${TREEM_PG_PORT:-55432}
ch_port=${TREEM_CH_PORT:-59000}
ch_http_port=${TREEM_CH_HTTP_PORT:-58123}
pg_bin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v initdb)")

die() { echo "services: $*" >&2; exit 1; }
log() { echo "services: $*" >&2; }

port_taken() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

pid_alive() { [ -f "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }

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
  if pid_alive "$pidfile"; then log "clickhouse already running on 127.0.0.1:$ch_port"; return; fi
  [ -f "$pidfile" ] && { log "removing stale clickhouse pid file"; rm -f "$pidfile"; }
  port_taken "$ch_port" && die "port $ch_port is taken by another program; set TREEM_CH_PORT or CLICKHOUSE_ADDR"
  port_taken "$ch_http_port" && die "port $ch_http_port is taken by another program; set TREEM_CH_HTTP_PORT"
  ch_install
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
  sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$ch_port#g" -e "s#@HTTP_PORT@#$ch_http_port#g" \
    "$root/scripts/clickhouse-config.xml" >"$dir/config.xml"
  cp "$root/scripts/clickhouse-users.xml" "$dir/users.xml"
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
  {
    echo "DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:$pg_port/treem?sslmode=disable}"
    echo "CLICKHOUSE_ADDR=${CLICKHOUSE_ADDR:-127.0.0.1:$ch_port}"
    echo "TREEM_JWT_SECRET=$secret"
  } >"$data/env"
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
  up) mkdir -p "$data"; pg_up; ch_up; write_env ;;
  down) down ;;
  status) cat "$data/env" 2>/dev/null || echo "not started" ;;
  -h|--help|"") echo "usage: scripts/services.sh up|down|status"; [ -n "${1:-}" ] ;;
  *) die "unknown command $1 (up|down|status)" ;;
esac
