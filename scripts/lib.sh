# lib.sh — sourced by the scripts under scripts/: settings and Postgres URLs.
# shellcheck shell=bash

lib_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# setting NAME prints NAME from the environment, else from .data/env (or
# $TREEM_DATA_DIR/env, the servers scripts/services.sh started there): the
# order in which treem reads its settings.
setting() {
  local v=${!1:-} env="${TREEM_DATA_DIR:-$lib_root/.data}/env"
  if [ -z "$v" ] && [ -f "$env" ]; then v=$(sed -n "s/^$1=//p" "$env" | head -1); fi
  printf '%s' "$v"
}

# require NAME prints setting NAME, or stops the script when it is unset.
require() {
  local v; v=$(setting "$1")
  [ -n "$v" ] || { echo "$(basename "$0"): $1 is not set and .data/env is missing: run make up" >&2; exit 1; }
  printf '%s' "$v"
}

# db_url LOGIN DB prints the URL of the login named by the setting LOGIN
# (DATABASE_URL: the API's, DATABASE_ETL_URL: the ETL's, DATABASE_OWNER_URL:
# the owner's) for database DB instead of its own.
db_url() {
  local url path params
  url=$(require "$1") || exit 1
  path=${url%%\?*}
  params=${url#"$path"}
  printf '%s' "${path%/*}/$2$params"
}

# use_database DB exports every program's login for database DB, so that
# each treem command in the script connects to DB as itself.
use_database() {
  local login url
  for login in DATABASE_URL DATABASE_ETL_URL DATABASE_OWNER_URL; do
    url=$(db_url "$login" "$1") || exit 1
    export "$login=$url"
  done
}

# wait_healthy BASE waits up to 20 s for a treem serve at BASE (http://host:port)
# to answer /healthz, and stops the script when it does not.
wait_healthy() {
  local _
  for _ in $(seq 1 100); do
    curl -fs "$1/healthz" >/dev/null && return 0
    sleep 0.2
  done
  echo "$(basename "$0"): $1 did not answer /healthz within 20 s" >&2
  exit 1
}

# seeded_databases TREEM DB CHILDREN CELL_KEY_SECRET makes fresh Postgres and
# ClickHouse databases DB, points every treem command of the script at them
# (with a new JWT secret and the given cell-key secret: fixed, so that the
# released numbers repeat run after run, which protects nothing real since the
# province is synthetic), then migrates, seeds CHILDREN children and loads the
# warehouse in full.
seeded_databases() {
  local treem=$1 db=$2 children=$3 ch_addr owner_url ch_user ch_password q
  owner_url=$(require DATABASE_OWNER_URL) || exit 1
  ch_addr=$(require CLICKHOUSE_ADDR) || exit 1
  ch_user=$(setting CLICKHOUSE_USER)
  ch_password=$(setting CLICKHOUSE_PASSWORD)
  psql "$owner_url" -v ON_ERROR_STOP=1 -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  for q in "DROP DATABASE IF EXISTS $db" "CREATE DATABASE $db"; do
    clickhouse-client --host "${ch_addr%:*}" --port "${ch_addr##*:}" --user "${ch_user:-default}" \
      --password "$ch_password" -q "$q"
  done
  use_database "$db"
  export CLICKHOUSE_ADDR=$ch_addr CLICKHOUSE_DATABASE=$db TREEM_CELL_KEY_SECRET=$4
  TREEM_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  export TREEM_JWT_SECRET
  "$treem" migrate
  "$treem" seed --children "$children" --seed 1 >/dev/null
  "$treem" etl --full >/dev/null
}

# gql TOKEN QUERY prints the data of a GraphQL answer from the treem serve at
# $base, or stops the script on any error, of the answer or of a payload.
gql() {
  local out
  out=$(curl -fsS "$base/graphql" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    --data "$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$2")") || exit 1
  python3 -c 'import json,sys; a=json.loads(sys.argv[1]); e=a.get("errors") or [v for v in (a.get("data") or {}).values() if isinstance(v, dict) and v.get("errors")]
if e: sys.exit(sys.argv[2] + ": " + json.dumps(e, ensure_ascii=False))
print(json.dumps(a["data"], ensure_ascii=False))' "$out" "$(basename "$0")" || exit 1
}
