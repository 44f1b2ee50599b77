#!/usr/bin/env bash
# test-examples.sh — the typed clients under examples/ still fit schema.graphqls.
#
# For each example (today examples/typescript-client): `npm ci` from its
# committed package-lock.json (skipped when its node_modules were installed by
# this script from the same lock file), then `npm run check`, which has graphql-codegen
# generate the types of its operations from ../../schema.graphqls (the file,
# not a running server) into a git-ignored directory and type-checks the
# client with tsc under strict settings. A schema change that removes or
# retypes a field an example reads fails here. Needs node 20 or newer and npm,
# and the npm registry for the first npm ci; no services, no server.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

log() { echo "test-examples: $*" >&2; }
die() { log "$*"; exit 1; }

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
[ $# -eq 0 ] || die "unexpected argument $1 (see --help)"

command -v node >/dev/null || die "node is missing (Node 20 or newer)"
command -v npm >/dev/null || die "npm is missing"
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || die "node $(node --version) is too old: the examples need Node 20 or newer"

for dir in examples/typescript-client; do
  start=$SECONDS
  # npm ci starts by deleting node_modules: 40 s of a 45 s run on two cores.
  # The stamp holds the lock file's hash; npm ci removes it with the rest.
  lock=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  stamp=$dir/node_modules/.treem-package-lock.sha256
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock" ]; then
    log "$dir: node_modules already installed from this package-lock.json"
  else
    log "$dir: npm ci"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "$dir: npm ci failed"
    echo "$lock" >"$stamp"
  fi
  log "$dir: codegen from schema.graphqls, then tsc --noEmit"
  # npm run check prints codegen's errors (an unknown field, a wrong type)
  # and tsc's; its progress lines are left out.
  if ! out=$(cd "$dir" && npm run --silent check 2>&1); then
    printf '%s\n' "$out" | grep -v '^\s*[❯✔]' >&2 || true
    die "$dir: its operations or code no longer fit schema.graphqls"
  fi
  log "$dir: ok ($((SECONDS - start)) s)"
done
