#!/usr/bin/env bash
# bench-analytics.sh — analytics figures at province scale, through HTTP:
#   1. p50/p99 of compareDistricts(birth_registration_u5, 2021) as an analyst
#      (disclosure control on) and as a province officer (off), and the p50
#      overhead of disclosure control;
#   2. the same for childFriendlyCommunes(year: 2021): every commune × 13 criteria;
#   3. the same compareDistricts answer computed directly on the operational
#      Postgres tables (scripts/sql/compare-districts-postgres.sql), its median,
#      and the ratio Postgres ÷ warehouse.
#
# Usage: scripts/bench-analytics.sh [REQUESTS] (default 200). Needs `make up`
# and the province-scale databases of scripts/bench-etl.sh: Postgres
# treem_bench (1,000,000 children) and ClickHouse treem_bench_etl (its
# warehouse). Override with BENCH_PG_DB and BENCH_CH_DB.
set -euo pipefail

REQUESTS=${1:-200}
if [[ $REQUESTS == -h || $REQUESTS == --help ]]; then
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
cd "$(dirname "$0")/.."
if [[ -f .data/env ]]; then
	# shellcheck disable=SC1091
	source .data/env
fi
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
PG_DB=${BENCH_PG_DB:-treem_bench}
CH_DB=${BENCH_CH_DB:-treem_bench_etl}
use_database "$PG_DB"
CH_PORT=${CLICKHOUSE_ADDR##*:}

rows=$(clickhouse-client --port "$CH_PORT" --user "${CLICKHOUSE_API_USER:-default}" --password "${CLICKHOUSE_API_PASSWORD:-}" \
	-q "SELECT count() FROM $CH_DB.fact_child_month")
children=$(psql -XAt "$DATABASE_OWNER_URL" -c "SELECT count(*) FROM child WHERE deleted_at IS NULL")
echo "warehouse $CH_DB: $rows fact rows; Postgres $PG_DB: $children children"

go build -o treem ./cmd/treem
./treem migrate >/dev/null 2>&1
export TREEM_JWT_SECRET=bench-analytics-secret-bench-analytics
PORT=${BENCH_PORT:-18181}
CLICKHOUSE_DATABASE=$CH_DB ./treem serve --addr "127.0.0.1:$PORT" >/tmp/bench-analytics-serve.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
wait_healthy "http://127.0.0.1:$PORT"
ANALYST=$(./treem token --role analyst --area 75)
OFFICER=$(./treem token --role province_officer --area 75)

# timed TOKEN BODY N: prints p50 and p99 of N sequential POSTs (after 3 warm-ups).
timed() {
	local tok=$1 body=$2 n=$3 out=/tmp/bench-analytics.times
	: >"$out"
	for i in $(seq 1 $((n + 3))); do
		t=$(curl -s -o /tmp/bench-analytics.body -w '%{time_total}' -H "Authorization: Bearer $tok" \
			-H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$PORT/graphql")
		if grep -q '"errors"' /tmp/bench-analytics.body; then
			cat /tmp/bench-analytics.body >&2
			exit 1
		fi
		((i > 3)) && echo "$t" >>"$out"
	done
	sort -n "$out" | awk '{a[NR]=$1} END {
		p50 = a[int((NR+1)*0.50)]; p99 = a[int(NR*0.99) > 0 ? int(NR*0.99) : 1];
		printf "p50 %.1f ms  p99 %.1f ms  (n=%d)\n", p50*1000, p99*1000, NR }'
}

COMPARE='{"query":"{ compareDistricts(indicator: \"birth_registration_u5\", period: \"2021\") { province { value } districts { orgUnit { code name } value numerator denominator rank status target gap change } asOf { runId } } }"}'
CF='{"query":"{ childFriendlyCommunes(year: 2021) { communes { commune { code name } criteria { number value band score scoreMin scoreMax maxScore provisional } totalScore totalScoreMin totalScoreMax threshold recognised failedCriteria } province { recognised undetermined communes share } asOf { runId } } }"}'

# Disclosure control on (analyst) and off (province officer: exact values),
# side by side; the analyst's requests are also written to the analytics audit.
overhead() { awk -v on="$1" -v off="$2" 'BEGIN { printf "%+.1f %%", (on / off - 1) * 100 }'; }
printf '%-46s ' "compareDistricts, analyst (HTTP):"
ch_line=$(timed "$ANALYST" "$COMPARE" "$REQUESTS")
echo "$ch_line"
printf '%-46s ' "compareDistricts, province officer (HTTP):"
off_line=$(timed "$OFFICER" "$COMPARE" "$REQUESTS")
echo "$off_line"
printf '%-46s %s\n' "disclosure control, compareDistricts p50:" "$(overhead "$(awk '{print $2}' <<<"$ch_line")" "$(awk '{print $2}' <<<"$off_line")")"
printf '%-46s ' "childFriendlyCommunes 2021, analyst (HTTP):"
cf_on=$(timed "$ANALYST" "$CF" "$((REQUESTS / 4))")
echo "$cf_on"
printf '%-46s ' "childFriendlyCommunes 2021, officer (HTTP):"
cf_off=$(timed "$OFFICER" "$CF" "$((REQUESTS / 4))")
echo "$cf_off"
printf '%-46s %s\n' "disclosure control, childFriendlyCommunes p50:" "$(overhead "$(awk '{print $2}' <<<"$cf_on")" "$(awk '{print $2}' <<<"$cf_off")")"
communes=$(grep -o '"totalScore"' /tmp/bench-analytics.body | wc -l)
echo "  (the answer holds $communes communes × 13 criteria)"

# The same comparison straight from the operational tables.
PG_RUNS=${BENCH_PG_RUNS:-5}
: >/tmp/bench-analytics.pg
for _ in $(seq 1 "$PG_RUNS"); do
	s=$(date +%s.%N)
	psql -XAq "$PG_URL" -f scripts/sql/compare-districts-postgres.sql >/dev/null
	e=$(date +%s.%N)
	echo "$e - $s" | bc >>/tmp/bench-analytics.pg
done
pg=$(sort -n /tmp/bench-analytics.pg | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
ch=$(awk '{print $2}' <<<"$ch_line")
printf '%-46s median %.1f ms  (n=%d)\n' "compareDistricts on Postgres (psql):" "$(echo "$pg * 1000" | bc)" "$PG_RUNS"
printf '%-46s %.0fx\n' "ratio Postgres ÷ warehouse (p50):" "$(echo "$pg * 1000 / $ch" | bc -l)"
