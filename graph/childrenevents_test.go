package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"treem/internal/domain"
)

// childrenEvent is a recordChildrenEvent of kind $k by the unit $u from $s to
// $e, named Event so that its audit rows can be found.
const childrenEvent = `mutation Event($k: ChildrenEventKind!, $u: String!, $s: Date!, $e: Date!) {
  recordChildrenEvent(input: {kind: $k, unit: $u, startsOn: $s, endsOn: $e, title: "Diễn đàn trẻ em", theme: "Trẻ em được lắng nghe",
    officials: 7, participants: [{ageBand: "11-15", female: 9, male: 8}, {ageBand: "6-10", female: 4, male: 3}]}) {
    childrenEvent { id kind unit { code } children reportDueOn participants { ageBand female male } }
    errors { field code } } }`

func eventVars(kind, unit, from, to string) map[string]any {
	return map[string]any{"k": kind, "u": unit, "s": from, "e": to}
}

// recordedEvent records an event as tok and returns its id.
func recordedEvent(t *testing.T, s *testServer, tok string, vars map[string]any) string {
	t.Helper()
	var p struct {
		ChildrenEvent struct{ ID string }
		Errors        userErrors
	}
	decodePayload(t, s.query(t, tok, childrenEvent, vars), "recordChildrenEvent", &p)
	if len(p.Errors) > 0 {
		t.Fatalf("event: %+v", p.Errors)
	}
	return p.ChildrenEvent.ID
}

// TestChildrenEventsByRoleAndArea: officers record events held by a unit of
// their area, at any level; another area is FORBIDDEN, leaders and analysts
// may not write, and each write is one audit row. The list shows each
// officer the events of their area only, and the kind filter narrows it.
// The report's due day is worked by hand from the circulars: 20 July for an
// Action Month, the forum's last day plus 15 days.
func TestChildrenEventsByRoleAndArea(t *testing.T) {
	s, _ := opsServer(t)
	communeOfficer := token(t, domain.RoleCommuneOfficer, "99201")
	district := token(t, domain.RoleDistrictOfficer, "992")
	province := token(t, domain.RoleProvinceOfficer, "99")
	for _, tt := range []struct {
		name, token string
		vars        map[string]any
		code, want  string
	}{
		{"commune officer, a forum of their commune", communeOfficer, eventVars("CHILDREN_FORUM", "99201", "2026-05-30", "2026-05-31"), "",
			`"kind":"CHILDREN_FORUM","unit":{"code":"99201"},"children":24,"reportDueOn":"2026-06-15"`},
		{"district officer, an Action Month of their district", district, eventVars("ACTION_MONTH", "992", "2026-06-01", "2026-06-30"), "",
			`"kind":"ACTION_MONTH","unit":{"code":"992"},"children":24,"reportDueOn":"2026-07-20"`},
		{"province officer, a provincial forum", province, eventVars("CHILDREN_FORUM", "99", "2026-10-20", "2026-10-20"), "",
			`"reportDueOn":"2026-11-04","participants":[{"ageBand":"11-15","female":9,"male":8},{"ageBand":"6-10","female":4,"male":3}]`},
		{"commune officer, another commune", communeOfficer, eventVars("CHILDREN_FORUM", "99101", "2026-05-30", "2026-05-31"), "FORBIDDEN", ""},
		{"district officer, another district", token(t, domain.RoleDistrictOfficer, "991"), eventVars("CHILDREN_FORUM", "99201", "2026-05-30", "2026-05-31"), "FORBIDDEN", ""},
		{"leader", token(t, domain.RoleLeader, "99"), eventVars("CHILDREN_FORUM", "99", "2026-05-30", "2026-05-31"), "FORBIDDEN", ""},
		{"analyst", token(t, domain.RoleAnalyst, "99"), eventVars("CHILDREN_FORUM", "99", "2026-05-30", "2026-05-31"), "FORBIDDEN", ""},
		{"anonymous", "", eventVars("CHILDREN_FORUM", "99", "2026-05-30", "2026-05-31"), "UNAUTHENTICATED", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(auditRows(t, s, "Event"))
			r := s.query(t, tt.token, childrenEvent, tt.vars)
			if r.code() != tt.code {
				t.Fatalf("want %q, got %s", tt.code, r.raw)
			}
			rows := auditRows(t, s, "Event")
			if tt.code != "" {
				if len(rows) != before {
					t.Fatalf("a refused write was audited: %+v", rows[before:])
				}
				return
			}
			if !strings.Contains(r.raw, tt.want) || !strings.Contains(r.raw, `"errors":[]`) {
				t.Fatalf("want %s in %s", tt.want, r.raw)
			}
			if len(rows) != before+1 || rows[before].Entity != "ChildrenEvent" || !slices.Equal(rows[before].Fields,
				[]string{"unit", "kind", "startsOn", "endsOn", "title", "theme", "officials", "participants"}) {
				t.Fatalf("audit %+v, want one write of the event", rows[before:])
			}
		})
	}
	// A read lists the age bands youngest first.
	if r := s.query(t, province, `{ childrenEvents(filter: {orgUnit: "99"}) { edges { node { participants { ageBand } } } } }`, nil); !strings.Contains(r.raw,
		`"participants":[{"ageBand":"6-10"},{"ageBand":"11-15"}]`) {
		t.Fatalf("read: %s", r.raw)
	}
	for _, tt := range []struct{ name, token, filter, want string }{
		{"commune officer sees their commune's", communeOfficer, "", "1"},
		{"district officer sees the district's and its communes'", district, "", "2"},
		{"another district sees none", token(t, domain.RoleDistrictOfficer, "991"), "", "0"},
		{"province sees every event", province, "", "3"},
		{"forums", province, `(filter: {kind: "CHILDREN_FORUM"})`, "2"},
		{"by dates", province, `(filter: {from: "2026-06-01", to: "2026-06-30"})`, "1"},
		{"an unknown kind", province, `(filter: {kind: "PARADE"})`, "INVALID_INPUT"},
		{"leader", token(t, domain.RoleLeader, "99"), "", "FORBIDDEN"},
		{"analyst", token(t, domain.RoleAnalyst, "99"), "", "FORBIDDEN"},
	} {
		r := s.query(t, tt.token, `{ childrenEvents`+tt.filter+` { totalCount edges { node { id } } } }`, nil)
		got := r.code()
		if got == "" {
			var d struct{ ChildrenEvents struct{ TotalCount int } }
			decode(t, r, &d)
			got = fmt.Sprint(d.ChildrenEvents.TotalCount)
		}
		if got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

const (
	addForumRec = `mutation Rec($id: ID!, $text: String!) { addForumRecommendation(input: {eventId: $id, text: $text}) {
	  recommendation { id text dueOn status event { id } } errors { field code } } }`
	respondForumRec = `mutation Answer($id: ID!, $u: String!, $on: Date!) { respondToForumRecommendation(input: {recommendationId: $id,
	  respondingUnit: $u, answer: "Huyện sẽ bố trí kinh phí", answeredOn: $on}) {
	  recommendation { id status answeredOn respondingUnit { code } } errors { field code } } }`
)

// TestForumRecommendationFollowUp: a forum's recommendation is due 30 days
// after the forum's last day (31 May 2026, so 30 June); answered on 30 June it
// is ANSWERED, on 1 July ANSWERED_LATE, and open it stays OPEN. An Action
// Month takes no recommendation; another area's forum or recommendation is
// NOT_FOUND; leaders may not write. Deleting the forum removes its
// recommendations from every read.
func TestForumRecommendationFollowUp(t *testing.T) {
	s, _ := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99201")
	district := token(t, domain.RoleDistrictOfficer, "992")
	forum := recordedEvent(t, s, commune, eventVars("CHILDREN_FORUM", "99201", "2026-05-30", "2026-05-31"))
	month := recordedEvent(t, s, commune, eventVars("ACTION_MONTH", "99201", "2026-06-01", "2026-06-30"))

	add := func(tok, id, text string) payload {
		return payloadOf(t, s.query(t, tok, addForumRec, map[string]any{"id": id, "text": text}), "addForumRecommendation")
	}
	var recs []string
	for _, text := range []string{"Thêm sân chơi", "Đèn đường đến trường", "Lớp dạy bơi"} {
		p := add(commune, forum, text)
		if len(p.Errors) != 0 || !strings.Contains(p.object, `"dueOn":"2026-06-30","status":"OPEN","event":{"id":"`+forum+`"}`) {
			t.Fatalf("add: %+v %s", p.Errors, p.object)
		}
		recs = append(recs, strings.Split(strings.Split(p.object, `"id":"`)[1], `"`)[0])
	}
	for _, tt := range []struct{ name, token, id, want string }{
		{"an Action Month", commune, month, `"field":["input","eventId"],"code":"INVALID_INPUT"`},
		{"another commune's forum", token(t, domain.RoleCommuneOfficer, "99101"), forum, `"code":"NOT_FOUND"`},
		{"a leader", token(t, domain.RoleLeader, "99"), forum, `"code":"FORBIDDEN"`},
		{"an analyst", token(t, domain.RoleAnalyst, "99"), forum, `"code":"FORBIDDEN"`},
	} {
		if r := s.query(t, tt.token, addForumRec, map[string]any{"id": tt.id, "text": "Thêm sân chơi"}); !strings.Contains(r.raw, tt.want) {
			t.Errorf("%s: want %s in %s", tt.name, tt.want, r.raw)
		}
	}

	respond := func(tok, id, unit, on string) string {
		return s.query(t, tok, respondForumRec, map[string]any{"id": id, "u": unit, "on": on}).raw
	}
	for _, tt := range []struct{ name, token, id, unit, on, want string }{
		{"on the due day, by the district", district, recs[0], "992", "2026-06-30",
			`"status":"ANSWERED","answeredOn":"2026-06-30","respondingUnit":{"code":"992"}},"errors":[]`},
		{"a day late, by the province", commune, recs[1], "99", "2026-07-01", `"status":"ANSWERED_LATE"`},
		{"before the forum ended", commune, recs[2], "99201", "2026-05-30", `"field":["input","answeredOn"],"code":"INVALID_INPUT"`},
		{"another commune", token(t, domain.RoleCommuneOfficer, "99101"), recs[2], "99101", "2026-06-10", `"code":"NOT_FOUND"`},
		{"a leader", token(t, domain.RoleLeader, "99"), recs[2], "99", "2026-06-10", `"code":"FORBIDDEN"`},
	} {
		if got := respond(tt.token, tt.id, tt.unit, tt.on); !strings.Contains(got, tt.want) {
			t.Errorf("%s: want %s in %s", tt.name, tt.want, got)
		}
	}
	if rows := auditRows(t, s, "Answer"); len(rows) != 2 || !slices.Equal(rows[0].Fields, []string{"respondingUnit", "answer", "answeredOn"}) {
		t.Fatalf("audit %+v, want two writes of the answer", rows)
	}

	r := s.query(t, commune, `query($id: ID!) { node(id: $id) { ... on ChildrenEvent { recommendations { status } } } }`,
		map[string]any{"id": forum})
	if !strings.Contains(r.raw, `"recommendations":[{"status":"ANSWERED"},{"status":"ANSWERED_LATE"},{"status":"OPEN"}]`) {
		t.Fatalf("forum: %s", r.raw)
	}
	// The forum and its recommendations are Nodes of the officers' areas only.
	for _, tt := range []struct{ name, token, id, want string }{
		{"the district, the forum", district, forum, `"node":{"__typename":"ChildrenEvent"}`},
		{"the district, a recommendation", district, recs[0], `"node":{"__typename":"ForumRecommendation"}`},
		{"another commune", token(t, domain.RoleCommuneOfficer, "99101"), recs[0], `"node":null`},
		{"an analyst", token(t, domain.RoleAnalyst, "99"), forum, `"FORBIDDEN"`},
	} {
		if r := s.query(t, tt.token, `query($id: ID!) { node(id: $id) { __typename } }`, map[string]any{"id": tt.id}); !strings.Contains(r.raw, tt.want) {
			t.Errorf("%s: want %s in %s", tt.name, tt.want, r.raw)
		}
	}
	del := s.query(t, commune, `mutation Del($id: ID!) { deleteChildrenEvent(id: $id) { childrenEvent { id } errors { code } } }`,
		map[string]any{"id": forum})
	rows := auditRows(t, s, "Del")
	if strings.Contains(del.raw, `"childrenEvent":null`) || len(rows) != 2 || rows[1].Entity != "ForumRecommendation" || len(rows[1].RecordIDs) != 3 {
		t.Fatalf("delete %s, audit %+v", del.raw, rows)
	}
	r = s.query(t, commune, `query($id: ID!) { node(id: $id) { id } childrenEvents { totalCount } }`, map[string]any{"id": recs[0]})
	if !strings.Contains(r.raw, `"node":null`) || !strings.Contains(r.raw, `"totalCount":1`) {
		t.Fatalf("after the delete: %s", r.raw)
	}
	if got := respond(commune, recs[2], "99201", "2026-06-10"); !strings.Contains(got, `"code":"NOT_FOUND"`) {
		t.Fatalf("answering a deleted forum's recommendation: %s", got)
	}
}

// TestChildrenEventAnswersEveryProblem: the input's problems come back
// together with their stable codes, nothing is written or audited.
func TestChildrenEventAnswersEveryProblem(t *testing.T) {
	s, _ := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	long := strings.Repeat("a", domain.MaxEventTitle+1)
	for _, tt := range []struct {
		name, input string
		want        []string
	}{
		{"Everything", `kind: CHILDREN_FORUM, unit: "99999", startsOn: "2999-01-01", endsOn: "2025-01-01", title: "", theme: " ", officials: -1,
		  participants: [{ageBand: "3-4", female: -1, male: 0}, {ageBand: "3-4", female: 0, male: 0}]`,
			[]string{"input.unit", "input.startsOn", "input.endsOn", "input.title", "input.theme", "input.officials",
				"input.participants.0.ageBand", "input.participants.0.female", "input.participants.1.ageBand",
				"input.participants.1.ageBand", "input.participants.1"}},
		{"NotJune", `kind: ACTION_MONTH, unit: "99101", startsOn: "2026-05-25", endsOn: "2026-06-30", title: "` + long + `", theme: "x", officials: 100001,
		  participants: [{ageBand: "5", female: 100001, male: 1}]`,
			[]string{"input.endsOn", "input.startsOn", "input.title", "input.officials", "input.participants.0.female"}},
		{"None", `kind: CHILDREN_FORUM, unit: "99101", startsOn: "2026-05-25", endsOn: "2026-05-25", title: "x", theme: "x", officials: 0, participants: []`,
			[]string{"input.participants"}},
		{"UnitNotYet", `kind: CHILDREN_FORUM, unit: "99101", startsOn: "1999-12-31", endsOn: "1999-12-31", title: "x", theme: "x", officials: 0,
		  participants: [{ageBand: "5", female: 1, male: 1}]`, []string{"input.unit"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, commune, `mutation Problem`+tt.name+` { recordChildrenEvent(input: {`+tt.input+`}) {
			  childrenEvent { id } errors { field code message } } }`, nil)
			p := payloadOf(t, r, "recordChildrenEvent")
			var got []string
			for _, e := range p.Errors {
				if e.Code != "INVALID_INPUT" {
					t.Errorf("code %s", e.Code)
				}
				got = append(got, strings.Join(e.Field, "."))
			}
			if p.object != "null" || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v: %s", got, tt.want, r.raw)
			}
			if rows := auditRows(t, s, "Problem"+tt.name); len(rows) != 0 {
				t.Fatalf("audit %+v, want none", rows)
			}
		})
	}
	// The answer's problems come back with an unknown responding unit and a malformed id.
	r := s.query(t, commune, `mutation { respondToForumRecommendation(input: {recommendationId: "nope", respondingUnit: "99999",
	  answer: "", answeredOn: "2999-01-01"}) { recommendation { id } errors { field code } } }`, nil)
	p := payloadOf(t, r, "respondToForumRecommendation")
	var got []string
	for _, e := range p.Errors {
		got = append(got, strings.Join(e.Field, "."))
	}
	if want := []string{"input.recommendationId", "input.respondingUnit", "input.answer", "input.answeredOn"}; !slices.Equal(got, want) {
		t.Fatalf("respond: got %v, want %v: %s", got, want, r.raw)
	}
	var n int
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM children_event`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("refused events wrote %d rows (%v)", n, err)
	}
}
