#!/usr/bin/env bash
# bulletin-sample.sh — draws the 2024-Q2 issue of the quarterly bulletin "Trẻ em
# như búp trên cành" on a demo-like seed and saves its first two pages as PNG
# (pdftoppm, 80 dpi) into docs/screenshots/bulletin-2024-Q2-p1.png and -p2.png,
# and the PDF itself into .data/bulletin-2024-Q2.pdf.
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
for _ in $(seq 1 100); do
  kill -0 "$server_pid" 2>/dev/null || die "treem serve exited at start"
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

# gql TOKEN QUERY prints the answer's data, or stops on any error.
gql() {
  local out
  out=$(curl -fsS "$base/graphql" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    --data "$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$2")")
  python3 -c 'import json,sys; a=json.loads(sys.argv[1]); e=a.get("errors") or [v for v in (a.get("data") or {}).values() if v.get("errors")]
if e: sys.exit("bulletin-sample: " + json.dumps(e, ensure_ascii=False))
print(json.dumps(a["data"]))' "$out"
}
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
