package seed

import (
	"math/rand/v2"
	"time"

	"treem/internal/civil"
	"treem/internal/domain"
)

type child struct {
	index       int
	id          int64
	male        bool
	birth       civil.Day
	start       civil.Day // first day on the platform: birth or the household's start
	death       civil.Day // NoDay when alive
	sixteen     civil.Day // 16th birthday: no longer a "child" from that day
	injuries    []injury
	circs       []circumstance
	cases       []protectionCase
	flags       []riskFlag
	injuryEarly bool // deliberately bad row: an injury dated before birth
	futureCheck bool // deliberately bad row: a check-up dated after today
}

type injury struct {
	on    civil.Day
	cause string
	died  bool
}

type circumstance struct {
	group    string
	from, to civil.Day // to inclusive, NoDay open
}

type riskFlag struct {
	flag     string
	from, to civil.Day
}

type protectionCase struct {
	caseType string
	received time.Time
}

// end is the last day the child is on the platform (exclusive).
func (c *child) end(today civil.Day) civil.Day {
	if c.death != civil.NoDay {
		return c.death + 1
	}
	return today + 1
}

// present reports whether the child is on the platform and alive on d (up to today).
func (c *child) present(d, today civil.Day) bool {
	return d >= c.start && d < c.end(today) && d <= today
}

// Deliberately bad rows for the ETL's rejection counts, a few per 100,000
// children, at fixed positions so that every seed has them: an injury dated
// before the child's birth and a health check-up dated in the future.
const badRowEvery = 33333

func (g *Generator) child(r *rand.Rand, c *child, h *household, index int, birth civil.Day) {
	*c = child{index: index, id: int64(index) + 1, birth: birth, death: civil.NoDay, injuries: c.injuries[:0], circs: c.circs[:0],
		cases: c.cases[:0], flags: c.flags[:0]}
	c.male = r.Float64() < 112.0/212.0
	c.start = max(birth, h.start)
	c.sixteen = birth.AddYears(16)
	c.injuryEarly = index%badRowEvery == 777
	c.futureCheck = index%badRowEvery == 1777
	today := g.today
	// Injuries per year of exposure under 16: 534 non-fatal and 16 fatal per
	// 100,000 children; drowning is about 45 % of the deaths.
	for y := c.start.Year(); y <= today.Year() && c.death == civil.NoDay; y++ {
		from, to := max(c.start, civil.YearStart(y)), min(today+1, civil.YearStart(y+1), c.sixteen)
		if to <= from {
			continue
		}
		exposure := float64(to-from) / 365
		if r.Float64() < 534e-5*exposure {
			c.injuries = append(c.injuries, injury{on: from + civil.Day(r.IntN(int(to-from))), cause: injuryCauses.pick(r)})
		}
		if r.Float64() < 16e-5*exposure {
			d := from + civil.Day(r.IntN(int(to-from)))
			c.injuries = append(c.injuries, injury{on: d, cause: deathCauses.pick(r), died: true})
			c.death = d
		}
	}
	// Injuries recorded after a death in the same year are dropped.
	kept := c.injuries[:0]
	for _, in := range c.injuries {
		if c.death == civil.NoDay || in.on <= c.death {
			kept = append(kept, in)
		}
	}
	c.injuries = kept

	// Special circumstances: about 6 % of children at some time, disability
	// most common; orphans often also have no support.
	if r.Float64() < 0.062 {
		g1 := circumstanceGroups.pick(r)
		if g1 == "SERIOUS_ILLNESS_POOR" && !h.everPoor() {
			g1 = "DISABLED"
		}
		c.addCirc(r, g1, today)
		switch {
		case g1 == "ORPHAN_BOTH" && r.Float64() < 0.5:
			c.addCirc(r, "NO_SUPPORT", today)
		case g1 == "DISABLED" && h.everPoor() && r.Float64() < 0.15:
			c.addCirc(r, "SERIOUS_ILLNESS_POOR", today)
		case g1 == "DROPOUT_WORKING" && r.Float64() < 0.15:
			c.addCirc(r, "EXPLOITED", today)
		}
	}
	// Protection cases: about 3 per 10,000 children a year (under 18).
	eighteen := birth.AddYears(18)
	for y := c.start.Year(); y <= today.Year(); y++ {
		from, to := max(c.start, civil.YearStart(y)), min(c.end(today), civil.YearStart(y+1), eighteen)
		if to <= from || r.Float64() >= 3e-4*float64(to-from)/365 {
			continue
		}
		d := from + civil.Day(r.IntN(int(to-from)))
		hour := 7 + r.IntN(11)
		if r.Float64() < 0.15 {
			hour = r.IntN(24) // reports also arrive at night
		}
		t := d.Time()
		received := time.Date(t.Year(), t.Month(), t.Day(), hour, r.IntN(60), 0, 0, domain.Vietnam)
		ct := caseTypes.pick(r)
		c.cases = append(c.cases, protectionCase{caseType: ct, received: received})
		// The special-circumstance groups apply to children under 16.
		if grp := caseGroup[ct]; grp != "" && !c.hasCirc(grp) && d < c.sixteen {
			c.circs = append(c.circs, circumstance{group: grp, from: d, to: c.circEnd(today)})
		}
	}
	// Risk flags.
	if y := h.firstPoorYear(c.start.Year()); y != 0 {
		from := max(c.start, civil.YearStart(y))
		if from <= today {
			c.flags = append(c.flags, riskFlag{flag: "POOR_HOUSEHOLD", from: from, to: h.poorSpellEnd(y, today)})
		}
	}
	for _, f := range riskFlags {
		if r.Float64() < f.p {
			from := c.start + civil.Day(r.IntN(int(c.end(today)-c.start)))
			if f.flag == "DROPOUT_RISK" {
				from = max(from, birth.AddYears(11))
			}
			if from <= today && from < c.end(today) {
				to := civil.NoDay
				if r.Float64() < 0.4 {
					to = min(from+civil.Day(180+r.IntN(900)), today)
				}
				c.flags = append(c.flags, riskFlag{flag: f.flag, from: from, to: to})
			}
		}
	}
	c.closeAtDeath()
}

// closeAtDeath ends a dead child's circumstances and risk flags on the day of
// death (and drops those that would start later).
func (c *child) closeAtDeath() {
	if c.death == civil.NoDay {
		return
	}
	circs := c.circs[:0]
	for _, x := range c.circs {
		if x.from <= c.death {
			if x.to == civil.NoDay || x.to > c.death {
				x.to = c.death
			}
			circs = append(circs, x)
		}
	}
	c.circs = circs
	flags := c.flags[:0]
	for _, f := range c.flags {
		if f.from <= c.death {
			if f.to == civil.NoDay || f.to > c.death {
				f.to = c.death
			}
			flags = append(flags, f)
		}
	}
	c.flags = flags
}

func (c *child) hasCirc(group string) bool {
	for _, x := range c.circs {
		if x.group == group {
			return true
		}
	}
	return false
}

// circEnd closes a circumstance the day before the 16th birthday when that has passed.
func (c *child) circEnd(today civil.Day) civil.Day {
	if c.sixteen-1 <= today {
		return c.sixteen - 1
	}
	return civil.NoDay
}

func (c *child) addCirc(r *rand.Rand, group string, today civil.Day) {
	if c.hasCirc(group) {
		return
	}
	from := c.birth
	if group != "DISABLED" || r.Float64() < 0.3 {
		// Circumstances other than congenital disability begin during childhood.
		hi := min(today, c.sixteen-1, c.end(today)-1)
		if hi <= c.birth {
			return
		}
		from = c.birth + civil.Day(r.IntN(int(hi-c.birth)+1))
	}
	if from > today {
		return
	}
	c.circs = append(c.circs, circumstance{group: group, from: from, to: c.circEnd(today)})
}

// inGroup reports whether the child belongs to group on d.
func (c *child) inGroup(group string, d civil.Day) bool {
	for _, x := range c.circs {
		if x.group == group && x.from <= d && (x.to == civil.NoDay || d <= x.to) {
			return true
		}
	}
	return false
}

// inCircumstance reports whether the child belongs to any group on d.
func (c *child) inCircumstance(d civil.Day) bool {
	for _, x := range c.circs {
		if x.from <= d && (x.to == civil.NoDay || d <= x.to) {
			return true
		}
	}
	return false
}

func (h *household) everPoor() bool {
	for _, s := range h.poverty {
		if s != neither {
			return true
		}
	}
	return false
}

// firstPoorYear is the first year from y on with a poor or near-poor status (0: none).
func (h *household) firstPoorYear(y int) int {
	for i, s := range h.poverty {
		if s != neither && h.firstYear+i >= y {
			return h.firstYear + i
		}
	}
	return 0
}

// poorSpellEnd is the last day of the poverty spell that starts in year y, or
// NoDay when it lasts until today.
func (h *household) poorSpellEnd(y int, today civil.Day) civil.Day {
	for yy := y + 1; yy <= today.Year(); yy++ {
		if h.povertyIn(yy) == neither {
			return civil.YearStart(yy) - 1
		}
	}
	return civil.NoDay
}

var injuryCauses = newWeighted("traffic", 35, "fall", 30, "animal", 10, "burn", 7, "drowning", 5, "poisoning", 3, "other", 10)
var deathCauses = newWeighted("drowning", 45, "traffic", 30, "fall", 8, "burn", 2, "poisoning", 3, "animal", 2, "other", 10)

// Groups of a child's first circumstance (per mille of children in special circumstances).
var circumstanceGroups = newWeighted("DISABLED", 480, "ORPHAN_BOTH", 90, "NO_SUPPORT", 40, "ABANDONED", 30, "HIV", 20,
	"IN_CONFLICT_LAW", 12, "DRUG_ADDICTED", 2, "DROPOUT_WORKING", 90, "SERIOUS_ILLNESS_POOR", 150, "MIGRANT_REFUGEE_UNACCOMPANIED", 15,
	"TRAFFICKED", 2, "EXPLOITED", 10)

var caseTypes = newWeighted("violence", 35, "sexual_abuse", 30, "neglect", 12, "abandonment", 8, "exploitation", 5, "trafficking", 2, "other", 8)

// caseGroup is the special-circumstance group a protection case puts the child in.
var caseGroup = map[string]string{"violence": "VIOLENCE_SERIOUS_HARM", "sexual_abuse": "SEXUAL_ABUSE",
	"abandonment": "ABANDONED", "exploitation": "EXPLOITED", "trafficking": "TRAFFICKED"}

var riskFlags = []struct {
	flag string
	p    float64
}{{"PARENT_MIGRANT", 0.02}, {"PARENT_IMPRISONED", 0.003}, {"PARENT_ADDICTED", 0.003}, {"DOMESTIC_VIOLENCE", 0.005}, {"DROPOUT_RISK", 0.01}}
