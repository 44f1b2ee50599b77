package postgres_test

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
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
	checkListMatches(t, testdb.Postgres(t), "protection_case", "case_type", indicators.CaseTypes[:])
}

// TestGiftOccasionsMatchIndicators: the CHECK on gift_visit.occasion is a copy
// of indicators.GiftOccasions, which names the gift_visits_<occasion>
// measures. An occasion that only the database accepted would count in
// gift_visits but in none of the per-occasion measures.
func TestGiftOccasionsMatchIndicators(t *testing.T) {
	checkListMatches(t, testdb.Postgres(t), "gift_visit", "occasion", indicators.GiftOccasions[:])
}

// checkListMatches fails t unless the CHECK on table's column accepts exactly
// the codes of want.
func checkListMatches(t *testing.T, pool *pgxpool.Pool, table, column string, want []string) {
	t.Helper()
	var def string
	if err := pool.QueryRow(context.Background(), `SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = $1::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%' || $2 || '%'`, table, column).
		Scan(&def); err != nil {
		t.Fatalf("the CHECK on %s.%s: %v", table, column, err)
	}
	var got []string
	for _, m := range regexp.MustCompile(`'([^']*)'::text`).FindAllStringSubmatch(def, -1) {
		got = append(got, m[1])
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(want)); !slices.Equal(got, want) {
		t.Errorf("the migrated %s accepts %s %v (%s),\ninternal/indicators lists %v", table, column, got, def, want)
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

// checkValues lists the values a single-column IN (...) CHECK constraint on
// table.column accepts, as the migrated database holds it.
func checkValues(t *testing.T, pool *pgxpool.Pool, table, column string) []string {
	t.Helper()
	var def string
	if err := pool.QueryRow(context.Background(), `SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
		WHERE c.conrelid = $1::regclass AND c.contype = 'c' AND a.attname = $2 AND cardinality(c.conkey) = 1`,
		table, column).Scan(&def); err != nil {
		t.Fatalf("the CHECK on %s.%s: %v", table, column, err)
	}
	var got []string
	for _, m := range regexp.MustCompile(`'([^']*)'::`).FindAllStringSubmatch(def, -1) {
		got = append(got, m[1])
	}
	if len(got) == 0 {
		t.Fatalf("the CHECK on %s.%s lists no value: %s", table, column, def)
	}
	return got
}

// TestVocabulariesMatchChecks: each fixed vocabulary of the domain (which the
// GraphQL enums spell, graph/vocab_test.go) is what the database's CHECK
// accepts. A code only the database knew could be stored and then not be
// answered; one only the domain knew would fail on insert as INTERNAL.
func TestVocabulariesMatchChecks(t *testing.T) {
	pool := testdb.Postgres(t)
	for _, tt := range []struct {
		table, column string
		codes         []string
	}{
		{"injury", "cause", domain.InjuryCauses},
		{"injury", "outcome", domain.InjuryOutcomes},
		{"support", "support_type", domain.SupportTypes},
		{"gift_visit", "occasion", domain.GiftOccasions},
		{"commune_facts", "category", domain.CommuneCategories},
		{"training_course", "level", domain.TrainingLevels},
		{"training_participant", "officer_role", domain.OfficerRoles},
		{"unit_crosswalk", "relation", domain.CrosswalkRelations},
		{"household_poverty", "status", domain.PovertyStatuses},
		{"child", "sex", indicators.Sexes},
		{"communication_activity", "channel", domain.CommunicationChannels},
		{"children_event", "kind", domain.ChildrenEventKinds},
		// The participants' bands are the contract's, as the domain spells them.
		{"children_event_participant", "age_band", indicators.AgeBands},
		{"children_event_participant", "age_band", domain.EventAgeBands},
	} {
		got := slices.Sorted(slices.Values(checkValues(t, pool, tt.table, tt.column)))
		if want := slices.Sorted(slices.Values(tt.codes)); !slices.Equal(got, want) {
			t.Errorf("the CHECK on %s.%s accepts %v, the domain lists %v", tt.table, tt.column, got, want)
		}
	}
}

// TestBulletinStatusesMatchDomain: the CHECK on bulletin.status is a copy of
// domain.BulletinStatuses, which the API maps to BulletinStatus.
func TestBulletinStatusesMatchDomain(t *testing.T) {
	pool := testdb.Postgres(t)
	var def string
	if err := pool.QueryRow(context.Background(), `SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'bulletin'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%status = ANY%'`).
		Scan(&def); err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, m := range regexp.MustCompile(`'([^']*)'::text`).FindAllStringSubmatch(def, -1) {
		got = append(got, m[1])
	}
	for _, st := range domain.BulletinStatuses {
		want = append(want, string(st))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the migrated bulletin accepts statuses %v (%s),\ndomain lists %v", got, def, want)
	}
}
