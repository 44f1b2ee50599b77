#!/usr/bin/env bash
# bulletin-sample.sh — draws the 2024-Q2 issue of the quarterly bulletin "Trẻ em
# như búp trên cành" on a demo-like seed and saves its first two pages as PNG
# (pdftoppm, 80 dpi) into docs/screenshots/bulletin-2024-Q2-p1.png and -p2.png,
# and the PDF itself into .data/bulletin-2024-Q2.pdf. Prints, beside it, the
# plan activities' indicators for 2024 and 2025 (province officer and analyst)
# and the 2016–2020 summary table.
#
# Builds treem, migrates and seeds a fresh province into databases of its own
# (TREEM_BULLETIN_DB, default treem_bulletin; the shared `treem` databases are
# never touched), runs the ETL, serves it on a free loopback port, and as a
# province officer creates and publishes the issue through GraphQL, then
# downloads its PDF as a leader through /export/bulletin/{id}.pdf. The server is
# stopped on every exit path. Needs the services of `make up`.
#   BULLETIN_CHILDREN  children to seed (default 50000, as make demo)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
db=${TREEM_BULLETIN_DB:-treem_bulletin}
children=${BULLETIN_CHILDREN:-50000}
shots=$root/docs/screenshots

log() { echo "bulletin-sample: $*" >&2; }
die() { log "$*"; exit 1; }
[[ $db =~ ^[a-z_][a-z0-9_]*$ ]] || die "TREEM_BULLETIN_DB must be a plain lower-case name"
"$root/scripts/need-poppler.sh"

work=$(mktemp -d /tmp/treem-bulletin.XXXXXX)
server_pid=
cleanup() {
  local rc=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ $rc -ne 0 ] && [ -f "$work/serve.log" ]; then tail -n 30 "$work/serve.log" >&2; fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT

go build -o "$work/treem" ./cmd/treem
treem="$work/treem"

# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"
log "fresh databases $db (Postgres and ClickHouse): migrate, seed $children children, ETL"
seeded_databases "$treem" "$db" "$children" treem-bulletin-sample-cell-keys
officer=$("$treem" token --role province_officer --area 75 --ttl 1h --sub bulletin.sample | tail -1)
leader=$("$treem" token --role leader --area 75 --ttl 1h --sub bulletin.sample.leader | tail -1)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$treem" serve --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
wait_healthy "$base"

editorial='Quý II năm 2024, toàn tỉnh Đồng Nai hưởng ứng Tháng hành động vì trẻ em và Ngày Quốc tế Thiếu nhi 1/6. Bản tin này tóm tắt các chỉ tiêu chính, so sánh giữa các huyện, thành phố và các hoạt động trong quý. Mọi số liệu đã qua kiểm soát công bố.'
id=$(gql "$officer" "mutation { createBulletin(year: 2024, quarter: 2, editorial: \"$editorial\") { bulletin { id } errors { code message } } }" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["createBulletin"]["bulletin"]["id"])')
pdf_url=$(gql "$officer" "mutation { publishBulletin(id: \"$id\") { bulletin { pdfUrl } errors { code message } } }" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["publishBulletin"]["bulletin"]["pdfUrl"])')
mkdir -p "$root/.data" "$shots"
curl -fsS "$base$pdf_url" -H "Authorization: Bearer $leader" -o "$root/.data/bulletin-2024-Q2.pdf"
for p in 1 2; do
  pdftoppm -png -r 80 -f "$p" -l "$p" -singlefile "$root/.data/bulletin-2024-Q2.pdf" "$shots/bulletin-2024-Q2-p$p"
done
log "wrote $shots/bulletin-2024-Q2-p1.png and -p2.png from .data/bulletin-2024-Q2.pdf"

# The plan's activity indicators beside the issue, as a province officer
# (exact) and an analyst (released) read them, and the 2016–2020 summary.
analyst=$("$treem" token --role analyst --area 75 --ttl 1h --sub bulletin.sample.analyst | tail -1)
values='{ indicatorValues(ids: ["commune_officer_training", "inspection_recommendations_on_time",
  "forum_recommendations_on_time", "underweight_u2", "stunting_u2", "underweight_u5", "stunting_u5"],
  orgUnits: ["75"], periods: ["2024", "2025"]) { values { indicator { id } period value status numerator denominator } } }'
for who in officer analyst; do
  echo "# indicators, province, as $who: id period value (numerator/denominator) status"
  gql "${!who}" "$values" | python3 -c 'import json,sys
for v in json.load(sys.stdin)["indicatorValues"]["values"]:
    print(v["indicator"]["id"], v["period"], v["value"], "(%s/%s)" % (v["numerator"], v["denominator"]), v["status"])'
done
echo "# summaryReport(from: 2016, to: 2020), province officer"
gql "$officer" '{ summaryReport(from: 2016, to: 2020) { years { year children { value } specialCircumstances { value numerator }
  birthRegistration { value } healthInsurance { value } abused { value } injuries { value } drowningDeaths { value }
  swimmingTrained { value numerator } giftVisits { value } childFriendlyCommunes { value numerator denominator } } } }' |
  python3 -c 'import json,sys
cols = ["children", "specialCircumstances", "birthRegistration", "healthInsurance", "abused", "injuries",
        "drowningDeaths", "swimmingTrained", "giftVisits", "childFriendlyCommunes"]
print("| year | " + " | ".join(cols) + " |")
for y in json.load(sys.stdin)["summaryReport"]["years"]:
    cells = []
    for c in cols:
        v = y[c] or {}
        s = "-" if v.get("value") is None else format(v["value"], "g")
        if "numerator" in v and v["numerator"] is not None:
            s += " (%s%s)" % (format(v["numerator"], "g"), "/" + format(v["denominator"], "g") if v.get("denominator") is not None else "")
        cells.append(s)
    print("| %d | %s |" % (y["year"], " | ".join(cells)))'
