package seed

import (
	"math/rand/v2"
	"sort"

	"treem/internal/civil"
	"treem/internal/domain"
)

// Generator produces the synthetic province. It keeps no per-child state:
// every pass over the households regenerates each household and child from
// generator streams keyed by (seed, kind, index), so any table can be produced
// on its own, in order, with the same result, in bounded memory.
type Generator struct {
	seed     uint64
	children int
	today    civil.Day
	geo      *Geography
	// rules are the working-day calendar and the case_deadline counts, as
	// the API fixes a case's deadlines.
	rules domain.CaseRules
	// classes maps (unit, year) to the swimming classes of that summer.
	classes map[classKey]classRange
	// pyramids holds the birth-date distribution per earliest birth date
	// (built once: the generator goroutines only read it).
	pyramids map[civil.Day][]birthSpan
}

// NewGenerator returns a generator of n children for seed, with history up to today.
func NewGenerator(seed uint64, n int, today civil.Day, geo *Geography, rules domain.CaseRules) *Generator {
	g := &Generator{seed: seed, children: n, today: today, geo: geo, rules: rules, pyramids: map[civil.Day][]birthSpan{}}
	for _, lo := range []civil.Day{earliestBirth, earliestBirthBP} {
		g.pyramids[lo] = g.pyramid(lo)
	}
	g.classes = g.swimmingClassIndex()
	return g
}

// Stream kinds: each kind of random decision gets its own stream family so
// that adding a table never shifts the numbers of another.
const (
	kindHousehold uint64 = iota + 1
	kindChild
	kindTable // + table number
)

// iter holds the reusable generator streams and buffers of one pass.
type iter struct {
	g                *Generator
	hpcg, cpcg, tpcg *rand.PCG
	hr, cr, tr       *rand.Rand
	hh               household
	kids             []child
	nextHousehold    int
	nextChild        int
	table            uint64
	round            int   // the pass of a table loaded in rounds
	nextID           int64 // row id counter of the pass
	counters         map[idKey]int
	classes          []swimClass
}

type idKey struct {
	province string
	male     bool
	year     int
}

func (g *Generator) newIter(table uint64) *iter {
	it := &iter{g: g, hpcg: rand.NewPCG(0, 0), cpcg: rand.NewPCG(0, 0), tpcg: rand.NewPCG(0, 0), table: table}
	it.hr, it.cr, it.tr = rand.New(it.hpcg), rand.New(it.cpcg), rand.New(it.tpcg)
	return it
}

func (g *Generator) stream(p *rand.PCG, kind uint64, index int) {
	p.Seed(g.seed, mix64(kind<<40^uint64(index)))
}

// rewind starts a new pass over the households; row ids continue.
func (it *iter) rewind(round int) {
	it.nextHousehold, it.nextChild, it.round = 0, 0, round
}

// next generates the next household and its children; false when all n
// children have been generated.
func (it *iter) next() bool {
	g := it.g
	if it.nextChild >= g.children {
		return false
	}
	h := &it.hh
	g.stream(it.hpcg, kindHousehold, it.nextHousehold)
	g.household(it.hr, h, it.nextHousehold)
	it.nextHousehold++
	if remaining := g.children - it.nextChild; len(h.births) > remaining {
		h.births = h.births[:remaining]
	}
	it.kids = it.kids[:0]
	for k, birth := range h.births {
		idx := it.nextChild + k
		g.stream(it.cpcg, kindChild, idx)
		it.kids = append(it.kids, child{})
		g.child(it.cr, &it.kids[len(it.kids)-1], h, idx, birth)
	}
	it.nextChild += len(h.births)
	// The table stream is per household: its draws follow the children in order.
	g.stream(it.tpcg, kindTable+it.table, h.index)
	return true
}

// Poverty status codes of household_poverty.
const (
	neither uint8 = iota
	nearPoor
	poor
)

var povertyNames = [...]string{"neither", "near_poor", "poor"}

type segment struct {
	unit     *Unit
	from, to civil.Day // to exclusive, NoDay open
	moved    bool      // the segment starts with a move (not a reorganisation)
}

type household struct {
	index     int
	id        int64
	bp, rural bool
	start     civil.Day
	segs      []segment
	family    string
	ethnicity string
	firstYear int
	poverty   []uint8 // by year from firstYear
	births    []civil.Day
}

func (h *household) povertyIn(year int) uint8 {
	if i := year - h.firstYear; i >= 0 && i < len(h.poverty) {
		return h.poverty[i]
	}
	return neither
}

// unitAt returns the unit the household lives in on d. Records dated before
// the household's first day on the platform (birth registrations and
// immunisations taken over with the child) carry the first unit.
func (h *household) unitAt(d civil.Day) *Unit {
	for i := len(h.segs) - 1; i >= 0; i-- {
		if h.segs[i].from <= d {
			return h.segs[i].unit
		}
	}
	return h.segs[0].unit
}

func (h *household) current() *Unit { return h.segs[len(h.segs)-1].unit }

func (g *Generator) household(r *rand.Rand, h *household, index int) {
	*h = household{index: index, id: int64(index) + 1, segs: h.segs[:0], poverty: h.poverty[:0],
		births: h.births[:0]}
	geo := g.geo
	var origin *Unit
	h.bp = len(geo.bp) > 0 && g.today >= MergerDay && r.Float64() < bpShare
	lo := earliestBirth
	if h.bp {
		origin = &geo.Units[pick(r, geo.bp, geo.bpCum)]
		h.start = max(MergerDay, origin.From)
		h.ethnicity = ethnicityBinhPhuoc.pick(r)
		lo = earliestBirthBP
	} else {
		origin = &geo.Units[pick(r, geo.origins, geo.originCum)]
		h.start = max(HistoryStart, origin.From)
		h.ethnicity = ethnicityDongNai.pick(r)
	}
	if h.ethnicity == "Hoa" && r.Float64() < 0.6 {
		h.family = hoaFamilyNames.pick(r)
	} else {
		h.family = familyNames.pick(r)
	}
	// Children: the eldest from the age pyramid, siblings 1.5 to 5 years apart.
	size := 1 + sort.SearchFloat64s([]float64{0.38, 0.80, 0.95, 1}, r.Float64())
	b := g.birthDay(r, lo)
	for k := 0; k < size && b <= g.today; k++ {
		h.births = append(h.births, b)
		b += civil.Day(540 + r.IntN(1290))
	}
	// Residence: reorganisations move the household to the successor unit;
	// about 1.2 % of households a year move to another commune.
	u := geo.walk(r, origin, h.start)
	if u == nil {
		u = origin
	}
	h.rural = u.Type == "Xã"
	var moves []civil.Day
	for y := h.start.Year(); y <= g.today.Year(); y++ {
		if r.Float64() < 0.012 {
			if d := civil.YearStart(y) + civil.Day(r.IntN(365)); d > h.start && d < g.today {
				moves = append(moves, d)
			}
		}
	}
	sort.Slice(moves, func(a, b int) bool { return moves[a] < moves[b] })
	from := h.start
	moved := false
	for {
		end := u.To
		if end != civil.NoDay && end > g.today {
			end = civil.NoDay
		}
		move := civil.NoDay
		if len(moves) > 0 && (end == civil.NoDay || moves[0] < end) {
			move, moves = moves[0], moves[1:]
			if move <= from {
				continue
			}
			end = move
		}
		h.segs = append(h.segs, segment{unit: u, from: from, to: end, moved: moved})
		if end == civil.NoDay {
			break
		}
		if move != civil.NoDay {
			var dest *Unit
			if h.bp {
				dest = geo.walk(r, &geo.Units[pick(r, geo.bp, geo.bpCum)], move)
			} else {
				dest = geo.walk(r, &geo.Units[pick(r, geo.origins, geo.originCum)], move)
			}
			if dest == nil || !dest.ValidOn(move) {
				dest = geo.walk(r, u, move)
			}
			if dest == nil {
				h.segs[len(h.segs)-1].to = civil.NoDay
				break
			}
			u, moved = dest, true
		} else {
			next, ok := geo.successor(r, u)
			if !ok {
				h.segs[len(h.segs)-1].to = civil.NoDay
				break
			}
			u, moved = next, false
		}
		from = end
	}
	// Poverty per year, clustered by household: a household keeps last year's
	// status with probability 0.8, else redraws from its area's rates.
	pPoor, pNear := 0.015, 0.03
	if h.rural {
		pPoor, pNear = 0.04, 0.055
	}
	if h.bp {
		pPoor, pNear = 0.05, 0.06
	}
	draw := func() uint8 {
		x := r.Float64()
		switch {
		case x < pPoor:
			return poor
		case x < pPoor+pNear:
			return nearPoor
		}
		return neither
	}
	h.firstYear = h.start.Year()
	if len(h.births) > 0 && h.births[0].Year() > h.firstYear {
		h.firstYear = h.births[0].Year()
	}
	status := draw()
	for y := h.firstYear; y <= g.today.Year(); y++ {
		if y > h.firstYear && r.Float64() >= 0.8 {
			status = draw()
		}
		h.poverty = append(h.poverty, status)
	}
}

// birthDay draws a birth date between lo and today from the age pyramid:
// births fall about 1.2 % a year, and the 16–17-year-olds of the history's
// first year are kept
// only in part (they are in the data for continuity).
func (g *Generator) birthDay(r *rand.Rand, lo civil.Day) civil.Day {
	p := g.pyramids[lo]
	x := r.Float64() * p[len(p)-1].cum
	for _, s := range p {
		if x < s.cum {
			return s.from + civil.Day(r.IntN(int(s.to-s.from)))
		}
	}
	s := p[len(p)-1]
	return s.from + civil.Day(r.IntN(int(s.to-s.from)))
}

// A child is under 18 at some time of the history: born after 18 years before
// its start in Đồng Nai, after 2007-07-01 in Bình Phước (whose history starts
// 2025-07-01).
var earliestBirth, earliestBirthBP = civil.DayOf(HistoryStart.Year()-18, 1, 2), civil.DayOf(2007, 7, 2)

// birthSpan is one year of the pyramid with its cumulative weight.
type birthSpan struct {
	from, to civil.Day
	cum      float64
}

func (g *Generator) pyramid(lo civil.Day) []birthSpan {
	var out []birthSpan
	total := 0.0
	for y := lo.Year(); y <= g.today.Year(); y++ {
		from, to := max(lo, civil.YearStart(y)), min(g.today+1, civil.YearStart(y+1))
		if to <= from {
			continue
		}
		w := (1 - 0.012*float64(y-2010)) * float64(to-from)
		if y <= HistoryStart.Year()-17 {
			w *= 0.6
		}
		total += w
		out = append(out, birthSpan{from, to, total})
	}
	return out
}
