#!/usr/bin/env bash
# bench-api.sh [N] — requests/s and p50/p99 latency of a page of 50 children
# with commune and district, 16 concurrent clients, through the whole HTTP
# stack, against a database seeded with N children (default 1000000); then of
# a filtered first page with its total, with 1 client and with 16: name
# searches (NAMES, comma-separated, default "nguyen van khang,nguyen van") for
# the province's and the largest district's officer, and the circumstance
# filter CIRCUMSTANCE (default DISABLED) for that district's officer.
#
# The database treem_api_bench is migrated and seeded once (`treem seed
# --if-empty`) and kept for later runs. Needs `make up`. BENCHTIME (default
# 20s, SEARCH_BENCHTIME 5s for the filtered pages) is passed to -benchtime;
# POOL (default 16) is the server's pool_max_conns; ONLY (Page50 or Search)
# runs one of the two.
set -euo pipefail

N=${1:-1000000}
if [[ $N == -h || $N == --help ]]; then
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
ADMIN=$(require DATABASE_OWNER_URL)
BENCH=$(db_url DATABASE_OWNER_URL treem_api_bench)
# The server logs in as the API does, under row-level security.
BENCH_API=$(db_url DATABASE_URL treem_api_bench)
psql -qAt "$ADMIN" -c "SELECT 1 FROM pg_database WHERE datname = 'treem_api_bench'" | grep -q 1 ||
	psql -q "$ADMIN" -c "CREATE DATABASE treem_api_bench"

go build -o .data/treem-bench ./cmd/treem
.data/treem-bench migrate --database-url "$BENCH" --clickhouse-addr ""
.data/treem-bench seed --database-url "$BENCH" --children "$N" --if-empty
psql -q "$BENCH" -c "ANALYZE"
echo "children: $(psql -qAt "$BENCH" -c "SELECT count(*) FROM child WHERE deleted_at IS NULL")"

# The district with the most children, by its 2021 code (the code-keeper rule).
DISTRICT=$(psql -qAt "$BENCH" -c "SELECT o.code FROM child c JOIN unit_district_2021 d ON d.unit_id = c.commune_id
  JOIN org_unit o ON o.id = d.district_unit_id GROUP BY o.code ORDER BY count(*) DESC LIMIT 1")
echo "district officer area: $DISTRICT"

export TREEM_BENCH_DATABASE_URL="$BENCH_API&pool_max_conns=${POOL:-16}" TREEM_BENCH_DISTRICT="$DISTRICT"
export TREEM_BENCH_NAMES=${NAMES:-nguyen van khang,nguyen van} TREEM_BENCH_CIRCUMSTANCE=${CIRCUMSTANCE:-DISABLED}
if [[ ${ONLY:-all} == all || $ONLY == Page50 ]]; then
	go test -run '^$' -bench 'BenchmarkChildrenPage50' -benchtime "${BENCHTIME:-20s}" ./graph
fi
if [[ ${ONLY:-all} == all || $ONLY == Search ]]; then
	go test -run '^$' -bench 'BenchmarkChildrenSearch' -benchtime "${SEARCH_BENCHTIME:-5s}" ./graph
fi
