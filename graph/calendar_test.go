package graph_test

import (
	"strings"
	"testing"

	"treem/internal/domain"
)

// TestPublicHolidaysThroughGraphQL: anyone signed in reads the calendar; only a
// province officer changes it, and a change moves an open case's deadlines.
func TestPublicHolidaysThroughGraphQL(t *testing.T) {
	s, a := opsServer(t)
	province := token(t, domain.RoleProvinceOfficer, "99")
	commune := token(t, domain.RoleCommuneOfficer, "99101")

	r := s.query(t, token(t, domain.RoleAnalyst, "99"), `{ publicHolidays(year: 2025) { day kind provisional } }`, nil)
	if r.code() != "" || !strings.Contains(r.raw, `{"day":"2025-05-02","kind":"HOLIDAY","provisional":false}`) ||
		!strings.Contains(r.raw, `{"day":"2025-04-26","kind":"WORKING_DAY","provisional":false}`) {
		t.Fatalf("2025 calendar: %s", r.raw)
	}

	set := `mutation($in: PublicHolidayInput!) { setPublicHoliday(input: $in) { publicHoliday { id day kind } errors { field code message } } }`
	holiday := map[string]any{"in": map[string]any{"day": "2026-11-05", "kind": "HOLIDAY", "name": "Ngày nghỉ thử",
		"provisional": true, "source": "Quyết định thử"}}
	remove := `mutation { removePublicHoliday(day: "2026-11-05") { publicHoliday { day } } }`
	upload := `mutation($y: Int!, $csv: String!) { uploadPublicHolidays(year: $y, csv: $csv) {
	  publicHolidays { day kind name provisional source } errors { field code message } } }`
	csv := "day,kind,name,provisional,source\n2031-01-01,holiday,Tết Dương lịch,true,Art. 112(1)(a)\n" +
		"2031-05-03,working_day,Làm bù,true,thử\n"
	for _, role := range []domain.Role{domain.RoleCommuneOfficer, domain.RoleDistrictOfficer, domain.RoleAnalyst, domain.RoleLeader} {
		area := map[domain.Role]string{domain.RoleCommuneOfficer: "99101", domain.RoleDistrictOfficer: "991"}[role]
		if area == "" {
			area = "99"
		}
		tok := token(t, role, area)
		for name, q := range map[string]response{
			"set":    s.query(t, tok, set, holiday),
			"remove": s.query(t, tok, remove, nil),
			"upload": s.query(t, tok, upload, map[string]any{"y": 2031, "csv": csv}),
		} {
			if q.code() != "FORBIDDEN" {
				t.Errorf("%s by %s: %s, want FORBIDDEN", name, role, q.raw)
			}
		}
	}

	// Received Tue 3 Nov 2026: Wed 4, Thu 5, Fri 6, Mon 9, Tue 10 (5), Wed 11, Thu 12 (7).
	r = s.query(t, commune, `mutation($child: ID!) { openCase(input: {childId: $child, type: ABANDONMENT,
	  receivedAt: "2026-11-03T09:00:00+07:00"}) { case { id planDeadline approvalDeadline } } }`,
		map[string]any{"child": a.children["Nguyễn Văn An"]})
	var payload struct {
		OpenCase struct {
			Case struct{ ID, PlanDeadline, ApprovalDeadline string }
		}
	}
	decode(t, r, &payload)
	opened := payload.OpenCase.Case
	deadlines := func(plan, approval string) {
		t.Helper()
		r := s.query(t, commune, `query($id: ID!) { case(id: $id) { planDeadline approvalDeadline } }`,
			map[string]any{"id": opened.ID})
		if want := `{"planDeadline":"` + plan + `","approvalDeadline":"` + approval + `"}`; !strings.Contains(r.raw, want) {
			t.Fatalf("deadlines: %s, want %s", r.raw, want)
		}
	}
	deadlines("2026-11-11T00:00:00+07:00", "2026-11-13T00:00:00+07:00")

	// Thursday 5 November off: Wed 4 (1), Fri 6, Mon 9, Tue 10, Wed 11 (5), Thu 12, Fri 13 (7).
	if r := s.query(t, province, set, holiday); r.code() != "" || !strings.Contains(r.raw, `"kind":"HOLIDAY"`) {
		t.Fatalf("set: %s", r.raw)
	}
	deadlines("2026-11-12T00:00:00+07:00", "2026-11-14T00:00:00+07:00")
	if r := s.query(t, province, remove, nil); r.code() != "" {
		t.Fatalf("remove: %s", r.raw)
	}
	deadlines("2026-11-11T00:00:00+07:00", "2026-11-13T00:00:00+07:00")
	if r := s.query(t, province, remove, nil); r.code() != "NOT_FOUND" {
		t.Fatalf("removing it again: %s", r.raw)
	}

	// Refusals name the field (and, in a CSV, the line).
	saturday := map[string]any{"in": map[string]any{"day": "2026-11-07", "kind": "HOLIDAY", "name": "x", "provisional": false,
		"source": "x"}}
	if p := payloadOf(t, s.query(t, province, set, saturday), "setPublicHoliday"); p.object != "null" || len(p.Errors) != 1 ||
		p.Errors[0].Code != "INVALID_INPUT" || strings.Join(p.Errors[0].Field, ".") != "input.day" {
		t.Fatalf("a holiday on a Saturday: %s", r.raw)
	}
	for _, bad := range []struct{ csv, field, want string }{
		{"day,kind,name,provisional,source\n2031-01-01,holiday,x,true,s\n2030-12-31,holiday,x,true,s\n", "csv.3.day", "line 3, day"},
		{"day,kind,name,provisional,source\n2031-02-30,holiday,x,true,s\n", "csv.2.day", "line 2, day"},
		{"day,kind,name,provisional,source\n2031-01-04,holiday,x,true,s\n", "csv.2.day", "line 2, day: 2031-01-04 is a Saturday"},
	} {
		r := s.query(t, province, upload, map[string]any{"y": 2031, "csv": bad.csv})
		if p := payloadOf(t, r, "uploadPublicHolidays"); p.object != "null" || len(p.Errors) != 1 || p.Errors[0].Code != "INVALID_INPUT" ||
			strings.Join(p.Errors[0].Field, ".") != bad.field || !strings.Contains(p.Errors[0].Message, bad.want) {
			t.Errorf("upload %q: %s, want INVALID_INPUT on %s saying %q", bad.csv, r.raw, bad.field, bad.want)
		}
	}

	r = s.query(t, province, upload, map[string]any{"y": 2031, "csv": csv})
	if r.code() != "" {
		t.Fatal(r.raw)
	}
	r = s.query(t, commune, `{ publicHolidays(year: 2031) { day kind name provisional source } }`, nil)
	want := `[{"day":"2031-01-01","kind":"HOLIDAY","name":"Tết Dương lịch","provisional":true,"source":"Art. 112(1)(a)"},` +
		`{"day":"2031-05-03","kind":"WORKING_DAY","name":"Làm bù","provisional":true,"source":"thử"}]`
	if !strings.Contains(r.raw, want) {
		t.Fatalf("2031 after the upload: %s", r.raw)
	}
}
