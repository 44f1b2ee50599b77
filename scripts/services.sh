#!/usr/bin/env bash
# services.sh up|down|ch-up|ch-down|status — private PostgreSQL 15 and ClickHouse for treem.
#
# Data lives under .data/ (ignored by git), or TREEM_DATA_DIR for a second,
# independent set of servers. Every command is idempotent: a second `up` is a
# no-op, a stale pid file is removed. Setting DATABASE_URL or CLICKHOUSE_ADDR
# selects an existing server instead of starting a private one. The addresses
# in use, and the private servers' users and passwords, are written to
# $TREEM_DATA_DIR/env (mode 0600) for every treem command and tool.
#
# TREEM_CH_SHARDS=N starts N ClickHouse servers, shard i in ch (i = 1) or
# ch<i>, on port TREEM_CH_PORT+i-1, joined in the cluster treem. Unset, the
# count of the last `up` stands (one server the first time).
# `ch-up` and `ch-down` start and stop ClickHouse only (scripts/test-cluster.sh).
#
# The private Postgres has one login role per program (scripts/sql/roles.sql):
# treem_owner runs migrations and seeds and owns the tables, treem_api serves,
# treem_etl extracts. Every login over TCP or the socket takes a password
# (scram-sha-256); only the operating-system account that runs the server
# reaches the superuser, through the socket (peer).
set -euo pipefail

die() { echo "services: $*" >&2; exit 1; }
log() { echo "services: $*" >&2; }

root=$(cd "$(dirname "$0")/.." && pwd)
# Absolute, because ClickHouse's config names its directories; exported, so
# that lib.sh's setting reads the same env file.
data=$(realpath -ms "${TREEM_DATA_DIR:-$root/.data}")
export TREEM_DATA_DIR=$data
pg_port=${TREEM_PG_PORT:-55432}
ch_port=${TREEM_CH_PORT:-59000}
pg_bin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v initdb)")

port_taken() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

pid_alive() { [ -f "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }

# ch_alive DIR: the ClickHouse of DIR runs. Its command line must name DIR's
# config: many servers share this machine, and a reused pid is not ours to stop.
ch_alive() {
  pid_alive "$1/clickhouse.pid" \
    && tr '\0' ' ' 2>/dev/null <"/proc/$(head -1 "$1/clickhouse.pid")/cmdline" | grep -qF -- "--config-file=$1/config.xml"
}

# setting NAME: the environment, else $TREEM_DATA_DIR/env (scripts/lib.sh).
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"

# The shard count is kept from the env file like the passwords, so that a
# later `make up` (`make migrate` runs one) keeps the cluster.
shards=${TREEM_CH_SHARDS:-}
if [ -z "$shards" ]; then
  shards=$(setting CLICKHOUSE_SHARDS | tr ',' '\n' | grep -c . || true)
  [ "$shards" -ge 1 ] || shards=1
fi
[[ $shards =~ ^[1-9][0-9]?$ ]] || die "TREEM_CH_SHARDS must be a number from 1 to 99, not '$shards'"

random_hex() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

sha256_hex() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# pg_passwords picks the private Postgres roles' passwords: kept from the URLs
# of an earlier `up`, random the first time.
pg_passwords() {
  pg_owner_password=$(url_password "$(setting DATABASE_OWNER_URL)" treem_owner)
  pg_api_password=$(url_password "$(setting DATABASE_URL)" treem_api)
  pg_etl_password=$(url_password "$(setting DATABASE_ETL_URL)" treem_etl)
}

# url_password URL ROLE prints the password of ROLE in URL, or a new random one.
url_password() {
  local pw
  pw=$(printf '%s' "$1" | sed -n "s#^postgres://$2:\([0-9a-f]*\)@.*#\1#p")
  [ -n "$pw" ] || pw=$(random_hex)
  printf '%s' "$pw"
}

# ch_passwords picks the private ClickHouse's passwords: kept from an earlier
# `up`, so that running servers and shells keep working; random the first time.
ch_passwords() {
  etl_password=$(setting CLICKHOUSE_PASSWORD); [ -n "$etl_password" ] || etl_password=$(random_hex)
  api_password=$(setting CLICKHOUSE_API_PASSWORD); [ -n "$api_password" ] || api_password=$(random_hex)
  bi_password=$(setting CLICKHOUSE_BI_PASSWORD); [ -n "$bi_password" ] || bi_password=$(random_hex)
  shard_password=$(setting CLICKHOUSE_SHARD_PASSWORD); [ -n "$shard_password" ] || shard_password=$(random_hex)
}

# ch_dir I prints shard I's directory: shard 1 keeps the single server's.
ch_dir() { if [ "$1" = 1 ]; then echo "$data/ch"; else echo "$data/ch$1"; fi; }

# shard_port I prints shard I's native port.
shard_port() { echo $((ch_port + $1 - 1)); }

# shard_addrs prints the shards' native addresses, comma-separated, in shard order.
shard_addrs() {
  local i sep=""
  for i in $(seq 1 "$shards"); do printf '%s127.0.0.1:%s' "$sep" "$(shard_port "$i")"; sep=,; done
}

# ch_users DIR renders users.xml with the password hashes on every `up`. A
# running server rereads the file by itself, so an existing .data gets the
# current users; the file is replaced whole, never read half-written. Every
# shard gets the same users, so that the Distributed engine's treem_shard
# logs in on each.
ch_users() {
  local dir=$1
  (umask 077; sed -e "s#@ETL_PASSWORD_SHA256@#$(sha256_hex "$etl_password")#" \
    -e "s#@API_PASSWORD_SHA256@#$(sha256_hex "$api_password")#" \
    -e "s#@BI_PASSWORD_SHA256@#$(sha256_hex "$bi_password")#" \
    -e "s#@SHARD_PASSWORD_SHA256@#$(sha256_hex "$shard_password")#" \
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

# pg_admin runs psql as the superuser over the socket: peer authentication of
# the account that runs the server, never a password.
pg_admin() {
  run_pg "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$data/pg" -p "$pg_port" -U postgres "$@"
}

# pg_auth writes who may log in how, and reloads a running server when that
# changed. An older .data (trust for everyone) is switched in place.
pg_auth() {
  local conf="$data/pg/data" os_user
  os_user=$(if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi)
  (umask 077
   printf '# written by scripts/services.sh\nlocal all postgres peer map=server_account\nlocal all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n' >"$conf/pg_hba.conf.new"
   printf '# written by scripts/services.sh\nserver_account %s postgres\n' "$os_user" >"$conf/pg_ident.conf.new")
  [ "$(id -u)" = 0 ] && chown postgres: "$conf/pg_hba.conf.new" "$conf/pg_ident.conf.new"
  local changed=""
  for f in pg_hba.conf pg_ident.conf; do
    if cmp -s "$conf/$f.new" "$conf/$f"; then rm -f "$conf/$f.new"; else mv "$conf/$f.new" "$conf/$f"; changed=1; fi
  done
  if [ -n "$changed" ] && run_pg "$pg_bin/pg_ctl" -D "$conf" status >/dev/null 2>&1; then
    run_pg "$pg_bin/pg_ctl" -D "$conf" reload >/dev/null
    log "postgres authentication switched to scram-sha-256"
  fi
}

# pg_roles creates or updates the login roles and hands the treem databases
# (and, for a .data from before the roles, everything in them) to the owner.
pg_roles() {
  pg_admin -d postgres -v owner_password="$pg_owner_password" -v api_password="$pg_api_password" \
    -v etl_password="$pg_etl_password" -f "$root/scripts/sql/roles.sql" >/dev/null
  pg_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='treem'" | grep -q 1 \
    || pg_admin -d postgres -c "CREATE DATABASE treem OWNER treem_owner"
  local db
  for db in $(pg_admin -d postgres -tAc "SELECT datname FROM pg_database
      WHERE datname LIKE 'treem%' AND datdba = 'postgres'::regrole"); do
    log "handing database $db to treem_owner"
    pg_admin -d "$db" -f "$root/scripts/sql/hand-to-owner.sql" >/dev/null
  done
}

pg_up() {
  if [ -n "${DATABASE_URL:-}" ]; then log "using DATABASE_URL from the environment"; return; fi
  local dir="$data/pg" pidfile="$data/pg/data/postmaster.pid"
  if pid_alive "$pidfile" && run_pg "$pg_bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    pg_auth; pg_roles
    log "postgres already running on 127.0.0.1:$pg_port"; return
  fi
  [ -f "$pidfile" ] && { log "removing stale postgres pid file"; rm -f "$pidfile"; }
  port_taken "$pg_port" && die "port $pg_port is taken by another program; set TREEM_PG_PORT or DATABASE_URL"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "initdb in $dir/data"
    run_pg "$pg_bin/initdb" -D "$dir/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
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
  pg_auth
  run_pg "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || die "postgres did not start, see $dir/server.log"
  pg_roles
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

# ch_remote_servers prints the cluster treem for config.xml when there are
# several shards, nothing for one server: one replica per shard, reached as
# treem_shard, the user the Distributed engine logs in with.
ch_remote_servers() {
  [ "$shards" -ge 2 ] || return 0
  local i port
  printf '    <remote_servers>\n        <treem>\n'
  for i in $(seq 1 "$shards"); do
    printf '            <shard><replica><host>127.0.0.1</host><port>%s</port><user>treem_shard</user><password>%s</password></replica></shard>\n' \
      "$(shard_port "$i")" "$shard_password"
  done
  printf '        </treem>\n'
  # For the shard-down tests only (scripts/test-cluster.sh): treem_down, whose
  # second shard is a port where no server is ever started.
  if [ -n "${TREEM_CH_DOWN_SHARD_PORT:-}" ]; then
    printf '        <treem_down>\n'
    for port in "$(shard_port 1)" "$TREEM_CH_DOWN_SHARD_PORT"; do
      printf '            <shard><replica><host>127.0.0.1</host><port>%s</port><user>treem_shard</user><password>%s</password></replica></shard>\n' \
        "$port" "$shard_password"
    done
    printf '        </treem_down>\n'
  fi
  printf '    </remote_servers>\n'
}

# ch_up_shard I starts shard I unless it runs.
ch_up_shard() {
  local dir port pidfile name=clickhouse
  dir=$(ch_dir "$1"); port=$(shard_port "$1"); pidfile="$dir/clickhouse.pid"
  [ "$shards" = 1 ] || name="clickhouse shard $1"
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
  ch_users "$dir"
  # umask 077: with several shards, config.xml holds treem_shard's password.
  (umask 077; sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" "$root/scripts/clickhouse-config.xml" \
    | awk -v block="$(ch_remote_servers)" '/@REMOTE_SERVERS@/ { if (block != "") print block; next } { print }' \
    >"$dir/config.xml.new")
  if ch_alive "$dir"; then
    # Ports and listeners are read at start only.
    cmp -s "$dir/config.xml.new" "$dir/config.xml" \
      || log "$name runs with an older config.xml: 'make down && make up' applies the new one"
    rm -f "$dir/config.xml.new"
    log "$name already running on 127.0.0.1:$port"; return
  fi
  [ -f "$pidfile" ] && { log "removing stale $name pid file"; rm -f "$pidfile"; }
  port_taken "$port" && die "port $port is taken by another program; set TREEM_CH_PORT or CLICKHOUSE_ADDR"
  ch_install
  mv "$dir/config.xml.new" "$dir/config.xml"
  (cd "$dir" && clickhouse-server --config-file="$dir/config.xml" --pid-file="$pidfile" --daemon) \
    || die "$name did not start, see $dir/log"
  for _ in $(seq 1 60); do
    clickhouse-client --port "$port" -q "SELECT 1" >/dev/null 2>&1 && { log "$name on 127.0.0.1:$port"; return; }
    sleep 0.5
  done
  die "$name did not answer on port $port, see $dir/log/clickhouse-server.err.log"
}

ch_up() {
  if [ -n "${CLICKHOUSE_ADDR:-}" ]; then log "using CLICKHOUSE_ADDR from the environment"; return; fi
  local i dir
  for i in $(seq 1 "$shards"); do ch_up_shard "$i"; done
  # A shard of an earlier, larger TREEM_CH_SHARDS is left running, not
  # stopped behind the operator's back.
  for dir in "$data"/ch[0-9]*; do
    i=${dir##*/ch}
    [[ $i =~ ^[0-9]+$ ]] && [ "$i" -gt "$shards" ] && ch_alive "$dir" \
      && log "clickhouse in $dir still runs outside the $shards-server setup: 'make down' stops it"
  done
  return 0
}

# ch_env prints the ClickHouse lines of the env file.
ch_env() {
  echo "CLICKHOUSE_ADDR=${CLICKHOUSE_ADDR:-127.0.0.1:$ch_port}"
  # Users of the private server only: another server's come from the environment.
  [ -z "${CLICKHOUSE_ADDR:-}" ] || return 0
  echo "CLICKHOUSE_USER=treem_etl"
  echo "CLICKHOUSE_PASSWORD=$etl_password"
  echo "CLICKHOUSE_API_USER=treem_api"
  echo "CLICKHOUSE_API_PASSWORD=$api_password"
  echo "CLICKHOUSE_BI_PASSWORD=$bi_password"
  echo "CLICKHOUSE_SHARD_PASSWORD=$shard_password"
  if [ "$shards" -ge 2 ]; then
    echo "CLICKHOUSE_CLUSTER=treem"
    echo "CLICKHOUSE_SHARDS=$(shard_addrs)"
    [ -z "${TREEM_CH_DOWN_SHARD_PORT:-}" ] || echo "CLICKHOUSE_DOWN_CLUSTER=treem_down"
  fi
}

# ch_write_env rewrites the ClickHouse lines of the env file and keeps any
# other line, so that `ch-up` on a full .data loses no secret.
ch_write_env() {
  mkdir -p "$data"
  (umask 077; {
    [ ! -f "$data/env" ] || grep -v '^CLICKHOUSE_' "$data/env" || true
    ch_env
  } >"$data/env.new")
  mv "$data/env.new" "$data/env"
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
    if [ -n "${DATABASE_URL:-}" ]; then
      # Another server: its roles' URLs come from the environment.
      echo "DATABASE_URL=$DATABASE_URL"
      [ -z "${DATABASE_OWNER_URL:-}" ] || echo "DATABASE_OWNER_URL=$DATABASE_OWNER_URL"
      [ -z "${DATABASE_ETL_URL:-}" ] || echo "DATABASE_ETL_URL=$DATABASE_ETL_URL"
    else
      local at="127.0.0.1:$pg_port/treem?sslmode=disable"
      echo "DATABASE_URL=postgres://treem_api:$pg_api_password@$at"
      echo "DATABASE_OWNER_URL=postgres://treem_owner:$pg_owner_password@$at"
      echo "DATABASE_ETL_URL=postgres://treem_etl:$pg_etl_password@$at"
    fi
    ch_env
    echo "TREEM_JWT_SECRET=$secret"
    echo "TREEM_CELL_KEY_SECRET=$cell_secret"
    echo "TREEM_CURSOR_KEY=$cursor_key"
  } >"$data/env.new")
  mv "$data/env.new" "$data/env"
}

# ch_down stops every ClickHouse server of the data directory, whatever
# TREEM_CH_SHARDS now says, and those of scripts/test-cluster.sh under cluster/.
ch_down() {
  local dir pidfile pid
  for dir in "$data"/ch "$data"/ch[0-9]* "$data"/cluster/ch "$data"/cluster/ch[0-9]*; do
    pidfile="$dir/clickhouse.pid"
    [ -f "$pidfile" ] || continue
    if ch_alive "$dir"; then
      pid=$(head -1 "$pidfile")
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      log "clickhouse in $dir stopped"
    fi
    rm -f "$pidfile"
  done
}

down() {
  if [ -f "$data/pg/data/postmaster.pid" ]; then
    run_pg "$pg_bin/pg_ctl" -D "$data/pg/data" -m fast -w stop >/dev/null 2>&1 || rm -f "$data/pg/data/postmaster.pid"
    log "postgres stopped"
  fi
  ch_down
}

usage="up|down|ch-up|ch-down|status"
case "${1:-}" in
  up) mkdir -p "$data"; pg_passwords; ch_passwords; pg_up; ch_up; write_env ;;
  down) down ;;
  ch-up) mkdir -p "$data"; ch_passwords; ch_up; ch_write_env ;;
  ch-down) ch_down ;;
  status) cat "$data/env" 2>/dev/null || echo "not started" ;;
  -h|--help|"") echo "usage: scripts/services.sh $usage"; [ -n "${1:-}" ] ;;
  *) die "unknown command $1 ($usage)" ;;
esac
