package postgres_test

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"treem/internal/indicators"
	"treem/internal/testdb"
)

// TestSensitiveGroupsMatchIndicators: migration 00002 seeds
// circumstance_group.sensitive with a copy of internal/indicators' sensitive
// groups, which the analytics apply. Were the two to drift, a group's counts
// could be released at the ordinary threshold (k = 5) instead of k = 10.
func TestSensitiveGroupsMatchIndicators(t *testing.T) {
	pool := testdb.Postgres(t)
	rows, err := pool.Query(context.Background(), `SELECT code FROM circumstance_group WHERE sensitive`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := indicators.SensitiveGroups(); !slices.Equal(got, want) {
		t.Errorf("the migrated circumstance_group marks %v sensitive,\ninternal/indicators lists %v", got, want)
	}
}

// TestCaseTypesMatchIndicators: the CHECK on protection_case.case_type is a
// copy of indicators.CaseTypes, which names the cases_opened_<type> measures.
// A type that only the database accepted would count in cases_opened but in
// none of its per-type measures.
func TestCaseTypesMatchIndicators(t *testing.T) {
	pool := testdb.Postgres(t)
	var def string
	if err := pool.QueryRow(context.Background(), `SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'protection_case'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%case_type%'`).
		Scan(&def); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range regexp.MustCompile(`'([^']*)'::text`).FindAllStringSubmatch(def, -1) {
		got = append(got, m[1])
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(indicators.CaseTypes[:])); !slices.Equal(got, want) {
		t.Errorf("the migrated protection_case accepts case types %v (%s),\ninternal/indicators lists %v", got, def, want)
	}
}

// TestMeasureGroupsAreCircumstanceGroups: a measure over circumstance groups
// (special_law_drug) names them by code, a copy of circumstance_group's. A
// misspelt code would count no child, silently.
func TestMeasureGroupsAreCircumstanceGroups(t *testing.T) {
	pool := testdb.Postgres(t)
	rows, err := pool.Query(context.Background(), `SELECT code FROM circumstance_group`)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, m := range indicators.Measures() {
		for _, g := range m.AnyGroup {
			checked++
			if !slices.Contains(groups, g) {
				t.Errorf("measure %s counts circumstance group %q, which the migrated circumstance_group lacks (%v)", m.Name, g, groups)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no measure counts over circumstance groups: the test checks nothing")
	}
}
