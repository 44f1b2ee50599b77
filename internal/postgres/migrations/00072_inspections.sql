-- Thematic inspections (plan 2021, item 5): an inspection of one unit on one
-- topic, its findings, and the recommendations of each finding with their
-- follow-up. A plan naming several target units writes one inspection per
-- unit, so that area scope and row-level security work per inspected unit as
-- for the other records of a unit: a commune officer sees the inspection of
-- their commune, not those of the neighbours planned with it.
--
-- Findings and recommendations carry their inspection's unit_id (copied on
-- insert, never changed) so that the same one-column policy covers them and
-- their lists need no join. A recommendation's "overdue" is not stored: it
-- depends on today, and a stored flag would go stale overnight.

-- +goose Up
CREATE TABLE inspection (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id            int NOT NULL REFERENCES org_unit (id),
  inspecting_unit_id int NOT NULL REFERENCES org_unit (id),
  topic              text NOT NULL CHECK (topic IN ('birth_registration', 'residence_registration', 'health_insurance',
                                                    'abuse_prevention_law', 'other')),
  planned_from       date NOT NULL,
  planned_to         date NOT NULL CHECK (planned_to >= planned_from),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  deleted_at         timestamptz
);
CREATE INDEX inspection_unit ON inspection (unit_id, planned_from);

CREATE TABLE inspection_finding (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  inspection_id bigint NOT NULL REFERENCES inspection (id),
  unit_id       int NOT NULL REFERENCES org_unit (id),
  found_on      date NOT NULL,
  summary       text NOT NULL CHECK (summary IS NFC NORMALIZED AND length(summary) BETWEEN 1 AND 2000),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz
);
CREATE INDEX inspection_finding_inspection ON inspection_finding (inspection_id);
CREATE INDEX inspection_finding_unit ON inspection_finding (unit_id, found_on);

CREATE TABLE inspection_recommendation (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  finding_id  bigint NOT NULL REFERENCES inspection_finding (id),
  unit_id     int NOT NULL REFERENCES org_unit (id),
  -- The finding's date, kept here so that the checks below hold in the table.
  issued_on   date NOT NULL,
  text        text NOT NULL CHECK (text IS NFC NORMALIZED AND length(text) BETWEEN 1 AND 1000),
  due_on      date NOT NULL CHECK (due_on > issued_on),
  resolved_on date CHECK (resolved_on >= issued_on),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE INDEX inspection_recommendation_finding ON inspection_recommendation (finding_id);
CREATE INDEX inspection_recommendation_unit ON inspection_recommendation (unit_id, due_on);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['inspection', 'inspection_finding', 'inspection_recommendation'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION touch_updated_at()',
                   t || '_touch', t);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I TO treem_app
      USING ((SELECT treem_scope_all()) OR unit_id = ANY ((SELECT treem_scope_units())::int[]))
      WITH CHECK ((SELECT treem_scope_all()) OR unit_id = ANY ((SELECT treem_scope_units())::int[]))', t || '_area', t);
    EXECUTE format('CREATE POLICY etl_read ON %I FOR SELECT TO treem_etl USING (true)', t);
    EXECUTE format('GRANT SELECT, INSERT ON %I TO treem_app', t);
    EXECUTE format('GRANT SELECT ON %I TO treem_etl', t);
  END LOOP;
END $$;
-- +goose StatementEnd
-- The follow-up is the only change the API makes.
GRANT UPDATE (resolved_on) ON inspection_recommendation TO treem_app;

-- +goose Down
DROP TABLE inspection_recommendation, inspection_finding, inspection;
