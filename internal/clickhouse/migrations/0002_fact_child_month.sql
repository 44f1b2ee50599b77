-- fact_child_month: counts of children per month and commune version, never a
-- row per child. Partitioned by the 2021 district: about a dozen partitions of
-- similar size, an incremental run swaps only the districts of the communes it
-- recomputed (REPLACE PARTITION from a staging table), and district-level
-- questions prune to one partition. Every query picks one measure and a period,
-- so the order key starts with measure and month, then the commune, so that a
-- filter on a commune list or a month range reads few granules.
CREATE TABLE IF NOT EXISTS fact_child_month {on_cluster} (
  month           Date,
  unit_code       String,
  unit_valid_from Date,
  district_2021   String,
  sex             String,
  age_band        String,
  group_code      String,
  poverty         String,
  measure         String,
  value           UInt64,
  run_id          String
) ENGINE = MergeTree
PARTITION BY district_2021
ORDER BY (measure, month, unit_code, unit_valid_from, group_code, sex, age_band, poverty)
