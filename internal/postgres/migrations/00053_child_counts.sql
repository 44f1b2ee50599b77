-- Live counts of the children of each commune version (not deleted), kept
-- exact in the same transaction as every write by statement triggers, so the
-- totalCount of a page with no filter but the area (the province, a district,
-- a commune) is a sum over a few hundred rows instead of a count over every
-- child. MVCC keeps them consistent with what the reading transaction sees:
-- a write and its count commit together or not at all.
--
-- The triggers run as the owner (SECURITY DEFINER) so that the API's role
-- reads the counts and cannot write them. Rows are updated in commune order,
-- so two statements touching the same communes wait for each other instead of
-- deadlocking.

-- +goose Up
CREATE TABLE child_count (
  commune_id int PRIMARY KEY REFERENCES org_unit (id),
  children   bigint NOT NULL
);
INSERT INTO child_count (commune_id, children)
SELECT commune_id, count(*) FROM child WHERE deleted_at IS NULL GROUP BY commune_id;

-- +goose StatementBegin
CREATE FUNCTION child_count_apply() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
  -- Each branch names only the transition tables its event has.
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM child_count;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO child_count AS cc (commune_id, children)
    SELECT commune_id, count(*) FROM child_count_new WHERE deleted_at IS NULL GROUP BY commune_id ORDER BY commune_id
    ON CONFLICT (commune_id) DO UPDATE SET children = cc.children + EXCLUDED.children;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE child_count cc SET children = cc.children - d.n
    FROM (SELECT commune_id, count(*) AS n FROM child_count_old WHERE deleted_at IS NULL GROUP BY commune_id) d
    WHERE cc.commune_id = d.commune_id;
  ELSE
    INSERT INTO child_count AS cc (commune_id, children)
    SELECT commune_id, sum(delta) FROM (
      SELECT commune_id, 1 AS delta FROM child_count_new WHERE deleted_at IS NULL
      UNION ALL
      SELECT commune_id, -1 FROM child_count_old WHERE deleted_at IS NULL
    ) d GROUP BY commune_id HAVING sum(delta) <> 0 ORDER BY commune_id
    ON CONFLICT (commune_id) DO UPDATE SET children = cc.children + EXCLUDED.children;
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- A trigger with transition tables takes one event.
CREATE TRIGGER child_count_insert AFTER INSERT ON child REFERENCING NEW TABLE AS child_count_new
  FOR EACH STATEMENT EXECUTE FUNCTION child_count_apply();
CREATE TRIGGER child_count_update AFTER UPDATE ON child
  REFERENCING OLD TABLE AS child_count_old NEW TABLE AS child_count_new
  FOR EACH STATEMENT EXECUTE FUNCTION child_count_apply();
CREATE TRIGGER child_count_delete AFTER DELETE ON child REFERENCING OLD TABLE AS child_count_old
  FOR EACH STATEMENT EXECUTE FUNCTION child_count_apply();
CREATE TRIGGER child_count_truncate AFTER TRUNCATE ON child
  FOR EACH STATEMENT EXECUTE FUNCTION child_count_apply();

ALTER TABLE child_count ENABLE ROW LEVEL SECURITY;
CREATE POLICY child_count_area ON child_count FOR SELECT TO treem_app
  USING (treem_scope_all() OR commune_id = ANY (treem_scope_units()));
CREATE POLICY etl_read ON child_count FOR SELECT TO treem_etl USING (true);
REVOKE ALL ON child_count FROM treem_app;
GRANT SELECT ON child_count TO treem_app, treem_etl;

-- +goose Down
DROP TRIGGER child_count_truncate ON child;
DROP TRIGGER child_count_delete ON child;
DROP TRIGGER child_count_update ON child;
DROP TRIGGER child_count_insert ON child;
DROP FUNCTION child_count_apply();
DROP TABLE child_count;
