-- A generation's marker in the warehouse carries a random tag beside its
-- number, kept here too: a copy of a warehouse shares its name and numbers,
-- and only the exact marker proves that this warehouse holds a generation.

-- +goose Up
ALTER TABLE etl_ledger_state ADD COLUMN tag text NOT NULL DEFAULT '', ADD COLUMN pending_tag text;

-- +goose Down
ALTER TABLE etl_ledger_state DROP COLUMN tag, DROP COLUMN pending_tag;
