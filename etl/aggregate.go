package etl

import (
	"iter"
	"slices"
	"sort"

	"treem/internal/civil"
	"treem/internal/extract"
	"treem/internal/indicators"
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
	Measure indicators.MeasureID
}

// denseMeasures are the stocks before the first flow: nearly every
// child-month adds to them, so a cell keeps them in arrays. The flows and the
// rarer stocks (special_law_drug) are in a map, as are the group rows: kept
// in arrays they would quadruple the memory of a full run.
const denseMeasures = indicators.Births

// baseKey is a cell without its measure: one lookup per child and month finds
// the counters of every dense measure at once.
type baseKey struct {
	Month   int16
	Unit    int32
	Sex     uint8
	Band    uint8
	Poverty uint8
}

// pack makes the map key one integer, which Go hashes several times faster
// than a struct: unit 32 bits, month 16, sex, band and poverty 4 each.
func (k baseKey) pack() uint64 {
	return uint64(uint32(k.Unit))<<32 | uint64(uint16(k.Month))<<16 | uint64(k.Sex)<<8 | uint64(k.Band)<<4 | uint64(k.Poverty)
}

func unpack(p uint64) baseKey {
	return baseKey{Unit: int32(uint32(p >> 32)), Month: int16(uint16(p >> 16)), Sex: uint8(p>>8) & 0xf,
		Band: uint8(p>>4) & 0xf, Poverty: uint8(p) & 0xf}
}

// Aggregator counts children into cells. It is the functional core of the
// ETL: no I/O, the clock (AsOf) and the month range are parameters.
type Aggregator struct {
	Units *Units
	AsOf  civil.Day // the extraction snapshot's date: later events are rejected
	// Months is the number of months from HistoryStart to the month of AsOf.
	Months int

	Rejected map[string]uint64

	base   map[uint64]int32 // packed baseKey → index in counts and ckeys
	counts [][denseMeasures]uint32
	ckeys  [][denseMeasures]uint32 // sums of the cells' record keys
	// sparse holds the cells of the other measures and the cells broken down
	// by circumstance group.
	sparse map[CellKey]tally

	keys     *childKeys
	child    uint64 // the key of the child being counted
	negative bool   // SubtractChild is counting

	ends   []dateParts      // month ends, by month index
	valid  []*extract.Event // scratch, reused per child
	months []int            // month index of each valid event
}

// dateParts is a date with its parts, precomputed for the month ends.
type dateParts struct {
	day        civil.Day
	year, mon  int
	dayOfMonth int
}

// tally is a cell's count and the sum of its records' keys.
type tally struct {
	N   uint64
	Key uint32
}

// Count is a warehouse row's value: a cell's count, or a change to it, and
// the sum of its records' keys (mod 2^32, so a change is a difference too).
type Count struct {
	N   int64
	Key uint32
}

// CellSeq yields cells with their counts.
type CellSeq = iter.Seq2[CellKey, Count]

// NewAggregator returns an empty aggregator for the months up to asOf whose
// record keys derive from secret (see cellkey.go).
func NewAggregator(units *Units, asOf civil.Day, secret []byte) *Aggregator {
	a := &Aggregator{Units: units, AsOf: asOf, Months: MonthIndex(asOf) + 1,
		Rejected: map[string]uint64{}, base: map[uint64]int32{}, sparse: map[CellKey]tally{}, keys: newChildKeys(secret)}
	for m := 0; m < a.Months; m++ {
		e := MonthEnd(m)
		y, mo, dd := e.Date()
		a.ends = append(a.ends, dateParts{e, y, int(mo), dd})
	}
	return a
}

// Len returns the number of cells counted so far (some may be zero).
func (a *Aggregator) Len() int { return len(a.counts)*int(denseMeasures) + len(a.sparse) }

// All yields every cell whose count or key sum is not zero, in no
// particular order. After SubtractChild a count may be negative: the cells
// are then a change to the warehouse.
func (a *Aggregator) All() CellSeq {
	return func(yield func(CellKey, Count) bool) {
		for p, i := range a.base {
			k := unpack(p)
			for m, v := range a.counts[i] {
				if key := a.ckeys[i][m]; (v != 0 || key != 0) && !yield(CellKey{Month: k.Month, Unit: k.Unit, Sex: k.Sex,
					Band: k.Band, Poverty: k.Poverty, Measure: indicators.MeasureID(m)}, Count{N: int64(int32(v)), Key: key}) {
					return
				}
			}
		}
		for k, v := range a.sparse {
			if v != (tally{}) && !yield(k, Count{N: int64(v.N), Key: v.Key}) {
				return
			}
		}
	}
}

// Merge adds the cells and rejections counted by others into a.
func (a *Aggregator) Merge(others ...*Aggregator) {
	for _, o := range others {
		for p, i := range o.base {
			j := a.cell(unpack(p))
			for m, v := range o.counts[i] {
				a.counts[j][m] += v
				a.ckeys[j][m] += o.ckeys[i][m]
			}
		}
		for k, v := range o.sparse {
			g := a.sparse[k]
			a.sparse[k] = tally{N: g.N + v.N, Key: g.Key + v.Key}
		}
		for r, n := range o.Rejected {
			a.Rejected[r] += n
		}
	}
}

// Cells returns every non-zero cell as a map (for tests).
func (a *Aggregator) Cells() map[CellKey]uint64 {
	out := map[CellKey]uint64{}
	for k, v := range a.All() {
		out[k] = uint64(v.N)
	}
	return out
}

func (a *Aggregator) keep(month int, unit int32) bool {
	return month >= 0 && month < a.Months && unit != 0
}

// cell returns the index of a cell without measure in counts and ckeys.
func (a *Aggregator) cell(k baseKey) int32 {
	p := k.pack()
	i, ok := a.base[p]
	if !ok {
		i = int32(len(a.counts))
		a.base[p] = i
		a.counts = append(a.counts, [denseMeasures]uint32{})
		a.ckeys = append(a.ckeys, [denseMeasures]uint32{})
	}
	return i
}

// add counts a record with key rk in measure m of cell i (takes it away
// when subtracting: the counters wrap, and read as signed).
func (a *Aggregator) add(i int32, m indicators.MeasureID, rk uint32) {
	if a.negative {
		a.counts[i][m]--
		a.ckeys[i][m] -= rk
		return
	}
	a.counts[i][m]++
	a.ckeys[i][m] += rk
}

// addSparse counts a record with key rk in a cell of a sparse measure or
// broken down by group.
func (a *Aggregator) addSparse(k CellKey, rk uint32) {
	g := a.sparse[k]
	if a.negative {
		a.sparse[k] = tally{N: g.N - 1, Key: g.Key - rk}
		return
	}
	a.sparse[k] = tally{N: g.N + 1, Key: g.Key + rk}
}

// AddChild counts one child: its stocks at every month end and its events.
func (a *Aggregator) AddChild(c *extract.Child) {
	if c.Birth > a.AsOf {
		a.Rejected[RejectChildFuture]++
		return
	}
	a.child = a.keys.of(c.ID)
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
	// A total order: Postgres returns a child's rows in no particular order
	// (one order in the id ranges of a full run, another in the id list of
	// an incremental one), and the latest of two measurements taken the same
	// day must be the same in both.
	sort.Slice(a.valid, func(i, j int) bool { return eventBefore(a.valid[i], a.valid[j]) })
	a.months = a.months[:0]
	for _, e := range a.valid {
		a.months = append(a.months, MonthIndex(e.Day))
	}
	a.stocks(c, sex)
	a.flows(c, sex)
}

// SubtractChild takes away what AddChild counted for c in an aggregator of
// an earlier date asOf (a ledger input is counted as of the day of its run),
// leaving the rejections alone: they are the current run's.
func (a *Aggregator) SubtractChild(c *extract.Child, asOf civil.Day) {
	saved, months, rejected := a.AsOf, a.Months, a.Rejected
	a.AsOf, a.Months, a.Rejected, a.negative = asOf, min(MonthIndex(asOf)+1, months), map[string]uint64{}, true
	a.AddChild(c)
	a.AsOf, a.Months, a.Rejected, a.negative = saved, months, rejected, false
}

// stocks counts the child at each month end it is alive, under 18 and resident.
func (a *Aggregator) stocks(c *extract.Child, sex uint8) {
	first := max(MonthIndex(c.Birth), 0)
	adult := c.Birth.AddYears(18)
	by, bmo, bd := c.Birth.Date()
	unresolved := false
	var home, unit int32 = -1, 0 // the last residence resolved, and its version
	var unitFrom, unitTo civil.Day
	var banded *extract.Event // the measurement under2 was worked out for
	var under2 bool
	for m := first; m < a.Months; m++ {
		me := a.ends[m]
		end := me.day
		if end >= adult || (c.Death != civil.NoDay && c.Death <= end) {
			break
		}
		if end < c.Birth {
			continue
		}
		if h := residenceOn(c, end); h != home || end < unitFrom || end >= unitTo {
			home, unit = h, a.Units.Resolve(h, end)
			unitFrom, unitTo = end, end+1
			if u := a.Units.Get(unit); u != nil {
				unitFrom, unitTo = u.ValidFrom, u.ValidTo
			}
		}
		if unit == 0 {
			unresolved = unresolved || home != 0
			continue
		}
		if !a.keep(m, unit) {
			continue
		}
		age := me.year - by
		if me.mon < int(bmo) || (me.mon == int(bmo) && me.dayOfMonth < bd) {
			age--
		}
		band := uint8(AgeBand(age))
		pov := povertyIn(c, me.year)
		ci := a.cell(baseKey{Month: int16(m), Unit: unit, Sex: sex, Band: band, Poverty: pov})
		rk := recordKey(a.child, end)
		a.add(ci, indicators.Children, rk)

		var registered, checked, swum, preschool, supported bool
		var latest *extract.Event
		schoolYear := me.year
		if me.mon < 9 {
			schoolYear--
		}
		for i, e := range a.valid {
			em := a.months[i]
			if em > m {
				break
			}
			recent := em > m-12
			switch e.Kind {
			case extract.EvBirthRegistration:
				registered = true
			case extract.EvCheckup:
				checked = checked || recent
			case extract.EvSupport:
				supported = supported || recent
			case extract.EvNutrition:
				if recent {
					latest = e
				}
			case extract.EvPreschool:
				sy, _, _ := e.Day.Date()
				preschool = preschool || sy == schoolYear
			case extract.EvSwim:
				swum = swum || (e.Day2 != civil.NoDay && e.Day2 <= end)
			}
		}
		if registered {
			a.add(ci, indicators.BirthRegistered, rk)
		}
		for _, p := range c.Cards {
			if p.From <= end && end <= p.To {
				a.add(ci, indicators.Insured, rk)
				break
			}
		}
		special, lawDrug := false, false
		for _, p := range c.Circumstances {
			if p.From <= end && end <= p.To {
				special, lawDrug = true, lawDrug || p.LawDrug
				k := CellKey{Month: int16(m), Unit: unit, Sex: sex, Band: band, Group: p.Group, Poverty: pov, Measure: indicators.Special}
				a.addSparse(k, rk)
				if supported {
					k.Measure = indicators.SpecialSupported
					a.addSparse(k, rk)
				}
			}
		}
		if special {
			a.add(ci, indicators.Special, rk)
			if supported {
				a.add(ci, indicators.SpecialSupported, rk)
			}
		}
		if lawDrug { // once, though in both groups
			a.addSparse(CellKey{Month: int16(m), Unit: unit, Sex: sex, Band: band, Poverty: pov, Measure: indicators.SpecialLawDrug}, rk)
		}
		if age < 5 && latest != nil {
			a.add(ci, indicators.MeasuredU5, rk)
			if latest.Flag1 {
				a.add(ci, indicators.UnderweightU5, rk)
			}
			if latest.Flag2 {
				a.add(ci, indicators.StuntedU5, rk)
			}
			// The 0–23-month measures read the same latest measurement, by
			// the age at which it was taken: a child measured again at 25
			// months leaves them, whatever an earlier measurement said.
			if latest != banded {
				banded, under2 = latest, civil.MonthsOn(c.Birth, latest.Day) < 24
			}
			if under2 {
				a.add(ci, indicators.MeasuredU2, rk)
				if latest.Flag1 {
					a.add(ci, indicators.UnderweightU2, rk)
				}
				if latest.Flag2 {
					a.add(ci, indicators.StuntedU2, rk)
				}
			}
		}
		if checked {
			a.add(ci, indicators.CheckedUp, rk)
		}
		if age == 5 && preschool {
			a.add(ci, indicators.Preschool5, rk)
		}
		if swum {
			a.add(ci, indicators.SwimTrained, rk)
		}
	}
	if unresolved {
		a.Rejected[RejectNoResidence]++
	}
}

// flow counts one event of the child on day d in unit.
func (a *Aggregator) flow(c *extract.Child, sex uint8, d civil.Day, unit int32, measure indicators.MeasureID) {
	m := MonthIndex(d)
	if !a.keep(m, unit) {
		return
	}
	band := AgeBand(civil.AgeOn(c.Birth, d))
	if band < 0 {
		return
	}
	y, _, _ := d.Date()
	a.addSparse(CellKey{Month: int16(m), Unit: unit, Sex: sex, Band: uint8(band), Poverty: povertyIn(c, y), Measure: measure}, recordKey(a.child, d))
}

// distinctKey is a period and unit in which a distinct flow already counted
// the child: the period's kind (0 for the month, else 1 + its index in
// indicators.VariantKinds) and its number counted from HistoryStart.
type distinctKey struct {
	kind   uint8
	period int
	unit   int32
}

// distinct counts the child in distinct flow f and in its variants: once per unit in each month, quarter, half year and
// year, in the month of its first event of that period there (with that
// event's band, poverty and record key). Events come in date order.
func (a *Aggregator) distinct(c *extract.Child, sex uint8, e *extract.Event, f indicators.MeasureID, seen *[]distinctKey) {
	m := MonthIndex(e.Day)
	measure, months := f, 1
	for kind := 0; kind <= len(indicators.VariantKinds); kind++ {
		if kind > 0 {
			k := indicators.VariantKinds[kind-1]
			measure, months = f.Variant(k), k.Months()
		}
		k := distinctKey{uint8(kind), floorDiv(m, months), e.Unit}
		if containsKey(*seen, k) {
			continue
		}
		*seen = append(*seen, k)
		a.flow(c, sex, e.Day, e.Unit, measure)
	}
}

// floorDiv is m / n rounded down: HistoryStart is a 1 January, so month m is
// in period floorDiv(m, n) of n months, also before it (m < 0).
func floorDiv(m, n int) int {
	if m < 0 {
		return -((-m + n - 1) / n)
	}
	return m / n
}

func (a *Aggregator) flows(c *extract.Child, sex uint8) {
	// Births and first birthdays are counted where the child lived that day.
	if u := a.Units.Resolve(residenceOn(c, c.Birth), c.Birth); u != 0 {
		a.flow(c, sex, c.Birth, u, indicators.Births)
	}
	one := c.Birth.AddYears(1)
	if c.Death == civil.NoDay || c.Death > one {
		if u := a.Units.Resolve(residenceOn(c, one), one); u != 0 {
			a.flow(c, sex, one, u, indicators.TurnedOne)
			for _, e := range a.valid {
				if e.Kind == extract.EvImmunisation && e.Day < one {
					a.flow(c, sex, one, u, indicators.TurnedOneImmunised)
					break
				}
			}
		}
	}
	var abused, supported []distinctKey
	for _, e := range a.valid {
		switch e.Kind {
		case extract.EvInjury:
			a.flow(c, sex, e.Day, e.Unit, indicators.Injured)
			if e.Flag1 {
				a.flow(c, sex, e.Day, e.Unit, indicators.InjuryDeaths)
				if e.Code == "drowning" {
					a.flow(c, sex, e.Day, e.Unit, indicators.DrowningDeaths)
				}
			}
		case extract.EvCase:
			a.flow(c, sex, e.Day, e.Unit, indicators.CasesOpened)
			if m, ok := indicators.CasesOpenedOf(e.Code); ok {
				a.flow(c, sex, e.Day, e.Unit, m)
			}
			a.distinct(c, sex, e, indicators.Abused, &abused)
			if slices.Contains(indicators.Cases62Types[:], e.Code) {
				a.flow(c, sex, e.Day, e.Unit, indicators.Cases62)
				if e.Flag2 {
					a.flow(c, sex, e.Day, e.Unit, indicators.Cases62Timely)
				}
			}
			if e.Flag1 {
				a.flow(c, sex, e.Day, e.Unit, indicators.CasesEmergencyLate)
			}
			// A closing or a completion dated after the last month is
			// counted when its month is loaded.
			if e.Day2 != civil.NoDay {
				a.flow(c, sex, e.Day2, e.Unit, indicators.CasesClosed)
			}
		case extract.EvSupport:
			a.flow(c, sex, e.Day, e.Unit, indicators.SupportEvents)
			a.distinct(c, sex, e, indicators.Supported, &supported)
		case extract.EvSwim:
			a.flow(c, sex, e.Day, e.Unit, indicators.SwimEnrolled)
			if e.Day2 != civil.NoDay {
				a.flow(c, sex, e.Day2, e.Unit, indicators.SwimCompleted)
			}
		case extract.EvGift:
			a.flow(c, sex, e.Day, e.Unit, indicators.GiftVisits)
			if m, ok := indicators.GiftVisitsOf(e.Code); ok {
				a.flow(c, sex, e.Day, e.Unit, m)
			}
		}
	}
}

// eventBefore orders events by day, then by every other field.
func eventBefore(x, y *extract.Event) bool {
	switch {
	case x.Day != y.Day:
		return x.Day < y.Day
	case x.Kind != y.Kind:
		return x.Kind < y.Kind
	case x.Unit != y.Unit:
		return x.Unit < y.Unit
	case x.Day2 != y.Day2:
		return x.Day2 < y.Day2
	case x.Code != y.Code:
		return x.Code < y.Code
	case x.Flag1 != y.Flag1:
		return y.Flag1
	}
	return !x.Flag2 && y.Flag2
}

func containsKey(ks []distinctKey, k distinctKey) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
