-- Row-level security: the API never reads or writes personal data as the owner.
-- Each store call runs in a transaction that switches to the NOLOGIN role
-- treem_app and sets treem.unit_ids (transaction-local) to the caller's area:
-- '*' for the whole province, else a comma-separated list of org_unit ids.
-- With neither set, the policies show nothing. The Go stores filter by area
-- too; these policies are the second wall if a query forgets.

-- +goose Up
-- Roles are per cluster and the owner running migrations may not create them:
-- the cluster's administrator does, with scripts/sql/roles.sql (`make up` runs it).
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'treem_app') THEN
    RAISE EXCEPTION 'role treem_app is missing: create treem''s roles first with scripts/sql/roles.sql';
  END IF;
END $$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO treem_app;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO treem_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO treem_app;
-- Tables created by later migrations (audit log, …) are usable by the API too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES TO treem_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO treem_app;

-- treem_scope_all reports whether the transaction may see the whole province.
CREATE FUNCTION treem_scope_all() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('treem.unit_ids', true), '') = '*'
$$;

-- treem_scope_units is the transaction's list of org_unit ids (empty when unset or '*').
CREATE FUNCTION treem_scope_units() RETURNS int[] LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN coalesce(current_setting('treem.unit_ids', true), '') IN ('', '*') THEN '{}'::int[]
              ELSE string_to_array(current_setting('treem.unit_ids', true), ',')::int[] END
$$;

ALTER TABLE child ENABLE ROW LEVEL SECURITY;
CREATE POLICY child_area ON child TO treem_app
  USING (treem_scope_all() OR commune_id = ANY (treem_scope_units()))
  WITH CHECK (treem_scope_all() OR commune_id = ANY (treem_scope_units()));

-- Unit-keyed tables: visible when their unit is in the area.
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['swimming_class', 'service_point', 'communication_activity',
    'commune_facts', 'plan_activity', 'periodic_report']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I TO treem_app
      USING (treem_scope_all() OR unit_id = ANY (treem_scope_units()))
      WITH CHECK (treem_scope_all() OR unit_id = ANY (treem_scope_units()))', t || '_area', t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- Per-child tables follow their child: the subquery on child is itself under
-- child's policy, so a record is visible exactly when its child is, wherever
-- the event happened (a child who moved keeps their history with the new commune).
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['child_residence', 'birth_registration', 'residence_registration', 'insurance_card',
    'child_circumstance', 'child_risk_flag', 'protection_case', 'injury', 'support', 'swimming_enrolment',
    'gift_visit', 'immunisation', 'nutrition_measurement', 'health_checkup', 'school_attendance']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I TO treem_app
      USING (EXISTS (SELECT 1 FROM child c WHERE c.id = child_id))
      WITH CHECK (EXISTS (SELECT 1 FROM child c WHERE c.id = child_id))', t || '_area', t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- A household is visible in its unit's area and wherever one of its children is
-- (a child who moved keeps their household).
ALTER TABLE household ENABLE ROW LEVEL SECURITY;
CREATE POLICY household_area ON household TO treem_app
  USING (treem_scope_all() OR unit_id = ANY (treem_scope_units())
         OR EXISTS (SELECT 1 FROM child c WHERE c.household_id = household.id))
  WITH CHECK (treem_scope_all() OR unit_id = ANY (treem_scope_units()));

ALTER TABLE household_poverty ENABLE ROW LEVEL SECURITY;
CREATE POLICY household_poverty_area ON household_poverty TO treem_app
  USING (EXISTS (SELECT 1 FROM household h WHERE h.id = household_id))
  WITH CHECK (EXISTS (SELECT 1 FROM household h WHERE h.id = household_id));

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['child', 'household', 'swimming_class', 'service_point', 'communication_activity',
    'commune_facts', 'plan_activity', 'periodic_report', 'child_residence', 'birth_registration',
    'residence_registration', 'insurance_card', 'child_circumstance', 'child_risk_flag', 'protection_case',
    'injury', 'support', 'swimming_enrolment', 'gift_visit', 'immunisation', 'nutrition_measurement',
    'health_checkup', 'school_attendance', 'household_poverty']
  LOOP
    EXECUTE format('DROP POLICY %I ON %I', t || '_area', t);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;
-- +goose StatementEnd
DROP FUNCTION treem_scope_units();
DROP FUNCTION treem_scope_all();
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM treem_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM treem_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM treem_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM treem_app;
REVOKE USAGE ON SCHEMA public FROM treem_app;
