-- The area policies of 00010 called current_setting and parsed the unit list
-- once per row (2.5 s to count 450,000 children of one district). Wrapped in a
-- scalar subquery, the scope becomes an InitPlan: evaluated once per statement.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  EXECUTE 'ALTER POLICY child_area ON child
    USING ((SELECT treem_scope_all()) OR commune_id = ANY ((SELECT treem_scope_units())::int[]))
    WITH CHECK ((SELECT treem_scope_all()) OR commune_id = ANY ((SELECT treem_scope_units())::int[]))';
  EXECUTE 'ALTER POLICY household_area ON household
    USING ((SELECT treem_scope_all()) OR unit_id = ANY ((SELECT treem_scope_units())::int[])
           OR EXISTS (SELECT 1 FROM child c WHERE c.household_id = household.id))
    WITH CHECK ((SELECT treem_scope_all()) OR unit_id = ANY ((SELECT treem_scope_units())::int[]))';
  FOREACH t IN ARRAY ARRAY['swimming_class', 'service_point', 'communication_activity', 'commune_facts',
    'plan_activity', 'periodic_report']
  LOOP
    EXECUTE format('ALTER POLICY %I ON %I
      USING ((SELECT treem_scope_all()) OR unit_id = ANY ((SELECT treem_scope_units())::int[]))
      WITH CHECK ((SELECT treem_scope_all()) OR unit_id = ANY ((SELECT treem_scope_units())::int[]))', t || '_area', t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  EXECUTE 'ALTER POLICY child_area ON child
    USING (treem_scope_all() OR commune_id = ANY (treem_scope_units()))
    WITH CHECK (treem_scope_all() OR commune_id = ANY (treem_scope_units()))';
  EXECUTE 'ALTER POLICY household_area ON household
    USING (treem_scope_all() OR unit_id = ANY (treem_scope_units())
           OR EXISTS (SELECT 1 FROM child c WHERE c.household_id = household.id))
    WITH CHECK (treem_scope_all() OR unit_id = ANY (treem_scope_units()))';
  FOREACH t IN ARRAY ARRAY['swimming_class', 'service_point', 'communication_activity', 'commune_facts',
    'plan_activity', 'periodic_report']
  LOOP
    EXECUTE format('ALTER POLICY %I ON %I
      USING (treem_scope_all() OR unit_id = ANY (treem_scope_units()))
      WITH CHECK (treem_scope_all() OR unit_id = ANY (treem_scope_units()))', t || '_area', t);
  END LOOP;
END $$;
-- +goose StatementEnd
