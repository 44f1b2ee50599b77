#!/usr/bin/env bash
# bench-etl-lag.sh — freshness: the time from a committed change to its effect
# in compareDistricts, with `treem etl --every 30s` running beside `treem serve`.
#
# Each sample commits one new child (born yesterday, in the first commune in
# force of the district holding child 1), notes the time, and asks
# compareDistricts once a second, as a province officer (exact counts), until
# that district's denominator of birth_registration_u5 for the current month
# has moved. Samples are spaced 11 s apart so that they fall at different
# points of the ETL's 30 s cycle. Prints each lag and the largest.
#
# Usage: scripts/bench-etl-lag.sh DB [SAMPLES] (default 3) — DB is a seeded
# Postgres database whose warehouse (ClickHouse database of the same name) has
# had a successful run, e.g. treem_bench_etl after scripts/bench-etl.sh.
# Needs `make up`. The children it adds stay (they are ordinary records).
set -euo pipefail

DB=${1:-}
if [[ -z $DB || $DB == -h || $DB == --help ]]; then
	sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
SAMPLES=${2:-3}
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
use_database "$DB"
export CLICKHOUSE_DATABASE=$DB TREEM_JWT_SECRET
TREEM_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
PORT=${TREEM_PORT:-18091}
METRICS=${ETL_METRICS_ADDR:-127.0.0.1:19464}
go build -o .data/treem-lag ./cmd/treem

SERVER= ETL=
cleanup() {
	for p in $ETL $SERVER; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
.data/treem-lag serve --addr "127.0.0.1:$PORT" >/tmp/bench-etl-lag-serve.log 2>&1 &
SERVER=$!
.data/treem-lag etl --every 30s --metrics-addr "$METRICS" >/dev/null 2>/tmp/bench-etl-lag-etl.log &
ETL=$!
for _ in $(seq 1 100); do
	curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break
	sleep 0.2
done
TOKEN=$(.data/treem-lag token --role province_officer --area 75)
DISTRICT=$(psql -XAt "$DATABASE_OWNER_URL" -c "SELECT o.code FROM unit_district_2021 d JOIN org_unit o ON o.id = d.district_unit_id
  WHERE d.unit_id = (SELECT commune_id FROM child ORDER BY id LIMIT 1)")
COMMUNE=$(psql -XAt "$DATABASE_OWNER_URL" -c "SELECT d.unit_id FROM unit_district_2021 d JOIN org_unit o ON o.id = d.district_unit_id
  JOIN org_unit c ON c.id = d.unit_id WHERE o.code = '$DISTRICT' AND c.valid_to IS NULL ORDER BY d.unit_id LIMIT 1")
MONTH=$(TZ=Asia/Ho_Chi_Minh date +%Y-%m)

# denominator prints the district's children under 5 as the API releases them.
denominator() {
	curl -fs "http://127.0.0.1:$PORT/graphql" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d "{\"query\":\"{ compareDistricts(indicator: \\\"birth_registration_u5\\\", period: \\\"$MONTH\\\") { districts { orgUnit { code } denominator } } }\"}" |
		python3 -c "import json,sys; d=json.load(sys.stdin)['data']['compareDistricts']['districts']; print(next(x['denominator'] for x in d if x['orgUnit']['code']=='$DISTRICT'))"
}
# Wait for the service's first run to succeed before sampling.
for _ in $(seq 1 600); do
	curl -fs "http://$METRICS/metrics" | grep -q '^treem_etl_last_success_timestamp_seconds' && break
	sleep 1
done

lags=()
for i in $(seq 1 "$SAMPLES"); do
	before=$(denominator)
	psql -XAtq "$DATABASE_OWNER_URL" -c "INSERT INTO child (full_name, sex, birth_date, commune_id)
	  VALUES ('Trẻ đo độ trễ $i', 'F', current_date - 1, $COMMUNE)"
	start=$(date +%s.%N)
	while [[ $(denominator) == "$before" ]]; do
		sleep 1
		if awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { exit !(n - s > 300) }'; then
			echo "sample $i: no effect after 300 s" >&2
			exit 1
		fi
	done
	lag=$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }')
	echo "sample $i: district $DISTRICT denominator $before -> $(denominator) after $lag s"
	lags+=("$lag")
	sleep 11
done
printf '%s\n' "${lags[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "lag from commit to compareDistricts: max %.1f s, median %.1f s over %d samples\n", v[NR], v[int((NR + 1) / 2)], NR }'
