-- etl_publishes: each rewrite of the published database, with what it was
-- computed from besides the warehouse (the catalogue and the scoring table).
-- A run that changed nothing under the same source leaves the published
-- values as they are. Tiny table, appended to by the ETL.
CREATE TABLE IF NOT EXISTS etl_publishes {on_cluster} (
  run_id       String,
  source       String,
  published_at DateTime
) ENGINE = MergeTree
ORDER BY published_at
