-- The login roles of treem, run by scripts/services.sh as the superuser on
-- every `make up` (idempotent). A production cluster's administrator runs the
-- same file with psql, with passwords of its own:
--   psql -v owner_password=… -v api_password=… -v etl_password=… -f scripts/sql/roles.sql
--
-- treem_owner  runs `treem migrate` and `treem seed`; owns the database and
--              every table. CREATEDB lets the tests make throw-away databases;
--              production may take it away.
-- treem_app    NOLOGIN: what the API's every transaction switches to, under
--              row-level security (migrations 00010, 00013).
-- treem_api    `treem serve`'s login: treem_app's grants and nothing else.
-- treem_etl    `treem etl`'s login: reads the operational tables (policies
--              and grants of migration 00050) and trims its change log.
-- None is a superuser, none bypasses row-level security, none creates roles.

SELECT format('CREATE ROLE %I', r) FROM unnest(ARRAY['treem_owner', 'treem_app', 'treem_api', 'treem_etl']) AS r
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec

ALTER ROLE treem_owner LOGIN NOSUPERUSER NOCREATEROLE CREATEDB NOREPLICATION NOBYPASSRLS PASSWORD :'owner_password';
ALTER ROLE treem_app NOLOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS;
ALTER ROLE treem_api LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS PASSWORD :'api_password';
ALTER ROLE treem_etl LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS PASSWORD :'etl_password';

-- The API logs in as treem_api and runs as treem_app. The owner may switch to
-- treem_app too, so that a seed or a test runs the API's stores under the same
-- policies; neither treem_api nor treem_etl may become the owner.
GRANT treem_app TO treem_api;
GRANT treem_app TO treem_owner;
