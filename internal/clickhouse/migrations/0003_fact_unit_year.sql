-- fact_unit_year: commune-level facts for the child-friendly criteria, one row
-- per commune version and year. A few thousand rows rewritten whole by every
-- run: one partition swapped atomically; queries filter by year, then commune.
CREATE TABLE IF NOT EXISTS fact_unit_year {on_cluster} (
  year                      UInt16,
  unit_code                 String,
  unit_valid_from           Date,
  district_2021             String,
  worker_assigned           UInt8,
  villages                  UInt32,
  villages_with_collaborator UInt32,
  board_meetings            UInt32,
  funding_vnd               UInt64,
  play_venues               UInt32,
  children_forums           UInt32,
  survey_respondents        UInt32,
  survey_satisfied          UInt32,
  category                  String,
  service_points            UInt32,
  communication_activities  UInt32,
  has_facts                 UInt8,
  run_id                    String
) ENGINE = MergeTree
PARTITION BY tuple()
ORDER BY (year, unit_code, unit_valid_from)
