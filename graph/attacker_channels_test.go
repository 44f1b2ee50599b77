package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
)

// channelsAttack loads the hand-worked channel case plus a third quarter
// built for differencing: district A holds five CAMPAIGN activities whose
// reaches are round numbers (as reported reaches are: 100, 300, 1000), and
// district B one activity with a reach of 1000, a cell withheld for the
// analyst. It returns the server and the officer's and analyst's tokens.
func channelsAttack(t *testing.T) (channelCase, *testServer, string, string) {
	t.Helper()
	c := newChannelCase(t)
	for _, a := range []struct {
		unit  int
		on    string
		reach int
	}{
		{c.a1, "2024-07-01", 100}, {c.a1, "2024-07-15", 200}, {c.a1, "2024-08-01", 300},
		{c.a2, "2024-08-10", 50}, {c.a2, "2024-09-10", 50},
		{c.b1, "2024-08-20", 1000}, // the withheld activity
	} {
		execSQL(t, c.pool, `INSERT INTO communication_activity (unit_id, held_on, topic, participants, channel, reach)
		  VALUES ($1, $2, 'Phòng chống đuối nước', 0, 'campaign', $3)`, a.unit, a.on, a.reach)
	}
	conn, _ := chtest.Database(t)
	etlRun(t, c.pool, clickhouse.NewLoader(conn), true)
	s := serveWarehouse(t, c.pool, conn)
	return c, s, token(t, domain.RoleProvinceOfficer, "75"), token(t, domain.RoleAnalyst, "75")
}

func channelsOf(t *testing.T, s *testServer, tok string, vars map[string]any) channelAnswer {
	t.Helper()
	var a channelAnswer
	decode(t, s.query(t, tok, channelQ, vars), &a)
	return a
}

// sumOthers adds the analyst's released values of every district but skip,
// returning also how many of them were withheld.
func sumOthers(rows []channelRow, skip string, quarter int, channel string, reach bool) (sum int64, withheld int) {
	for _, r := range rows {
		if r.Area.Code == skip || r.Quarter != quarter || r.Channel != channel {
			continue
		}
		switch {
		case reach && r.Reach != nil:
			sum += *r.Reach
		case !reach && r.Activities != nil:
			sum += int64(*r.Activities)
		default:
			withheld++
		}
	}
	return sum, withheld
}

// TestAttackChannelReachByProvinceMinusDistricts: the reach of a withheld
// district cell as the province's reach minus the released districts'.
// Reach rounded to a multiple of 5 by the cell key leaves the round numbers
// reaches are reported in unchanged, so while districts' reaches were
// released the difference was exact: B's single activity's reach (1000), read
// from a cell withheld as fewer than 5 activities. Reach is now released
// province-wide only: no district's reach comes out, and the difference is
// the province's whole reach.
func TestAttackChannelReachByProvinceMinusDistricts(t *testing.T) {
	c, s, officer, analyst := channelsAttack(t)
	exact := channelsOf(t, s, officer, map[string]any{"y": 2024, "q": 3}).CommunicationByChannel
	truth := find(t, exact.Districts, c.districtB, 3, "CAMPAIGN")
	if shown(truth.Activities) != "1" || shown(truth.Reach) != "1000" {
		t.Fatalf("fixture: B Q3 CAMPAIGN %s/%s, want 1/1000", shown(truth.Activities), shown(truth.Reach))
	}
	a := channelsOf(t, s, analyst, map[string]any{"y": 2024, "q": 3}).CommunicationByChannel
	hidden := find(t, a.Districts, c.districtB, 3, "CAMPAIGN")
	if hidden.Status != "SUPPRESSED" || hidden.Reach != nil || hidden.ReachStatus != "SUPPRESSED" {
		t.Fatalf("control: B Q3 CAMPAIGN is not withheld for the analyst: %+v", hidden)
	}
	p := find(t, a.Province, "75", 3, "CAMPAIGN")
	if p.Reach == nil {
		t.Fatalf("control: province reach withheld: %+v", p)
	}
	for _, d := range a.Districts {
		if d.Reach != nil || d.ReachStatus != "SUPPRESSED" {
			t.Errorf("district %s Q%d %s: reach %s (%s) released to the analyst", d.Area.Code, d.Quarter, d.Channel,
				shown(d.Reach), d.ReachStatus)
		}
	}
	others, withheld := sumOthers(a.Districts, c.districtB, 3, "CAMPAIGN", true)
	est := *p.Reach - others
	t.Logf("province reach %d minus released districts %d (%d other districts withheld) = %d; truth %d",
		*p.Reach, others, withheld, est, *truth.Reach)
	if est == *truth.Reach {
		t.Errorf("LEAK: withheld district %s Q3 CAMPAIGN reach recovered exactly: %d = truth %d "+
			"(reach of one activity, rounding to 5 leaves a round reach unchanged: internal/analytics/channels.go:151)",
			c.districtB, est, *truth.Reach)
	}
}

// TestAttackChannelActivitiesByProvinceMinusDistricts: the same difference on
// activities (Q1 of the hand-worked case: province 9, A 7, B 2 withheld)
// leaves the rounding error of both terms.
func TestAttackChannelActivitiesByProvinceMinusDistricts(t *testing.T) {
	c, s, officer, analyst := channelsAttack(t)
	exact := channelsOf(t, s, officer, map[string]any{"y": 2024}).CommunicationByChannel
	a := channelsOf(t, s, analyst, map[string]any{"y": 2024}).CommunicationByChannel
	for _, q := range []int{1, 3} {
		truth := find(t, exact.Districts, c.districtB, q, "CAMPAIGN")
		hidden := find(t, a.Districts, c.districtB, q, "CAMPAIGN")
		if hidden.Status != "SUPPRESSED" || hidden.Activities != nil {
			t.Fatalf("control: B Q%d CAMPAIGN released: %+v", q, hidden)
		}
		p := find(t, a.Province, "75", q, "CAMPAIGN")
		if p.Activities == nil {
			t.Fatalf("control: province Q%d withheld", q)
		}
		others, _ := sumOthers(a.Districts, c.districtB, q, "CAMPAIGN", false)
		est := int64(*p.Activities) - others
		t.Logf("Q%d activities: province %d minus %d = %d; truth %d", q, *p.Activities, others, est, *truth.Activities)
		if est == int64(*truth.Activities) {
			t.Errorf("LEAK: B Q%d CAMPAIGN activities recovered exactly: %d", q, est)
		}
		// reachReported in the same way.
		pr := find(t, a.Province, "75", q, "CAMPAIGN")
		var otherRep int64
		for _, r := range a.Districts {
			if r.Area.Code != c.districtB && r.Quarter == q && r.Channel == "CAMPAIGN" && r.ReachReported != nil {
				otherRep += int64(*r.ReachReported)
			}
		}
		if pr.ReachReported != nil && int64(*pr.ReachReported)-otherRep == int64(*truth.ReachReported) {
			t.Errorf("LEAK: B Q%d CAMPAIGN reachReported recovered exactly: %d", q, *truth.ReachReported)
		}
	}
}

// TestAttackChannelPhrasings: the same cell asked with and without district,
// and with one quarter or all four, releases the same values (no second
// draw to average), and an empty cell reads like a small one.
func TestAttackChannelPhrasings(t *testing.T) {
	c, s, officer, analyst := channelsAttack(t)
	all := channelsOf(t, s, analyst, map[string]any{"y": 2024}).CommunicationByChannel
	exact := channelsOf(t, s, officer, map[string]any{"y": 2024}).CommunicationByChannel
	for _, q := range []int{1, 2, 3} {
		for _, d := range []string{c.districtA, c.districtB} {
			one := channelsOf(t, s, analyst, map[string]any{"y": 2024, "q": q, "d": d}).CommunicationByChannel
			qOnly := channelsOf(t, s, analyst, map[string]any{"y": 2024, "q": q}).CommunicationByChannel
			for _, ch := range domain.CommunicationChannels {
				name := strings.ToUpper(ch)
				w := find(t, all.Districts, d, q, name)
				for _, g := range []channelRow{find(t, one.Districts, d, q, name), find(t, qOnly.Districts, d, q, name)} {
					if shown(g.Activities)+shown(g.Reach)+shown(g.ReachReported)+g.Status !=
						shown(w.Activities)+shown(w.Reach)+shown(w.ReachReported)+w.Status {
						t.Errorf("%s Q%d %s: phrasing changes the release: %+v vs %+v", d, q, name, g, w)
					}
				}
			}
			if p, p1 := find(t, all.Province, "75", q, "CAMPAIGN"), find(t, channelsOf(t, s, analyst,
				map[string]any{"y": 2024, "q": q, "d": d}).CommunicationByChannel.Province, "75", q, "CAMPAIGN"); shown(p.Reach) != shown(p1.Reach) {
				t.Errorf("province Q%d differs with district: %s vs %s", q, shown(p.Reach), shown(p1.Reach))
			}
		}
	}
	// An empty cell (B Q1 TV_DN1: 0) and a small one (B Q1 CAMPAIGN: 2) read alike.
	zero, small := find(t, all.Districts, c.districtB, 1, "TV_DN1"), find(t, all.Districts, c.districtB, 1, "CAMPAIGN")
	if ez, es := find(t, exact.Districts, c.districtB, 1, "TV_DN1"), find(t, exact.Districts, c.districtB, 1, "CAMPAIGN"); shown(ez.Activities) != "0" || shown(es.Activities) != "2" {
		t.Fatalf("control: exact %s and %s", shown(ez.Activities), shown(es.Activities))
	}
	if zero.Status != small.Status || zero.ReachStatus != small.ReachStatus || zero.Activities != nil || small.Activities != nil {
		t.Errorf("empty and small cells differ: %+v vs %+v", zero, small)
	}
}

// TestAttackChannelReachBesideRoundedActivities: a district cell whose
// activities are released (A Q1: 7 activities, reach 410) releases them
// rounded and withholds its reach, which a rounding to 5 would have left
// exact.
func TestAttackChannelReachBesideRoundedActivities(t *testing.T) {
	c, s, officer, analyst := channelsAttack(t)
	exact := find(t, channelsOf(t, s, officer, map[string]any{"y": 2024, "q": 1}).CommunicationByChannel.Districts, c.districtA, 1, "CAMPAIGN")
	r := find(t, channelsOf(t, s, analyst, map[string]any{"y": 2024, "q": 1}).CommunicationByChannel.Districts, c.districtA, 1, "CAMPAIGN")
	if r.Activities == nil {
		t.Fatalf("control: A Q1 withheld: %+v", r)
	}
	if r.Reach != nil || r.ReachStatus != "SUPPRESSED" {
		t.Errorf("A Q1 reach %s (%s) released beside its activities; truth %s", shown(r.Reach), r.ReachStatus, shown(exact.Reach))
	}
	t.Logf("A Q1 CAMPAIGN: analyst %s/%s/%s, truth %s/%s/%s", shown(r.Activities), shown(r.Reach), shown(r.ReachReported),
		shown(exact.Activities), shown(exact.Reach), shown(exact.ReachReported))
	if *r.Activities == *exact.Activities {
		t.Errorf("A Q1 activities released exact: %d", *r.Activities)
	}
}

const cfQ = `query($y: Int!) { all: childFriendlyCommunes(year: $y) { communes { commune { code } totalScore totalScoreMin
  totalScoreMax recognised status criteria { number value band score scoreMin scoreMax } } province { communes recognised undetermined } } }`

// TestAttackScoresCacheAcrossRoles: the per-run cache of commune scoring is
// keyed by the disclosure policy and the scoring table, so an analyst asking
// after a province officer on the same server (whose exact scoring is then
// cached) reads what an analyst reads on a fresh server, and never the
// officer's scoring. Also a district-scoped ask (one cache entry) and a
// province-wide one (another) score a commune alike.
func TestAttackScoresCacheAcrossRoles(t *testing.T) {
	c := newChannelCase(t)
	conn, _ := chtest.Database(t)
	etlRun(t, c.pool, clickhouse.NewLoader(conn), true)
	officer, analyst := token(t, domain.RoleProvinceOfficer, "75"), token(t, domain.RoleAnalyst, "75")
	shared := serveWarehouse(t, c.pool, conn)
	exact := shared.query(t, officer, cfQ, map[string]any{"y": 2024})
	afterOfficer := shared.query(t, analyst, cfQ, map[string]any{"y": 2024})
	fresh := serveWarehouse(t, c.pool, conn).query(t, analyst, cfQ, map[string]any{"y": 2024})
	if len(exact.Errors) > 0 || len(fresh.Errors) > 0 || !strings.Contains(fresh.raw, `"communes":[{`) {
		t.Fatalf("control: no scoring: %s / %s", exact.raw, fresh.raw)
	}
	if afterOfficer.raw != fresh.raw {
		t.Errorf("LEAK: the analyst's scoring depends on a cached officer's entry:\n%s\nvs fresh\n%s", afterOfficer.raw, fresh.raw)
	}
	if afterOfficer.raw == exact.raw {
		t.Logf("note: the analyst's scoring equals the officer's on this fixture (no withheld count changes it)")
	}
	// A district-scoped ask scores each of its communes as the province-wide one does.
	var whole, part struct {
		All struct {
			Communes []map[string]any
		}
	}
	decode(t, fresh, &whole)
	r := shared.query(t, analyst, `query($y: Int!, $d: String) { all: childFriendlyCommunes(year: $y, district: $d) {
	  communes { commune { code } totalScore totalScoreMin totalScoreMax recognised status criteria { number value band score scoreMin scoreMax } } } }`,
		map[string]any{"y": 2024, "d": c.districtA})
	decode(t, r, &part)
	if len(part.All.Communes) == 0 {
		t.Fatalf("control: no commune of %s: %s", c.districtA, r.raw)
	}
	byCode := map[string]string{}
	for _, x := range whole.All.Communes {
		byCode[fmt.Sprint(x["commune"])] = fmt.Sprint(x)
	}
	for _, x := range part.All.Communes {
		if w := byCode[fmt.Sprint(x["commune"])]; w != fmt.Sprint(x) {
			t.Errorf("commune %v scored differently within %s: %v vs province-wide %s", x["commune"], c.districtA, x, w)
		}
	}
}

// TestAttackUnitYearIndicatorsReleased: commune_officer_training,
// inspection_recommendations_on_time and forum_recommendations_on_time are
// counts of communes and of official recommendations and answers, released without suppression or rounding like
// service_point_coverage; the attack checks an analyst reads them per
// commune exactly as an officer does (by design), and that they carry no
// child count (no numerator over children).
func TestAttackUnitYearIndicatorsReleased(t *testing.T) {
	c := newChannelCase(t)
	conn, _ := chtest.Database(t)
	etlRun(t, c.pool, clickhouse.NewLoader(conn), true)
	s := serveWarehouse(t, c.pool, conn)
	officer, analyst := token(t, domain.RoleProvinceOfficer, "75"), token(t, domain.RoleAnalyst, "75")
	for _, ind := range []string{"commune_officer_training", "inspection_recommendations_on_time", "forum_recommendations_on_time",
		"service_point_coverage"} {
		q := `{ compareUnits(indicator: "` + ind + `", period: "2024", level: COMMUNE) { units { orgUnit { code } value numerator denominator status } } }`
		a, o := s.query(t, analyst, q, nil), s.query(t, officer, q, nil)
		if len(a.Errors) > 0 || len(o.Errors) > 0 {
			t.Fatalf("%s: %s / %s", ind, a.raw, o.raw)
		}
		t.Logf("%s: analyst and officer identical: %v (%d bytes)", ind, a.raw == o.raw, len(a.raw))
	}
}

// TestAttackChildFriendlyPhrasings: the share of recognised communes of a
// district read as compareUnits(child_friendly_share, DISTRICT) and as the
// district summary of childFriendlyCommunes, asked in one request by aliases,
// gives one answer for one population.
func TestAttackChildFriendlyPhrasings(t *testing.T) {
	c := newChannelCase(t)
	conn, _ := chtest.Database(t)
	etlRun(t, c.pool, clickhouse.NewLoader(conn), true)
	s := serveWarehouse(t, c.pool, conn)
	analyst := token(t, domain.RoleAnalyst, "75")
	r := s.query(t, analyst, `{ cu: compareUnits(indicator: "child_friendly_share", period: "2024", level: DISTRICT) {
	  units { orgUnit { code } numerator denominator status } }
	  cf: childFriendlyCommunes(year: 2024) { districts { orgUnit { code } communes recognised undetermined notAssessed } }
	  cfA: childFriendlyCommunes(year: 2024, district: "`+c.districtA+`") { districts { orgUnit { code } communes recognised undetermined notAssessed } } }`, nil)
	var got struct {
		Cu struct {
			Units []struct {
				OrgUnit                struct{ Code string }
				Numerator, Denominator *int
				Status                 string
			}
		}
		Cf, CfA struct {
			Districts []struct {
				OrgUnit                                         struct{ Code string }
				Communes, Recognised, Undetermined, NotAssessed int
			}
		}
	}
	decode(t, r, &got)
	sum := map[string]string{}
	for _, d := range got.Cf.Districts {
		sum[d.OrgUnit.Code] = fmt.Sprintf("%d/%d", d.Recognised, d.Communes-d.NotAssessed)
	}
	for _, d := range got.CfA.Districts {
		if w := fmt.Sprintf("%d/%d", d.Recognised, d.Communes-d.NotAssessed); sum[d.OrgUnit.Code] != w {
			t.Errorf("district %s: %s province-wide, %s within it", d.OrgUnit.Code, sum[d.OrgUnit.Code], w)
		}
	}
	n := 0
	for _, u := range got.Cu.Units {
		if u.Numerator == nil || u.Denominator == nil || sum[u.OrgUnit.Code] == "" {
			continue
		}
		n++
		if g := fmt.Sprintf("%d/%d", *u.Numerator, *u.Denominator); g != sum[u.OrgUnit.Code] {
			t.Errorf("district %s: compareUnits %s, childFriendlyCommunes %s", u.OrgUnit.Code, g, sum[u.OrgUnit.Code])
		}
	}
	if n == 0 {
		t.Fatalf("control: no district compared: %s", r.raw)
	}
}
