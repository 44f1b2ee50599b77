-- analytics_audit records every analytics request of a role below province
-- officer: who asked, when, the operation and its arguments, and the
-- fingerprints of the populations whose counts the answer released. Equal
-- fingerprints under different arguments show one population asked for in
-- several phrasings, the pattern of an attempt to difference out a withheld
-- count. Append-only as audit_log is: a trigger refuses UPDATE, DELETE and
-- TRUNCATE whoever asks (the owner included), and the application role may
-- only INSERT and SELECT.

-- +goose Up
CREATE TABLE analytics_audit (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  subject     text NOT NULL CHECK (subject <> ''),
  role        text NOT NULL,
  area        text NOT NULL,
  -- operation is the analytics question (aggregate, indicatorValues, ...).
  operation   text NOT NULL CHECK (operation <> ''),
  -- params are the arguments as given.
  params      jsonb NOT NULL CHECK (jsonb_typeof(params) = 'object'),
  -- phrasing names the question as asked, the operation with its arguments
  -- (jsonb prints equal objects alike, whatever their key order), in 16 bytes
  -- that the review of repeated populations groups by.
  phrasing    uuid NOT NULL GENERATED ALWAYS AS (md5(operation || ' ' || params::text)::uuid) STORED,
  populations text[] NOT NULL,
  request_id  text NOT NULL DEFAULT ''
);
CREATE INDEX analytics_audit_at ON analytics_audit (at);
CREATE INDEX analytics_audit_subject ON analytics_audit (subject, id);
-- "who asked for this population?" is the question a review asks.
CREATE INDEX analytics_audit_populations ON analytics_audit USING gin (populations);

-- +goose StatementBegin
CREATE FUNCTION analytics_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'analytics_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd

CREATE TRIGGER analytics_audit_no_update_delete BEFORE UPDATE OR DELETE ON analytics_audit
  FOR EACH ROW EXECUTE FUNCTION analytics_audit_refuse_change();
CREATE TRIGGER analytics_audit_no_truncate BEFORE TRUNCATE ON analytics_audit
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_audit_refuse_change();

-- Default privileges would give treem_app INSERT only (00013); the listing
-- needs SELECT, and nothing more is granted.
REVOKE ALL ON analytics_audit FROM PUBLIC;
REVOKE ALL ON analytics_audit FROM treem_app;
GRANT SELECT, INSERT ON analytics_audit TO treem_app;

-- +goose Down
DROP TABLE analytics_audit;
DROP FUNCTION analytics_audit_refuse_change();
