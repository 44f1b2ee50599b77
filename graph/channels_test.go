package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/testdb"
)

// TestCommunicationChannelsRecordedAndFiltered: officers record activities
// with their channel and reach, read them back, and narrow the list by
// channel and channelIn (in sub-filters too); another commune sees none of
// them, and the roles that may not read the list are refused.
func TestCommunicationChannelsRecordedAndFiltered(t *testing.T) {
	s, _ := opsServer(t)
	commune, district := token(t, domain.RoleCommuneOfficer, "99201"), token(t, domain.RoleDistrictOfficer, "992")
	record := `mutation($u: String!, $c: CommunicationChannel!, $r: Int) { recordCommunicationActivity(input: {unit: $u,
	  heldOn: "2026-06-01", topic: "Phòng chống đuối nước", participants: 0, channel: $c, reach: $r}) {
	  communicationActivity { channel reach unit { code } } errors { field code } } }`
	for _, w := range []struct {
		token, channel string
		reach          any
		want           string
	}{
		{commune, "CAMPAIGN", 300, `"channel":"CAMPAIGN","reach":300`},
		{commune, "LOUDSPEAKER", nil, `"channel":"LOUDSPEAKER","reach":null`},
		{district, "TV_DN1", 20000, `"channel":"TV_DN1","reach":20000`},
	} {
		r := s.query(t, w.token, record, map[string]any{"u": "99201", "c": w.channel, "r": w.reach})
		if r.code() != "" || !strings.Contains(r.raw, w.want) || !strings.Contains(r.raw, `"errors":[]`) {
			t.Fatalf("record %s: %s", w.channel, r.raw)
		}
	}
	for _, tt := range []struct {
		name, token, filter, want string
	}{
		{"channel", commune, `{channel: CAMPAIGN}`, `"totalCount":1,"edges":[{"node":{"channel":"CAMPAIGN","reach":300}}]`},
		{"channelIn", district, `{channelIn: [TV_DN1, LOUDSPEAKER]}`,
			`"totalCount":2,"edges":[{"node":{"channel":"LOUDSPEAKER","reach":null}},{"node":{"channel":"TV_DN1","reach":20000}}]`},
		{"in or", token(t, domain.RoleProvinceOfficer, "99"), `{or: [{channel: TV_DN1}, {channel: CAMPAIGN}]}`,
			`"totalCount":2,"edges":[{"node":{"channel":"CAMPAIGN","reach":300}},{"node":{"channel":"TV_DN1","reach":20000}}]`},
		{"none on the channel", commune, `{channel: LED_SCREEN}`, `"totalCount":0,"edges":[]`},
		{"another commune", token(t, domain.RoleCommuneOfficer, "99101"), `{channelIn: [CAMPAIGN, TV_DN1, LOUDSPEAKER]}`,
			`"totalCount":0,"edges":[]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, tt.token, `{ communicationActivities(filter: `+tt.filter+`, orderBy: {field: ID, direction: ASC}) {
			  totalCount edges { node { channel reach } } } }`, nil)
			if r.code() != "" || !strings.Contains(r.raw, tt.want) {
				t.Fatalf("want %s, got %s", tt.want, r.raw)
			}
		})
	}
	for _, tt := range []struct {
		name, token, filter, code string
	}{
		{"channel and channelIn", commune, `{channel: CAMPAIGN, channelIn: [TV_DN1]}`, "INVALID_INPUT"},
		{"empty channelIn", commune, `{channelIn: []}`, "INVALID_INPUT"},
		{"leader", token(t, domain.RoleLeader, "99"), `{channel: CAMPAIGN}`, "FORBIDDEN"},
		{"analyst", token(t, domain.RoleAnalyst, "99"), `{channel: CAMPAIGN}`, "FORBIDDEN"},
		{"anonymous", "", `{channel: CAMPAIGN}`, "UNAUTHENTICATED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, tt.token, `{ communicationActivities(filter: `+tt.filter+`) { totalCount } }`, nil)
			if r.code() != tt.code {
				t.Fatalf("want %s, got %s", tt.code, r.raw)
			}
		})
	}
	// A channel outside the enum never reaches the resolver.
	r := s.query(t, commune, record, map[string]any{"u": "99201", "c": "RADIO", "r": 5})
	if r.code() == "" || strings.Contains(r.raw, `"communicationActivity":{`) {
		t.Fatalf("unknown channel: %s", r.raw)
	}
}

// channelCase is the hand-worked case: activities of 2024 in two communes of
// one 2021 district (a1, a2), one commune of another (b1) and the province
// unit, plus one of 2023 and one deleted, which the answer must leave out.
type channelCase struct {
	pool                 *pgxpool.Pool
	a1, a2, b1, province int
	districtA, districtB string
}

func newChannelCase(t *testing.T) channelCase {
	t.Helper()
	pool := testdb.Postgres(t)
	ctx := context.Background()
	// Two 2021 districts by code, the first with two communes in force over 2024.
	rows, err := pool.Query(ctx, `SELECT d.code AS district, u.id FROM org_unit u JOIN org_unit d ON d.id = u.parent_id
	  WHERE u.level = 'commune' AND d.level = 'district' AND u.valid_from <= '2023-01-01'
	    AND (u.valid_to IS NULL OR u.valid_to > '2025-01-01') ORDER BY d.code, u.code`)
	if err != nil {
		t.Fatal(err)
	}
	byDistrict := map[string][]int{}
	var order []string
	for rows.Next() {
		var d string
		var id int
		if err := rows.Scan(&d, &id); err != nil {
			t.Fatal(err)
		}
		if byDistrict[d] == nil {
			order = append(order, d)
		}
		byDistrict[d] = append(byDistrict[d], id)
	}
	if rows.Err() != nil || len(order) < 2 || len(byDistrict[order[0]]) < 2 {
		t.Fatalf("no two districts with communes over 2024: %v %v", rows.Err(), order)
	}
	c := channelCase{pool: pool, districtA: order[0], districtB: order[1], a1: byDistrict[order[0]][0],
		a2: byDistrict[order[0]][1], b1: byDistrict[order[1]][0]}
	if err := pool.QueryRow(ctx, `SELECT id FROM org_unit WHERE level = 'province' AND code = '75'
	  AND valid_from <= '2024-01-01' AND (valid_to IS NULL OR valid_to > '2025-01-01')`).Scan(&c.province); err != nil {
		t.Fatal(err)
	}
	type act struct {
		unit    int
		on      string
		channel string
		reach   any
	}
	acts := []act{
		{c.a1, "2024-01-10", "campaign", 100}, {c.a1, "2024-02-10", "campaign", 200}, {c.a1, "2024-03-10", "campaign", nil},
		{c.a1, "2024-03-31", "campaign", 50}, {c.a2, "2024-01-05", "campaign", 10}, {c.a2, "2024-02-05", "campaign", 20},
		{c.a2, "2024-03-05", "campaign", 30}, {c.a1, "2024-04-01", "loudspeaker", 1000},
		{c.b1, "2024-01-20", "campaign", 5}, {c.b1, "2024-03-20", "campaign", 7},
		{c.province, "2024-02-15", "tv_dn1", 80000},
		{c.a1, "2023-12-31", "campaign", 999}, // another year
	}
	for _, a := range acts {
		execSQL(t, pool, `INSERT INTO communication_activity (unit_id, held_on, topic, participants, channel, reach)
		  VALUES ($1, $2, 'Phòng chống xâm hại trẻ em', 0, $3, $4)`, a.unit, a.on, a.channel, a.reach)
	}
	execSQL(t, pool, `INSERT INTO communication_activity (unit_id, held_on, topic, participants, channel, reach, deleted_at)
	  VALUES ($1, '2024-01-15', 'Đã xoá', 0, 'campaign', 5000, now())`, c.a1)
	return c
}

const channelQ = `query($y: Int!, $q: Int, $d: String) { communicationByChannel(year: $y, quarter: $q, district: $d) {
  year quarter exactForThisRole
  province { area { code level } quarter channel activities reach reachReported status reachStatus }
  districts { area { code level } quarter channel activities reach reachReported status reachStatus } } }`

type channelAnswer struct {
	CommunicationByChannel struct {
		Year             int
		Quarter          *int
		ExactForThisRole bool
		Province         []channelRow
		Districts        []channelRow
	}
}

type channelRow struct {
	Area struct {
		Code, Level string
	}
	Quarter                   int
	Channel                   string
	Activities, ReachReported *int
	Reach                     *int64
	Status, ReachStatus       string
}

// find returns the row of area, quarter and channel.
func find(t *testing.T, rows []channelRow, area string, quarter int, channel string) channelRow {
	t.Helper()
	for _, r := range rows {
		if r.Area.Code == area && r.Quarter == quarter && r.Channel == channel {
			return r
		}
	}
	t.Fatalf("no row %s Q%d %s", area, quarter, channel)
	return channelRow{}
}

func shown[T int | int64](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// TestCommunicationByChannelEndToEnd: the hand-worked activities, loaded by
// a full ETL run, come back exact for a province officer and under
// disclosure control for an analyst (small cells withheld with their reach,
// the others rounded by the cell key of their activities, a multiple of 5
// kept), and only the analyst's request is audited.
func TestCommunicationByChannelEndToEnd(t *testing.T) {
	c := newChannelCase(t)
	conn, _ := chtest.Database(t)
	etlRun(t, c.pool, clickhouse.NewLoader(conn), true)
	s := serveWarehouse(t, c.pool, conn)
	officer, analyst := token(t, domain.RoleProvinceOfficer, "75"), token(t, domain.RoleAnalyst, "75")

	var exact channelAnswer
	decode(t, s.query(t, officer, channelQ, map[string]any{"y": 2024}), &exact)
	a := exact.CommunicationByChannel
	if !a.ExactForThisRole || len(a.Province) != 4*len(domain.CommunicationChannels) {
		t.Fatalf("officer: exact %v, %d province rows", a.ExactForThisRole, len(a.Province))
	}
	for _, w := range []struct {
		rows          []channelRow
		area          string
		quarter       int
		channel, want string // activities/reach/reachReported
	}{
		{a.Province, "75", 1, "CAMPAIGN", "9/422/8"},
		{a.Province, "75", 1, "TV_DN1", "1/80000/1"},
		{a.Province, "75", 2, "LOUDSPEAKER", "1/1000/1"},
		{a.Province, "75", 4, "CAMPAIGN", "0/0/0"},
		{a.Districts, c.districtA, 1, "CAMPAIGN", "7/410/6"},
		{a.Districts, c.districtA, 2, "LOUDSPEAKER", "1/1000/1"},
		{a.Districts, c.districtB, 1, "CAMPAIGN", "2/12/2"},
		{a.Districts, c.districtB, 1, "TV_DN1", "0/0/0"}, // the province's clip is no district's
	} {
		r := find(t, w.rows, w.area, w.quarter, w.channel)
		if got := shown(r.Activities) + "/" + shown(r.Reach) + "/" + shown(r.ReachReported); got != w.want || r.Status != "OK" {
			t.Errorf("officer %s Q%d %s: %s %s, want %s OK", w.area, w.quarter, w.channel, got, r.Status, w.want)
		}
	}

	var released channelAnswer
	decode(t, s.query(t, analyst, channelQ, map[string]any{"y": 2024}), &released)
	b := released.CommunicationByChannel
	if b.ExactForThisRole {
		t.Fatal("analyst sees exact values")
	}
	for _, w := range []struct {
		rows    []channelRow
		area    string
		quarter int
		channel string
	}{
		{b.Province, "75", 1, "TV_DN1"}, {b.Province, "75", 2, "LOUDSPEAKER"}, {b.Province, "75", 4, "CAMPAIGN"},
		{b.Districts, c.districtA, 2, "LOUDSPEAKER"}, {b.Districts, c.districtB, 1, "CAMPAIGN"},
	} {
		r := find(t, w.rows, w.area, w.quarter, w.channel)
		if r.Activities != nil || r.Reach != nil || r.ReachReported != nil || r.Status != "SUPPRESSED" || r.ReachStatus != "SUPPRESSED" {
			t.Errorf("analyst %s Q%d %s: %+v, want withheld", w.area, w.quarter, w.channel, r)
		}
	}
	// Released cells: the perturbation of the cell's own key, read from the
	// warehouse, and never more than 4 from the truth; a district's reach is
	// withheld whatever its activities (it is released province-wide only).
	pol := disclosure.For(false)
	for _, w := range []struct {
		rows                       []channelRow
		area, where                string
		quarter                    int
		activities, reach, reports uint64
	}{
		{b.Province, "75", "1 = 1", 1, 9, 422, 8},
		{b.Districts, c.districtA, "district_2021 = '" + c.districtA + "' AND unit_level != 'province'", 1, 7, 410, 6},
	} {
		var key uint32
		if err := conn.QueryRow(context.Background(), `SELECT toUInt32(sum(ckey) % 4294967296) FROM fact_channel_quarter
		  WHERE year = 2024 AND quarter = 1 AND channel = 'campaign' AND `+w.where).Scan(&key); err != nil {
			t.Fatal(err)
		}
		r := find(t, w.rows, w.area, w.quarter, "CAMPAIGN")
		reach, reachStatus := fmt.Sprint(pol.Count(w.reach, false, key).Value), "OK"
		if w.area != "75" {
			reach, reachStatus = "null", "SUPPRESSED"
		}
		want := fmt.Sprintf("%d/%s/%d", pol.Count(w.activities, false, key).Value, reach, pol.Count(w.reports, false, key).Value)
		if got := shown(r.Activities) + "/" + shown(r.Reach) + "/" + shown(r.ReachReported); got != want || r.Status != "OK" ||
			r.ReachStatus != reachStatus {
			t.Errorf("analyst %s Q1 CAMPAIGN: %s %s %s, want %s OK %s", w.area, got, r.Status, r.ReachStatus, want, reachStatus)
		}
		if *r.Activities%5 != 0 || max(*r.Activities, int(w.activities))-min(*r.Activities, int(w.activities)) > 4 {
			t.Errorf("analyst %s Q1 CAMPAIGN: %s not rounded near %d", w.area, want, w.activities)
		}
	}
	if r := find(t, b.Province, "75", 1, "CAMPAIGN"); *r.Reach%5 != 0 || max(*r.Reach, 422)-min(*r.Reach, 422) > 4 {
		t.Errorf("the province's reach 422 released as %d", *r.Reach)
	}

	// One quarter, one district.
	var one channelAnswer
	decode(t, s.query(t, analyst, channelQ, map[string]any{"y": 2024, "q": 2, "d": c.districtB}), &one)
	if o := one.CommunicationByChannel; len(o.Province) != len(domain.CommunicationChannels) ||
		len(o.Districts) != len(domain.CommunicationChannels) || o.Districts[0].Area.Code != c.districtB || o.Districts[0].Quarter != 2 {
		t.Errorf("quarter 2 of %s: %+v", c.districtB, o)
	}
	// A quarter after the warehouse's last month has no data, not small counts.
	var later channelAnswer
	decode(t, s.query(t, officer, channelQ, map[string]any{"y": time.Now().Year() + 1, "q": 1}), &later)
	for _, r := range append(later.CommunicationByChannel.Province, later.CommunicationByChannel.Districts...) {
		if r.Status != "NO_DATA" || r.ReachStatus != "NO_DATA" || r.Activities != nil || r.Reach != nil {
			t.Fatalf("next year: %+v", r)
		}
	}
	for _, bad := range []struct {
		vars map[string]any
		code string
	}{
		{map[string]any{"y": 2015}, "INVALID_INPUT"}, {map[string]any{"y": 2024, "q": 5}, "INVALID_INPUT"},
		{map[string]any{"y": 2024, "d": "99999"}, "NOT_FOUND"},
	} {
		if r := s.query(t, analyst, channelQ, bad.vars); r.code() != bad.code {
			t.Errorf("%v: %s, want %s", bad.vars, r.raw, bad.code)
		}
	}
	if r := s.query(t, "", channelQ, map[string]any{"y": 2024}); r.code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous: %s", r.raw)
	}

	// The analyst's two answered requests are audited, the officer's not.
	r := s.query(t, officer, `{ analyticsAudit(filter: {operation: "communicationByChannel"}) {
	  totalCount edges { node { role params populations } } } }`, nil)
	var audit struct {
		AnalyticsAudit struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Role, Params string
					Populations  []string
				}
			}
		}
	}
	decode(t, r, &audit)
	if got := audit.AnalyticsAudit; got.TotalCount != 2 || len(got.Edges) != 2 {
		t.Fatalf("audit: %s", r.raw)
	}
	// Newest first; the second request released nothing (every cell of
	// district B in quarter 2 is small), so it fingerprints no population.
	for i, want := range []struct {
		params      string
		populations int
	}{{`"quarter":2`, 0}, {`"quarter":0`, 2}} {
		n := audit.AnalyticsAudit.Edges[i].Node
		if n.Role != "ANALYST" || !strings.Contains(n.Params, `"year":2024`) || !strings.Contains(n.Params, want.params) ||
			len(n.Populations) != want.populations {
			t.Errorf("audit row %d: %+v, want %s and %d populations", i, n, want.params, want.populations)
		}
	}
}

// TestCommunicationByChannelFullThenIncremental: activities recorded,
// changed and deleted between runs reach fact_channel_quarter through an
// incremental run exactly as a full run of the same data loads them, and an
// idle incremental run changes nothing.
func TestCommunicationByChannelFullThenIncremental(t *testing.T) {
	c := newChannelCase(t)
	connA, _ := chtest.Database(t)
	connB, _ := chtest.Database(t)
	whA, whB := clickhouse.NewLoader(connA), clickhouse.NewLoader(connB)
	etlRun(t, c.pool, whA, true)
	execSQL(t, c.pool, `INSERT INTO communication_activity (unit_id, held_on, topic, participants, channel, reach)
	  VALUES ($1, '2024-05-05', 'Tờ gấp', 0, 'printed_leaflet_booklet', 3000)`, c.b1)
	execSQL(t, c.pool, `UPDATE communication_activity SET reach = 60 WHERE unit_id = $1 AND reach = 50`, c.a1)
	execSQL(t, c.pool, `UPDATE communication_activity SET deleted_at = now() WHERE unit_id = $1 AND reach = 7`, c.b1)
	res := etlRun(t, c.pool, whA, false)
	if res.Mode != "incremental" || !res.WholeTablesChanged || !res.Changed() {
		t.Fatalf("run after the edits: mode %s, whole tables changed %v", res.Mode, res.WholeTablesChanged)
	}
	if idle := etlRun(t, c.pool, whA, false); idle.WholeTablesChanged || idle.Changed() {
		t.Errorf("an idle run changed the warehouse")
	}
	etlRun(t, c.pool, whB, true)
	na, sa, err := whA.Checksum(context.Background(), "fact_channel_quarter")
	if err != nil {
		t.Fatal(err)
	}
	nb, sb, err := whB.Checksum(context.Background(), "fact_channel_quarter")
	if err != nil {
		t.Fatal(err)
	}
	if na != nb || sa != sb || na == 0 {
		t.Errorf("incremental: %d rows, sum %d; full: %d rows, sum %d", na, sa, nb, sb)
	}
	var n uint64
	if err := connA.QueryRow(context.Background(), `SELECT sum(activities) FROM fact_channel_quarter WHERE year = 2024`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 11 { // 11 of 2024, one added, one deleted
		t.Errorf("%d activities of 2024 loaded, want 11", n)
	}
}
