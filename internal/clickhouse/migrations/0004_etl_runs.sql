-- etl_runs: lineage of every ETL run. A run writes a 'running' row when it
-- starts and a final row when it ends; ReplacingMergeTree keeps, per run_id,
-- the row with the latest finished_at (the 'running' row has 1970-01-01), so
-- read it with FINAL. Tiny table: no partitioning; ordered by run_id.
CREATE TABLE IF NOT EXISTS etl_runs {on_cluster} (
  run_id          String,
  started_at      DateTime,
  finished_at     DateTime,
  mode            String,
  watermark       String,
  status          String,
  rows_read       String,
  rows_written    String,
  rejected        String,
  error           String,
  snapshot_at     DateTime,
  months_to       Date,
  duration_ms     UInt64,
  rows_per_second Float64,
  lag_seconds     Float64
) ENGINE = ReplacingMergeTree(finished_at)
ORDER BY run_id
