-- unit_district_2021 says under which 2021 district a commune-level unit version
-- is counted, so that figures before and after the 2025 reorganisation compare
-- by the same districts (the ETL and the API both read it).
--   * A version under a district: that district, exactly.
--   * A version under the province (since 2025): the code-keeper rule, i.e. the
--     district of the 2021 commune whose code it kept (the commune in force on
--     2021-07-01, the date of the 2021 list); approximate when the 2021 communes
--     that formed it lay in several districts.
--   * Former Bình Phước units kept no 2021 code of the platform: no row.

-- +goose Up
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

-- +goose Down
DROP VIEW unit_district_2021;
