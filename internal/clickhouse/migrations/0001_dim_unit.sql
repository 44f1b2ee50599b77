-- dim_unit: a reference copy of the (non-personal) org units, one row per unit
-- version. A few hundred rows, rewritten whole by every ETL run, so one
-- partition (tuple()) that the run swaps atomically with REPLACE PARTITION; the
-- order key (code, valid_from) is how facts join to it.
CREATE TABLE IF NOT EXISTS dim_unit {on_cluster} (
  code                 String,
  valid_from           Date,
  valid_to             Date,
  name                 String,
  unit_type            String,
  level                String,
  parent_code          String,
  district_2021        String,
  district_2021_approx UInt8,
  provisional          UInt8,
  run_id               String
) ENGINE = MergeTree
PARTITION BY tuple()
ORDER BY (code, valid_from)
