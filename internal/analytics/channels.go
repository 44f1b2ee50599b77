package analytics

import (
	"context"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/disclosure"
	"treem/internal/domain"
)

// ChannelCount is what one area's communication activities on one channel
// in one quarter released: the activities, the sum of the reaches counted
// and how many activities had theirs counted. Reach and ReachReported are
// withheld whenever Activities is.
type ChannelCount struct {
	Area          Unit
	Quarter       int
	Channel       string
	Activities    disclosure.Count
	Reach         disclosure.Count
	ReachReported disclosure.Count
}

// ChannelAnswer answers communicationByChannel: every channel in every
// quarter asked for (or the one), province-wide, per 2021 district and, when
// asked, per commune or ward.
type ChannelAnswer struct {
	Year, Quarter int // Quarter 0: every quarter of the year
	Province      []ChannelCount
	Districts     []ChannelCount
	// Units: with level COMMUNE, the communes and wards in force at the end
	// of the period asked, in each quarter asked from July 2025.
	Units []ChannelCount
	Meta  Meta
}

// channelMeasure names the activities' counts in the audit's population
// fingerprints.
const channelMeasure = "communication_activities"

// CommunicationByChannel answers the activities and reach of year (one
// quarter, 1 to 4, or 0 for all) per channel, province-wide and per 2021
// district (one when district is given). With level COMMUNE it also answers
// per commune and ward in force on the period's last day (those of within, a
// 2021 district, when given), for the quarters from 1 July 2025 only: before,
// districts reported, and a commune's earlier quarters would be its merged
// predecessors' under another reporting line. Activities are not about
// children, but every number passes disclosure control like a count of
// children: a cell's key is the sum of its activities' keys, so the same
// activities release the same value however they are asked for.
func (s *Service) CommunicationByChannel(ctx context.Context, year, quarter int, district, level, within string) (*ChannelAnswer, error) {
	pol, err := s.policy(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkYear("year", year); err != nil {
		return nil, err
	}
	if quarter < 0 || quarter > 4 {
		return nil, domain.Invalid("quarter", "must be 1 to 4")
	}
	meta, ix, err := s.meta(ctx, pol)
	if err != nil {
		return nil, err
	}
	sc := scope{}
	if district != "" && district != formerBinhPhuoc.Code {
		if sc, err = ix.resolve("district", district, y2021); err != nil {
			return nil, err
		}
		if sc.District == "" {
			return nil, domain.Invalid("district", "%s is not a 2021 district", district)
		}
	}
	quarters := []int{1, 2, 3, 4}
	if quarter != 0 {
		quarters = []int{quarter}
	}
	start := func(q int) time.Time { return time.Date(year, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC) }
	var units []Unit
	var unitQuarters []int
	var h *heirs
	switch level {
	case "", "DISTRICT":
		if within != "" {
			return nil, domain.Invalid("within", "bounds the communes of level COMMUNE only")
		}
	case "COMMUNE":
		for _, q := range quarters {
			if !start(q).Before(domain.UnitsReorganised) {
				unitQuarters = append(unitQuarters, q)
			}
		}
		if len(unitQuarters) == 0 {
			return nil, domain.Invalid("level", "communes and wards report to the province from 1 July 2025 (2025-Q3); before, ask by district")
		}
		on := start(quarters[len(quarters)-1]).AddDate(0, 3, -1)
		in, formerBP, err := ix.within(within, on)
		if err != nil {
			return nil, err
		}
		units, h = ix.communesOn(on, in.District, formerBP), ix.heirsOn(on)
	default:
		return nil, domain.Invalid("level", "break down by DISTRICT or COMMUNE, not %q", level)
	}
	rows, err := s.wh.ChannelQuarters(ctx, year)
	if err != nil {
		return nil, err
	}
	from, to := start(1), time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC)
	var districts []string
	for _, d := range ix.districtKeys(sc, from, to) {
		if k := districtKey(d); district == "" || k == district {
			districts = append(districts, k)
		}
	}
	// Areas are keyed by code: the province's two digits, a district's three
	// and a commune's five never meet.
	type at struct {
		area    string
		quarter int
		channel string
	}
	sums := map[at]clickhouse.ChannelQuarter{}
	add := func(k at, r clickhouse.ChannelQuarter) {
		c := sums[k]
		c.Activities += r.Activities
		c.ReachKnown += r.ReachKnown
		c.Reach += r.Reach
		c.CKey += r.CKey // keys add mod 2^32, as the warehouse sums them
		sums[k] = c
	}
	for _, r := range rows {
		q := int(r.Quarter)
		add(at{ProvinceCode, q, r.Channel}, r)
		if r.UnitLevel != "province" {
			add(at{districtKey(r.District2021), q, r.Channel}, r)
		}
		if h != nil && r.UnitLevel == "commune" {
			// An activity recorded on a version since replaced (a name or
			// type change) counts for the unit holding its territory.
			if v, ok := ix.exactVersion(r.UnitCode, r.UnitValidFrom); ok {
				if c, ok := h.follow(v); ok {
					add(at{c, q, r.Channel}, r)
				}
			}
		}
	}
	a := &ChannelAnswer{Year: year, Quarter: quarter, Meta: meta}
	release := func(area Unit, key string, quarters []int) []ChannelCount {
		var out []ChannelCount
		for _, q := range quarters {
			noData := start(q).After(ix.monthsTo)
			for _, ch := range domain.CommunicationChannels {
				c := sums[at{key, q, ch}]
				cc := ChannelCount{Area: area, Quarter: q, Channel: ch}
				if noData {
					cc.Activities = disclosure.Count{Status: disclosure.NoData}
					cc.Reach, cc.ReachReported = cc.Activities, cc.Activities
				} else {
					cc.Activities, cc.Reach, cc.ReachReported = releaseChannel(pol, c, key == ProvinceCode)
				}
				if cc.Activities.Released() && c.Activities > 0 {
					a.Meta.Populations = append(a.Meta.Populations, fingerprint(channelMeasure+":"+ch, &cell{Value: c.Activities, CKey: c.CKey}))
				}
				out = append(out, cc)
			}
		}
		return out
	}
	dec := time.Date(year, 12, 1, 0, 0, 0, 0, time.UTC)
	a.Province = release(Unit{Code: ProvinceCode, Name: ix.name(ProvinceCode, dec), Level: "province"}, ProvinceCode, quarters)
	for _, d := range districts {
		u := Unit{Code: d, Name: ix.name(d, y2021), Level: "district"}
		if d == formerBinhPhuoc.Code {
			u = formerBinhPhuoc
		}
		a.Districts = append(a.Districts, release(u, d, quarters)...)
	}
	for _, u := range units {
		a.Units = append(a.Units, release(u, u.Code, unitQuarters)...)
	}
	if err := s.record(ctx, "communicationByChannel", map[string]any{"year": year, "quarter": quarter, "district": district,
		"level": level, "within": within}, a.Meta); err != nil {
		return nil, err
	}
	return a, nil
}

// releaseChannel releases one cell's activities, and the number of reaches
// counted only with them, each perturbed from the cell's key. A reach is
// released only province-wide, below PROVINCE_OFFICER: rounding to a multiple
// of 5 leaves the round numbers reaches are reported in unchanged, so the
// province's reach less the districts' (or communes') released ones would
// give the exact reach of the withheld ones, one activity's when one area
// holds it (TestAttackChannelReachByProvinceMinusDistricts).
func releaseChannel(pol disclosure.Policy, c clickhouse.ChannelQuarter, province bool) (activities, reach, reported disclosure.Count) {
	activities = pol.Count(c.Activities, false, c.CKey)
	if !activities.Released() {
		return activities, activities, activities
	}
	reach = pol.Count(c.Reach, false, c.CKey)
	if !province && !pol.Exact {
		reach = disclosure.Count{Status: disclosure.Suppressed}
	}
	return activities, reach, pol.Count(c.ReachKnown, false, c.CKey)
}
