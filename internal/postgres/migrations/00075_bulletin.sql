-- The quarterly bulletin "Trẻ em như búp trên cành" (plan 2021, item 9): a
-- province officer drafts a quarter's issue with an editorial text and
-- publishes it. Publishing freezes the released numbers (as the analytics
-- service gives them to an analyst) with the ETL run they were drawn from, so
-- that a published issue never changes when later runs land. Nothing here is
-- personal data: the content holds disclosure-controlled aggregates only.
--
-- The bulletin is the province's: its area is the province. Drafts are seen
-- and written by province officers only (scope "all"); a published issue is
-- read by every signed-in role and never written again.

-- +goose Up
CREATE TABLE bulletin (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  year         int NOT NULL CHECK (year BETWEEN 2019 AND 2100),
  quarter      int NOT NULL CHECK (quarter BETWEEN 1 AND 4),
  status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
  editorial    text NOT NULL CHECK (editorial IS NFC NORMALIZED AND length(editorial) BETWEEN 1 AND 10000),
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  published_by text,
  published_at timestamptz,
  run_id       text,
  content      jsonb,
  -- A published issue carries who, when, the run and the frozen numbers; a draft none of them.
  CHECK ((status = 'published') = (published_by IS NOT NULL AND published_at IS NOT NULL AND run_id IS NOT NULL
                                   AND content IS NOT NULL)),
  UNIQUE (year, quarter)
);
-- Lists read the published issues newest first.
CREATE INDEX bulletin_published ON bulletin (year DESC, quarter DESC) WHERE status = 'published';

CREATE TRIGGER bulletin_touch BEFORE UPDATE ON bulletin FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- A published row is frozen whatever the role: the check sits in the table,
-- not only in the API.
-- +goose StatementBegin
CREATE FUNCTION bulletin_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'published' THEN
    RAISE EXCEPTION 'bulletin % is published and cannot change', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER bulletin_frozen BEFORE UPDATE OR DELETE ON bulletin FOR EACH ROW EXECUTE FUNCTION bulletin_frozen();

ALTER TABLE bulletin ENABLE ROW LEVEL SECURITY;
CREATE POLICY bulletin_read ON bulletin FOR SELECT TO treem_app
  USING (status = 'published' OR (SELECT treem_scope_all()));
CREATE POLICY bulletin_insert ON bulletin FOR INSERT TO treem_app WITH CHECK ((SELECT treem_scope_all()));
CREATE POLICY bulletin_update ON bulletin FOR UPDATE TO treem_app
  USING ((SELECT treem_scope_all())) WITH CHECK ((SELECT treem_scope_all()));

-- No DELETE: an issue is never removed. The ETL does not read bulletins.
GRANT SELECT, INSERT ON bulletin TO treem_app;
GRANT UPDATE (status, editorial, published_by, published_at, run_id, content) ON bulletin TO treem_app;

-- +goose Down
DROP TABLE bulletin;
DROP FUNCTION bulletin_frozen();
