-- Name search that ignores case and Vietnamese diacritics ("nguyen van" finds
-- "Nguyễn Văn", "d" finds "Đ"), through a trigram index that row-level
-- security does not switch off.
--
-- Why a function: under row-level security Postgres evaluates a policy before
-- any predicate that is not LEAKPROOF, and may not use such a predicate as an
-- index condition. LIKE is not leakproof, and only a superuser may mark a
-- function so, which treem_owner is not. A substring search over the API's
-- own view of child therefore read every child in scope (1.9 s for 1,000,000).
-- treem_child_search runs as the owner, whom the policies do not hold, reads
-- the trigram index of the distinct names, and applies the caller's area itself, with the very test
-- of child_area (00012): it returns ids in the caller's area only, and the
-- API's query still reads those children under the policies.

-- +goose Up
-- Both extensions are trusted: the database's owner may create them.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- treem_fold is the form both a name and a search are compared in: without
-- diacritics, then lower-cased (in that order, because under the database's C
-- collation lower() folds ASCII only, and unaccent leaves only ASCII of
-- Vietnamese letters: đ becomes d). unaccent is STABLE because its dictionary
-- is looked up by name; naming it by schema makes the result depend on the
-- rules file alone, so the function may be IMMUTABLE, as a stored column
-- needs. A server upgrade that changes unaccent.rules calls for
-- UPDATE child SET full_name = full_name (folded_name_track adds the new forms).
CREATE FUNCTION treem_fold(s text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT lower(public.unaccent('public.unaccent'::regdictionary, s))
$$;

-- treem_name_pattern is the LIKE pattern that finds needle anywhere in a
-- folded name, wildcards in needle taken literally.
CREATE FUNCTION treem_name_pattern(needle text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT '%' || replace(replace(replace(treem_fold(needle), '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;

-- Stored rather than computed per row: the index below and the short
-- searches that cannot use a trigram (see ChildStore) read the column instead
-- of calling unaccent. The index serves the children of a name from the index
-- alone (their commune included, for the area test).
ALTER TABLE child ADD COLUMN name_folded text NOT NULL GENERATED ALWAYS AS (treem_fold(full_name)) STORED;
CREATE INDEX child_name_folded ON child (name_folded, id) INCLUDE (commune_id) WHERE deleted_at IS NULL;

-- folded_name lists every folded name a child has had. Names repeat a lot
-- (12,000 distinct among 1,000,000 children of the seed), so the trigram index
-- is searched over this short list, not over child: on child, the common
-- trigrams of Vietnamese names made the index scan and the visit of every
-- matching child's row cost 350 ms for one full name. A name no child holds
-- any more stays, and finds no child. It holds no child, id or area; only the
-- owner reads it (the search function and the trigger run as the owner).
CREATE TABLE folded_name (name_folded text PRIMARY KEY);
REVOKE ALL ON folded_name FROM treem_app;
INSERT INTO folded_name SELECT DISTINCT name_folded FROM child;
-- Without fastupdate: new names are rare, and a pending list would be read
-- whole by every search until the next vacuum (50 ms for the seed's names).
CREATE INDEX folded_name_trgm ON folded_name USING gin (name_folded gin_trgm_ops) WITH (fastupdate = off);

-- +goose StatementBegin
CREATE FUNCTION folded_name_track() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO folded_name SELECT DISTINCT name_folded FROM new_child ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
-- +goose StatementEnd
-- Statement level, as etl_track: a COPY of a province adds its names at once.
CREATE TRIGGER child_folded_name_ins AFTER INSERT ON child REFERENCING NEW TABLE AS new_child
  FOR EACH STATEMENT EXECUTE FUNCTION folded_name_track();
CREATE TRIGGER child_folded_name_upd AFTER UPDATE ON child REFERENCING NEW TABLE AS new_child
  FOR EACH STATEMENT EXECUTE FUNCTION folded_name_track();

-- treem_child_search returns the ids of the living records of children in the
-- transaction's area (treem.unit_ids, as the policies read it) whose folded
-- name contains the folded needle. The fixed search_path, with pg_temp last,
-- keeps a caller's temporary table from standing in for child.
CREATE FUNCTION treem_child_search(needle text) RETURNS bigint[] LANGUAGE sql STABLE STRICT
SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(c.id), '{}') FROM folded_name n JOIN child c ON c.name_folded = n.name_folded
  WHERE n.name_folded LIKE treem_name_pattern(needle) AND c.deleted_at IS NULL
    AND ((SELECT treem_scope_all()) OR c.commune_id = ANY ((SELECT treem_scope_units())::int[]))
$$;
REVOKE ALL ON FUNCTION treem_child_search(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION treem_child_search(text) TO treem_app;

-- +goose Down
DROP FUNCTION treem_child_search(text);
DROP TRIGGER child_folded_name_upd ON child;
DROP TRIGGER child_folded_name_ins ON child;
DROP FUNCTION folded_name_track();
DROP TABLE folded_name;
ALTER TABLE child DROP COLUMN name_folded;
DROP FUNCTION treem_name_pattern(text);
DROP FUNCTION treem_fold(text);
DROP EXTENSION pg_trgm;
DROP EXTENSION unaccent;
