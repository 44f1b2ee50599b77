-- fact_child_month becomes a SummingMergeTree of signed rows (etl/ledger.go):
-- a full run writes every cell, an incremental run only the differences its
-- changed children make (value and ckey deltas, ckey mod 2^32), each run in one
-- atomic ATTACH of the table's single partition. Background merges add rows
-- with the same key up and drop those that reach zero, which is the
-- compaction; readers always sum. One partition because ClickHouse swaps one
-- partition atomically, not several: a run is applied whole or not at all.
-- district_2021 follows the unit version, so it ends the key to be summed
-- with it. Rows with measure '' are the runs' generation markers, not cells.
CREATE TABLE IF NOT EXISTS fact_child_month_signed {on_cluster} (
  month           Date,
  unit_code       String,
  unit_valid_from Date,
  district_2021   String,
  sex             String,
  age_band        String,
  group_code      String,
  poverty         String,
  measure         String,
  value           Int64,
  ckey            UInt32,
  run_id          String
) ENGINE = SummingMergeTree((value, ckey))
PARTITION BY tuple()
ORDER BY (measure, month, unit_code, unit_valid_from, group_code, sex, age_band, poverty, district_2021)
