-- unit_district_2021 (00005) recomputes the code-keeper rule on every read and
-- costs milliseconds per page of units; the units change only with the reference
-- data, so it becomes a materialized view, refreshed by a statement trigger
-- whenever org_unit or unit_crosswalk change (rarely: migrations), and read by
-- index. The statistics of the freshly loaded tables are gathered too, since a
-- new database otherwise plans the hierarchy queries blind.

-- +goose Up
DROP VIEW unit_district_2021;
CREATE MATERIALIZED VIEW unit_district_2021 (unit_id, district_unit_id, approximate) AS
SELECT c.id, d.id, false
FROM org_unit c
JOIN org_unit d ON d.id = c.parent_id AND d.level = 'district'
WHERE c.level = 'commune'
UNION ALL
SELECT c.id, keeper.parent_id,
       (SELECT count(DISTINCT f.parent_id)
        FROM org_unit t
        JOIN org_unit tp ON tp.id = t.parent_id AND tp.level = 'province'
        JOIN unit_crosswalk x ON x.to_unit_id = t.id
        JOIN org_unit f ON f.id = x.from_unit_id
        JOIN org_unit fd ON fd.id = f.parent_id AND fd.level = 'district'
        WHERE t.code = c.code AND t.level = 'commune') > 1
FROM org_unit c
JOIN org_unit p ON p.id = c.parent_id AND p.level = 'province'
JOIN org_unit keeper ON keeper.code = c.code AND keeper.level = 'commune'
  AND keeper.valid_from <= DATE '2021-07-01' AND (keeper.valid_to IS NULL OR keeper.valid_to > DATE '2021-07-01')
JOIN org_unit kd ON kd.id = keeper.parent_id AND kd.level = 'district'
WHERE c.level = 'commune';
CREATE UNIQUE INDEX unit_district_2021_unit ON unit_district_2021 (unit_id);
CREATE INDEX unit_district_2021_district ON unit_district_2021 (district_unit_id);

-- SECURITY DEFINER: the refresh needs the owner, whoever changed the units.
-- +goose StatementBegin
CREATE FUNCTION refresh_unit_district_2021() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public AS $$
BEGIN
  REFRESH MATERIALIZED VIEW unit_district_2021;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER org_unit_district_2021 AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org_unit
  FOR EACH STATEMENT EXECUTE FUNCTION refresh_unit_district_2021();
CREATE TRIGGER unit_crosswalk_district_2021 AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON unit_crosswalk
  FOR EACH STATEMENT EXECUTE FUNCTION refresh_unit_district_2021();
ANALYZE org_unit;
ANALYZE unit_crosswalk;

-- +goose Down
DROP TRIGGER unit_crosswalk_district_2021 ON unit_crosswalk;
DROP TRIGGER org_unit_district_2021 ON org_unit;
DROP FUNCTION refresh_unit_district_2021();
DROP MATERIALIZED VIEW unit_district_2021;
CREATE VIEW unit_district_2021 (unit_id, district_unit_id, approximate) AS
SELECT c.id, d.id, false
FROM org_unit c
JOIN org_unit d ON d.id = c.parent_id AND d.level = 'district'
WHERE c.level = 'commune'
UNION ALL
SELECT c.id, keeper.parent_id,
       (SELECT count(DISTINCT f.parent_id)
        FROM org_unit t
        JOIN org_unit tp ON tp.id = t.parent_id AND tp.level = 'province'
        JOIN unit_crosswalk x ON x.to_unit_id = t.id
        JOIN org_unit f ON f.id = x.from_unit_id
        JOIN org_unit fd ON fd.id = f.parent_id AND fd.level = 'district'
        WHERE t.code = c.code AND t.level = 'commune') > 1
FROM org_unit c
JOIN org_unit p ON p.id = c.parent_id AND p.level = 'province'
JOIN org_unit keeper ON keeper.code = c.code AND keeper.level = 'commune'
  AND keeper.valid_from <= DATE '2021-07-01' AND (keeper.valid_to IS NULL OR keeper.valid_to > DATE '2021-07-01')
JOIN org_unit kd ON kd.id = keeper.parent_id AND kd.level = 'district'
WHERE c.level = 'commune';
