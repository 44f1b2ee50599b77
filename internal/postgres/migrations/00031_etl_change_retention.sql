-- The change log may feed several warehouses (a production one, a test copy),
-- so a run must not delete what another has not read yet. Rows are kept for a
-- retention period instead; a warehouse whose last run is older than that
-- rebuilds fully.

-- +goose Up
ALTER TABLE etl_change ADD COLUMN logged_at timestamptz NOT NULL DEFAULT now();

-- +goose Down
ALTER TABLE etl_change DROP COLUMN logged_at;
