-- Change tracking for the incremental ETL. Statement-level triggers with
-- transition tables append, per statement, the distinct units, children and
-- households a write touched (old and new values), tagged with the writing
-- transaction's id. Statement level keeps bulk loads (COPY of a province) cheap.
--
-- Why a transaction id and not updated_at: timestamps are taken when a
-- transaction starts, so a transaction that commits after a later one started
-- carries an older timestamp than rows already extracted, and two rows may share
-- a timestamp. The ETL instead records its extraction snapshot
-- (pg_current_snapshot) as the watermark W. A change was seen by that run
-- exactly when its transaction is visible in W; the next run reads the rows
-- with NOT pg_visible_in_snapshot(txid, W): those committed later, whenever they
-- started, and those still in progress then. (txid >= pg_snapshot_xmin(W) is
-- implied and lets the index skip the rest.)

-- +goose Up
CREATE TABLE etl_change (
  txid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
  tbl          text NOT NULL,
  unit_id      int,
  child_id     bigint,
  household_id bigint
);
CREATE INDEX etl_change_txid ON etl_change (txid);

-- The ETL streams every child's rows in child order; the residence history had
-- no plain index on child_id.
CREATE INDEX child_residence_child ON child_residence (child_id);

-- etl_track logs the rows of the transition table(s); TG_ARGV names the unit,
-- child and household columns of the table ('' when it has none). A statement
-- touching more than 10,000 rows (a bulk load) and a TRUNCATE log one marker
-- row with no ids instead, which makes the next ETL run a full rebuild: cheaper
-- for both than logging millions of ids.
-- +goose StatementBegin
CREATE FUNCTION etl_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cols text := format('%s, %s, %s',
    coalesce(nullif(TG_ARGV[0], ''), 'NULL::int'),
    coalesce(nullif(TG_ARGV[1], ''), 'NULL::bigint'),
    coalesce(nullif(TG_ARGV[2], ''), 'NULL::bigint'));
  n bigint;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO etl_change (tbl) VALUES (TG_TABLE_NAME);
    RETURN NULL;
  END IF;
  EXECUTE format('SELECT count(*) FROM %s', CASE WHEN TG_OP = 'DELETE' THEN 'etl_old' ELSE 'etl_new' END) INTO n;
  IF n > 10000 THEN
    INSERT INTO etl_change (tbl) VALUES (TG_TABLE_NAME);
    RETURN NULL;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    EXECUTE format('INSERT INTO etl_change (tbl, unit_id, child_id, household_id) SELECT DISTINCT %L, %s FROM etl_new',
                   TG_TABLE_NAME, cols);
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    EXECUTE format('INSERT INTO etl_change (tbl, unit_id, child_id, household_id) SELECT DISTINCT %L, %s FROM etl_old',
                   TG_TABLE_NAME, cols);
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
  spec text[];
  specs text[] := ARRAY[
    ARRAY['org_unit', 'id', '', ''],
    ARRAY['unit_crosswalk', 'to_unit_id', '', ''],
    ARRAY['household', '', '', 'id'],
    ARRAY['household_poverty', '', '', 'household_id'],
    ARRAY['child', 'commune_id', 'id', 'household_id'],
    ARRAY['child_residence', 'unit_id', 'child_id', ''],
    ARRAY['birth_registration', 'unit_id', 'child_id', ''],
    ARRAY['insurance_card', '', 'child_id', ''],
    ARRAY['child_circumstance', '', 'child_id', ''],
    ARRAY['protection_case', 'unit_id', 'child_id', ''],
    ARRAY['injury', 'unit_id', 'child_id', ''],
    ARRAY['support', 'unit_id', 'child_id', ''],
    ARRAY['swimming_class', 'unit_id', '', ''],
    ARRAY['swimming_enrolment', '', 'child_id', ''],
    ARRAY['gift_visit', 'unit_id', 'child_id', ''],
    ARRAY['immunisation', 'unit_id', 'child_id', ''],
    ARRAY['nutrition_measurement', 'unit_id', 'child_id', ''],
    ARRAY['health_checkup', 'unit_id', 'child_id', ''],
    ARRAY['school_attendance', 'unit_id', 'child_id', '']];
BEGIN
  FOREACH spec SLICE 1 IN ARRAY specs LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS etl_new
                    FOR EACH STATEMENT EXECUTE FUNCTION etl_track(%L, %L, %L)',
                   spec[1] || '_etl_ins', spec[1], spec[2], spec[3], spec[4]);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS etl_old NEW TABLE AS etl_new
                    FOR EACH STATEMENT EXECUTE FUNCTION etl_track(%L, %L, %L)',
                   spec[1] || '_etl_upd', spec[1], spec[2], spec[3], spec[4]);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS etl_old
                    FOR EACH STATEMENT EXECUTE FUNCTION etl_track(%L, %L, %L)',
                   spec[1] || '_etl_del', spec[1], spec[2], spec[3], spec[4]);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION etl_track()',
                   spec[1] || '_etl_trunc', spec[1]);
  END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['org_unit', 'unit_crosswalk', 'household', 'household_poverty', 'child', 'child_residence',
    'birth_registration', 'insurance_card', 'child_circumstance', 'protection_case', 'injury', 'support',
    'swimming_class', 'swimming_enrolment', 'gift_visit', 'immunisation', 'nutrition_measurement', 'health_checkup',
    'school_attendance']
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %I', t || '_etl_ins', t);
    EXECUTE format('DROP TRIGGER %I ON %I', t || '_etl_upd', t);
    EXECUTE format('DROP TRIGGER %I ON %I', t || '_etl_del', t);
    EXECUTE format('DROP TRIGGER %I ON %I', t || '_etl_trunc', t);
  END LOOP;
END $$;
-- +goose StatementEnd
DROP FUNCTION etl_track();
DROP INDEX child_residence_child;
DROP TABLE etl_change;
