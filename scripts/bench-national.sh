#!/usr/bin/env bash
# bench-national.sh — the national warehouse, simulated (issue 17, item 5).
#
# Writes synthetic cells straight into ClickHouse (INSERT … SELECT from
# numbers()), shaped like the Ministry's warehouse: 34 provinces, 3,321
# communes (the units since 1 July 2025, each a single version from 2016)
# and about 25 M children, then measures:
#   1. the insert rate of fact_child_month (rows, seconds, rows/s), two
#      INSERTs at a time (one per core), and the merge to one part;
#   2. compareUnits across the 34 provinces (birth_registration_u5, the last
#      year against the one before), p50 and p99;
#   3. a 34-province trend (injury_rate by quarter from 2016, the history's
#      start, to 2025; quarters before the months loaded hold no rows);
#   4. the child-friendly table of one province (its ~98 communes).
# 2–4 run the Reader calls the analytics service makes for each question
# (BenchmarkNational* in internal/clickhouse/national_bench_test.go), as the
# API's read-only user, RUNS times each.
#
# Per commune and month: 48 cells (sex × 6 age bands × 4 poverty statuses) of
# each stock (the under-5 measures in their two bands, preschool_5 in band 5),
# births and first birthdays in their band, and sparse rows for the rare
# flows and for special circumstances per group (each of the 14 groups in 8 %
# of its cells): about 540 rows, 1.8 M a month. Children add up to about
# 25 M a month; communes differ in size (0.25–1.75 of the mean).
#
# Usage: scripts/bench-national.sh [--shards 1|2] [--months N] [--runs N] [--db NAME]
#   --shards 1|2  one server, or the two shards of `TREEM_CH_SHARDS=2 make up`
#                 (default: the servers .data/env names, CLICKHOUSE_SHARDS on a cluster):
#                 each shard's share goes straight into its local tables, in
#                 parallel, and the benchmark reads through the Distributed
#                 tables from shard 1 (both servers share this machine's cores)
#   --months N    months loaded, ending 2025-12 (default 60: 107 M rows;
#                 120, from 2016-01, gives ~215 M)
#   --runs N      runs of each question (default 100)
#   --db NAME     warehouse database, dropped and recreated (default treem_national)
# Needs `make up` and `make build`. The raw output goes to
# .data/bench-national-<shards>-shard.log; the table of figures ends it.
set -euo pipefail

shards="" months=60 runs=100 db=treem_national
while (($#)); do
	case $1 in
	--shards) shards=$2; shift 2 ;;
	--months) months=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--db) db=$2; shift 2 ;;
	-h | --help) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-national: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
[[ -z $shards || $shards == 1 || $shards == 2 ]] || { echo "bench-national: --shards is 1 or 2" >&2; exit 2; }
[[ $months =~ ^[0-9]+$ ]] && ((months >= 24 && months <= 120)) ||
	{ echo "bench-national: --months is 24 to 120 (the history starts in 2016-01)" >&2; exit 2; }
[[ $db =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "bench-national: --db is a plain name" >&2; exit 2; }

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
addr=$(require CLICKHOUSE_ADDR)
user=$(setting CLICKHOUSE_USER)
password=$(setting CLICKHOUSE_PASSWORD)
# The servers are those `make up` started: one, or the shards of a cluster.
hosts=("$addr")
[[ -z $(setting CLICKHOUSE_CLUSTER) ]] || IFS=, read -r -a hosts <<<"$(setting CLICKHOUSE_SHARDS)"
[[ -n $shards ]] || shards=${#hosts[@]}
if [[ $shards != "${#hosts[@]}" ]]; then
	echo "bench-national: --shards $shards, but make up started ${#hosts[@]} server(s):" \
		"make down && TREEM_CH_SHARDS=$shards make up" >&2
	exit 1
fi
[[ $shards == 1 || $shards == 2 ]] || { echo "bench-national: a cluster of 1 or 2 shards, not $shards" >&2; exit 1; }
log=.data/bench-national-$shards-shard.log
exec > >(tee "$log") 2>&1

# chq ADDR SQL [SETTING...] runs SQL as the writer on the server at ADDR.
chq() {
	clickhouse-client --host "${1%:*}" --port "${1##*:}" --user "${user:-default}" --password "$password" \
		--database "$db" -q "$2" "${@:3}"
}

communes=3321 provinces=34
end_year=2025
start=$(date -d "$end_year-12-01 -$((months - 1)) months" +%Y-%m-01)
echo "national warehouse $db: $provinces provinces, $communes communes, $months months from $start, $shards shard(s)"

for h in "${hosts[@]}"; do
	for d in "$db" "${db}_published"; do
		clickhouse-client --host "${h%:*}" --port "${h##*:}" --user "${user:-default}" --password "$password" \
			-q "DROP DATABASE IF EXISTS $d"
	done
done
out=$(CLICKHOUSE_DATABASE=$db ./treem migrate 2>&1) || { echo "$out"; exit 1; }

# The unit of commune number c (0-based): code 10000+c, province "01".."34"
# in blocks of ~98, a 2021 district of 5 communes (665 districts), size
# weight 0.25–1.75. Shared by every statement below.
code="toString(10000 + c)"
unit="$code AS unit_code,
  substring(toString(101 + intDiv(c * $provinces, $communes)), 2) AS province,
  toString(100 + intDiv(c, 5)) AS district,
  0.25 + 1.5 * (cityHash64(c) % 1000) / 999 AS weight"
# shard_filter I [CODE]: the rows of shard I (from 0) are those whose
# cityHash64(unit_code) mod 2 is I, as the Distributed tables route them
# (weights 1, 1); CODE is the unit code's expression (default unit_code).
shard_filter() { ((shards == 1)) && echo 1 || echo "cityHash64(${2:-unit_code}) % $shards = $1"; }

# Cell specifications: measure, circumstance group (- for none), age bands (a bit per band
# of 0, 1-4, 5, 6-10, 11-15, 16-17), share of the cell's children (0: a
# sparse count of 1–3) and how many cells in 1,000 hold a row.
specs=(
	"children - 63 1 1000" "birth_registered - 63 0.97 1000" "insured - 63 0.9 1000"
	"checked_up - 63 0.6 1000" "special - 63 0.02 1000" "special_supported - 63 0.016 1000"
	"swim_trained - 60 0.3 1000" "preschool_5 - 4 0.95 1000"
	"measured_u5 - 3 0.9 1000" "underweight_u5 - 3 0.09 1000" "stunted_u5 - 3 0.14 1000"
	"measured_u2 - 3 0.4 1000" "underweight_u2 - 3 0.04 1000" "stunted_u2 - 3 0.06 1000"
	"births - 1 0.083 1000" "turned_one - 2 0.0208 1000" "turned_one_immunised - 2 0.0198 1000"
	"special_law_drug - 56 0 30" "injured - 31 0 150" "injury_deaths - 31 0 3" "drowning_deaths - 31 0 3"
	"swim_enrolled - 28 0 100" "swim_completed - 28 0 100"
)
for m in cases_opened cases_opened_{violence,sexual_abuse,exploitation,abandonment,trafficking,neglect,other} \
	cases_closed cases_6_2 cases_6_2_timely cases_emergency_late support_events; do
	specs+=("$m - 63 0 8")
done
for m in abused supported; do
	for v in "" _quarter _half _year; do specs+=("$m$v - 63 0 6"); done
done
for m in gift_visits gift_visits_{children_day,mid_autumn,tet}; do specs+=("$m - 63 0 40"); done
for g in ORPHAN_BOTH ABANDONED NO_SUPPORT DISABLED HIV IN_CONFLICT_LAW DRUG_ADDICTED DROPOUT_WORKING \
	VIOLENCE_SERIOUS_HARM EXPLOITED SEXUAL_ABUSE TRAFFICKED SERIOUS_ILLNESS_POOR MIGRANT_REFUGEE_UNACCOMPANIED; do
	specs+=("special $g 63 0 80" "special_supported $g 63 0 80")
done
# spec FIELD QUOTE DEFAULT: the FIELD-th word of spec s. transform() looks it up in a
# hash table; indexing a literal array copied the array for every row.
spec() {
	printf '%s\n' "${specs[@]}" | awk -v f="$1" -v q="$2" -v d="$3" '{v = $f == "-" ? "" : $f
		i = i (NR > 1 ? ", " : "") NR; a = a (NR > 1 ? ", " : "") q v q} END {print "transform(s, [" i "], [" a "], " d ")"}'
}
k=${#specs[@]}

# facts OFFSET MONTHS SHARD: one INSERT of MONTHS months from month OFFSET
# (0-based) into one shard. Row n is (month, commune, spec, cell), cell being
# sex × band × poverty; a commune's children are split by the shares of the
# age bands (years of age of 0–17) and of the poverty statuses. The inner
# query keeps the cells that hold a row, on this shard, before the outer one
# spells them: spelling every number first took most of the time.
facts() {
	local per_month=$((communes * k * 48))
	chq "${hosts[$3]}" "INSERT INTO fact_child_month (month, unit_code, unit_valid_from, district_2021, sex, age_band,
  group_code, poverty, measure, value, ckey, run_id)
SELECT month, unit_code, toDate('2016-01-01'), district, sex, band, grp, pov, measure, value, ckey, 'bench-national'
FROM (
  SELECT n, s, cell, b, h, c, intDiv(n, $per_month) AS mo, $unit,
    addMonths(toDate('$start'), toInt32(mo)) AS month,
    ['M', 'F'][cell % 2 + 1] AS sex, ['0', '1-4', '5', '6-10', '11-15', '16-17'][b + 1] AS band,
    ['poor', 'near_poor', 'neither', 'unknown'][intDiv(cell, 12) + 1] AS pov,
    $(spec 1 "'" "''") AS measure, $(spec 2 "'" "''") AS grp, $(spec 4 '' 0) AS share,
    toInt64(if(share = 0, 1 + h % 3, round(7528 * weight * 0.5 * [1, 4, 1, 5, 5, 2][b + 1] / 18
      * [0.05, 0.05, 0.8, 0.1][intDiv(cell, 12) + 1] * share * (0.9 + (h % 200) / 1000)))) AS value,
    toUInt32(intHash64(n) % 4294967296) AS ckey
  FROM (
    SELECT number + $1 * $per_month AS n, intDiv(n, 48) % $k + 1 AS s, n % 48 AS cell, intDiv(cell, 2) % 6 AS b,
      cityHash64(n) AS h, intDiv(n, $k * 48) % $communes AS c
    FROM numbers($(($2 * per_month)))
    WHERE bitTest($(spec 3 '' 0), b) AND h % 1000 < $(spec 5 '' 0) AND $(shard_filter "$3" "$code")
  )
) WHERE value != 0"
}

# Small tables: dims and the run on every shard; fact_unit_year by its key.
for i in "${!hosts[@]}"; do
	# Provinces, the 2021 districts (abolished on 1 July 2025) and communes,
	# each under its province.
	chq "${hosts[$i]}" "INSERT INTO dim_unit SELECT code, toDate('2016-01-01'), valid_to, name, level, level, parent, d2021,
  0, 0, 'bench-national' FROM (
  SELECT substring(toString(101 + number), 2) AS code, concat('Tỉnh ', code) AS name, 'province' AS level,
    '' AS parent, '' AS d2021, toDate('2100-01-01') AS valid_to FROM numbers($provinces)
  UNION ALL
  SELECT district, concat('Huyện ', district), 'district', province, district, toDate('2025-07-01')
  FROM (SELECT number * 5 AS c, $unit FROM numbers($(((communes + 4) / 5))))
  UNION ALL
  SELECT unit_code, concat('Xã ', unit_code), 'commune', province, district, toDate('2100-01-01')
  FROM (SELECT number AS c, $unit FROM numbers($communes)))"
	chq "${hosts[$i]}" "INSERT INTO etl_runs (run_id, started_at, finished_at, mode, watermark, status, rows_read,
  rows_written, rejected, error, snapshot_at, months_to, duration_ms, rows_per_second, lag_seconds, cell_key_set)
VALUES ('bench-national', now(), now(), 'full', '', 'succeeded', '{}', '{}', '{}', '', now(), '$end_year-12-01', 0, 0, 0, '')"
	chq "${hosts[$i]}" "INSERT INTO fact_unit_year (year, unit_code, unit_valid_from, district_2021, worker_assigned,
  villages, villages_with_collaborator, board_meetings, funding_vnd, play_venues, children_forums, survey_respondents,
  survey_satisfied, category, service_points, communication_activities, has_facts, run_id)
SELECT y, unit_code, toDate('2016-01-01'), district, h % 10 != 0, 8 + h % 10, 6 + h % 5, 2 + h % 4,
  50000000 + h % 100000000, 1 + h % 5, 1 + h % 3, 200 + h % 300, 150 + h % 200,
  ['other', 'mountain_island_dbkk', 'ward_central_city'][h % 3 + 1], 1 + h % 4, 4 + h % 12, 1, 'bench-national'
FROM (SELECT intDiv(number, $communes) + $((${start:0:4})) AS y, number % $communes AS c, $unit,
  cityHash64(number) AS h FROM numbers($(((end_year - ${start:0:4} + 1) * communes))))
WHERE $(shard_filter "$i")"
done

# load STREAM SHARD: one of a shard's streams of INSERTs, six months each.
# An INSERT sorts and compresses on one core, so two streams run at once,
# one per core: both into the one server, or one into each shard.
per_shard=$((2 / shards))
load() {
	local off n
	for ((off = $1 * 6; off < months; off += per_shard * 6)); do
		n=$((months - off < 6 ? months - off : 6))
		facts "$off" "$n" "$2"
	done
}
# The machine's load says whether other work shared its cores.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s.%N)
pids=()
for i in "${!hosts[@]}"; do
	for ((j = 0; j < per_shard; j++)); do
		load "$j" "$i" &
		pids+=($!)
	done
done
for p in "${pids[@]}"; do wait "$p"; done
t1=$(date +%s.%N)
rows=0
for h in "${hosts[@]}"; do rows=$((rows + $(chq "$h" "SELECT count() FROM fact_child_month"))); done
load_s=$(echo "$t1 - $t0" | bc)
rate=$(echo "$rows / $load_s" | bc)
printf 'insert: %d rows in %.1f s: %d rows/s\n' "$rows" "$load_s" "$rate"
children=0
for h in "${hosts[@]}"; do
	children=$((children + $(chq "$h" "SELECT sum(value) FROM fact_child_month
WHERE measure = 'children' AND month = '$end_year-12-01' AND group_code = ''")))
done
echo "children in $end_year-12: $children"

# Merged to one part per shard, as a warehouse between two loads is: the
# figures then do not depend on how far background merges have got. OPTIMIZE
# does nothing while a background merge holds some of the parts, so it is
# repeated until one part is left.
parts() { chq "$1" "SELECT count() FROM system.parts WHERE database = '$db' AND table = 'fact_child_month' AND active"; }
optimize() {
	local tries=0
	until [[ $(parts "$1") == 1 ]]; do
		((++tries <= 600)) || { echo "bench-national: $1 still holds $(parts "$1") parts after 600 tries" >&2; exit 1; }
		chq "$1" "OPTIMIZE TABLE fact_child_month FINAL" --optimize_throw_if_noop=1 2>/dev/null || sleep 1
	done
}
t0=$(date +%s.%N)
pids=()
for h in "${hosts[@]}"; do
	optimize "$h" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
t1=$(date +%s.%N)
merge_s=$(echo "$t1 - $t0" | bc)
printf 'merge to one part (OPTIMIZE FINAL): %.1f s\n' "$merge_s"
for h in "${hosts[@]}"; do
	chq "$h" "SELECT '$h:', sum(rows), count() AS parts, formatReadableSize(sum(bytes_on_disk)) FROM system.parts
WHERE database = '$db' AND table = 'fact_child_month' AND active"
done

bench_before=$(cut -d' ' -f1-3 /proc/loadavg)
sharded=""
((shards > 1)) && sharded=$shards
CLICKHOUSE_ADDR=${hosts[0]} TREEM_BENCH_NATIONAL_DB=$db TREEM_BENCH_NATIONAL_SHARDED=$sharded \
	go test -run '^$' -bench '^BenchmarkNational' -benchtime "${runs}x" -count 1 -timeout 60m ./internal/clickhouse/ |
	tee .data/bench-national-go.out

# The table of figures, from the benchmark's lines (name, runs, p50, p99).
echo
printf '| %s | %s |\n' "national warehouse, $shards shard(s), $months months" "2 cores"
printf '| --- | --- |\n'
printf '| insert, fact_child_month | %d rows in %.1f s: %d rows/s |\n' "$rows" "$load_s" "$rate"
printf '| merge to one part per shard | %.1f s |\n' "$merge_s"
printf '| load average (1, 5, 15 min) before the insert, before the questions | %s; %s |\n' "$load_before" "$bench_before"
awk '/^BenchmarkNational/ {
	name = $1; sub(/^BenchmarkNational/, "", name); sub(/-[0-9]+$/, "", name)
	label["CompareUnits"] = "compareUnits, 34 provinces"
	label["Trend"] = "trend by quarter, 34 provinces"
	label["ChildFriendly"] = "child-friendly table, one province"
	for (i = 1; i < NF; i++) { if ($(i + 1) == "p50-ms") p50 = $i; if ($(i + 1) == "p99-ms") p99 = $i }
	printf "| %s | p50 %s ms, p99 %s ms (%s runs) |\n", label[name], p50, p99, $2 }' .data/bench-national-go.out
echo "(raw output: $log)"
