-- fact_district_year: the inspection recommendations made to a district
-- (before 1 July 2025 the plan's thematic inspections targeted districts),
-- per district version and year: those due that year and those of them
-- resolved on or before their due date. Counts of administrative acts, not of
-- people. Kept apart from fact_unit_year, whose rows are communes and which
-- the commune counts and the child-friendly scoring read whole. Small,
-- rewritten whole by every run like fact_unit_year: one partition swapped
-- atomically.
CREATE TABLE IF NOT EXISTS fact_district_year {on_cluster} (
  year                             UInt16,
  unit_code                        String,
  unit_valid_from                  Date,
  district_2021                    String,
  recommendations_due              UInt32,
  recommendations_resolved_on_time UInt32,
  run_id                           String
) ENGINE = MergeTree
PARTITION BY tuple()
ORDER BY (year, unit_code, unit_valid_from)
