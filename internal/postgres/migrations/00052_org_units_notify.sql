-- treem serve keeps the org-unit hierarchy in memory (postgres.UnitCache) and
-- reloads it when told: any change to the units or the crosswalk (the
-- materialized 2021 districts follow them) notifies on commit. NOTIFY is
-- transactional, so a rolled-back change tells nobody.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION org_units_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('treem_org_units', TG_TABLE_NAME);
  RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER org_unit_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org_unit
  FOR EACH STATEMENT EXECUTE FUNCTION org_units_notify();
CREATE TRIGGER unit_crosswalk_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON unit_crosswalk
  FOR EACH STATEMENT EXECUTE FUNCTION org_units_notify();

-- +goose Down
DROP TRIGGER unit_crosswalk_notify ON unit_crosswalk;
DROP TRIGGER org_unit_notify ON org_unit;
DROP FUNCTION org_units_notify();
