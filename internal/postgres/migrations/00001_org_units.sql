-- Organisation units are time-versioned (SCD type 2): a code alone does not
-- identify a unit, because the 2024 and 2025 reorganisations reuse codes; a code
-- with a date does. valid_to is exclusive; NULL means still in force.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- touch_updated_at keeps updated_at true on every UPDATE.
-- +goose StatementBegin
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TYPE org_level AS ENUM ('province', 'district', 'commune');

CREATE TABLE org_unit (
  id          int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text NOT NULL,
  name        text NOT NULL CHECK (name IS NFC NORMALIZED AND length(name) BETWEEN 1 AND 100),
  unit_type   text NOT NULL CHECK (unit_type IN
                ('Tỉnh', 'Thành phố trực thuộc trung ương', 'Thành phố', 'Thị xã', 'Huyện', 'Phường', 'Xã', 'Thị trấn')),
  level       org_level NOT NULL,
  parent_id   int REFERENCES org_unit (id),
  valid_from  date NOT NULL,
  valid_to    date,
  -- provisional marks a version whose dates or existence the sources did not confirm.
  provisional boolean NOT NULL DEFAULT false,
  source      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (valid_to IS NULL OR valid_to > valid_from),
  CHECK ((level = 'province' AND code ~ '^[0-9]{2}$' AND parent_id IS NULL)
      OR (level = 'district' AND code ~ '^[0-9]{3}$' AND parent_id IS NOT NULL)
      OR (level = 'commune'  AND code ~ '^[0-9]{5}$' AND parent_id IS NOT NULL)),
  EXCLUDE USING gist (code WITH =, daterange(valid_from, valid_to) WITH &&)
);
CREATE INDEX org_unit_parent ON org_unit (parent_id);
CREATE INDEX org_unit_code ON org_unit (code, valid_from);
CREATE TRIGGER org_unit_touch BEFORE UPDATE ON org_unit FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- unit_crosswalk records each reorganisation as edges old unit → new unit.
-- from_unit_id is NULL for an old unit outside the platform's history (the former
-- Bình Phước communes merged into Đồng Nai in 2025); its code and names are kept.
CREATE TABLE unit_crosswalk (
  id            int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  effective     date NOT NULL,
  from_unit_id  int REFERENCES org_unit (id),
  from_code     text NOT NULL CHECK (from_code ~ '^[0-9]{5}$'),
  from_name     text NOT NULL CHECK (from_name IS NFC NORMALIZED),
  from_district text NOT NULL CHECK (from_district IS NFC NORMALIZED),
  from_province text NOT NULL CHECK (from_province IN ('Đồng Nai', 'Bình Phước')),
  to_unit_id    int NOT NULL REFERENCES org_unit (id),
  -- full: the whole old unit; partial*: a split (partial-main takes the larger part);
  -- full-unverified: the sources disagree on the destination.
  relation      text NOT NULL CHECK (relation IN ('full', 'partial', 'partial-main', 'partial-minor', 'full-unverified')),
  provisional   boolean NOT NULL DEFAULT false,
  note          text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (effective, from_code, to_unit_id)
);
CREATE INDEX unit_crosswalk_from ON unit_crosswalk (from_unit_id);
CREATE INDEX unit_crosswalk_to ON unit_crosswalk (to_unit_id);
CREATE TRIGGER unit_crosswalk_touch BEFORE UPDATE ON unit_crosswalk FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- +goose Down
DROP TABLE unit_crosswalk;
DROP TABLE org_unit;
DROP TYPE org_level;
DROP FUNCTION touch_updated_at();
