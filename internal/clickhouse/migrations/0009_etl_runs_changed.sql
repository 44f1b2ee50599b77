-- changed: whether a run may have changed the warehouse (a full run, a
-- recomputed unit, a new month). Runs recorded before it count as changed.
ALTER TABLE etl_runs {on_cluster} ADD COLUMN changed UInt8 DEFAULT 1
