package graph_test

import (
	"strings"
	"testing"

	"treem/internal/domain"
)

// TestEnumsRoundTripThroughGraphQL: a value of each enum an input takes is
// written by its mutation and read back, spelt the same, by a query; the
// lists' kind filter takes the same spelling.
func TestEnumsRoundTripThroughGraphQL(t *testing.T) {
	s, a := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	an := a.children["Nguyễn Văn An"] // born 2015-03-01 in 99101
	for _, tt := range []struct {
		name, mutation, query string
		vars                  map[string]any
		want                  []string
	}{
		{"InjuryCause and InjuryOutcome",
			`mutation($c: ID!, $cause: InjuryCause!) { recordInjury(input: {childId: $c, occurredOn: "2025-07-01", cause: $cause, outcome: DIED}) { injury { cause outcome } errors { code } } }`,
			`{ injuries(filter: {kind: "TRAFFIC"}) { edges { node { cause outcome } } } }`,
			map[string]any{"cause": "TRAFFIC"}, []string{`{"cause":"TRAFFIC","outcome":"DIED"}`}},
		{"SupportType",
			`mutation($c: ID!) { recordSupport(input: {childId: $c, type: ALTERNATIVE_CARE, provider: "UNICEF", givenOn: "2025-06-01"}) { support { type } errors { code } } }`,
			`{ supports(filter: {kind: "ALTERNATIVE_CARE"}) { edges { node { type } } } }`,
			nil, []string{`"type":"ALTERNATIVE_CARE"`}},
		{"GiftOccasion",
			`mutation($c: ID!) { recordGiftVisit(input: {childId: $c, occasion: CHILDREN_DAY, visitedOn: "2025-06-01", valueVnd: 200000}) { giftVisit { occasion } errors { code } } }`,
			`{ giftVisits(filter: {kind: "CHILDREN_DAY"}) { edges { node { occasion } } } }`,
			nil, []string{`"occasion":"CHILDREN_DAY"`}},
		{"CommuneCategory",
			`mutation { setCommuneFacts(input: {commune: "99101", year: 2025, workerAssigned: true, villages: 8, villagesWithCollaborator: 6,
			  boardMeetings: 4, fundingVnd: 0, playVenues: 2, childrenForums: 1, surveyRespondents: 40, surveySatisfied: 30,
			  category: MOUNTAIN_ISLAND_DBKK}) { communeFacts { category } errors { code } } }`,
			`{ communeFacts(commune: "99101", year: 2025) { category } }`,
			nil, []string{`"category":"MOUNTAIN_ISLAND_DBKK"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]any{"c": an}
			for k, v := range tt.vars {
				vars[k] = v
			}
			if !strings.Contains(tt.mutation, "$c") {
				vars = nil
			}
			r := s.query(t, commune, tt.mutation, vars)
			if len(r.Errors) > 0 {
				t.Fatalf("mutation: %s", r.raw)
			}
			for _, want := range tt.want {
				if !strings.Contains(r.raw, want) {
					t.Fatalf("mutation answer lacks %s: %s", want, r.raw)
				}
			}
			r = s.query(t, commune, tt.query, nil)
			for _, want := range tt.want {
				if len(r.Errors) > 0 || !strings.Contains(r.raw, want) {
					t.Fatalf("query answer lacks %s: %s", want, r.raw)
				}
			}
		})
	}
	// The crosswalk's relation is only read.
	r := s.query(t, "", `{ orgUnit(code: "25993", asOf: "2025-08-01") { predecessors { relation } } }`, nil)
	if !strings.Contains(r.raw, `"relation":"FULL"`) {
		t.Fatalf("relation: %s", r.raw)
	}
}

// TestUnknownEnumValuesAreInvalidInput: an unknown enum value, written in the
// query or passed in a variable (the code's old spelling included), is
// refused with INVALID_INPUT and no data, before anything is written.
func TestUnknownEnumValuesAreInvalidInput(t *testing.T) {
	s, a := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	an := a.children["Nguyễn Văn An"]
	// Each case's error names where the value was: a variable's path when
	// gqlparser refuses it, the argument's when gqlgen does (a variable's
	// value in another case, which gqlparser lets through).
	const injury = `mutation($in: InjuryInput!) { recordInjury(input: $in) { injury { id } errors { code } } }`
	for _, tt := range []struct {
		name, query string
		vars        map[string]any
		field       string
	}{
		{"literal", `mutation($c: ID!) { recordGiftVisit(input: {childId: $c, occasion: NEW_YEAR, visitedOn: "2026-01-01", valueVnd: 1}) { giftVisit { id } errors { code } } }`,
			map[string]any{"c": an}, ""},
		{"old spelling in a variable", injury,
			map[string]any{"in": map[string]any{"childId": an, "occurredOn": "2025-07-01", "cause": "drowning", "outcome": "INJURED"}}, "input.cause"},
		{"unknown value in a variable", injury,
			map[string]any{"in": map[string]any{"childId": an, "occurredOn": "2025-07-01", "cause": "FLOOD", "outcome": "INJURED"}}, "in.cause"},
		{"aggregate sex", `{ aggregate(measures: [INJURED], dimensions: [SEX], filter: {period: "2025", sex: X}) { rows { keys { value } } } }`, nil, ""},
		{"aggregate poverty, old spelling", `query($p: PovertyKey) { aggregate(measures: [INJURED], dimensions: [SEX], filter: {period: "2025", poverty: $p}) {
			rows { keys { value } } } }`, map[string]any{"p": "near_poor"}, "filter.poverty"},
		{"kind filter, old spelling", `{ injuries(filter: {kind: "drowning"}) { totalCount } }`, nil, "filter.kind"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, commune, tt.query, tt.vars)
			if r.code() != "INVALID_INPUT" || len(r.Data) > 0 && string(r.Data["injuries"]) != "null" {
				t.Fatalf("want INVALID_INPUT and no data, got %s", r.raw)
			}
			if f, _ := r.Errors[0].Extensions["field"].(string); f != tt.field {
				t.Fatalf("field %q, want %q: %s", f, tt.field, r.raw)
			}
		})
	}
	var n int
	if err := s.pool.QueryRow(t.Context(), `SELECT count(*) FROM injury WHERE occurred_on = '2025-07-01'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d injuries written (%v)", n, err)
	}
}

// TestAnalyticsEnumsRoundTrip: the aggregate filter takes Sex and PovertyKey
// values and answers its SEX and POVERTY keys in the same spelling, so a
// key read back can be asked for; indicators name their Aggregation.
func TestAnalyticsEnumsRoundTrip(t *testing.T) {
	s := analyticsServer(t, true)
	officer := token(t, domain.RoleProvinceOfficer, "75")
	r := s.query(t, officer, `{ aggregate(measures: [CHILDREN], dimensions: [SEX, POVERTY], filter: {period: "2021", sex: M, poverty: POOR}) {
	  rows { keys { dimension value } } } indicators { aggregation } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	for _, want := range []string{`[{"dimension":"SEX","value":"M"},{"dimension":"POVERTY","value":"POOR"}]`, `"aggregation":"STOCK"`} {
		if !strings.Contains(r.raw, want) {
			t.Fatalf("answer lacks %s: %s", want, r.raw)
		}
	}
	if strings.Contains(r.raw, `"value":"F"`) || strings.Contains(r.raw, `"value":"NEAR_POOR"`) {
		t.Fatalf("the filter was not applied: %s", r.raw)
	}
}

// TestDateTimeThroughGraphQL: a DateTime given in UTC comes back as the same
// instant in Vietnam time, and one without an offset is INVALID_INPUT naming
// the input field.
func TestDateTimeThroughGraphQL(t *testing.T) {
	s, a := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	const open = `mutation($c: ID!, $at: DateTime) { openCase(input: {childId: $c, type: NEGLECT, receivedAt: $at}) { case { receivedAt emergencyDeadline } errors { code } } }`
	r := s.query(t, commune, open, map[string]any{"c": a.children["Nguyễn Văn An"], "at": "2026-04-24T03:00:00Z"})
	if want := `{"receivedAt":"2026-04-24T10:00:00+07:00","emergencyDeadline":"2026-04-24T22:00:00+07:00"}`; !strings.Contains(r.raw, want) {
		t.Fatalf("want %s, got %s", want, r.raw)
	}
	r = s.query(t, commune, open, map[string]any{"c": a.children["Nguyễn Văn An"], "at": "2026-04-24T10:00:00"})
	if r.code() != "INVALID_INPUT" || r.Errors[0].Extensions["field"] != "input.receivedAt" {
		t.Fatalf("a DateTime without offset: %s", r.raw)
	}
}
