-- dim_unit_edge: the crosswalk between unit versions (non-personal reference
-- data): on to_valid_from, the territory of the version (from_code,
-- from_valid_from) went wholly ('full') or partly ('partial', 'partial-main',
-- 'partial-minor') to the version (to_code, to_valid_from). Analytics follow
-- it to give a unit in force today the history of the units it replaced.
-- Rewritten whole by every ETL run, like dim_unit.
CREATE TABLE IF NOT EXISTS dim_unit_edge {on_cluster} (
  from_code       String,
  from_valid_from Date,
  to_code         String,
  to_valid_from   Date,
  relation        String,
  run_id          String
) ENGINE = MergeTree
PARTITION BY tuple()
ORDER BY (from_code, from_valid_from, to_code, to_valid_from)
