-- The follow-up of inspection recommendations (issue 16): per commune version
-- and year, the recommendations due that year and those of them resolved on
-- or before their due date. Counts of administrative acts, not of people.
ALTER TABLE fact_unit_year {on_cluster}
  ADD COLUMN recommendations_due UInt32 DEFAULT 0,
  ADD COLUMN recommendations_resolved_on_time UInt32 DEFAULT 0
