-- The ETL's contribution ledger (etl/ledger.go): per warehouse and child, the
-- input the child's cells were counted from, so that an incremental run reads
-- only the children that changed and writes the difference. It copies personal
-- data (dates of birth and events), so only the ETL's login may read or write
-- it: the API role's default INSERT on new tables is taken back.
--
-- etl_ledger_state holds one row per warehouse (named by the warehouse's
-- generation markers): the generation it holds, the last full run's
-- generation, what the rows were counted against (fingerprint), the snapshot
-- of the last committed generation, and the generation being written.

-- +goose Up
CREATE TABLE etl_ledger_state (
  warehouse           text PRIMARY KEY,
  gen                 bigint NOT NULL,
  base_gen            bigint NOT NULL,
  fingerprint         text NOT NULL,
  watermark           text NOT NULL,
  snapshot_at         timestamptz NOT NULL,
  as_of               date NOT NULL,
  pending_gen         bigint,
  pending_full        boolean NOT NULL DEFAULT false,
  pending_fingerprint text,
  pending_watermark   text,
  pending_snapshot_at timestamptz,
  pending_as_of       date,
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- input NULL: the child no longer counts (deleted), kept until older rows go.
CREATE TABLE etl_ledger (
  warehouse text NOT NULL,
  child_id  bigint NOT NULL,
  gen       bigint NOT NULL,
  input     bytea,
  PRIMARY KEY (warehouse, child_id, gen)
);
CREATE INDEX etl_ledger_gen ON etl_ledger (warehouse, gen);

REVOKE ALL ON etl_ledger_state, etl_ledger FROM treem_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON etl_ledger_state, etl_ledger TO treem_etl;

-- +goose Down
DROP TABLE etl_ledger;
DROP TABLE etl_ledger_state;
