#!/usr/bin/env bash
# bench-etl.sh — ETL figures at province scale:
#   1. full ETL (`treem etl --full`): wall time and peak RSS (/usr/bin/time -v);
#   2. the floor: the same extraction query run by psql alone, output to
#      /dev/null, in a REPEATABLE READ READ ONLY transaction; and the ratio;
#   3. `treem publish`, the rewrite of the published database, after the full
#      run;
#   4. an incremental ETL after 1% of the children changed (birth dates
#      corrected, moves to another commune, new injuries, deletions), written
#      in statements of at most 1,000 rows as officers would; then one after
#      200 children of a single commune changed, and the publish after it;
#      then one with nothing changed.
#
# Usage: scripts/bench-etl.sh [N] (default 1000000 children). Needs `make up`.
# Postgres: database treem_bench (seeded once with `treem seed --children N`,
# shared with the API benchmarks, never modified here; another name with
# SOURCE_DB=..., e.g. a second size) is copied to
# treem_bench_etl, which the 1% change modifies. ClickHouse: database
# treem_bench_etl. Both are left in place for inspection.
set -euo pipefail

N=${1:-1000000}
if [[ $N == -h || $N == --help ]]; then
	sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
cd "$(dirname "$0")/.."
if [[ -f .data/env ]]; then
	# shellcheck disable=SC1091
	source .data/env
fi
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
ADMIN=$(require DATABASE_OWNER_URL)
SOURCE_DB=${SOURCE_DB:-treem_bench}
SHARED=$(db_url DATABASE_OWNER_URL "$SOURCE_DB")
BENCH=$(db_url DATABASE_OWNER_URL treem_bench_etl)
BENCH_ETL=$(db_url DATABASE_ETL_URL treem_bench_etl)
export CLICKHOUSE_DATABASE=treem_bench_etl

go build -o treem ./cmd/treem

psql -Xq "$ADMIN" -c "CREATE DATABASE $SOURCE_DB" 2>/dev/null || true
DATABASE_OWNER_URL=$SHARED ./treem migrate >/dev/null 2>&1
if [[ $(psql -XAt "$SHARED" -c "SELECT count(*) FROM child") == 0 ]]; then
	echo "seeding $SOURCE_DB with $N children"
	DATABASE_OWNER_URL=$SHARED ./treem seed --children "$N" >/dev/null
fi
# A template copy needs the source without other sessions; when the API
# benchmarks hold it open, dump and restore instead.
psql -Xq "$ADMIN" -c "DROP DATABASE IF EXISTS treem_bench_etl WITH (FORCE)"
if ! psql -Xq "$ADMIN" -c "CREATE DATABASE treem_bench_etl TEMPLATE $SOURCE_DB" 2>/dev/null; then
	echo "$SOURCE_DB is in use: copying it with pg_dump | pg_restore"
	rm -rf .data/bench-etl-dump
	pg_dump -Fd -j 2 -f .data/bench-etl-dump "$SHARED"
	psql -Xq "$ADMIN" -c "CREATE DATABASE treem_bench_etl"
	pg_restore -j 2 -d "$BENCH" .data/bench-etl-dump
	rm -rf .data/bench-etl-dump
fi
clickhouse-client --port "${CLICKHOUSE_ADDR##*:}" --user "${CLICKHOUSE_USER:-default}" --password "${CLICKHOUSE_PASSWORD:-}" \
	-q "DROP DATABASE IF EXISTS treem_bench_etl"
DATABASE_OWNER_URL=$BENCH ./treem migrate >/dev/null 2>&1
psql -Xq "$BENCH" -c "SET client_min_messages = error" -c "VACUUM ANALYZE"
children=$(psql -XAt "$BENCH" -c "SELECT count(*) FROM child WHERE deleted_at IS NULL")
echo "children: $children"

measure() { # label, command...: prints wall seconds and peak RSS
	local label=$1 out
	shift
	out=$( { /usr/bin/time -v "$@" >/dev/null 2>/tmp/bench-etl.err; } 2>&1; cat /tmp/bench-etl.err)
	wall=$(grep 'Elapsed (wall clock)' <<<"$out" | awk '{print $NF}')
	rss=$(grep 'Maximum resident set size' <<<"$out" | awk '{print $NF}')
	printf '%-34s wall %s  peak RSS %d MB\n' "$label" "$wall" $((rss / 1024))
}
seconds() { awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }' <<<"$1"; }

# The floor: the extraction queries alone, as psql sends them. It runs first,
# which also brings the copied database into the page cache for both.
./treem etl --print-sql "$(psql -XAt "$BENCH" -c "SELECT max(id) FROM child")" >/tmp/bench-etl-extract.sql
rm -f /tmp/bench-etl-w0.sql /tmp/bench-etl-w1.sql
# The ETL reads on two connections (alternate id ranges); the same split for psql.
awk 'NR == 1 { print > "/tmp/bench-etl-w0.sql"; print > "/tmp/bench-etl-w1.sql"; next }
     { q = q $0 "\n" } /;$/ { printf "%s", q > ("/tmp/bench-etl-w" (n++ % 2) ".sql"); q = "" }' /tmp/bench-etl-extract.sql
for f in /tmp/bench-etl-extract.sql /tmp/bench-etl-w0.sql /tmp/bench-etl-w1.sql; do
	sed -i '1i BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;' "$f"
	echo "COMMIT;" >>"$f"
done
measure "psql extraction query > /dev/null" psql -Xq "$BENCH_ETL" -o /dev/null -f /tmp/bench-etl-extract.sql
floor=$(seconds "$wall")

measure "treem etl --full" env DATABASE_ETL_URL="$BENCH_ETL" ./treem etl --full
full=$(seconds "$wall")
grep -o 'rows_read=[0-9]* rows_per_second=[0-9]* fact_rows=[0-9]*' /tmp/bench-etl.err || true
grep -oE 'msg="extracted and counted".*|msg=loaded.*' /tmp/bench-etl.err || true
awk -v f="$full" -v p="$floor" 'BEGIN { printf "ratio full ETL / psql floor: %.2f\n", f / p }'
measure "treem publish (after the full run)" env DATABASE_ETL_URL="$BENCH_ETL" ./treem publish

start=$(date +%s.%N)
psql -Xq "$BENCH_ETL" -o /dev/null -f /tmp/bench-etl-w0.sql &
psql -Xq "$BENCH_ETL" -o /dev/null -f /tmp/bench-etl-w1.sql
wait
floor2=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
awk -v f="$full" -v p="$floor2" 'BEGIN { printf "psql floor on two connections: %.1f s; ratio full ETL / it: %.2f\n", p, f / p }'

# 1% of the children (id % 100 = 37), in statements of at most 1,000 rows.
psql -Xq "$BENCH" <<'SQL'
DO $$
DECLARE k int;
BEGIN
  FOR k IN 0..9 LOOP
    UPDATE child SET birth_date = greatest(birth_date + ((id % 401) - 200)::int, DATE '1990-01-01')
    WHERE id % 100 = 37 AND (id / 100) % 10 = k AND (id / 1000) % 4 = 0 AND deleted_at IS NULL
      AND (death_date IS NULL OR death_date >= birth_date + ((id % 401) - 200)::int);

    CREATE TEMP TABLE moved ON COMMIT DROP AS
    SELECT c.id, (SELECT u.id FROM org_unit u WHERE u.level = 'commune' AND u.valid_to IS NULL
                  ORDER BY u.id OFFSET (c.id % 90) LIMIT 1) AS unit
    FROM child c WHERE c.id % 100 = 37 AND (c.id / 100) % 10 = k AND (c.id / 1000) % 4 = 1 AND c.deleted_at IS NULL;
    UPDATE child_residence r SET valid_to = current_date FROM moved m
    WHERE r.child_id = m.id AND r.valid_to IS NULL AND r.valid_from < current_date AND r.deleted_at IS NULL;
    INSERT INTO child_residence (child_id, unit_id, valid_from)
    SELECT m.id, m.unit, current_date FROM moved m
    WHERE EXISTS (SELECT 1 FROM child_residence r WHERE r.child_id = m.id AND r.valid_to = current_date);
    UPDATE child c SET commune_id = m.unit FROM moved m WHERE c.id = m.id;
    DROP TABLE moved;

    INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome)
    SELECT id, commune_id, current_date - 1, 'fall', 'injured' FROM child
    WHERE id % 100 = 37 AND (id / 100) % 10 = k AND (id / 1000) % 4 = 2 AND deleted_at IS NULL
      AND birth_date < current_date - 1 AND birth_date > current_date - 6000;

    UPDATE child SET deleted_at = now()
    WHERE id % 100 = 37 AND (id / 100) % 10 = k AND (id / 1000) % 4 = 3 AND deleted_at IS NULL;
  END LOOP;
END $$;
SQL
echo "changed: $(psql -XAt "$BENCH" -c "SELECT count(DISTINCT child_id) FROM etl_change") children in the change log"
measure "treem etl (incremental, 1% changed)" env DATABASE_ETL_URL="$BENCH_ETL" ./treem etl
incremental=$(seconds "$wall")
grep -o 'mode=[a-z]* .*children_counted=[0-9]*' /tmp/bench-etl.err | head -1 || true
awk -v i="$incremental" -v f="$full" 'BEGIN { printf "ratio incremental (1%%) / full: %.3f\n", i / f }'

# A day's edits in one commune: 200 children of the commune holding child 37.
psql -Xq "$BENCH" <<'SQL'
UPDATE child SET birth_date = birth_date + 30
WHERE id IN (SELECT id FROM child WHERE commune_id = (SELECT commune_id FROM child WHERE id = 37)
             AND deleted_at IS NULL AND birth_date < current_date - 400 ORDER BY id LIMIT 200);
SQL
measure "treem etl (incremental, 1 commune)" env DATABASE_ETL_URL="$BENCH_ETL" ./treem etl
grep -o 'mode=[a-z]* .*children_counted=[0-9]*' /tmp/bench-etl.err | head -1 || true
measure "treem publish (after it)" env DATABASE_ETL_URL="$BENCH_ETL" ./treem publish
measure "treem etl (nothing changed)" env DATABASE_ETL_URL="$BENCH_ETL" ./treem etl
grep -o 'mode=[a-z]* .*children_counted=[0-9]*' /tmp/bench-etl.err | head -1 || true
