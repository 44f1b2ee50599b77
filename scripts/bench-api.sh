#!/usr/bin/env bash
# bench-api.sh [N] — treem beside PostGraphile v4 (and v5 with PEERS="v4 v5")
# on the same database seeded with N children (default 1000000): a page of 50
# children with commune, parent and totalCount, CLIENTS (default 16)
# concurrent clients for DURATION seconds (default 20) each run, RUNS (default 3) runs
# per server alternated. Prints req/s, p50 and p99 per run, the medians, the
# ratios to PostGraphile v4, and the count of answers with GraphQL errors.
# Then a district officer's page of the largest district. Then, in process,
# a filtered first page with its total, with 1 client and with 16: name
# searches (NAMES, comma-separated, default "nguyen van khang,nguyen van") for
# the province's and the largest district's officer, and the circumstance
# filter CIRCUMSTANCE (default DISABLED) for that district's officer
# (SEARCH_BENCHTIME, default 5s). ONLY=Peers or ONLY=Search runs one part.
#
# The database treem_api_bench_N is migrated and seeded once and kept. Needs
# `make up`, wrk (apt-get install -y wrk) and npm (the peers install on first
# use). The peers connect as the tables' owner, so no row-level security
# slows them; treem logs in as treem_api, under it. POOL (default 16) is each
# server's pool size.
set -euo pipefail

N=${1:-1000000}
if [[ $N == -h || $N == --help ]]; then
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
PEER_DIR=${PEER_DIR:-../shared/bench}
CLIENTS=${CLIENTS:-16} DURATION=${DURATION:-20} RUNS=${RUNS:-3} POOL=${POOL:-16}
PEERS=${PEERS:-v4}
DB=treem_api_bench_$N
ADMIN=$(require DATABASE_OWNER_URL)
BENCH=$(db_url DATABASE_OWNER_URL "$DB")
psql -qAt "$ADMIN" -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
	psql -q "$ADMIN" -c "CREATE DATABASE $DB"

go build -o .data/treem-bench ./cmd/treem
.data/treem-bench migrate --database-url "$BENCH" --clickhouse-addr "" 2>/dev/null
.data/treem-bench seed --database-url "$BENCH" --children "$N" --if-empty
psql -q "$BENCH" -c "SET client_min_messages = error" -c "VACUUM ANALYZE"
echo "children: $(psql -qAt "$BENCH" -c "SELECT count(*) FROM child WHERE deleted_at IS NULL")"

# The district with the most children, by its 2021 code (the code-keeper rule).
DISTRICT=$(psql -qAt "$BENCH" -c "SELECT o.code FROM child c JOIN unit_district_2021 d ON d.unit_id = c.commune_id
  JOIN org_unit o ON o.id = d.district_unit_id GROUP BY o.code ORDER BY count(*) DESC LIMIT 1")

# peers: treem and PostGraphile alternately over HTTP.
peers() {
	export TREEM_JWT_SECRET TREEM_CURSOR_KEY
	TREEM_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	TREEM_CURSOR_KEY=$TREEM_JWT_SECRET
	TREEM_PORT=${TREEM_PORT:-18090}
	V4_PORT=${V4_PORT:-5050}
	V5_PORT=${V5_PORT:-5051}
	SERVER=
	cleanup() {
		[ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
		"$PEER_DIR/peers/postgraphile/stop.sh" "$V4_PORT" >/dev/null 2>&1 || true
		"$PEER_DIR/peers/postgraphile5/stop.sh" "$V5_PORT" >/dev/null 2>&1 || true
	}
	trap cleanup EXIT
	use_database "$DB"
	DATABASE_URL="$DATABASE_URL&pool_max_conns=$POOL" CLICKHOUSE_ADDR="" \
		.data/treem-bench serve --addr "127.0.0.1:$TREEM_PORT" >/tmp/bench-api-serve.log 2>&1 &
	SERVER=$!
	wait_healthy "http://127.0.0.1:$TREEM_PORT"
	PROVINCE=$(.data/treem-bench token --role province_officer --area 75)
	OFFICER=$(.data/treem-bench token --role district_officer --area "$DISTRICT")
	for peer in $PEERS; do
		case $peer in
		v4) POOL=$POOL "$PEER_DIR/peers/postgraphile/run.sh" -d "$V4_PORT" "$BENCH" >/dev/null ;;
		v5) POOL=$POOL "$PEER_DIR/peers/postgraphile5/run.sh" -d "$V5_PORT" "$BENCH" >/dev/null ;;
		esac
	done

	# load NAME URL QUERY [TOKEN]: one run; prints "NAME rps p50 p99 errors".
	load() {
		local out
		out=$(AUTH=${4:-} "$PEER_DIR/load.sh" "$2" "$3" "$CLIENTS" "$DURATION" | grep '^RESULT')
		awk -v name="$1" '{for (i = 2; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}
		  print name, v["rps"], v["p50_ms"], v["p99_ms"], v["graphql_errors"]}' <<<"$out"
	}
	results=$(mktemp)
	for run in $(seq 1 "$RUNS"); do
		load treem "http://127.0.0.1:$TREEM_PORT/graphql" "$PEER_DIR/queries/treem-children.graphql" "$PROVINCE" | tee -a "$results"
		for peer in $PEERS; do
			case $peer in
			v4) load postgraphile-v4 "http://127.0.0.1:$V4_PORT/graphql" "$PEER_DIR/queries/postgraphile-treem-children.graphql" ;;
			v5) load postgraphile-v5 "http://127.0.0.1:$V5_PORT/graphql" "$PEER_DIR/queries/postgraphile5-treem-children.graphql" ;;
			esac | tee -a "$results"
		done
		load "treem-district-$DISTRICT" "http://127.0.0.1:$TREEM_PORT/graphql" "$PEER_DIR/queries/treem-children.graphql" "$OFFICER" |
			tee -a "$results"
		echo "run $run done" >&2
	done

	echo
	echo "N=$N, $CLIENTS clients, $RUNS runs of ${DURATION}s, medians:"
	awk '{rps[$1] = rps[$1] " " $2; p50[$1] = p50[$1] " " $3; p99[$1] = p99[$1] " " $4; err[$1] += $5}
	  function median(s,   a, n, i, j, t) { n = split(s, a, " ")
	    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	  END { printf "%-22s %10s %10s %10s %8s %14s\n", "server", "req/s", "p50 ms", "p99 ms", "errors", "req/s vs v4"
	    base = median(rps["postgraphile-v4"])
	    for (s in rps) { ratio = "-"; if (base > 0) ratio = sprintf("%.2f", median(rps[s]) / base)
	      printf "%-22s %10.1f %10.1f %10.1f %8d %14s\n", s, median(rps[s]), median(p50[s]), median(p99[s]), err[s], ratio } }' "$results"
	rm -f "$results"
	cleanup
	trap - EXIT
}

if [[ ${ONLY:-all} == all || $ONLY == Peers ]]; then
	peers
fi

if [[ ${ONLY:-all} == all || $ONLY == Search ]]; then
	TREEM_BENCH_DATABASE_URL="$(db_url DATABASE_URL "$DB")&pool_max_conns=$POOL" TREEM_BENCH_DISTRICT="$DISTRICT" \
		TREEM_BENCH_NAMES=${NAMES:-nguyen van khang,nguyen van} TREEM_BENCH_CIRCUMSTANCE=${CIRCUMSTANCE:-DISABLED} \
		go test -run '^$' -bench 'BenchmarkChildrenSearch' -benchtime "${SEARCH_BENCHTIME:-5s}" ./graph
fi
