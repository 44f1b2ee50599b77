-- Sign-in to the dashboard: the Board's users, their password hashes
-- (argon2id, PHC strings made and checked in Go: internal/auth/password.go)
-- and their sessions, and the sign-in events in the audit log.
--
-- Least privilege: users are created, disabled and given passwords by
-- `treem user` through the owner's login; the API's role (treem_app, and so
-- treem_api) cannot write app_user and cannot SELECT its password_hash
-- column. It reads the other columns through a column grant, and the one hash
-- a sign-in checks through treem_user_credentials, a SECURITY DEFINER
-- function that takes one exact username: no statement of the API's can list
-- the hashes (TestAPILoginCannotReadPasswordHashes).
--
-- A session is stored by the SHA-256 of its cookie's random value, never the
-- value itself: whoever reads this table cannot present a session.

-- +goose Up
CREATE TABLE app_user (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Stored lower-case: a username is case-insensitive, and the unique index
  -- on the stored form is what makes it so.
  username      text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
  display_name  text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
  role          text NOT NULL CHECK (role IN ('province_officer', 'district_officer', 'commune_officer', 'analyst', 'leader')),
  -- Checked against the org units and the role in Go (auth.Areas.Fits), as a
  -- token's area is, when the user is added and again at each sign-in.
  area          text NOT NULL CHECK (area ~ '^([0-9]{2}|[0-9]{3}|[0-9]{5})$'),
  active        boolean NOT NULL DEFAULT true,
  password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX app_user_username ON app_user (lower(username));

CREATE TABLE app_session (
  token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  user_id      bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- The absolute end; the idle timeout is applied to last_seen_at by the
  -- server's setting.
  expires_at   timestamptz NOT NULL
);
CREATE INDEX app_session_user ON app_session (user_id);

-- 00013 gives a new table INSERT for treem_app by default: take it back, then
-- grant exactly what the API needs.
REVOKE ALL ON app_user, app_session FROM PUBLIC;
REVOKE ALL ON app_user, app_session FROM treem_app;
GRANT SELECT (id, username, display_name, role, area, active, created_at, updated_at) ON app_user TO treem_app;
GRANT SELECT, INSERT, DELETE ON app_session TO treem_app;
GRANT UPDATE (last_seen_at) ON app_session TO treem_app;

-- treem_user_credentials answers the one user named (case-insensitively),
-- with the hash a sign-in checks the password against; nothing when no such
-- user exists. The fixed search_path, pg_temp last, keeps a caller's
-- temporary table from standing in for app_user.
CREATE FUNCTION treem_user_credentials(name text)
RETURNS TABLE (id bigint, username text, display_name text, role text, area text, active boolean, password_hash text)
LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT u.id, u.username, u.display_name, u.role, u.area, u.active, u.password_hash
  FROM app_user u WHERE lower(u.username) = lower(name)
$$;
REVOKE ALL ON FUNCTION treem_user_credentials(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION treem_user_credentials(text) TO treem_app;

-- The audit log records sign-ins, refused sign-ins, sign-outs and lockouts
-- beside reads and writes (entity 'Session'). A refused sign-in under a name
-- no user holds has no role or area: they are stored empty.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
  CHECK (action IN ('read', 'write', 'sign_in', 'sign_in_failed', 'sign_out', 'lockout'));

-- +goose Down
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('read', 'write')) NOT VALID;
DROP FUNCTION treem_user_credentials(text);
DROP TABLE app_session;
DROP TABLE app_user;
