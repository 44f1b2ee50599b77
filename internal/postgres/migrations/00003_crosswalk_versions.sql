-- A crosswalk edge leaves one unit version. Reused codes mean two versions with
-- the same code can both lead to the same new unit on the same day (26041 as
-- Quyết Thắng of 2021 and as Trung Dũng of 2024 both went to Trấn Biên), so the
-- old version belongs in the uniqueness; NULLS NOT DISTINCT keeps the rows of
-- units outside the history (from_unit_id NULL) unique by code.

-- +goose Up
ALTER TABLE unit_crosswalk DROP CONSTRAINT unit_crosswalk_effective_from_code_to_unit_id_key;
ALTER TABLE unit_crosswalk ADD CONSTRAINT unit_crosswalk_edge
  UNIQUE NULLS NOT DISTINCT (effective, from_code, from_unit_id, to_unit_id);

-- +goose Down
ALTER TABLE unit_crosswalk DROP CONSTRAINT unit_crosswalk_edge;
ALTER TABLE unit_crosswalk ADD CONSTRAINT unit_crosswalk_effective_from_code_to_unit_id_key
  UNIQUE (effective, from_code, to_unit_id);
