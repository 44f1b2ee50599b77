-- Province officers manage the dashboard's users through the API (addUser,
-- disableUser, resetUserPassword), and `treem user` through the owner's login;
-- both call these functions, so one set of statements changes users.
--
-- Least privilege still holds: the API's role (treem_app) gets EXECUTE on
-- exactly three SECURITY DEFINER functions, not a grant on app_user.
-- They add a user, disable one, or set one's password, each ending the
-- user's sessions where it matters; none returns or reads a password hash,
-- and none deletes a user or changes a user's role or area (a new user is
-- added instead, so the audit log keeps who held which). Who may call them
-- is decided in Go (province officers only) and audited there, in the same
-- transaction. The fixed search_path, pg_temp last, keeps a caller's
-- temporary table from standing in for app_user.

-- +goose Up
CREATE FUNCTION treem_user_add(name text, display text, user_role text, user_area text, hash text)
RETURNS TABLE (id bigint, username text, display_name text, role text, area text, active boolean)
LANGUAGE sql VOLATILE STRICT SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO app_user AS u (username, display_name, role, area, password_hash)
  VALUES (lower(name), display, user_role, user_area, hash)
  RETURNING u.id, u.username, u.display_name, u.role, u.area, u.active
$$;

-- treem_user_change disables the user named, or sets their password, and
-- ends their sessions. Only the two functions below call it: the API is not
-- granted it.
CREATE FUNCTION treem_user_change(name text, deactivate boolean, new_hash text)
RETURNS TABLE (id bigint, username text, display_name text, role text, area text, active boolean, sessions_ended bigint)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH changed AS (
    UPDATE app_user u SET active = u.active AND NOT deactivate, password_hash = coalesce(new_hash, u.password_hash),
      updated_at = now()
    WHERE lower(u.username) = lower(name)
    RETURNING u.id, u.username, u.display_name, u.role, u.area, u.active
  ), ended AS (
    DELETE FROM app_session s USING changed c WHERE s.user_id = c.id RETURNING s.user_id
  )
  SELECT c.id, c.username, c.display_name, c.role, c.area, c.active, (SELECT count(*) FROM ended) FROM changed c
$$;

CREATE FUNCTION treem_user_disable(name text)
RETURNS TABLE (id bigint, username text, display_name text, role text, area text, active boolean, sessions_ended bigint)
LANGUAGE sql VOLATILE STRICT SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT * FROM treem_user_change(name, true, NULL)
$$;

CREATE FUNCTION treem_user_set_password(name text, hash text)
RETURNS TABLE (id bigint, username text, display_name text, role text, area text, active boolean, sessions_ended bigint)
LANGUAGE sql VOLATILE STRICT SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT * FROM treem_user_change(name, false, hash)
$$;

REVOKE ALL ON FUNCTION treem_user_add(text, text, text, text, text), treem_user_disable(text),
  treem_user_set_password(text, text), treem_user_change(text, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION treem_user_add(text, text, text, text, text), treem_user_disable(text),
  treem_user_set_password(text, text) TO treem_app;

-- +goose Down
DROP FUNCTION treem_user_set_password(text, text);
DROP FUNCTION treem_user_disable(text);
DROP FUNCTION treem_user_change(text, boolean, text);
DROP FUNCTION treem_user_add(text, text, text, text, text);
