#!/usr/bin/env bash
# bench.sh [N] — every province-scale figure of the closing notes, in order:
# seed vs plain COPY, ETL vs the psql floor (and incremental), the children
# page at 16 clients, analytics through HTTP vs Postgres, and the dashboard's
# load time in Chromium. N children
# (default 1000000). Needs `make up`; each script documents its databases.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
for part in seed etl api analytics dashboard; do
  echo "== bench-$part"
  case $part in
    analytics) scripts/bench-analytics.sh ;;
    *) scripts/bench-$part.sh "$n" ;;
  esac
done
