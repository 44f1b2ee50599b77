#!/usr/bin/env bash
# test-browser.sh — the dashboard's end-to-end test in headless Chromium.
#
# Installs what is missing (Chromium from Debian, playwright-core from the
# committed package-lock.json), builds treem, migrates and seeds a small fresh
# province into its own Postgres and ClickHouse databases (TREEM_E2E_DB, default
# treem_e2e; the shared `treem` databases are never touched), runs the ETL, adds a
# user with a random password (the browser signs in with it through the form) and
# a token of the same role for the test's own API calls, and one more user per
# role (the province, a district of the seed, one of its communes), serves it on a
# free loopback port, and runs web/e2e/dashboard.test.js against it. The server is
# stopped on every exit path. Needs the services of `make up`. Screenshots go to
# $SCREENSHOT_DIR (default .data/screenshots); when it is set (`make screenshots`
# refreshes the committed docs/screenshots/), the printed brief's first page is
# drawn too, with pdftoppm (Debian's poppler-utils, installed when missing).
#   TREEM_E2E_CHILDREN  children to seed (default 3000)
#   TREEM_E2E_ROLE      role of the test's user and token (default leader: sees suppressed cells)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
db=${TREEM_E2E_DB:-treem_e2e}
children=${TREEM_E2E_CHILDREN:-3000}
role=${TREEM_E2E_ROLE:-leader}
chromium=${CHROMIUM:-/usr/bin/chromium}

log() { echo "test-browser: $*" >&2; }
die() { log "$*"; exit 1; }

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
[[ $db =~ ^[a-z_][a-z0-9_]*$ ]] || die "TREEM_E2E_DB must be a plain lower-case name"

# --- tools ---------------------------------------------------------------------
if [ ! -x "$chromium" ]; then
  log "installing chromium from Debian"
  [ "$(id -u)" = 0 ] || die "$chromium is missing and installing it needs root (apt-get install chromium)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ -n "${SCREENSHOT_DIR:-}" ] && ! command -v pdftoppm >/dev/null; then
  log "installing poppler-utils from Debian (pdftoppm draws the printed brief)"
  [ "$(id -u)" = 0 ] || die "pdftoppm is missing and installing it needs root (apt-get install poppler-utils)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
fi
command -v node >/dev/null || die "node is missing (Node 20 or newer)"
command -v npm >/dev/null || die "npm is missing"
(cd web/e2e && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci in web/e2e failed"

work=$(mktemp -d /tmp/treem-e2e.XXXXXX)
server_pid=
cleanup() {
  local rc=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ $rc -ne 0 ] && [ -f "$work/serve.log" ]; then
    log "last lines of the server's log:"; tail -n 30 "$work/serve.log" >&2
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT

log "building treem"
go build -o "$work/treem" ./cmd/treem
treem="$work/treem"

# --- databases of its own ------------------------------------------------------
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"
log "fresh databases $db (Postgres and ClickHouse): migrate, seed $children children, ETL"
seeded_databases "$treem" "$db" "$children" treem-e2e-dashboard-cell-keys
token=$("$treem" token --role "$role" --area 75 --ttl 1h --sub e2e-dashboard | tail -1)
e2e_user=e2e.dashboard
e2e_password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
printf '%s\n' "$e2e_password" | "$treem" user add --username "$e2e_user" --display-name "Người kiểm thử" \
  --role "$role" --area 75 --password-stdin

# One user per role, each at an area its role works at: the province, the
# seed's first district of 2021, and a commune of that district still in force.
sql() { psql "$DATABASE_OWNER_URL" -v ON_ERROR_STOP=1 -qtAX "$@"; }
district=$(sql -c "SELECT min(code) FROM org_unit WHERE level = 'district'")
commune=$(sql -v d="$district" <<<"SELECT min(c.code) FROM org_unit c JOIN org_unit d ON d.id = c.parent_id
  WHERE c.level = 'commune' AND d.code = :'d' AND EXISTS (SELECT FROM org_unit n WHERE n.code = c.code AND n.valid_to IS NULL)")
[ -n "$district" ] && [ -n "$commune" ] || die "the seed has no district with a commune"
roles_json=
for r in province_officer:75 district_officer:$district commune_officer:$commune analyst:75 leader:75; do
  name=e2e.${r%%:*} area=${r#*:}
  pw=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
  printf '%s\n' "$pw" | "$treem" user add --username "$name" --display-name "Kiểm thử ${r%%:*}" \
    --role "${r%%:*}" --area "$area" --password-stdin
  roles_json+=${roles_json:+,}$(printf '{"role":"%s","area":"%s","user":"%s","password":"%s"}' "${r%%:*}" "$area" "$name" "$pw")
done

# --- serve -----------------------------------------------------------------------
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
# The map draws from a tiny synthetic boundary file as well as from its tiles.
"$treem" serve --addr "127.0.0.1:$port" --dashboard-boundaries "$root/web/e2e/testdata/boundaries.geojson" >"$work/serve.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  kill -0 "$server_pid" 2>/dev/null || die "treem serve exited at start"
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$base/healthz" >/dev/null || die "treem serve did not answer /healthz within 20 s"

log "browser test against $base"
shots=${SCREENSHOT_DIR:-$root/.data/screenshots}
mkdir -p "$shots"
BASE_URL=$base TREEM_E2E_CHILDREN=$children TREEM_TOKEN=$token TREEM_USER=$e2e_user TREEM_PASSWORD=$e2e_password TREEM_ROLE_USERS="[$roles_json]" \
  CHROMIUM=$chromium SCREENSHOT_DIR="$shots" BRIEF_PDF="$work/brief.pdf" \
  node --test --test-concurrency=1 web/e2e/dashboard.test.js
if [ -n "${SCREENSHOT_DIR:-}" ]; then
  pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$work/brief.pdf" "$shots/brief-page1"
fi
