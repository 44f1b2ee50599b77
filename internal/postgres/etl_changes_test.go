package postgres_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"treem/internal/extract"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// TestChildSourcesLogChanges: migration 00030 lists the tables whose changes
// the change log records, a second time beside the ETL's child sources. Every table the
// extraction reads must log its inserts, updates, deletes and truncations, and
// a source's log must name the child and unit columns the ETL reads: changes
// it missed would never be counted again by an incremental run.
func TestChildSourcesLogChanges(t *testing.T) {
	pool := testdb.Postgres(t)
	rows, err := pool.Query(context.Background(), `SELECT c.relname, t.tgname, encode(t.tgargs, 'escape')
		FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgfoid = 'etl_track'::regproc`)
	if err != nil {
		t.Fatal(err)
	}
	triggers, args := map[string][]string{}, map[string][]string{}
	for rows.Next() {
		var table, name, a string
		if err := rows.Scan(&table, &name, &a); err != nil {
			t.Fatal(err)
		}
		triggers[table] = append(triggers[table], strings.TrimPrefix(name, table+"_"))
		if strings.HasSuffix(name, "_etl_ins") {
			args[table] = strings.Split(a, `\000`)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"etl_del", "etl_ins", "etl_trunc", "etl_upd"}
	tableRead := regexp.MustCompile(`\b(?:FROM|JOIN) ([a-z_0-9]+)`)
	for _, m := range tableRead.FindAllStringSubmatch(postgres.ChildStreamSQL, -1) {
		if got := slices.Sorted(slices.Values(triggers[m[1]])); !slices.Equal(got, want) {
			t.Errorf("the extraction reads %s, whose change-log triggers are %v, want %v", m[1], got, want)
		}
	}
	// An incremental run reads again, of a changed table, the rows of the
	// source that reads it.
	for _, s := range postgres.ChildSources() {
		for _, m := range tableRead.FindAllStringSubmatch(s.SQL, -1) {
			if got := postgres.RowsChangedBy(m[1]); got != s.Rows {
				t.Errorf("a change to %s reads again rows %b, but the source reading it fills rows %b", m[1], got, s.Rows)
			}
		}
	}
	if got := postgres.RowsChangedBy("org_unit"); got != extract.AllRows {
		t.Errorf("a change to a table no source reads reads again rows %b, want all", got)
	}
	for _, s := range postgres.ChildSources() {
		table, _, _ := strings.Cut(s.From, " ")
		if strings.Contains(s.From, " JOIN ") || len(args[table]) < 2 {
			continue // a join's columns come from two tables; a missing table failed above
		}
		if got := args[table][:2]; got[0] != s.Unit || got[1] != s.Child {
			t.Errorf("%s logs unit %q and child %q, the ETL reads unit %q and child %q", table, got[0], got[1], s.Unit, s.Child)
		}
	}
}
