-- trained_commune_officers: how many commune child-protection officers of the
-- commune version were trained in courses that started in the year (counts of
-- attendances: trainees are never named, so one officer at two courses counts
-- twice). The indicator commune_officer_training tests it for ≥ 1.
ALTER TABLE fact_unit_year {on_cluster} ADD COLUMN trained_commune_officers UInt32 DEFAULT 0 AFTER communication_activities
