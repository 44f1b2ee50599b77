-- A per-child record's policy asks whether its child is visible. For the whole
-- province that is always so, yet the planner hashed the whole child table to
-- answer it (2.8 s to filter children by circumstance). The province scope now
-- short-circuits the check, as an InitPlan evaluated once per statement.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['child_residence', 'birth_registration', 'residence_registration', 'insurance_card',
    'child_circumstance', 'child_risk_flag', 'protection_case', 'injury', 'support', 'swimming_enrolment',
    'gift_visit', 'immunisation', 'nutrition_measurement', 'health_checkup', 'school_attendance']
  LOOP
    EXECUTE format('ALTER POLICY %I ON %I
      USING ((SELECT treem_scope_all()) OR EXISTS (SELECT 1 FROM child c WHERE c.id = child_id))
      WITH CHECK ((SELECT treem_scope_all()) OR EXISTS (SELECT 1 FROM child c WHERE c.id = child_id))', t || '_area', t);
  END LOOP;
  EXECUTE 'ALTER POLICY household_poverty_area ON household_poverty
    USING ((SELECT treem_scope_all()) OR EXISTS (SELECT 1 FROM household h WHERE h.id = household_id))
    WITH CHECK ((SELECT treem_scope_all()) OR EXISTS (SELECT 1 FROM household h WHERE h.id = household_id))';
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['child_residence', 'birth_registration', 'residence_registration', 'insurance_card',
    'child_circumstance', 'child_risk_flag', 'protection_case', 'injury', 'support', 'swimming_enrolment',
    'gift_visit', 'immunisation', 'nutrition_measurement', 'health_checkup', 'school_attendance']
  LOOP
    EXECUTE format('ALTER POLICY %I ON %I
      USING (EXISTS (SELECT 1 FROM child c WHERE c.id = child_id))
      WITH CHECK (EXISTS (SELECT 1 FROM child c WHERE c.id = child_id))', t || '_area', t);
  END LOOP;
  EXECUTE 'ALTER POLICY household_poverty_area ON household_poverty
    USING (EXISTS (SELECT 1 FROM household h WHERE h.id = household_id))
    WITH CHECK (EXISTS (SELECT 1 FROM household h WHERE h.id = household_id))';
END $$;
-- +goose StatementEnd
