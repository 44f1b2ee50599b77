-- 00010 let treem_app read and update every table created later (default
-- privileges). That exposed tables the API never reads, such as the ETL's change
-- log, which holds child ids. From here on a later table gives the API role only
-- INSERT by default, because triggers running as the writer append to such logs
-- (etl_track); reading needs an explicit GRANT in the table's own migration (as
-- audit_log's). Reads already granted on tables outside the API's list are
-- taken back.

-- +goose Up
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, UPDATE ON TABLES FROM treem_app;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p')
      AND c.relname <> ALL (ARRAY['org_unit', 'unit_crosswalk', 'public_holiday', 'circumstance_group', 'risk_flag',
        'household', 'household_poverty', 'child', 'child_residence', 'birth_registration', 'residence_registration',
        'insurance_card', 'child_circumstance', 'child_risk_flag', 'protection_case', 'injury', 'support',
        'swimming_class', 'swimming_enrolment', 'gift_visit', 'immunisation', 'nutrition_measurement', 'health_checkup',
        'school_attendance', 'service_point', 'communication_activity', 'commune_facts', 'plan_activity',
        'periodic_report', 'audit_log'])
  LOOP
    EXECUTE format('REVOKE SELECT, UPDATE, DELETE, TRUNCATE ON %I FROM treem_app', t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, UPDATE ON TABLES TO treem_app;
