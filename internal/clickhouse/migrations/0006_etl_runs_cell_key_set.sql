-- cell_key_set names the cell-key secret a run used (a hash, not the secret): an
-- incremental run under another secret would mix keys, so it runs full.
ALTER TABLE etl_runs {on_cluster} ADD COLUMN cell_key_set String
