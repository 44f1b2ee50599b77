-- The circumstance and case filters of 00061 take lists: a child in any of
-- several groups, or with a case of any of several types and steps. One code
-- is a list of one, so the functions of one code go. A child in two of the
-- groups, or with two matching cases, is returned once.

-- +goose Up
DROP FUNCTION treem_children_in_circumstance(text, date);
DROP FUNCTION treem_children_with_case(text, text);

-- treem_children_in_circumstance returns the ids of living child records in
-- the transaction's area in any of groups on as_of.
CREATE FUNCTION treem_children_in_circumstance(grps text[], as_of date) RETURNS bigint[] LANGUAGE sql STABLE STRICT
SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(DISTINCT c.id), '{}') FROM child_circumstance cc JOIN child c ON c.id = cc.child_id
  WHERE cc.deleted_at IS NULL AND cc.group_code = ANY (grps) AND cc.started_on <= as_of
    AND (cc.ended_on IS NULL OR cc.ended_on >= as_of) AND c.deleted_at IS NULL
    AND ((SELECT treem_scope_all()) OR c.commune_id = ANY ((SELECT treem_scope_units())::int[]))
$$;
REVOKE ALL ON FUNCTION treem_children_in_circumstance(text[], date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION treem_children_in_circumstance(text[], date) TO treem_app;

-- treem_children_with_case returns the ids of living child records in the
-- transaction's area with a protection case of any of want_types at any of
-- want_statuses, NULL meaning any.
CREATE FUNCTION treem_children_with_case(want_types text[], want_statuses text[]) RETURNS bigint[] LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(DISTINCT c.id), '{}') FROM protection_case pc JOIN child c ON c.id = pc.child_id
  WHERE pc.deleted_at IS NULL AND (want_types IS NULL OR pc.case_type = ANY (want_types))
    AND (want_statuses IS NULL OR pc.status = ANY (want_statuses)) AND c.deleted_at IS NULL
    AND ((SELECT treem_scope_all()) OR c.commune_id = ANY ((SELECT treem_scope_units())::int[]))
$$;
REVOKE ALL ON FUNCTION treem_children_with_case(text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION treem_children_with_case(text[], text[]) TO treem_app;

-- +goose Down
DROP FUNCTION treem_children_with_case(text[], text[]);
DROP FUNCTION treem_children_in_circumstance(text[], date);

CREATE FUNCTION treem_children_in_circumstance(grp text, as_of date) RETURNS bigint[] LANGUAGE sql STABLE STRICT
SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(c.id), '{}') FROM child_circumstance cc JOIN child c ON c.id = cc.child_id
  WHERE cc.deleted_at IS NULL AND cc.group_code = grp AND cc.started_on <= as_of
    AND (cc.ended_on IS NULL OR cc.ended_on >= as_of) AND c.deleted_at IS NULL
    AND ((SELECT treem_scope_all()) OR c.commune_id = ANY ((SELECT treem_scope_units())::int[]))
$$;
REVOKE ALL ON FUNCTION treem_children_in_circumstance(text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION treem_children_in_circumstance(text, date) TO treem_app;

CREATE FUNCTION treem_children_with_case(want_type text, want_status text) RETURNS bigint[] LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(DISTINCT c.id), '{}') FROM protection_case pc JOIN child c ON c.id = pc.child_id
  WHERE pc.deleted_at IS NULL AND (want_type IS NULL OR pc.case_type = want_type)
    AND (want_status IS NULL OR pc.status = want_status) AND c.deleted_at IS NULL
    AND ((SELECT treem_scope_all()) OR c.commune_id = ANY ((SELECT treem_scope_units())::int[]))
$$;
REVOKE ALL ON FUNCTION treem_children_with_case(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION treem_children_with_case(text, text) TO treem_app;
