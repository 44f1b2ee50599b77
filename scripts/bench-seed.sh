#!/usr/bin/env bash
# bench-seed.sh N — how fast `treem seed --children N` loads a fresh database,
# next to the floor: the same rows exported as CSV (COPY … TO, per table) and
# loaded with plain COPY … FROM by psql, in one transaction, into another
# empty migrated database. Prints wall time and peak RSS of both.
#
# Usage: scripts/bench-seed.sh [N] (default 1000000). Needs `make up`.
# Uses two scratch databases (treem_bench_seed, treem_bench_floor), dropped at the end.
set -euo pipefail

N=${1:-1000000}
if [[ $N == -h || $N == --help ]]; then
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
ADMIN=$(require DATABASE_OWNER_URL)
url_for() { db_url DATABASE_OWNER_URL "$1"; }
SEEDED=$(url_for treem_bench_seed)
FLOOR=$(url_for treem_bench_floor)
WORK=.data/bench-seed
mkdir -p "$WORK/csv"

cleanup() {
	psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS treem_bench_seed WITH (FORCE)" \
		-c "DROP DATABASE IF EXISTS treem_bench_floor WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$WORK/csv"
}
trap cleanup EXIT
cleanup
mkdir -p "$WORK/csv"

go build -o "$WORK/treem" ./cmd/treem
for db in treem_bench_seed treem_bench_floor; do
	psql -q "$ADMIN" -c "CREATE DATABASE $db" >/dev/null
	"$WORK/treem" migrate --database-url "$(url_for "$db")" >/dev/null 2>&1
done

# /usr/bin/time -v report → "wall peak_kb"
measure() {
	awk -F': ' '/Elapsed \(wall clock\)/ {w=$2} /Maximum resident set size/ {m=$2} END {print w, m}' "$1"
}

echo "seed: treem seed --children $N --seed 1 into an empty migrated database"
/usr/bin/time -v -o "$WORK/seed.time" "$WORK/treem" seed --children "$N" --seed 1 --database-url "$SEEDED" \
	2>"$WORK/seed.log" | tee "$WORK/seed.out"
read -r seed_wall seed_rss < <(measure "$WORK/seed.time")

# The tables in load order (parents first), as the seed writes them.
TABLES=(household household_poverty child child_residence birth_registration residence_registration insurance_card
	child_circumstance child_risk_flag protection_case injury support swimming_class swimming_enrolment gift_visit
	immunisation nutrition_measurement health_checkup school_attendance service_point communication_activity
	commune_facts plan_activity periodic_report)

# Export the seeded rows (columns the seed writes: all but the timestamps).
script="$WORK/floor.sql"
echo "BEGIN;" >"$script"
rows=0
for t in "${TABLES[@]}"; do
	cols=$(psql -Atq "$SEEDED" -c "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = '$t' AND column_name NOT IN ('created_at', 'updated_at', 'deleted_at')")
	psql -q "$SEEDED" -c "\\copy (SELECT $cols FROM $t) TO '$WORK/csv/$t.csv' WITH (FORMAT csv)"
	rows=$((rows + $(wc -l <"$WORK/csv/$t.csv")))
	echo "\\copy $t ($cols) FROM '$WORK/csv/$t.csv' WITH (FORMAT csv)" >>"$script"
done
echo "COMMIT;" >>"$script"

echo "floor: psql COPY FROM of the same $rows rows (CSV files) into an empty migrated database"
/usr/bin/time -v -o "$WORK/floor.time" psql -q -v ON_ERROR_STOP=1 "$FLOOR" -f "$script"
read -r floor_wall floor_rss < <(measure "$WORK/floor.time")

printf '\n%-34s %12s %14s\n' "N=$N ($rows rows)" "wall" "peak RSS (kB)"
printf '%-34s %12s %14s\n' "treem seed (generate + COPY)" "$seed_wall" "$seed_rss"
printf '%-34s %12s %14s\n' "psql COPY FROM CSV (floor)" "$floor_wall" "$floor_rss"
