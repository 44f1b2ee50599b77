package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"treem/internal/domain"
)

const submitReport = `mutation($in: SubmitReportInput!) { submitReport(input: $in) {
  report { id period dueOn submittedAt status unit { code } department { code provisional } figures { key value } narrative }
  errors { field code message } } }`

// reportIn is a report's input: of unit (or of a department when dept), a
// figure and a narrative.
func reportIn(period, unit string, dept bool, extra map[string]any) map[string]any {
	in := map[string]any{"period": period, "figures": []map[string]any{{"key": "children", "value": 810}},
		"narrative": "Sáu tháng đầu năm:\n- rà soát trẻ em"}
	if dept {
		in["department"] = unit
	} else {
		in["unit"] = unit
	}
	for k, v := range extra {
		in[k] = v
	}
	return map[string]any{"in": in}
}

type figure struct {
	Key   string
	Value float64
}

type submitted struct {
	Report *struct {
		ID, Period, DueOn, Status string
		SubmittedAt               *string
		Unit                      struct{ Code string }
		Department                *struct {
			Code        string
			Provisional bool
		}
		Figures   []figure
		Narrative *string
	}
	Errors userErrors
}

// TestSubmitReportByRole: a district officer submits their district's report
// (due before 1 July 2025), a commune officer their commune's (due from
// then), a province officer any unit's and the departments'; nobody another
// area's or level's; leaders and analysts nothing. Each submission is one
// audited write; a refusal writes nothing.
func TestSubmitReportByRole(t *testing.T) {
	s, _ := opsServer(t)
	province := token(t, domain.RoleProvinceOfficer, "99")
	district := token(t, domain.RoleDistrictOfficer, "991")
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	for _, tt := range []struct {
		name, token string
		vars        map[string]any
		code        string
		due         string
	}{
		{"district officer, its district's 6-month report", district, reportIn("2024-H1", "991", false, nil), "", "2024-05-15"},
		{"commune officer, its commune's 2025 annual report", commune, reportIn("2025", "99101", false, nil), "", "2025-11-20"},
		{"province officer, a district's", province, reportIn("2024", "992", false, nil), "", "2024-11-20"},
		{"province officer, a commune's", province, reportIn("2025", "99201", false, nil), "", "2025-11-20"},
		{"province officer, a department's", province, reportIn("2024", "so-y-te", true, nil), "", "2024-11-20"},
		{"district officer, another district's", district, reportIn("2024", "992", false, nil), "FORBIDDEN", ""},
		{"district officer, a commune of its district", district, reportIn("2025", "99101", false, nil), "FORBIDDEN", ""},
		{"district officer, a department's", district, reportIn("2024", "so-y-te", true, nil), "FORBIDDEN", ""},
		{"commune officer, another commune's", commune, reportIn("2025", "99102", false, nil), "FORBIDDEN", ""},
		{"commune officer, its district's", commune, reportIn("2024", "991", false, nil), "FORBIDDEN", ""},
		{"leader", token(t, domain.RoleLeader, "99"), reportIn("2024", "991", false, nil), "FORBIDDEN", ""},
		{"analyst", token(t, domain.RoleAnalyst, "99"), reportIn("2024", "991", false, nil), "FORBIDDEN", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, tt.token, submitReport, tt.vars)
			if r.code() != tt.code {
				t.Fatalf("want %q, got %s", tt.code, r.raw)
			}
			if tt.code != "" {
				return
			}
			var p submitted
			decodePayload(t, r, "submitReport", &p)
			if len(p.Errors) > 0 || p.Report == nil {
				t.Fatalf("problems: %s", r.raw)
			}
			// Every report here is submitted today, after its due date.
			if p.Report.DueOn != tt.due || p.Report.Status != "LATE" || p.Report.SubmittedAt == nil ||
				len(p.Report.Figures) != 1 || p.Report.Figures[0] != (figure{"children", 810}) || p.Report.Narrative == nil || *p.Report.Narrative != "Sáu tháng đầu năm:\n- rà soát trẻ em" {
				t.Fatalf("report: %s", r.raw)
			}
			if dept := tt.vars["in"].(map[string]any)["department"]; dept != nil &&
				(p.Report.Department == nil || p.Report.Department.Code != dept || !p.Report.Department.Provisional || p.Report.Unit.Code != "99") {
				t.Fatalf("a department's report is the province's: %s", r.raw)
			}
		})
	}
	var fields []string
	if err := s.pool.QueryRow(context.Background(), `SELECT array_agg(DISTINCT f ORDER BY f)
	  FROM audit_log, unnest(fields) f WHERE action = 'write' AND entity = 'Report'`).Scan(&fields); err != nil {
		t.Fatal(err)
	}
	var entries int
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'write' AND entity = 'Report'`).
		Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != 5 || !slices.Equal(fields, []string{"department", "dueOn", "figures", "narrative", "period", "submittedAt", "unit"}) {
		t.Fatalf("%d write entries (want 5), fields %v", entries, fields)
	}

	// The narrative is free text that may name a child: each answer that
	// showed it is an audited read of it.
	var reads int
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log
	  WHERE action = 'read' AND entity = 'Report' AND fields = '{narrative}' AND cardinality(record_ids) = 1`).Scan(&reads); err != nil {
		t.Fatal(err)
	}
	if reads != 5 {
		t.Fatalf("%d audited reads of a narrative, want 5", reads)
	}

	// The lists keep to the area: the department's report is the province's.
	list := `{ reports(first: 50) { totalCount edges { node { period unit { code } department { code } } } } }`
	for _, tt := range []struct {
		token string
		want  string
	}{
		// The district's own and those of its communes, as for every record of a unit.
		{district, `{"reports":{"totalCount":2,"edges":[{"node":{"period":"2024-H1","unit":{"code":"991"},"department":null}},` +
			`{"node":{"period":"2025","unit":{"code":"99101"},"department":null}}]}}`},
		{commune, `{"reports":{"totalCount":1,"edges":[{"node":{"period":"2025","unit":{"code":"99101"},"department":null}}]}}`},
	} {
		if r := s.query(t, tt.token, list, nil); !strings.Contains(r.raw, tt.want) {
			t.Fatalf("want %s, got %s", tt.want, r.raw)
		}
	}
	if r := s.query(t, province, list, nil); !strings.Contains(r.raw, `"totalCount":5`) ||
		!strings.Contains(r.raw, `{"period":"2024","unit":{"code":"99"},"department":{"code":"so-y-te"}}`) {
		t.Fatalf("province: %s", r.raw)
	}
}

// TestSubmitReportDraftThenSubmit: a draft can be saved again, is DRAFT
// until due, then submitted once; a second submission is CONFLICT and
// changes nothing.
func TestSubmitReportDraftThenSubmit(t *testing.T) {
	s, _ := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	// 2100-H1 is due on 15/5/2100: not yet due whenever the test runs.
	var p submitted
	decodePayload(t, s.query(t, commune, submitReport, reportIn("2100-H1", "99101", false, map[string]any{"draft": true})), "submitReport", &p)
	if p.Report == nil || p.Report.Status != "DRAFT" || p.Report.SubmittedAt != nil || p.Report.DueOn != "2100-05-15" {
		t.Fatalf("draft: %+v", p)
	}
	id := p.Report.ID
	decodePayload(t, s.query(t, commune, submitReport, reportIn("2100-H1", "99101", false, map[string]any{"draft": true,
		"figures": []map[string]any{{"key": "special:DISABLED", "value": 3}, {"key": "children", "value": 812}}})), "submitReport", &p)
	if p.Report == nil || p.Report.ID != id || p.Report.Status != "DRAFT" || len(p.Report.Figures) != 2 || p.Report.Figures[1].Value != 812 {
		t.Fatalf("draft saved again: %+v", p)
	}
	decodePayload(t, s.query(t, commune, submitReport, reportIn("2100-H1", "99101", false, nil)), "submitReport", &p)
	if p.Report == nil || p.Report.ID != id || p.Report.Status != "SUBMITTED" || p.Report.SubmittedAt == nil || len(p.Report.Figures) != 1 {
		t.Fatalf("submitted: %+v", p)
	}
	for _, extra := range []map[string]any{nil, {"draft": true}} {
		r := s.query(t, commune, submitReport, reportIn("2100-H1", "99101", false, extra))
		if r.code() != "CONFLICT" || !strings.Contains(r.raw, `"data":null`) {
			t.Fatalf("resubmitted: %s", r.raw)
		}
	}
	var figures string
	if err := s.pool.QueryRow(context.Background(), `SELECT figures::text FROM periodic_report WHERE period = '2100-H1'`).Scan(&figures); err != nil {
		t.Fatal(err)
	}
	if figures != `[{"key": "children", "value": 810}]` {
		t.Fatalf("a refused resubmission changed the report: %s", figures)
	}
	var entries int
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'write' AND entity = 'Report'`).
		Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != 3 {
		t.Fatalf("%d write entries, want 3 (two drafts and the submission)", entries)
	}
}

// TestSubmitReportBadInput: every problem of the input comes back in errors,
// on its path, with INVALID_INPUT, and nothing is written.
func TestSubmitReportBadInput(t *testing.T) {
	s, _ := opsServer(t)
	province := token(t, domain.RoleProvinceOfficer, "99")
	// A commune of the test province abolished on 1 July 2025.
	if _, err := s.pool.Exec(context.Background(), `INSERT INTO org_unit (code, name, unit_type, level, parent_id, valid_from, valid_to, source)
	  SELECT '99202', 'Xã Cũ', 'Xã', 'commune', id, '2000-01-01', '2025-07-01', 'test' FROM org_unit WHERE code = '992'`); err != nil {
		t.Fatal(err)
	}
	figures := make([]map[string]any, 201)
	for i := range figures {
		figures[i] = map[string]any{"key": fmt.Sprintf("item_%d", i), "value": 1}
	}
	for _, tt := range []struct {
		name string
		vars map[string]any
		want []string
	}{
		{"a quarter has no report", reportIn("2024-Q2", "991", false, nil), []string{"input.period"}},
		{"nor a second half", reportIn("2024-H2", "991", false, nil), []string{"input.period"}},
		{"a malformed period, with the content's problems", reportIn("24", "991", false, map[string]any{"narrative": " "}),
			[]string{"input.period", "input.narrative"}},
		{"a narrative too long", reportIn("2024", "991", false, map[string]any{"narrative": strings.Repeat("a", 20001)}),
			[]string{"input.narrative"}},
		{"too many figures", reportIn("2024", "991", false, map[string]any{"figures": figures}), []string{"input.figures"}},
		{"bad figures", reportIn("2024", "991", false, map[string]any{"figures": []map[string]any{
			{"key": "Children", "value": 1}, {"key": "gift_visits", "value": -1}, {"key": "gift_visits", "value": 2}}}),
			[]string{"input.figures.0.key", "input.figures.1.value", "input.figures.2.key"}},
		{"a district for a report due after July 2025", reportIn("2025", "991", false, nil), []string{"input.unit"}},
		{"a commune for a report due before July 2025", reportIn("2025-H1", "99101", false, nil), []string{"input.unit"}},
		{"a commune abolished before the due date", reportIn("2025", "99202", false, nil), []string{"input.unit"}},
		{"an unknown unit", reportIn("2024", "99999", false, nil), []string{"input.unit"}},
		{"a department merged before the due date", reportIn("2025-H1", "so-ldtbxh", true, nil), []string{"input.department"}},
		{"an unknown department", reportIn("2024", "so-khong-co", true, nil), []string{"input.department"}},
		{"both a unit and a department", reportIn("2024", "991", false, map[string]any{"department": "so-y-te"}), []string{"input.unit"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, province, submitReport, tt.vars)
			var p submitted
			decodePayload(t, r, "submitReport", &p)
			if p.Report != nil || !slices.Equal(p.Errors.fields(), tt.want) {
				t.Fatalf("want problems on %v, got %s", tt.want, r.raw)
			}
			for _, e := range p.Errors {
				if e.Code != "INVALID_INPUT" {
					t.Fatalf("code %s: %s", e.Code, r.raw)
				}
			}
		})
	}
	var n int
	if err := s.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM periodic_report) +
	  (SELECT count(*) FROM audit_log WHERE action = 'write')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("bad input wrote %d rows", n)
	}
}

// TestDepartments lists the member departments, provisional and with their
// source, for any signed-in role.
func TestDepartments(t *testing.T) {
	s, _ := opsServer(t)
	r := s.query(t, token(t, domain.RoleLeader, "99"), `{ departments { code name validFrom validTo provisional source } }`, nil)
	if r.code() != "" || !strings.Contains(r.raw, `{"code":"so-ldtbxh","name":"Sở Lao động - Thương binh và Xã hội","validFrom":"2021-02-23","validTo":"2025-03-01","provisional":true,"source":"Cơ quan thường trực`) {
		t.Fatalf("departments: %s", r.raw)
	}
	if strings.Contains(r.raw, `"provisional":false`) {
		t.Fatalf("an unconfirmed member not marked provisional: %s", r.raw)
	}
}

// TestMinistryStatistics asks ministryStatistics for the fixture's 2021-Q3
// (internal/analytics/analyticstest): injuries C1 6 and C4 10 in July, so
// 731 6, 734 10 and the province 16 for a province officer; an analyst is
// released 734's 10 as it is and 731's 6 rounded to 5 or 10, and 732's 0 and
// 734's one drowning death are withheld.
func TestMinistryStatistics(t *testing.T) {
	s := analyticsServer(t, true)
	q := `{ ministryStatistics(period: "2021-Q3") { period periodType periodFirstDay periodLastDay level
	  province { key value status } units { orgUnit { code } items { key value status } } } }`
	type item struct {
		Key    string
		Value  *float64
		Status string
	}
	var got struct {
		MinistryStatistics struct {
			Period, PeriodType, PeriodFirstDay, PeriodLastDay, Level string
			Province                                                 []item
			Units                                                    []struct {
				OrgUnit struct{ Code string }
				Items   []item
			}
		}
	}
	find := func(items []item, key string) item {
		for _, it := range items {
			if it.Key == key {
				return it
			}
		}
		t.Fatalf("no item %s", key)
		return item{}
	}
	value := func(it item) string {
		if it.Value == nil {
			return it.Status
		}
		return fmt.Sprint(*it.Value)
	}
	for role, want := range map[domain.Role]map[string]string{
		domain.RoleProvinceOfficer: {"75": "16", "731": "6", "732": "0", "734": "10", "drowning_deaths|734": "1"},
		domain.RoleAnalyst:         {"732": "SUPPRESSED", "734": "10", "drowning_deaths|734": "SUPPRESSED"},
	} {
		decode(t, s.query(t, token(t, role, "75"), q, nil), &got)
		m := got.MinistryStatistics
		if m.Period != "2021-Q3" || m.PeriodType != "QUARTER" || m.PeriodFirstDay != "2021-07-01" || m.PeriodLastDay != "2021-09-30" ||
			m.Level != "DISTRICT" || len(m.Units) != 3 {
			t.Fatalf("%s: %+v", role, m)
		}
		units := map[string][]item{"75": m.Province}
		for _, u := range m.Units {
			units[u.OrgUnit.Code] = u.Items
		}
		for key, v := range want {
			measure, code, ok := strings.Cut(key, "|")
			if !ok {
				measure, code = "injured", key
			}
			if g := value(find(units[code], measure)); g != v {
				t.Errorf("%s %s: %s, want %s", role, key, g, v)
			}
		}
		if role == domain.RoleAnalyst {
			if v := value(find(units["731"], "injured")); v != "5" && v != "10" {
				t.Errorf("analyst 731 injured: %s, want 5 or 10", v)
			}
		}
	}
}

// TestReportListsDepartments: the periodic report lists the departments that
// are members on its due date beside the units, each with the state of its
// report: the two departments merged on 1 March 2025 report for 2021 and not
// for 2025; a department submitted after the due date is LATE, a draft not
// yet due DRAFT, and one that never reported is OVERDUE.
func TestReportListsDepartments(t *testing.T) {
	s := analyticsServer(t, true)
	province := token(t, domain.RoleProvinceOfficer, "75")
	for _, in := range []map[string]any{reportIn("2021", "so-y-te", true, nil), reportIn("2100", "so-gddt", true, map[string]any{"draft": true})} {
		var p submitted
		decodePayload(t, s.query(t, province, submitReport, in), "submitReport", &p)
		if p.Report == nil {
			t.Fatalf("submit: %+v", p.Errors)
		}
	}
	q := `query($p: String!) { report(period: $p) { departments { department { code } dueOn submission } } }`
	type row struct {
		Department        struct{ Code string }
		DueOn, Submission string
	}
	for _, tc := range []struct {
		period string
		n      int
		want   map[string]string
	}{
		{"2021", 10, map[string]string{"so-y-te": "LATE", "so-ldtbxh": "OVERDUE", "so-tttt": "OVERDUE"}},
		{"2025", 8, map[string]string{"so-y-te": "OVERDUE", "so-ldtbxh": "", "so-tttt": ""}},
		{"2100", 8, map[string]string{"so-gddt": "DRAFT", "so-y-te": "PENDING"}},
	} {
		var got struct{ Report struct{ Departments []row } }
		decode(t, s.query(t, token(t, domain.RoleLeader, "75"), q, map[string]any{"p": tc.period}), &got)
		byCode := map[string]string{}
		for _, d := range got.Report.Departments {
			byCode[d.Department.Code] = d.Submission
			if d.DueOn != tc.period+"-11-20" {
				t.Errorf("%s %s due %s", tc.period, d.Department.Code, d.DueOn)
			}
		}
		if len(got.Report.Departments) != tc.n {
			t.Errorf("%s: %d departments, want %d: %v", tc.period, len(got.Report.Departments), tc.n, byCode)
		}
		for code, want := range tc.want {
			if byCode[code] != want {
				t.Errorf("%s %s: %q, want %q", tc.period, code, byCode[code], want)
			}
		}
	}
}
