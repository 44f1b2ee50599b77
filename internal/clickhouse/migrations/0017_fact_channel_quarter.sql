-- fact_channel_quarter: communication activities (plan 2021 item 10) per unit
-- version, quarter and channel, with what they reached where that was counted
-- (reach: the sum over the reach_known activities; what it counts depends on
-- the channel) and the sum of the activities' cell keys (ckey, mod 2^32) for
-- disclosure control. unit_level tells province- and district-level
-- activities from communes' (district_2021 is '' for the province and for
-- the former Bình Phước). Small, rewritten whole by every run like
-- fact_unit_year: one partition swapped atomically.
CREATE TABLE IF NOT EXISTS fact_channel_quarter {on_cluster} (
  year            UInt16,
  quarter         UInt8,
  unit_code       String,
  unit_valid_from Date,
  unit_level      String,
  district_2021   String,
  channel         String,
  activities      UInt32,
  reach_known     UInt32,
  reach           UInt64,
  ckey            UInt32,
  run_id          String
) ENGINE = MergeTree
PARTITION BY tuple()
ORDER BY (year, quarter, channel, unit_code, unit_valid_from)
