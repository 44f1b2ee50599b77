-- compareDistricts(indicator: "birth_registration_u5", period: "2021") computed
-- directly on the operational Postgres tables, for comparison with the
-- warehouse answer: children under 5 alive and resident at the end of 2021
-- (and of 2020, for the change), by 2021 district (code-keeper rule of
-- unit_district_2021), the share with a birth registration by that day, the
-- province value and the rank. Personal rows are read, so this runs only as
-- a benchmark.
WITH days (day) AS (VALUES (DATE '2021-12-31'), (DATE '2020-12-31')),
kids AS (
  SELECT d.day, ud.district_unit_id,
         (br.child_id IS NOT NULL AND br.deleted_at IS NULL AND br.registered_on <= d.day) AS registered
  FROM days d
  JOIN child c ON c.deleted_at IS NULL AND c.birth_date <= d.day AND c.birth_date > d.day - INTERVAL '5 years'
              AND (c.death_date IS NULL OR c.death_date > d.day)
  JOIN child_residence r ON r.child_id = c.id AND r.deleted_at IS NULL
              AND r.valid_from <= d.day AND (r.valid_to IS NULL OR r.valid_to > d.day)
  JOIN unit_district_2021 ud ON ud.unit_id = r.unit_id
  LEFT JOIN birth_registration br ON br.child_id = c.id
),
by_district AS (
  SELECT day, district_unit_id, count(*) FILTER (WHERE registered) AS num, count(*) AS den
  FROM kids GROUP BY day, district_unit_id
),
cur AS (SELECT * FROM by_district WHERE day = DATE '2021-12-31'),
prev AS (SELECT * FROM by_district WHERE day = DATE '2020-12-31')
SELECT o.code, o.name, cur.num, cur.den, 100.0 * cur.num / cur.den AS value,
       rank() OVER (ORDER BY 100.0 * cur.num / cur.den DESC) AS rank,
       100.0 * cur.num / cur.den - 98.5 AS gap,
       100.0 * cur.num / cur.den - 100.0 * prev.num / NULLIF(prev.den, 0) AS change,
       100.0 * sum(cur.num) OVER () / sum(cur.den) OVER () AS province
FROM cur
JOIN org_unit o ON o.id = cur.district_unit_id
LEFT JOIN prev ON prev.district_unit_id = cur.district_unit_id
ORDER BY o.code;
