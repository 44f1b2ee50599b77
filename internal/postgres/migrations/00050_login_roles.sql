-- The ETL's login role, treem_etl, reads every operational row and writes
-- only its own bookkeeping: it trims the change log. Reading goes through a
-- SELECT-only policy on each table under row-level security rather than
-- BYPASSRLS, so the role can read and nothing more, and the audit tables stay
-- out of its reach. The API's login, treem_api, gets its grants through
-- treem_app (00010, 00013); the roles themselves come from scripts/sql/roles.sql.
-- A later table under row-level security adds its own etl_read policy, and a
-- later table the ETL reads its own GRANT (TestETLRoleReadsEveryPolicyTable).

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'treem_etl') THEN
    RAISE EXCEPTION 'role treem_etl is missing: create treem''s roles first with scripts/sql/roles.sql';
  END IF;
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relrowsecurity
  LOOP
    EXECUTE format('CREATE POLICY etl_read ON %I FOR SELECT TO treem_etl USING (true)', t);
  END LOOP;
END $$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO treem_etl;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO treem_etl;
REVOKE SELECT ON audit_log, analytics_audit, goose_db_version FROM treem_etl;
GRANT DELETE ON etl_change TO treem_etl;

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE p.polname = 'etl_read'
  LOOP
    EXECUTE format('DROP POLICY etl_read ON %I', t);
  END LOOP;
END $$;
-- +goose StatementEnd
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM treem_etl;
REVOKE USAGE ON SCHEMA public FROM treem_etl;
