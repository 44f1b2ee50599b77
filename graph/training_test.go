package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"treem/internal/domain"
)

// course is a recordTrainingCourse of the unit $u at level $l starting on $d,
// with the participants $p, named Train so that its audit rows can be found.
const course = `mutation Train($u: String!, $l: TrainingLevel!, $d: Date!, $p: [TrainingParticipantsInput!]!) {
  recordTrainingCourse(input: {unit: $u, level: $l, startsOn: $d, topic: "Kỹ năng bảo vệ trẻ em", hours: 16,
    trainer: "Sở LĐTBXH", participants: $p}) {
    trainingCourse { id level unit { code } participants { role unit { code } female male total } }
    errors { field code } } }`

func trainees(rows ...string) []map[string]any {
	var out []map[string]any
	for _, r := range rows {
		role, unit, _ := strings.Cut(r, "@")
		out = append(out, map[string]any{"role": role, "unit": unit, "female": 3, "male": 1})
	}
	return out
}

// TestTrainingCoursesByRoleAndArea: officers record courses organised by a
// unit of their area, trainees possibly from beyond it; an organiser outside
// the area is FORBIDDEN, leaders and analysts may not write, and each write is
// one audit row. The list then shows each officer the courses of their area
// only, and its filters narrow it.
func TestTrainingCoursesByRoleAndArea(t *testing.T) {
	s, _ := opsServer(t)
	communeOfficer := token(t, domain.RoleCommuneOfficer, "99201")
	district := token(t, domain.RoleDistrictOfficer, "992")
	province := token(t, domain.RoleProvinceOfficer, "99")
	vars := func(unit, level, day string, p []map[string]any) map[string]any {
		return map[string]any{"u": unit, "l": level, "d": day, "p": p}
	}
	for _, tt := range []struct {
		name, token string
		vars        map[string]any
		code        string
	}{
		{"commune officer, own commune", communeOfficer, vars("99201", "COMMUNE", "2026-03-02", trainees("COMMUNE_OFFICER@99201", "VILLAGE_COLLABORATOR@99201")), ""},
		{"district officer, own district", district, vars("992", "DISTRICT", "2026-04-06", trainees("COMMUNE_OFFICER@99201", "DISTRICT_OFFICER@992")), ""},
		{"province officer, trainees of every district", province, vars("99", "PROVINCE", "2026-05-11",
			trainees("COMMUNE_OFFICER@99101", "COMMUNE_OFFICER@99102", "DISTRICT_OFFICER@991", "PROVINCE_OFFICER@99", "OTHER@99101")), ""},
		{"commune officer, another commune", communeOfficer, vars("99101", "COMMUNE", "2026-03-02", trainees("COMMUNE_OFFICER@99101")), "FORBIDDEN"},
		{"district officer, another district", token(t, domain.RoleDistrictOfficer, "991"), vars("99201", "COMMUNE", "2026-03-02", trainees("COMMUNE_OFFICER@99201")), "FORBIDDEN"},
		{"leader", token(t, domain.RoleLeader, "99"), vars("99", "PROVINCE", "2026-03-02", trainees("COMMUNE_OFFICER@99201")), "FORBIDDEN"},
		{"analyst", token(t, domain.RoleAnalyst, "99"), vars("99", "PROVINCE", "2026-03-02", trainees("COMMUNE_OFFICER@99201")), "FORBIDDEN"},
		{"anonymous", "", vars("99", "PROVINCE", "2026-03-02", trainees("COMMUNE_OFFICER@99201")), "UNAUTHENTICATED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(auditRows(t, s, "Train"))
			r := s.query(t, tt.token, course, tt.vars)
			if r.code() != tt.code {
				t.Fatalf("want %q, got %s", tt.code, r.raw)
			}
			rows := auditRows(t, s, "Train")
			if tt.code != "" {
				if len(rows) != before {
					t.Fatalf("a refused write was audited: %+v", rows[before:])
				}
				return
			}
			if strings.Contains(r.raw, `"errors":[{`) || !strings.Contains(r.raw, `"total":4`) {
				t.Fatalf("course: %s", r.raw)
			}
			if len(rows) != before+1 || rows[before].Action != "write" || rows[before].Entity != "TrainingCourse" ||
				!slices.Equal(rows[before].Fields, []string{"unit", "level", "startsOn", "endsOn", "topic", "hours", "trainer", "participants"}) {
				t.Fatalf("audit %+v, want one write of the course", rows[before:])
			}
		})
	}

	count := func(tok, filter string) string {
		t.Helper()
		r := s.query(t, tok, `{ trainingCourses`+filter+` { totalCount edges { node { startsOn } } } }`, nil)
		if len(r.Errors) > 0 {
			return r.code()
		}
		var d struct{ TrainingCourses struct{ TotalCount int } }
		decode(t, r, &d)
		return fmt.Sprint(d.TrainingCourses.TotalCount)
	}
	for _, tt := range []struct{ name, token, filter, want string }{
		{"commune officer sees their commune's", communeOfficer, "", "1"},
		{"district officer sees the district's and its communes'", district, "", "2"},
		{"another district sees none", token(t, domain.RoleDistrictOfficer, "991"), "", "0"},
		{"province sees every course", province, "", "3"},
		{"by organising unit", province, `(filter: {orgUnit: "99201"})`, "1"},
		{"by units", province, `(filter: {orgUnitIn: ["99101", "99201"]})`, "1"},
		{"by dates", province, `(filter: {from: "2026-04-01", to: "2026-04-30"})`, "1"},
		{"by level", province, `(filter: {kindIn: ["PROVINCE", "COMMUNE"]})`, "2"},
		{"an unknown level", province, `(filter: {kind: "VILLAGE"})`, "INVALID_INPUT"},
		{"leader", token(t, domain.RoleLeader, "99"), "", "FORBIDDEN"},
	} {
		if got := count(tt.token, tt.filter); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}

	// The participants come back ordered by role and unit, each unit as it was on the first day.
	r := s.query(t, province, `{ trainingCourses(filter: {kind: "PROVINCE"}) { edges { node { id topic hours trainer startsOn endsOn
	  unit { code } participants { role unit { code } total } } } } }`, nil)
	for _, want := range []string{`"endsOn":"2026-05-11"`, `"hours":16`, `"unit":{"code":"99"}`,
		`{"role":"COMMUNE_OFFICER","unit":{"code":"99101"},"total":4},{"role":"COMMUNE_OFFICER","unit":{"code":"99102"},"total":4},` +
			`{"role":"DISTRICT_OFFICER","unit":{"code":"991"},"total":4},{"role":"OTHER","unit":{"code":"99101"},"total":4},` +
			`{"role":"PROVINCE_OFFICER","unit":{"code":"99"},"total":4}`} {
		if !strings.Contains(r.raw, want) {
			t.Fatalf("province course lacks %s: %s", want, r.raw)
		}
	}
}

// TestTrainingCourseNode: a course is a Node, found by its global id in its
// organiser's area only.
func TestTrainingCourseNode(t *testing.T) {
	s, a := opsServer(t)
	var id int64
	if err := s.pool.QueryRow(context.Background(), `INSERT INTO training_course (unit_id, level, starts_on, ends_on, topic, hours, trainer)
	  VALUES ($1, 'commune', '2025-09-10', '2025-09-11', 'Quản lý trường hợp', 12, 'UNICEF') RETURNING id`, a.c3).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(context.Background(), `INSERT INTO training_participant (course_id, officer_role, unit_id, female, male)
	  VALUES ($1, 'commune_officer', $2, 1, 0)`, id, a.c3); err != nil {
		t.Fatal(err)
	}
	r := s.query(t, token(t, domain.RoleDistrictOfficer, "992"), `{ trainingCourses { edges { node { id } } } }`, nil)
	var d struct {
		TrainingCourses struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	decode(t, r, &d)
	if len(d.TrainingCourses.Edges) != 1 {
		t.Fatalf("list: %s", r.raw)
	}
	gid := d.TrainingCourses.Edges[0].Node.ID
	q := `query($id: ID!) { node(id: $id) { __typename id ... on TrainingCourse { topic participants { female male } } } }`
	for _, tt := range []struct{ name, token, want string }{
		{"its commune", token(t, domain.RoleCommuneOfficer, "99201"), `"topic":"Quản lý trường hợp","participants":[{"female":1,"male":0}]`},
		{"the province", token(t, domain.RoleProvinceOfficer, "99"), `"__typename":"TrainingCourse"`},
		{"another commune", token(t, domain.RoleCommuneOfficer, "99101"), `"node":null`},
		{"an analyst", token(t, domain.RoleAnalyst, "99"), `"FORBIDDEN"`},
	} {
		if r := s.query(t, tt.token, q, map[string]any{"id": gid}); !strings.Contains(r.raw, tt.want) {
			t.Errorf("%s: want %s in %s", tt.name, tt.want, r.raw)
		}
	}
}

// TestTrainingCourseAnswersEveryProblem: the input's problems come back
// together with their stable codes, nothing is written or audited; an
// organiser outside the area is refused alone.
func TestTrainingCourseAnswersEveryProblem(t *testing.T) {
	s, _ := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	many := make([]string, domain.TrainingMaxParticipants+1)
	for i := range many {
		many[i] = fmt.Sprintf(`{role: OTHER, unit: "99101", female: %d, male: 0}`, i+1)
	}
	for _, tt := range []struct {
		name, input string
		want        []string
	}{
		{"Everything", `unit: "99999", level: COMMUNE, startsOn: "2999-01-01", endsOn: "2025-01-01", topic: "", hours: 0, trainer: " ",
		  participants: [{role: COMMUNE_OFFICER, unit: "992", female: -1, male: 0}, {role: DISTRICT_OFFICER, unit: "992", female: 0, male: 0}]`,
			[]string{"input.unit", "input.participants.0.unit", "input.startsOn", "input.endsOn", "input.hours", "input.topic",
				"input.trainer", "input.participants.0.female", "input.participants.1"}},
		{"Insane", `unit: "99101", level: COMMUNE, startsOn: "2026-01-05", topic: "Tập huấn", hours: 501, trainer: "UNICEF",
		  participants: [{role: VILLAGE_COLLABORATOR, unit: "99101", female: 10001, male: 1}, {role: VILLAGE_COLLABORATOR, unit: "99101", female: 1, male: 1}]`,
			[]string{"input.hours", "input.participants.0.female", "input.participants.1"}},
		{"None", `unit: "99101", level: COMMUNE, startsOn: "2026-01-05", topic: "Tập huấn", hours: 8, trainer: "UNICEF", participants: []`,
			[]string{"input.participants"}},
		{"TooMany", `unit: "99101", level: COMMUNE, startsOn: "2026-01-05", topic: "Tập huấn", hours: 8, trainer: "UNICEF",
		  participants: [` + strings.Join(many, ", ") + `]`, []string{"input.participants"}},
		{"UnitNotYet", `unit: "99101", level: COMMUNE, startsOn: "1999-12-31", topic: "Tập huấn", hours: 8, trainer: "UNICEF",
		  participants: [{role: OTHER, unit: "99101", female: 1, male: 1}]`, []string{"input.unit", "input.participants.0.unit"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, commune, `mutation Problem`+tt.name+` { recordTrainingCourse(input: {`+tt.input+`}) {
			  trainingCourse { id } errors { field code message } } }`, nil)
			p := payloadOf(t, r, "recordTrainingCourse")
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
	r := s.query(t, token(t, domain.RoleCommuneOfficer, "99201"), `mutation { recordTrainingCourse(input: {unit: "99101", level: COMMUNE,
	  startsOn: "2999-01-05", topic: "", hours: 0, trainer: "UNICEF", participants: []}) { trainingCourse { id } errors { field } } }`, nil)
	if r.code() != "FORBIDDEN" || strings.Contains(r.raw, "INVALID_INPUT") {
		t.Fatalf("another commune's course: %s", r.raw)
	}
	var n int
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM training_course`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("refused courses wrote %d rows (%v)", n, err)
	}
}

// TestDeleteTrainingCourse: an officer deletes a course of their area, once,
// as one audited write; another area's course, or one already deleted, is
// NOT_FOUND, a malformed id INVALID_INPUT, and leaders may not delete. The
// list and node lookups leave the deleted course out.
func TestDeleteTrainingCourse(t *testing.T) {
	s, _ := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99201")
	r := s.query(t, commune, course, map[string]any{"u": "99201", "l": "COMMUNE", "d": "2026-03-02", "p": trainees("COMMUNE_OFFICER@99201")})
	var d struct {
		RecordTrainingCourse struct{ TrainingCourse struct{ ID string } }
	}
	decode(t, r, &d)
	id := d.RecordTrainingCourse.TrainingCourse.ID
	del := `mutation Delete($id: ID!) { deleteTrainingCourse(id: $id) { trainingCourse { id topic } errors { field code } } }`
	for _, tt := range []struct{ name, token, id, want string }{
		{"another commune", token(t, domain.RoleCommuneOfficer, "99101"), id, `"code":"NOT_FOUND"`},
		{"a leader", token(t, domain.RoleLeader, "99"), id, `"code":"FORBIDDEN"`},
		{"a malformed id", commune, "nope", `"errors":[{"field":["id"],"code":"INVALID_INPUT"}]`},
		{"another type's id", commune, "SW5qdXJ5OjE", `"errors":[{"field":["id"],"code":"INVALID_INPUT"}]`},
		{"its own commune", commune, id, `"trainingCourse":{"id":"` + id + `","topic":"Kỹ năng bảo vệ trẻ em"},"errors":[]`},
		{"again", commune, id, `"code":"NOT_FOUND"`},
	} {
		if r := s.query(t, tt.token, del, map[string]any{"id": tt.id}); !strings.Contains(r.raw, tt.want) {
			t.Errorf("%s: want %s in %s", tt.name, tt.want, r.raw)
		}
	}
	rows := auditRows(t, s, "Delete")
	if len(rows) != 1 || rows[0].Entity != "TrainingCourse" || !slices.Equal(rows[0].Fields, []string{"deletedAt"}) {
		t.Fatalf("audit %+v, want one write of deletedAt", rows)
	}
	r = s.query(t, commune, `query($id: ID!) { node(id: $id) { id } trainingCourses { totalCount } }`, map[string]any{"id": id})
	if !strings.Contains(r.raw, `"node":null`) || !strings.Contains(r.raw, `"totalCount":0`) {
		t.Fatalf("after the delete: %s", r.raw)
	}
}
