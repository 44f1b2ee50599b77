-- indicator_values: the disclosure-controlled indicator values an analyst
-- receives from the API, one row per indicator × unit × period, with labels
-- joined in, for BI tools (the bi user reads this database only). Every count
-- here has passed disclosure control: no count from 1 to k−1, no zero told
-- apart from a small count. Rewritten whole by every ETL run (one partition,
-- swapped atomically).
CREATE TABLE IF NOT EXISTS {published}.indicator_values {on_cluster} (
  indicator_id    String,
  indicator_vi    String,
  indicator_en    String,
  unit_code       String,
  unit_name       String,
  unit_level      String,
  period          String,
  period_type     String,
  period_start    Date,
  value           Nullable(Float64),
  numerator       Nullable(UInt64),
  denominator     Nullable(UInt64),
  status          String,
  target          Nullable(Float64),
  meets_target    Nullable(UInt8),
  approximate     UInt8,
  run_id          String
) ENGINE = MergeTree
PARTITION BY tuple()
ORDER BY (indicator_id, unit_level, unit_code, period_type, period_start)
