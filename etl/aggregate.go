package etl

import (
	"sort"
)

// CellKey identifies one cell of fact_child_month before anonymization: the
// unit is still a Postgres unit version id (not a child's), replaced by its
// code and valid_from on output.
type CellKey struct {
	Month   int16
	Unit    int32
	Sex     uint8 // 0 = M, 1 = F
	Band    uint8
	Group   uint8 // 0 = not broken down by group
	Poverty uint8
	Measure uint8
}

// Aggregator counts children into cells. It is the functional core of the
// ETL: no I/O, the clock (AsOf) and the month range are parameters.
type Aggregator struct {
	Units *Units
	AsOf  Day // the extraction snapshot's date: later events are rejected
	// Months is the number of months from HistoryStart to the month of AsOf.
	Months int
	// Keep says whether the cells of a month and unit are recomputed by this
	// run (nil keeps all): an incremental run recomputes only some.
	Keep func(month int, unit int32) bool

	Cells    map[CellKey]uint64
	Rejected map[string]uint64

	valid []*Event // scratch, reused per child
}

// NewAggregator returns an empty aggregator for the months up to asOf.
func NewAggregator(units *Units, asOf Day, keep func(int, int32) bool) *Aggregator {
	return &Aggregator{Units: units, AsOf: asOf, Months: MonthIndex(asOf) + 1, Keep: keep,
		Cells: map[CellKey]uint64{}, Rejected: map[string]uint64{}}
}

func (a *Aggregator) keep(month int, unit int32) bool {
	return month >= 0 && month < a.Months && unit != 0 && (a.Keep == nil || a.Keep(month, unit))
}

// AddChild counts one child: its stocks at every month end and its events.
func (a *Aggregator) AddChild(c *Child) {
	if c.Birth > a.AsOf {
		a.Rejected[RejectChildFuture]++
		return
	}
	sex := uint8(0)
	if c.Sex == 'F' {
		sex = 1
	}
	a.valid = a.valid[:0]
	for i := range c.Events {
		e := &c.Events[i]
		if reason := CheckEvent(c, e, a.Units, a.AsOf); reason != "" {
			a.Rejected[reason]++
			continue
		}
		a.valid = append(a.valid, e)
	}
	sort.SliceStable(a.valid, func(i, j int) bool { return a.valid[i].Day < a.valid[j].Day })
	a.stocks(c, sex)
	a.flows(c, sex)
}

func (a *Aggregator) add(month int, unit int32, sex, band, group, pov, measure uint8) {
	a.Cells[CellKey{Month: int16(month), Unit: unit, Sex: sex, Band: band, Group: group, Poverty: pov, Measure: measure}]++
}

// stocks counts the child at each month end it is alive, under 18 and resident.
func (a *Aggregator) stocks(c *Child, sex uint8) {
	first := max(MonthIndex(c.Birth), 0)
	adult := c.Birth.AddYears(18)
	unresolved := false
	for m := first; m < a.Months; m++ {
		end := MonthEnd(m)
		if end < c.Birth || (c.Death != NoDay && c.Death <= end) || end >= adult {
			if end >= adult || (c.Death != NoDay && c.Death <= end) {
				break
			}
			continue
		}
		home := c.residenceOn(end)
		unit := a.Units.Resolve(home, end)
		if unit == 0 {
			unresolved = unresolved || home != 0
			continue
		}
		if !a.keep(m, unit) {
			continue
		}
		age := AgeOn(c.Birth, end)
		band := uint8(AgeBand(age))
		y, _, _ := end.Date()
		pov := c.povertyIn(y)
		a.add(m, unit, sex, band, 0, pov, mChildren)

		var registered, checked, swum, preschool bool
		var supported bool
		var latest *Event
		for _, e := range a.valid {
			if e.Day > end {
				break
			}
			em := MonthIndex(e.Day)
			recent := em > m-12
			switch e.Kind {
			case EvBirthRegistration:
				registered = true
			case EvCheckup:
				checked = checked || recent
			case EvSupport:
				supported = supported || recent
			case EvNutrition:
				if recent {
					latest = e
				}
			case EvPreschool:
				y0, mo, _ := end.Date()
				if mo < 9 {
					y0--
				}
				sy, _, _ := e.Day.Date()
				preschool = preschool || sy == y0
			case EvSwim:
				swum = swum || (e.Day2 != NoDay && e.Day2 <= end)
			}
		}
		if registered {
			a.add(m, unit, sex, band, 0, pov, mBirthRegistered)
		}
		for _, p := range c.Cards {
			if p.From <= end && end <= p.To {
				a.add(m, unit, sex, band, 0, pov, mInsured)
				break
			}
		}
		special := false
		for _, p := range c.Circumstances {
			if p.From <= end && end <= p.To {
				special = true
				a.add(m, unit, sex, band, p.Group, pov, mSpecial)
				if supported {
					a.add(m, unit, sex, band, p.Group, pov, mSpecialSupported)
				}
			}
		}
		if special {
			a.add(m, unit, sex, band, 0, pov, mSpecial)
			if supported {
				a.add(m, unit, sex, band, 0, pov, mSpecialSupported)
			}
		}
		if age < 5 && latest != nil {
			a.add(m, unit, sex, band, 0, pov, mMeasuredU5)
			if latest.Flag1 {
				a.add(m, unit, sex, band, 0, pov, mUnderweightU5)
			}
			if latest.Flag2 {
				a.add(m, unit, sex, band, 0, pov, mStuntedU5)
			}
		}
		if checked {
			a.add(m, unit, sex, band, 0, pov, mCheckedUp)
		}
		if age == 5 && preschool {
			a.add(m, unit, sex, band, 0, pov, mPreschool5)
		}
		if swum {
			a.add(m, unit, sex, band, 0, pov, mSwimTrained)
		}
	}
	if unresolved {
		a.Rejected[RejectNoResidence]++
	}
}

// flow counts one event of the child on day d in unit.
func (a *Aggregator) flow(c *Child, sex uint8, d Day, unit int32, measure uint8) {
	m := MonthIndex(d)
	if !a.keep(m, unit) {
		return
	}
	band := AgeBand(AgeOn(c.Birth, d))
	if band < 0 {
		return
	}
	y, _, _ := d.Date()
	a.add(m, unit, sex, uint8(band), 0, c.povertyIn(y), measure)
}

// distinctKey is a (month, unit) a distinct-children measure already counted.
type distinctKey struct {
	month int
	unit  int32
}

func (a *Aggregator) flows(c *Child, sex uint8) {
	// Births and first birthdays are counted where the child lived that day.
	if u := a.Units.Resolve(c.residenceOn(c.Birth), c.Birth); u != 0 {
		a.flow(c, sex, c.Birth, u, mBirths)
	}
	one := c.Birth.AddYears(1)
	if c.Death == NoDay || c.Death > one {
		if u := a.Units.Resolve(c.residenceOn(one), one); u != 0 {
			a.flow(c, sex, one, u, mTurnedOne)
			for _, e := range a.valid {
				if e.Kind == EvImmunisation && e.Day < one {
					a.flow(c, sex, one, u, mTurnedOneImmunised)
					break
				}
			}
		}
	}
	var abused, supported []distinctKey
	for _, e := range a.valid {
		switch e.Kind {
		case EvInjury:
			a.flow(c, sex, e.Day, e.Unit, mInjured)
			if e.Flag1 {
				a.flow(c, sex, e.Day, e.Unit, mInjuryDeaths)
				if e.Code == "drowning" {
					a.flow(c, sex, e.Day, e.Unit, mDrowningDeaths)
				}
			}
		case EvCase:
			a.flow(c, sex, e.Day, e.Unit, mCasesOpened)
			if t := caseTypeIndex(e.Code); t >= 0 {
				a.flow(c, sex, e.Day, e.Unit, mCasesOpenedViolence+uint8(t))
			}
			if k := (distinctKey{MonthIndex(e.Day), e.Unit}); !containsKey(abused, k) {
				abused = append(abused, k)
				a.flow(c, sex, e.Day, e.Unit, mAbused)
			}
			if is62(e.Code) {
				a.flow(c, sex, e.Day, e.Unit, mCases62)
				if e.Flag2 {
					a.flow(c, sex, e.Day, e.Unit, mCases62Timely)
				}
			}
			if e.Flag1 {
				a.flow(c, sex, e.Day, e.Unit, mCasesEmergencyLate)
			}
			// A closing or a completion dated after the last month is
			// counted when its month is loaded.
			if e.Day2 != NoDay {
				a.flow(c, sex, e.Day2, e.Unit, mCasesClosed)
			}
		case EvSupport:
			a.flow(c, sex, e.Day, e.Unit, mSupportEvents)
			if k := (distinctKey{MonthIndex(e.Day), e.Unit}); !containsKey(supported, k) {
				supported = append(supported, k)
				a.flow(c, sex, e.Day, e.Unit, mSupported)
			}
		case EvSwim:
			a.flow(c, sex, e.Day, e.Unit, mSwimEnrolled)
			if e.Day2 != NoDay {
				a.flow(c, sex, e.Day2, e.Unit, mSwimCompleted)
			}
		case EvGift:
			a.flow(c, sex, e.Day, e.Unit, mGiftVisits)
		}
	}
}

func containsKey(ks []distinctKey, k distinctKey) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
