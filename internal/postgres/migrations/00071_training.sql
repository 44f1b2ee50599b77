-- Training of the staff who work with children (plan 2021, item 7): a course
-- organised by a unit, and per course the number of people trained by officer
-- role, unit and sex. Counts only: no trainee is named, so nothing here is
-- personal data.

-- +goose Up
CREATE TABLE training_course (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id    int NOT NULL REFERENCES org_unit (id),
  level      text NOT NULL CHECK (level IN ('province', 'district', 'commune')),
  starts_on  date NOT NULL,
  ends_on    date NOT NULL CHECK (ends_on >= starts_on),
  topic      text NOT NULL CHECK (topic IS NFC NORMALIZED AND length(topic) BETWEEN 1 AND 300),
  hours      int NOT NULL CHECK (hours BETWEEN 1 AND 500),
  trainer    text NOT NULL CHECK (trainer IS NFC NORMALIZED AND length(trainer) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX training_course_unit ON training_course (unit_id, starts_on);

-- One row per course, role and unit the trainees came from.
CREATE TABLE training_participant (
  course_id    bigint NOT NULL REFERENCES training_course (id),
  officer_role text NOT NULL CHECK (officer_role IN ('commune_officer', 'village_collaborator', 'district_officer',
                                                      'province_officer', 'other')),
  unit_id      int NOT NULL REFERENCES org_unit (id),
  female       int NOT NULL CHECK (female >= 0),
  male         int NOT NULL CHECK (male >= 0),
  CHECK (female + male > 0),
  PRIMARY KEY (course_id, officer_role, unit_id)
);
-- The indicator reads the communes whose officers were trained.
CREATE INDEX training_participant_unit ON training_participant (unit_id) WHERE officer_role = 'commune_officer';

-- A course's participants as one JSON array, read beside the course: a page of
-- courses costs one statement. It runs as its caller, under the policies below.
CREATE FUNCTION training_participants(course bigint) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT coalesce(json_agg(json_build_object('role', p.officer_role, 'unit', p.unit_id, 'female', p.female, 'male', p.male)
    ORDER BY p.officer_role, p.unit_id), '[]')
  FROM training_participant p WHERE p.course_id = course
$$;

CREATE TRIGGER training_course_touch BEFORE UPDATE ON training_course FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- A course is visible in its organising unit's area; its participants with it.
ALTER TABLE training_course ENABLE ROW LEVEL SECURITY;
CREATE POLICY training_course_area ON training_course TO treem_app
  USING ((SELECT treem_scope_all()) OR unit_id = ANY ((SELECT treem_scope_units())::int[]))
  WITH CHECK ((SELECT treem_scope_all()) OR unit_id = ANY ((SELECT treem_scope_units())::int[]));
ALTER TABLE training_participant ENABLE ROW LEVEL SECURITY;
CREATE POLICY training_participant_area ON training_participant TO treem_app
  USING (EXISTS (SELECT 1 FROM training_course c WHERE c.id = course_id))
  WITH CHECK (EXISTS (SELECT 1 FROM training_course c WHERE c.id = course_id));

-- 00013: later tables grant the API reads explicitly; 00050: the ETL reads
-- through its own policy.
GRANT SELECT, INSERT, UPDATE ON training_course, training_participant TO treem_app;
CREATE POLICY etl_read ON training_course FOR SELECT TO treem_etl USING (true);
CREATE POLICY etl_read ON training_participant FOR SELECT TO treem_etl USING (true);
GRANT SELECT ON training_course, training_participant TO treem_etl;

-- +goose Down
DROP FUNCTION training_participants(bigint);
DROP TABLE training_participant, training_course;
