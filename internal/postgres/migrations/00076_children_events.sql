-- The Action Month for Children (Tháng hành động vì trẻ em, June) and the
-- children's forum (Diễn đàn trẻ em), plan 2021 item 3: an event held by a
-- unit in force (province, district, commune or ward), the children who took
-- part counted by age band and sex and the officials counted, and the
-- recommendations the children raised at a forum with the answer to each.
-- Counts only: no child is named, so nothing here is personal data.
--
-- A recommendation carries its event's unit_id (copied on insert, never
-- changed) so that the one-column policy covers it and its lists need no join.
-- Its status (open, answered, answered late) is derived from answered_on and
-- due_on, never stored.

-- +goose Up
CREATE TABLE children_event (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit_id    int NOT NULL REFERENCES org_unit (id),
  kind       text NOT NULL CHECK (kind IN ('action_month', 'children_forum')),
  starts_on  date NOT NULL,
  ends_on    date NOT NULL CHECK (ends_on >= starts_on),
  title      text NOT NULL CHECK (title IS NFC NORMALIZED AND length(title) BETWEEN 1 AND 300),
  theme      text NOT NULL CHECK (theme IS NFC NORMALIZED AND length(theme) BETWEEN 1 AND 500),
  officials  int NOT NULL CHECK (officials BETWEEN 0 AND 100000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX children_event_unit ON children_event (unit_id, starts_on);

-- One row per event and age band (the contract's bands, indicators.AgeBands).
CREATE TABLE children_event_participant (
  event_id bigint NOT NULL REFERENCES children_event (id),
  age_band text NOT NULL CHECK (age_band IN ('0', '1-4', '5', '6-10', '11-15', '16-17')),
  female   int NOT NULL CHECK (female BETWEEN 0 AND 100000),
  male     int NOT NULL CHECK (male BETWEEN 0 AND 100000),
  CHECK (female + male > 0),
  PRIMARY KEY (event_id, age_band)
);

-- An event's participants as one JSON array read beside the event: a page of
-- events costs one statement. It runs as its caller, under the policies below.
CREATE FUNCTION children_event_participants(event bigint) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT coalesce(json_agg(json_build_object('band', p.age_band, 'female', p.female, 'male', p.male)
    ORDER BY array_position(ARRAY['0', '1-4', '5', '6-10', '11-15', '16-17'], p.age_band)), '[]')
  FROM children_event_participant p WHERE p.event_id = event
$$;

CREATE TABLE forum_recommendation (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id           bigint NOT NULL REFERENCES children_event (id),
  unit_id            int NOT NULL REFERENCES org_unit (id),
  -- The event's last day, and the answer's due day derived from it (domain.ForumAnswerDue), kept
  -- here so that the checks below hold in the table and the ETL reads them without a join.
  raised_on          date NOT NULL,
  due_on             date NOT NULL CHECK (due_on > raised_on),
  text               text NOT NULL CHECK (text IS NFC NORMALIZED AND length(text) BETWEEN 1 AND 1000),
  responding_unit_id int REFERENCES org_unit (id),
  answer             text CHECK (answer IS NFC NORMALIZED AND length(answer) BETWEEN 1 AND 2000),
  answered_on        date CHECK (answered_on >= raised_on),
  CHECK ((responding_unit_id IS NULL) = (answer IS NULL) AND (answer IS NULL) = (answered_on IS NULL)),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  deleted_at         timestamptz
);
CREATE INDEX forum_recommendation_event ON forum_recommendation (event_id);
CREATE INDEX forum_recommendation_unit ON forum_recommendation (unit_id, due_on);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['children_event', 'forum_recommendation'] LOOP
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
-- A participant row is visible with its event.
ALTER TABLE children_event_participant ENABLE ROW LEVEL SECURITY;
CREATE POLICY children_event_participant_area ON children_event_participant TO treem_app
  USING (EXISTS (SELECT 1 FROM children_event e WHERE e.id = event_id))
  WITH CHECK (EXISTS (SELECT 1 FROM children_event e WHERE e.id = event_id));
CREATE POLICY etl_read ON children_event_participant FOR SELECT TO treem_etl USING (true);
GRANT SELECT, INSERT ON children_event_participant TO treem_app;
GRANT SELECT ON children_event_participant TO treem_etl;
-- The only changes the API makes: deleting an event recorded in error (with
-- its recommendations), and answering a recommendation.
GRANT UPDATE (deleted_at) ON children_event TO treem_app;
GRANT UPDATE (deleted_at, responding_unit_id, answer, answered_on) ON forum_recommendation TO treem_app;

-- +goose Down
DROP TABLE forum_recommendation, children_event_participant;
DROP FUNCTION children_event_participants(bigint);
DROP TABLE children_event;
