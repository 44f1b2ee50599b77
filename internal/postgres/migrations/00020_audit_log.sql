-- audit_log records every read and write of children's personal data. It is
-- append-only: a trigger refuses UPDATE, DELETE and TRUNCATE whoever asks (the
-- owner included), and the application role may only INSERT and SELECT.

-- +goose Up
CREATE TABLE audit_log (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  subject    text NOT NULL,
  role       text NOT NULL,
  area       text NOT NULL,
  action     text NOT NULL CHECK (action IN ('read', 'write')),
  operation  text NOT NULL DEFAULT '',
  -- entity is the GraphQL type read or written (Child, ProtectionCase, ...).
  entity     text NOT NULL,
  record_ids bigint[] NOT NULL,
  fields     text[] NOT NULL,
  request_id text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_subject ON audit_log (subject, id);
-- "who read child 42?" is the question an inquiry asks.
CREATE INDEX audit_log_records ON audit_log USING gin (record_ids);

-- +goose StatementBegin
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- treem_app is the role the API runs its queries as (00010 checked it exists).
REVOKE ALL ON audit_log FROM PUBLIC;
REVOKE ALL ON audit_log FROM treem_app;
GRANT SELECT, INSERT ON audit_log TO treem_app;

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_refuse_change();
