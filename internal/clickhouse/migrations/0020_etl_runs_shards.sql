-- shards: the native addresses of the servers a run wrote, in shard order:
-- one for a warehouse on one server, every shard's on a cluster (each holds
-- its own copy of this table).
ALTER TABLE etl_runs {on_cluster} ADD COLUMN shards Array(String)
