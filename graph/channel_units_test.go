package graph_test

import (
	"context"
	"strings"
	"testing"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/testdb"
)

// unitChannelCase is the hand-worked commune case of 2025: two communes of
// today's province in one 2021 district by the code-keeper rule (c1 with six
// CAMPAIGN activities in Q3, c2 with one), one of another district (c3, three),
// the province unit (two), c1's loudspeaker in Q4 and, in Q2, one activity of
// c1's predecessor, which only the district rows count.
type unitChannelCase struct {
	s                    *testServer
	conn                 clickhouse.Conn
	c1, c2, c3           string
	districtA, districtB string
	officer, analyst     string
}

func newUnitChannelCase(t *testing.T) unitChannelCase {
	t.Helper()
	pool := testdb.Postgres(t)
	ctx := context.Background()
	// Communes in force over 2025-Q3 and Q4 whose 2021 district is exact.
	rows, err := pool.Query(ctx, `SELECT d.code AS district, u.code, u.id FROM org_unit u
	  JOIN unit_district_2021 x ON x.unit_id = u.id JOIN org_unit d ON d.id = x.district_unit_id
	  WHERE u.level = 'commune' AND NOT x.approximate AND u.valid_from <= '2025-07-01'
	    AND (u.valid_to IS NULL OR u.valid_to > '2026-01-01') ORDER BY d.code, u.code`)
	if err != nil {
		t.Fatal(err)
	}
	type commune struct {
		code string
		id   int
	}
	byDistrict := map[string][]commune{}
	var order []string
	for rows.Next() {
		var d string
		var c commune
		if err := rows.Scan(&d, &c.code, &c.id); err != nil {
			t.Fatal(err)
		}
		if byDistrict[d] == nil {
			order = append(order, d)
		}
		byDistrict[d] = append(byDistrict[d], c)
	}
	if rows.Err() != nil || len(order) < 2 || len(byDistrict[order[0]]) < 2 {
		t.Fatalf("no two districts with communes over 2025-H2: %v %v", rows.Err(), order)
	}
	a, b := byDistrict[order[0]], byDistrict[order[1]]
	var province, before int
	if err := pool.QueryRow(ctx, `SELECT id FROM org_unit WHERE level = 'province' AND code = '75'
	  AND valid_from <= '2025-07-01' AND (valid_to IS NULL OR valid_to > '2026-01-01')`).Scan(&province); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT id FROM org_unit WHERE level = 'commune' AND code = $1
	  AND valid_from <= '2025-06-30' AND valid_to = '2025-07-01'`, a[0].code).Scan(&before); err != nil {
		t.Fatal(err)
	}
	for _, act := range []struct {
		unit    int
		on      string
		channel string
		reach   any
	}{
		{a[0].id, "2025-07-01", "campaign", 100}, {a[0].id, "2025-07-20", "campaign", 200},
		{a[0].id, "2025-08-01", "campaign", 300}, {a[0].id, "2025-08-15", "campaign", nil},
		{a[0].id, "2025-09-01", "campaign", 50}, {a[0].id, "2025-09-30", "campaign", 50},
		{a[1].id, "2025-08-08", "campaign", 1000}, // the one-activity commune
		{b[0].id, "2025-07-05", "campaign", 10}, {b[0].id, "2025-08-05", "campaign", 20}, {b[0].id, "2025-09-05", "campaign", 30},
		{province, "2025-07-10", "campaign", 500}, {province, "2025-09-10", "campaign", 500},
		{a[0].id, "2025-10-05", "loudspeaker", 400},
		{before, "2025-06-30", "campaign", 999}, // before the reform: the district's, no commune's
	} {
		execSQL(t, pool, `INSERT INTO communication_activity (unit_id, held_on, topic, participants, channel, reach)
		  VALUES ($1, $2, 'Phòng chống đuối nước', 0, $3, $4)`, act.unit, act.on, act.channel, act.reach)
	}
	conn, _ := chtest.Database(t)
	etlRun(t, pool, clickhouse.NewLoader(conn), true)
	return unitChannelCase{s: serveWarehouse(t, pool, conn), conn: conn, c1: a[0].code, c2: a[1].code, c3: b[0].code,
		districtA: order[0], districtB: order[1],
		officer: token(t, domain.RoleProvinceOfficer, "75"), analyst: token(t, domain.RoleAnalyst, "75")}
}

const unitChannelQ = `query($y: Int!, $q: Int, $w: String, $l: OrgLevel = COMMUNE) {
  communicationByChannel(year: $y, quarter: $q, level: $l, within: $w) {
  year quarter exactForThisRole
  province { area { code level } quarter channel activities reach reachReported status reachStatus }
  districts { area { code level } quarter channel activities reach reachReported status reachStatus }
  units { area { code level } quarter channel activities reach reachReported status reachStatus } } }`

type unitChannelAnswer struct {
	CommunicationByChannel struct {
		ExactForThisRole           bool
		Province, Districts, Units []channelRow
	}
}

func (c unitChannelCase) ask(t *testing.T, tok string, vars map[string]any) unitChannelAnswer {
	t.Helper()
	var a unitChannelAnswer
	decode(t, c.s.query(t, tok, unitChannelQ, vars), &a)
	return a
}

// rowText is a row's activities/reach/reachReported.
func rowText(r channelRow) string {
	return shown(r.Activities) + "/" + shown(r.Reach) + "/" + shown(r.ReachReported)
}

// TestCommunicationByChannelCommunes: the communes and wards of today's
// province, exact for a province officer and under the districts' control for
// an analyst (a commune's reach withheld), only from 2025-Q3; bad arguments
// are refused with coded errors, and the analyst's request is audited.
func TestCommunicationByChannelCommunes(t *testing.T) {
	c := newUnitChannelCase(t)
	a := c.ask(t, c.officer, map[string]any{"y": 2025}).CommunicationByChannel
	// Quarters before July 2025 are no commune's: 95 units by 2 quarters.
	if !a.ExactForThisRole || len(a.Units) != 95*2*len(domain.CommunicationChannels) {
		t.Fatalf("officer: exact %v, %d unit rows", a.ExactForThisRole, len(a.Units))
	}
	for _, r := range a.Units {
		if r.Quarter < 3 || r.Area.Level != "COMMUNE" {
			t.Fatalf("unit row %+v", r)
		}
	}
	for _, w := range []struct {
		rows          []channelRow
		area          string
		quarter       int
		channel, want string
	}{
		{a.Province, "75", 3, "CAMPAIGN", "12/2760/11"},
		{a.Districts, c.districtA, 3, "CAMPAIGN", "7/1700/6"},
		{a.Districts, c.districtA, 2, "CAMPAIGN", "1/999/1"},
		{a.Units, c.c1, 3, "CAMPAIGN", "6/700/5"},
		{a.Units, c.c2, 3, "CAMPAIGN", "1/1000/1"},
		{a.Units, c.c3, 3, "CAMPAIGN", "3/60/3"},
		{a.Units, c.c1, 4, "LOUDSPEAKER", "1/400/1"},
		{a.Units, c.c2, 4, "CAMPAIGN", "0/0/0"},
	} {
		if r := find(t, w.rows, w.area, w.quarter, w.channel); rowText(r) != w.want || r.Status != "OK" {
			t.Errorf("officer %s Q%d %s: %s %s, want %s OK", w.area, w.quarter, w.channel, rowText(r), r.Status, w.want)
		}
	}

	b := c.ask(t, c.analyst, map[string]any{"y": 2025, "q": 3}).CommunicationByChannel
	if b.ExactForThisRole || len(b.Units) != 95*len(domain.CommunicationChannels) {
		t.Fatalf("analyst: exact %v, %d unit rows", b.ExactForThisRole, len(b.Units))
	}
	for _, code := range []string{c.c2, c.c3} {
		if r := find(t, b.Units, code, 3, "CAMPAIGN"); r.Activities != nil || r.Reach != nil || r.ReachReported != nil ||
			r.Status != "SUPPRESSED" || r.ReachStatus != "SUPPRESSED" {
			t.Errorf("analyst %s Q3 CAMPAIGN: %+v, want withheld", code, r)
		}
	}
	// c1's six activities: rounded by the key of its Q3 campaign cell, read
	// from the warehouse; its reach is withheld as a district's is.
	var key uint32
	if err := c.conn.QueryRow(context.Background(), `SELECT toUInt32(sum(ckey) % 4294967296) FROM fact_channel_quarter
	  WHERE year = 2025 AND quarter = 3 AND channel = 'campaign' AND unit_code = ?`, c.c1).Scan(&key); err != nil {
		t.Fatal(err)
	}
	pol := disclosure.For(false)
	r := find(t, b.Units, c.c1, 3, "CAMPAIGN")
	want := shown(ptrTo(int(pol.Count(6, false, key).Value))) + "/null/" + shown(ptrTo(int(pol.Count(5, false, key).Value)))
	if rowText(r) != want || r.Status != "OK" || r.ReachStatus != "SUPPRESSED" || *r.Activities%5 != 0 {
		t.Errorf("analyst %s Q3 CAMPAIGN: %s %s %s, want %s OK SUPPRESSED", c.c1, rowText(r), r.Status, r.ReachStatus, want)
	}

	// Within a 2021 district: its communes by the code-keeper rule only.
	w := c.ask(t, c.officer, map[string]any{"y": 2025, "q": 3, "w": c.districtA}).CommunicationByChannel
	seen := map[string]bool{}
	for _, r := range w.Units {
		seen[r.Area.Code] = true
	}
	if !seen[c.c1] || !seen[c.c2] || seen[c.c3] {
		t.Errorf("within %s: units %v", c.districtA, seen)
	}

	for _, bad := range []struct {
		name string
		vars map[string]any
		code string
	}{
		{"quarter before the reform", map[string]any{"y": 2025, "q": 2}, "INVALID_INPUT"},
		{"year before the reform", map[string]any{"y": 2024}, "INVALID_INPUT"},
		{"unknown within", map[string]any{"y": 2025, "q": 3, "w": "99999"}, "INVALID_INPUT"},
		{"commune as within", map[string]any{"y": 2025, "q": 3, "w": c.c1}, "INVALID_INPUT"},
		{"within without COMMUNE", map[string]any{"y": 2025, "q": 3, "w": c.districtA, "l": "DISTRICT"}, "INVALID_INPUT"},
		{"province level", map[string]any{"y": 2025, "q": 3, "l": "PROVINCE"}, "INVALID_INPUT"},
	} {
		if r := c.s.query(t, c.analyst, unitChannelQ, bad.vars); r.code() != bad.code {
			t.Errorf("%s: %s, want %s", bad.name, r.raw, bad.code)
		}
	}

	// The analyst's answered request is audited with its level.
	res := c.s.query(t, c.officer, `{ analyticsAudit(filter: {operation: "communicationByChannel"}) {
	  totalCount edges { node { role params populations } } } }`, nil)
	if res.code() != "" || !strings.Contains(res.raw, `"totalCount":1`) || !strings.Contains(res.raw, `\"level\":\"COMMUNE\"`) {
		t.Errorf("audit: %s", res.raw)
	}
}
