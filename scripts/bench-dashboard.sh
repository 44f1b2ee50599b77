#!/usr/bin/env bash
# bench-dashboard.sh [N] [LOADS] — the dashboard's load time at province scale,
# in headless Chromium (web/e2e/load-time.js): sign-in through the form → the
# scorecard drawn, → every panel drawn, and a view switch (an indicator chosen
# on the scorecard → its comparison by units and its map redrawn): the first
# load after the server starts, then p50 and max of LOADS loads (default 10),
# each without cookies.
#
# Postgres: database treem_bench (BENCH_PG_DB), migrated and seeded once with N
# children (default 1000000) and kept, shared with the other benchmarks.
# ClickHouse: database treem_bench_dashboard (BENCH_CH_DB), loaded by `treem
# etl` (incremental when already loaded) and kept. The user bench.lanhdao
# (leader, province) gets a new random password on each run. Needs `make up`.
set -euo pipefail

N=${1:-1000000}
LOADS=${2:-10}
if [[ $N == -h || $N == --help ]]; then
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
PG_DB=${BENCH_PG_DB:-treem_bench}
CH_DB=${BENCH_CH_DB:-treem_bench_dashboard}
ADMIN=$(require DATABASE_OWNER_URL)
CH_ADDR=$(require CLICKHOUSE_ADDR)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[[ -x $CHROMIUM ]] || { echo "bench-dashboard: $CHROMIUM is missing: run scripts/test-browser.sh once or apt-get install chromium" >&2; exit 1; }
(cd web/e2e && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

go build -o .data/treem-bench-dashboard ./cmd/treem
treem=.data/treem-bench-dashboard
psql -Xq "$ADMIN" -c "CREATE DATABASE $PG_DB" 2>/dev/null || true
clickhouse-client --host "${CH_ADDR%:*}" --port "${CH_ADDR##*:}" --user "$(setting CLICKHOUSE_USER)" \
	--password "$(setting CLICKHOUSE_PASSWORD)" -q "CREATE DATABASE IF NOT EXISTS $CH_DB"
use_database "$PG_DB"
export CLICKHOUSE_DATABASE=$CH_DB
"$treem" migrate >/dev/null
"$treem" seed --children "$N" --seed 1 --if-empty >/dev/null
echo "bench-dashboard: ETL into $CH_DB" >&2
"$treem" etl >/dev/null
children=$(psql -XAt "$DATABASE_OWNER_URL" -c "SELECT count(*) FROM child WHERE deleted_at IS NULL")

user=bench.lanhdao
password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
if ! printf '%s\n' "$password" | "$treem" user add --username "$user" --role leader --area 75 --password-stdin >/dev/null 2>&1; then
	printf '%s\n' "$password" | "$treem" user reset-password --username "$user" --password-stdin >/dev/null
fi

PORT=${BENCH_PORT:-18182}
TREEM_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') "$treem" serve --addr "127.0.0.1:$PORT" \
	>/tmp/bench-dashboard-serve.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
wait_healthy "http://127.0.0.1:$PORT"
export BASE_URL=http://127.0.0.1:$PORT TREEM_USER=$user TREEM_PASSWORD=$password CHROMIUM
echo "dashboard at $children children (Postgres $PG_DB, warehouse $CH_DB), as a leader;"
echo "the first load after the server started (the run's scoring of the communes not yet kept):"
node web/e2e/load-time.js 1
echo "then $LOADS loads, each without cookies:"
node web/e2e/load-time.js "$LOADS"
