package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
	"treem/internal/testdb"
)

// summaryFixture writes four children by hand, runs the ETL and serves the
// warehouse. Hóa An (26068) was a xã until 1 July 2019 (provisional day),
// then a phường: its children are recorded on the xã's version and must be
// counted on the phường's after the change. Bửu Hòa (26053) has one version.
//
//	A girl 2014-03-01, Hóa An; birth registered 2014-03-10; card 2014-03-01..2020-02-29.
//	B boy  2017-05-01, Hóa An; no registration; card 2018-01-01..2023-04-30.
//	C girl 2008-01-15, Bửu Hòa; DISABLED from 2016-06-01; gift visits 2016-06-01,
//	  2017-01-20, 2020-06-01.
//	D boy  2010-09-01, Hóa An; a violence case 2016-11-05; a swimming class
//	  2017-06-01..2017-06-20, completed; a fall 2017-08-01 (injured); drowned
//	  2019-08-15 (died that day).
func summaryFixture(t *testing.T) (*testServer, *pgxpool.Pool, clickhouse.Conn) {
	t.Helper()
	ctx := context.Background()
	pool := testdb.Postgres(t)
	var xa, phuong, buuHoa int32
	for _, u := range []struct {
		id         *int32
		code, from string
	}{{&xa, "26068", "2016-01-01"}, {&phuong, "26068", "2019-07-01"}, {&buuHoa, "26053", "2016-01-01"}} {
		if err := pool.QueryRow(ctx, `SELECT id FROM org_unit WHERE code = $1 AND valid_from = $2`, u.code, u.from).Scan(u.id); err != nil {
			t.Fatalf("unit %s from %s: %v", u.code, u.from, err)
		}
	}
	var typeBefore, typeAfter string
	if err := pool.QueryRow(ctx, `SELECT (SELECT unit_type FROM org_unit WHERE id = $1), (SELECT unit_type FROM org_unit WHERE id = $2)`,
		xa, phuong).Scan(&typeBefore, &typeAfter); err != nil {
		t.Fatal(err)
	}
	if typeBefore != "Xã" || typeAfter != "Phường" {
		t.Fatalf("Hóa An is %s then %s, want Xã then Phường", typeBefore, typeAfter)
	}
	execSQL(t, pool, `INSERT INTO child (id, full_name, sex, birth_date, commune_id, death_date) OVERRIDING SYSTEM VALUE VALUES
		(1, 'A', 'F', '2014-03-01', $1, NULL), (2, 'B', 'M', '2017-05-01', $1, NULL),
		(3, 'C', 'F', '2008-01-15', $2, NULL), (4, 'D', 'M', '2010-09-01', $1, '2019-08-15')`, xa, buuHoa)
	execSQL(t, pool, `INSERT INTO child_residence (child_id, unit_id, valid_from) SELECT id, commune_id, birth_date FROM child`)
	execSQL(t, pool, `INSERT INTO birth_registration (child_id, unit_id, registered_on) VALUES (1, $1, '2014-03-10')`, xa)
	execSQL(t, pool, `INSERT INTO insurance_card (child_id, card_number, valid_from, valid_to) VALUES
		(1, 'TE1757500000001', '2014-03-01', '2020-02-29'), (2, 'TE1757500000002', '2018-01-01', '2023-04-30')`)
	execSQL(t, pool, `INSERT INTO child_circumstance (child_id, group_code, started_on) VALUES (3, 'DISABLED', '2016-06-01')`)
	execSQL(t, pool, `INSERT INTO gift_visit (child_id, unit_id, occasion, visited_on, value_vnd) VALUES
		(3, $1, 'children_day', '2016-06-01', 500000), (3, $1, 'tet', '2017-01-20', 500000), (3, $1, 'children_day', '2020-06-01', 500000)`, buuHoa)
	execSQL(t, pool, `INSERT INTO protection_case (child_id, unit_id, case_type, received_at, emergency_deadline, plan_deadline, approval_deadline)
		VALUES (4, $1, 'violence', '2016-11-05 10:00+07', '2016-11-05 22:00+07', '2016-11-12 10:00+07', '2016-11-14 10:00+07')`, xa)
	execSQL(t, pool, `WITH k AS (INSERT INTO swimming_class (unit_id, name, starts_on, ends_on) VALUES ($1, 'Lớp bơi hè', '2017-06-01', '2017-06-20') RETURNING id)
		INSERT INTO swimming_enrolment (class_id, child_id, enrolled_on, completed_on) SELECT id, 4, '2017-06-01', '2017-06-20' FROM k`, xa)
	execSQL(t, pool, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome) VALUES
		(4, $1, '2017-08-01', 'fall', 'injured'), (4, $2, '2019-08-15', 'drowning', 'died')`, xa, phuong)
	conn, _ := chtest.Database(t)
	etlRun(t, pool, clickhouse.NewLoader(conn), true)
	return serveWarehouse(t, pool, conn), pool, conn
}

const summaryFields = `orgUnit { code } exactForThisRole years { year
	children { ...V } specialCircumstances { ...V } birthRegistration { ...V } healthInsurance { ...V }
	abused { ...V } injuries { ...V } drowningDeaths { ...V } swimmingTrained { ...V } giftVisits { ...V }
	childFriendlyCommunes { ...V } } } }
fragment V on SummaryValue { value numerator denominator status }`

// summaryFigure is a SummaryValue as "value n/d status" ("-" for null).
func summaryFigure(v map[string]any) string {
	s := func(x any) string {
		if x == nil {
			return "-"
		}
		return fmt.Sprint(x)
	}
	return fmt.Sprintf("%s %s/%s %s", s(v["value"]), s(v["numerator"]), s(v["denominator"]), v["status"])
}

// summaryOf is the answer's summaryReport.
func summaryOf(t *testing.T, r response) map[string]any {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %v", r.Errors)
	}
	var s map[string]any
	if err := json.Unmarshal(r.Data["summaryReport"], &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func summaryYears(t *testing.T, r response) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, y := range summaryOf(t, r)["years"].([]any) {
		out = append(out, y.(map[string]any))
	}
	return out
}

// The hand-worked table of the fixture (see summaryFixture), per year end or
// within the year:
//
//	children under 16: 2016 A C D; 2017–2018 A B C D; 2019 A B C (D died); 2020 A B C.
//	special: C every year, of those children.
//	birth registration, under 5: 2016 A of A; 2017–2018 A of A B; 2019–2020 none of B (A is 5).
//	insurance, under 6: 2016 A of A; 2017 A of A B (B's card from 2018); 2018–2019 A B of A B; 2020 B of B.
//	abused: D in 2016. Injuries: D 2017 and 2019; drowned: D 2019.
//	swimming, 6–15: 2016 none of C D; 2017–2018 D of C D; 2019 none of C; 2020 none of A C.
//	gift visits: 2016, 2017, 2020 one each.
//	child-friendly communes: none recognised (no commune filed facts) of the 2 assessed.
//
// Rates over so few children are released with status UNSTABLE, as every
// indicator's are.
func TestSummaryReportHandWorked(t *testing.T) {
	srv, _, conn := summaryFixture(t)
	r := srv.query(t, token(t, domain.RoleProvinceOfficer, "75"), `{ summaryReport(from: 2016, to: 2020) { `+summaryFields, nil)
	want := map[int]map[string]string{
		2016: {"children": "3 3/- OK", "specialCircumstances": "33.3 1/3 UNSTABLE", "birthRegistration": "100 1/1 UNSTABLE",
			"healthInsurance": "100 1/1 UNSTABLE", "abused": "1 1/- OK", "injuries": "0 0/- OK", "drowningDeaths": "0 0/- OK",
			"swimmingTrained": "0 0/2 UNSTABLE", "giftVisits": "1 1/- OK", "childFriendlyCommunes": "0 0/2 OK"},
		2017: {"children": "4 4/- OK", "specialCircumstances": "25 1/4 UNSTABLE", "birthRegistration": "50 1/2 UNSTABLE",
			"healthInsurance": "50 1/2 UNSTABLE", "abused": "0 0/- OK", "injuries": "1 1/- OK", "drowningDeaths": "0 0/- OK",
			"swimmingTrained": "50 1/2 UNSTABLE", "giftVisits": "1 1/- OK", "childFriendlyCommunes": "0 0/2 OK"},
		2018: {"children": "4 4/- OK", "specialCircumstances": "25 1/4 UNSTABLE", "birthRegistration": "50 1/2 UNSTABLE",
			"healthInsurance": "100 2/2 UNSTABLE", "abused": "0 0/- OK", "injuries": "0 0/- OK", "drowningDeaths": "0 0/- OK",
			"swimmingTrained": "50 1/2 UNSTABLE", "giftVisits": "0 0/- OK", "childFriendlyCommunes": "0 0/2 OK"},
		2019: {"children": "3 3/- OK", "specialCircumstances": "33.3 1/3 UNSTABLE", "birthRegistration": "0 0/1 UNSTABLE",
			"healthInsurance": "100 2/2 UNSTABLE", "abused": "0 0/- OK", "injuries": "1 1/- OK", "drowningDeaths": "1 1/- OK",
			"swimmingTrained": "0 0/1 UNSTABLE", "giftVisits": "0 0/- OK", "childFriendlyCommunes": "0 0/2 OK"},
		2020: {"children": "3 3/- OK", "specialCircumstances": "33.3 1/3 UNSTABLE", "birthRegistration": "0 0/1 UNSTABLE",
			"healthInsurance": "100 1/1 UNSTABLE", "abused": "0 0/- OK", "injuries": "0 0/- OK", "drowningDeaths": "0 0/- OK",
			"swimmingTrained": "0 0/2 UNSTABLE", "giftVisits": "1 1/- OK", "childFriendlyCommunes": "0 0/2 OK"},
	}
	years := summaryYears(t, r)
	if len(years) != 5 {
		t.Fatalf("years = %d, want 5", len(years))
	}
	for _, y := range years {
		year := int(y["year"].(float64))
		for field, w := range want[year] {
			if got := summaryFigure(y[field].(map[string]any)); got != w {
				t.Errorf("%d %s = %q, want %q", year, field, got, w)
			}
		}
	}
	// Every child lives in Biên Hòa: its summary is the province's; Long Khánh's is empty.
	bienHoa := srv.query(t, token(t, domain.RoleProvinceOfficer, "75"), `{ summaryReport(from: 2016, to: 2020, orgUnit: "731") { `+summaryFields, nil)
	for i, y := range summaryYears(t, bienHoa) {
		if got, w := summaryFigure(y["children"].(map[string]any)), summaryFigure(years[i]["children"].(map[string]any)); got != w {
			t.Errorf("Biên Hòa %v children = %q, want the province's %q", y["year"], got, w)
		}
	}
	longKhanh := srv.query(t, token(t, domain.RoleProvinceOfficer, "75"), `{ summaryReport(from: 2016, to: 2020, orgUnit: "732") { `+summaryFields, nil)
	for _, y := range summaryYears(t, longKhanh) {
		if got := summaryFigure(y["children"].(map[string]any)); got != "0 0/- OK" {
			t.Errorf("Long Khánh %v children = %q, want none", y["year"], got)
		}
	}

	// The warehouse holds Hóa An's children on the xã's version in 2018 and
	// on the phường's in 2020: the same code, counted across its versions.
	ctx := context.Background()
	for _, tt := range []struct {
		month, from string
		want        uint64
	}{{"2018-12-01", "2016-01-01", 3}, {"2020-12-01", "2019-07-01", 2}} {
		rows, err := conn.Query(ctx, `SELECT toString(unit_valid_from) AS version, toUInt64(sum(value)) AS n FROM fact_child_month
			WHERE measure = 'children' AND unit_code = '26068' AND month = toDate(?) AND age_band != '16-17' GROUP BY version HAVING n != 0`, tt.month)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]uint64{}
		for rows.Next() {
			var v string
			var n uint64
			if err := rows.Scan(&v, &n); err != nil {
				t.Fatal(err)
			}
			got[v] = n
		}
		rows.Close()
		if len(got) != 1 || got[tt.from] != tt.want {
			t.Errorf("Hóa An's children in %s by version = %v, want %d on the version from %s", tt.month, got, tt.want, tt.from)
		}
	}
}

// Below province officer the same table passes disclosure control: the
// fixture's counts are all below the threshold, so every count of children is
// withheld, and the answer is written to the analytics audit.
func TestSummaryReportDisclosureAndAudit(t *testing.T) {
	srv, pool, _ := summaryFixture(t)
	r := srv.query(t, token(t, domain.RoleAnalyst, "75"), `{ summaryReport(from: 2016, to: 2020) { `+summaryFields, nil)
	for _, y := range summaryYears(t, r) {
		for _, field := range []string{"children", "abused", "injuries", "giftVisits", "specialCircumstances", "birthRegistration"} {
			v := y[field].(map[string]any)
			if v["value"] != nil || v["numerator"] != nil || v["status"] == "OK" {
				t.Errorf("analyst %v %s = %s, want withheld", y["year"], field, summaryFigure(v))
			}
		}
	}
	if exact := summaryOf(t, r)["exactForThisRole"]; exact != false {
		t.Errorf("exactForThisRole = %v for an analyst", exact)
	}
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM analytics_audit WHERE operation = 'summaryReport'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("analytics audit rows of summaryReport = %d, want 1", n)
	}
}

// Years begin with the history in 2016.
func TestSummaryReportYears(t *testing.T) {
	srv, _, _ := summaryFixture(t)
	tok := token(t, domain.RoleProvinceOfficer, "75")
	for _, tt := range []struct {
		args, code, field string
	}{
		{`from: 2015, to: 2020`, "INVALID_INPUT", "from"},
		{`from: 2016, to: 2015`, "INVALID_INPUT", "to"},
		{`from: 2016, to: 2026`, "TOO_COMPLEX", ""},
		{`from: 2016, to: 2020, orgUnit: "26068"`, "INVALID_INPUT", "orgUnit"},
		{`from: 2016, to: 2020, orgUnit: "799"`, "NOT_FOUND", "orgUnit"},
		{`from: 2016, to: 2016`, "", ""},
	} {
		r := srv.query(t, tok, `{ summaryReport(`+tt.args+`) { from to years { year } } }`, nil)
		if tt.code == "" {
			if len(r.Errors) > 0 || len(summaryYears(t, r)) != 1 {
				t.Errorf("%s: errors %v, want one year", tt.args, r.Errors)
			}
			continue
		}
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != tt.code || (tt.field != "" && r.Errors[0].Extensions["field"] != tt.field) {
			t.Errorf("%s: errors %v, want %s on %s", tt.args, r.Errors, tt.code, tt.field)
		}
	}
	for _, tt := range []struct {
		year int
		ok   bool
	}{{2015, false}, {2016, true}} {
		r := srv.query(t, tok, fmt.Sprintf(`{ communicationByChannel(year: %d) { year } childFriendlyCommunes(year: %d) { scoringVersion } }`, tt.year, tt.year), nil)
		if ok := len(r.Errors) == 0; ok != tt.ok {
			t.Errorf("year %d: errors %v, want accepted %v", tt.year, r.Errors, tt.ok)
		}
	}
}
