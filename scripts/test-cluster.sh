#!/usr/bin/env bash
# test-cluster.sh — the Go tests of the sharded warehouse (those named *Cluster*)
# against a two-shard ClickHouse cluster of their own.
#
# The cluster lives in .data/cluster (under TREEM_DATA_DIR when that is set), on
# ports TREEM_CH_PORT+2 and +3 (default 59002 and 59003), beside the single
# server the other tests use; `scripts/services.sh ch-up` starts it. The tests
# read its env file through TREEM_TEST_CLUSTER_ENV, and .data/env for Postgres
# and the single server, so `make up` comes first. Its servers also know a
# cluster treem_down whose second shard (port TREEM_CH_PORT+4) never runs, for
# the shard-down tests. The cluster keeps running, as `make up`'s servers do;
# `make down` stops it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
[ $# -eq 0 ] || { echo "test-cluster: unexpected argument $1 (see --help)" >&2; exit 1; }

cluster=${TREEM_DATA_DIR:-$root/.data}/cluster
main_ch_port=${TREEM_CH_PORT:-59000}
# Always private servers: a CLICKHOUSE_ADDR in the environment names the
# single server, not the cluster.
env -u CLICKHOUSE_ADDR TREEM_DATA_DIR="$cluster" TREEM_CH_PORT=$((main_ch_port + 2)) TREEM_CH_SHARDS=2 \
  TREEM_CH_DOWN_SHARD_PORT=$((main_ch_port + 4)) \
  scripts/services.sh ch-up
TREEM_TEST_CLUSTER_ENV=$cluster/env "${GO:-go}" test -count=1 -p 1 -timeout 20m -run 'Cluster' ./...
