-- Hands a database created before the login roles (owned by the superuser)
-- to treem_owner, with everything in its public schema. Run by
-- scripts/services.sh as the superuser; a no-op on a database already handed.
-- Identity and serial sequences follow their tables.

SELECT format('ALTER DATABASE %I OWNER TO treem_owner', current_database()) \gexec

SELECT format('ALTER %s %s OWNER TO treem_owner',
    CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
    c.oid::regclass)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relowner = 'postgres'::regrole AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype IN ('a', 'i'))
  ORDER BY c.relkind = 'S' \gexec

SELECT format('ALTER ROUTINE %s OWNER TO treem_owner', p.oid::regprocedure)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = 'public' AND p.proowner = 'postgres'::regrole \gexec

SELECT format('ALTER TYPE %s OWNER TO treem_owner', t.oid::regtype)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE n.nspname = 'public' AND t.typowner = 'postgres'::regrole AND t.typtype IN ('e', 'd', 'c')
    AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') \gexec

-- Default privileges belong to the role that creates objects: those that
-- migrations 00010 and 00013 left for the superuser now hold for the owner,
-- which creates the tables of later migrations.
ALTER DEFAULT PRIVILEGES FOR ROLE treem_owner IN SCHEMA public GRANT INSERT ON TABLES TO treem_app;
ALTER DEFAULT PRIVILEGES FOR ROLE treem_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO treem_app;
