-- The cells loaded so far move over (once: the copy is skipped when the new
-- table already holds rows), so readers keep their answers until the next run.
INSERT INTO fact_child_month_signed
SELECT month, unit_code, unit_valid_from, district_2021, sex, age_band, group_code, poverty, measure,
       toInt64(value), ckey, run_id
FROM fact_child_month WHERE (SELECT count() FROM fact_child_month_signed) = 0
