-- Indexes for the API's filters and keyset orders. Lists are ordered by
-- (key, id) and paged with row comparisons, so each order has an index ending in
-- id, both province-wide and within a commune.

-- +goose Up
CREATE INDEX child_commune_birth ON child (commune_id, birth_date, id) WHERE deleted_at IS NULL;
CREATE INDEX child_commune_name ON child (commune_id, full_name, id) WHERE deleted_at IS NULL;
CREATE INDEX child_birth_id ON child (birth_date, id) WHERE deleted_at IS NULL;
CREATE INDEX child_name_id ON child (full_name, id) WHERE deleted_at IS NULL;
CREATE INDEX child_circumstance_group ON child_circumstance (group_code, child_id) WHERE deleted_at IS NULL;
CREATE INDEX protection_case_open ON protection_case (child_id) WHERE closed_at IS NULL AND deleted_at IS NULL;
CREATE INDEX protection_case_status ON protection_case (status, case_type);
CREATE INDEX household_poverty_status ON household_poverty (year, status, household_id) WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX child_commune_birth, child_commune_name, child_birth_id, child_name_id, child_circumstance_group,
  protection_case_open, protection_case_status, household_poverty_status;
