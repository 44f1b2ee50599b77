package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"treem/internal/civil"
	"treem/internal/domain"
)

// emitFunc receives one row, its values in the table's column order.
type emitFunc func(vals ...any)

// Table is one COPY stream: either per household (child data) or per unit.
type Table struct {
	Name      string
	Columns   []string
	household func(it *iter, emit emitFunc)
	units     func(g *Generator, emit emitFunc)
	// identity is false for tables without an id column (keys are child or unit).
	identity bool
	// rounds makes the rows come in passes, round k giving each child's k-th
	// row: a GiST exclusion index filled in time order loads about 15 % faster.
	rounds bool
}

// nullDay renders an open end as NULL.
func nullDay(d civil.Day) any {
	if d == civil.NoDay {
		return nil
	}
	return d.Time()
}

func (it *iter) id() int64 { it.nextID++; return it.nextID }

// Tables lists the streams in load order (parents before children).
func Tables() []Table {
	return []Table{
		{Name: "household", Columns: []string{"id", "unit_id"}, identity: true, household: func(it *iter, emit emitFunc) {
			emit(it.hh.id, it.hh.current().ID)
		}},
		{Name: "household_poverty", Columns: []string{"household_id", "year", "status"}, household: func(it *iter, emit emitFunc) {
			for i, s := range it.hh.poverty {
				emit(it.hh.id, int32(it.hh.firstYear+i), povertyNames[s])
			}
		}},
		{Name: "child", identity: true, Columns: []string{"id", "full_name", "sex", "birth_date", "ethnicity", "household_id",
			"commune_id", "identity_number", "address", "death_date"}, household: childRows},
		{Name: "child_residence", identity: true, Columns: []string{"id", "child_id", "unit_id", "valid_from", "valid_to"}, household: residenceRows, rounds: true},
		{Name: "birth_registration", Columns: []string{"child_id", "unit_id", "registered_on", "certificate_number"}, household: birthRegistrationRows},
		{Name: "residence_registration", identity: true, Columns: []string{"id", "child_id", "unit_id", "kind", "registered_on", "ended_on"}, household: residenceRegistrationRows},
		{Name: "insurance_card", identity: true, Columns: []string{"id", "child_id", "card_number", "valid_from", "valid_to"}, household: insuranceRows},
		{Name: "child_circumstance", identity: true, Columns: []string{"id", "child_id", "group_code", "started_on", "ended_on"}, household: func(it *iter, emit emitFunc) {
			for i := range it.kids {
				c := &it.kids[i]
				for _, x := range c.circs {
					emit(it.id(), c.id, x.group, x.from.Time(), nullDay(x.to))
				}
			}
		}},
		{Name: "child_risk_flag", identity: true, Columns: []string{"id", "child_id", "flag", "started_on", "ended_on"}, household: func(it *iter, emit emitFunc) {
			for i := range it.kids {
				c := &it.kids[i]
				for _, f := range c.flags {
					emit(it.id(), c.id, f.flag, f.from.Time(), nullDay(f.to))
				}
			}
		}},
		{Name: "protection_case", identity: true, Columns: protectionCaseCols, household: protectionCaseRows},
		{Name: "injury", identity: true, Columns: []string{"id", "child_id", "unit_id", "occurred_on", "cause", "outcome", "deleted_at"}, household: injuryRows},
		{Name: "support", identity: true, Columns: []string{"id", "child_id", "unit_id", "support_type", "provider", "amount_vnd", "given_on"}, household: supportRows},
		{Name: "swimming_class", identity: true, Columns: []string{"id", "unit_id", "name", "starts_on", "ends_on"}, units: swimmingClassRows},
		{Name: "swimming_enrolment", identity: true, Columns: []string{"id", "class_id", "child_id", "enrolled_on", "completed_on"}, household: enrolmentRows},
		{Name: "gift_visit", identity: true, Columns: []string{"id", "child_id", "unit_id", "occasion", "visited_on", "value_vnd"}, household: giftRows},
		{Name: "immunisation", Columns: []string{"child_id", "unit_id", "fully_immunised_on"}, household: immunisationRows},
		{Name: "nutrition_measurement", identity: true, Columns: []string{"id", "child_id", "unit_id", "measured_on", "weight_kg", "height_cm",
			"underweight", "stunted"}, household: nutritionRows},
		{Name: "health_checkup", identity: true, Columns: []string{"id", "child_id", "unit_id", "checked_on", "deleted_at"}, household: checkupRows},
		{Name: "school_attendance", identity: true, Columns: []string{"id", "child_id", "unit_id", "school_year", "level", "attending"}, household: schoolRows},
		{Name: "service_point", identity: true, Columns: []string{"id", "unit_id", "name", "opened_on", "closed_on"}, units: servicePointRows},
		{Name: "communication_activity", identity: true, Columns: []string{"id", "unit_id", "held_on", "topic", "participants",
			"channel", "reach"}, units: communicationRows},
		{Name: "training_course", identity: true, Columns: []string{"id", "unit_id", "level", "starts_on", "ends_on", "topic", "hours",
			"trainer"}, units: trainingCourseRows},
		{Name: "training_participant", Columns: []string{"course_id", "officer_role", "unit_id", "female", "male"}, units: trainingParticipantRows},
		{Name: "commune_facts", Columns: communeFactsCols, units: communeFactsRows},
		{Name: "plan_activity", identity: true, Columns: []string{"id", "unit_id", "year", "title", "due_on", "done_on"}, units: planActivityRows},
		{Name: "periodic_report", identity: true, Columns: []string{"id", "unit_id", "period", "due_on", "submitted_at"}, units: periodicReportRows},
		{Name: "inspection", identity: true, Columns: []string{"id", "unit_id", "inspecting_unit_id", "topic", "planned_from", "planned_to"},
			units: inspectionRows},
		{Name: "inspection_finding", identity: true, Columns: []string{"id", "inspection_id", "unit_id", "found_on", "summary"},
			units: inspectionFindingRows},
		{Name: "inspection_recommendation", identity: true, Columns: []string{"id", "finding_id", "unit_id", "issued_on", "text", "due_on",
			"resolved_on"}, units: inspectionRecommendationRows},
		{Name: "children_event", identity: true, Columns: []string{"id", "unit_id", "kind", "starts_on", "ends_on", "title", "theme",
			"officials"}, units: childrenEventRows},
		{Name: "children_event_participant", Columns: []string{"event_id", "age_band", "female", "male"}, units: childrenEventParticipantRows},
		{Name: "forum_recommendation", identity: true, Columns: []string{"id", "event_id", "unit_id", "raised_on", "due_on", "text",
			"responding_unit_id", "answer", "answered_on"}, units: forumRecommendationRows},
	}
}

func childRows(it *iter, emit emitFunc) {
	h, r := &it.hh, it.tr
	for i := range it.kids {
		c := &it.kids[i]
		// The current residence, or the last one of a child who died.
		cur := h.current()
		if c.death != civil.NoDay {
			cur = h.unitAt(c.death)
		}
		sex := "F"
		if c.male {
			sex = "M"
		}
		var identity any
		if r.Float64() < 0.92 {
			province := "075"
			if h.bp && c.birth < MergerDay {
				province = "070" // born in Bình Phước before the merger
			}
			k := idKey{province, c.male, c.birth.Year()}
			if it.counters == nil {
				it.counters = map[idKey]int{}
			}
			n := it.counters[k]
			it.counters[k] = n + 1
			digit := 3 // women born 2000–2099; men 2
			if c.male {
				digit = 2
			}
			// A bijection of the counter keeps numbers unique within a group.
			identity = fmt.Sprintf("%s%d%02d%06d", province, digit, c.birth.Year()%100, (n*104729+int(it.g.seed%1000))%1000000)
		}
		var address string
		if cur.Type == "Xã" {
			address = fmt.Sprintf("Tổ %d, ấp %d", 1+r.IntN(20), 1+r.IntN(12))
		} else {
			address = fmt.Sprintf("Số %d, tổ %d, khu phố %d", 1+r.IntN(300), 1+r.IntN(30), 1+r.IntN(12))
		}
		var death any
		if c.death != civil.NoDay {
			death = c.death.Time()
		}
		emit(c.id, fullName(r, h.family, c.male), sex, c.birth.Time(), h.ethnicity, h.id, cur.ID, identity, address, death)
	}
}

func residenceRows(it *iter, emit emitFunc) {
	h := &it.hh
	for i := range it.kids {
		c := &it.kids[i]
		end := c.end(it.g.today)
		k := 0
		for _, s := range h.segs {
			from := max(s.from, c.start)
			to := s.to
			if c.death != civil.NoDay && (to == civil.NoDay || to > end) {
				to = end
			}
			if to != civil.NoDay && to <= from {
				continue
			}
			if k == it.round {
				emit(it.id(), c.id, s.unit.ID, from.Time(), nullDay(to))
				break
			}
			k++
		}
	}
}

func birthRegistrationRows(it *iter, emit emitFunc) {
	h, r, today := &it.hh, it.tr, it.g.today
	for i := range it.kids {
		c := &it.kids[i]
		// About 98 % registered (96.5–99.5 % by commune), most within the
		// 60 days the law allows.
		if r.Float64() >= 0.965+0.03*quality(h.unitAt(c.birth), c.birth.Year()) {
			continue
		}
		delay := 1 + r.IntN(60)
		switch x := r.Float64(); {
		case x < 0.12:
			delay = 61 + r.IntN(300)
		case x < 0.14:
			delay = 365 + r.IntN(4*365)
		}
		on := c.birth + civil.Day(delay)
		if on > today {
			continue
		}
		emit(c.id, h.unitAt(on).ID, on.Time(), fmt.Sprintf("%d/%d", 1+r.IntN(999), on.Year()))
	}
}

func residenceRegistrationRows(it *iter, emit emitFunc) {
	h, r, today := &it.hh, it.tr, it.g.today
	for i := range it.kids {
		c := &it.kids[i]
		// open is the current registration, ended the day before the next move.
		var open []any
		var openOn civil.Day
		for k, s := range h.segs {
			if k > 0 && !s.moved {
				continue // a reorganisation does not re-register anyone
			}
			if s.to != civil.NoDay && s.to <= c.start {
				continue
			}
			on := max(s.from, c.start)
			if on == c.birth {
				on += civil.Day(10 + r.IntN(50))
			}
			if s.to != civil.NoDay && on >= s.to {
				on = max(s.from, c.start)
			}
			if on > today || on >= c.end(today) {
				break
			}
			kind := "permanent"
			if x := r.Float64(); x < 0.10 || (s.unit.Type == "Phường" && x < 0.22) {
				kind = "temporary"
			}
			if open != nil {
				open[5] = max(s.from-1, openOn).Time()
				emit(open...)
			}
			open, openOn = []any{it.id(), c.id, h.unitAt(on).ID, kind, on.Time(), nil}, on
		}
		if open != nil {
			emit(open...)
		}
	}
}

func insuranceRows(it *iter, emit emitFunc) {
	r, today := it.tr, it.g.today
	for i := range it.kids {
		c := &it.kids[i]
		if r.Float64() >= 0.95 {
			continue
		}
		six := c.birth.AddYears(6)
		from := c.birth + civil.Day(5+r.IntN(40))
		for k := 0; from < six && from <= today && from < c.end(today); k++ {
			to := min(from.AddYears(1), six)
			if to > c.start {
				emit(it.id(), c.id, fmt.Sprintf("TE175%010d", c.id*10+int64(k%10)), from.Time(), to.Time())
			}
			// Cards are renewed yearly; a few lapse for a month or two.
			from = to
			if r.Float64() < 0.03 {
				from += civil.Day(20 + r.IntN(60))
			}
		}
	}
}

var protectionCaseCols = []string{"id", "child_id", "unit_id", "case_type", "status", "received_at", "initial_assessed_at",
	"emergency_needed", "emergency_measures_at", "detailed_assessed_at", "plan_drafted_at", "plan_approved_at",
	"in_progress_at", "reviewed_at", "closed_at", "outcome", "emergency_deadline", "plan_deadline", "approval_deadline"}

// addWorkingDays returns the day n working days after d, by the calendar the deadlines use.
func (g *Generator) addWorkingDays(d civil.Day, n int) civil.Day {
	return civil.DayFromTime(g.rules.Calendar.AddWorkingDays(d.Time(), n))
}

func atHour(d civil.Day, hour, minute int) time.Time {
	t := d.Time()
	return time.Date(t.Year(), t.Month(), t.Day(), hour, minute, 0, 0, domain.Vietnam)
}

// hours is a random duration in [lo, hi) hours, in whole minutes.
func hours(r *rand.Rand, lo, hi float64) time.Duration {
	return time.Duration((lo + r.Float64()*(hi-lo)) * float64(time.Hour)).Truncate(time.Minute)
}

// protectionCaseRows follows Decree 56/2017: emergency measures within 12 hours
// when needed, the plan drafted within 5 working days; some late, some open.
func protectionCaseRows(it *iter, emit emitFunc) {
	h, r, g := &it.hh, it.tr, it.g
	now := atHour(g.today, 0, 0)
	for i := range it.kids {
		c := &it.kids[i]
		for _, pc := range c.cases {
			rec := pc.received
			recDay := civil.DayFromTime(rec.In(domain.Vietnam))
			row := []any{it.id(), c.id, h.unitAt(recDay).ID, pc.caseType, "received", rec,
				nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
				rec.Add(domain.EmergencyWindow), g.rules.PlanDeadline(rec), g.rules.ApprovalDeadline(rec)}
			stall := 99
			if r.Float64() < 0.06 {
				stall = r.IntN(8) // an open case stuck at some step
			}
			step := func(k int, col int, status string, at time.Time) bool {
				if k >= stall || !at.Before(now) {
					return false
				}
				row[col], row[4] = at, status
				return true
			}
			initial := rec.Add(hours(r, 0.5, 10))
			if r.Float64() < 0.1 {
				initial = rec.Add(hours(r, 12, 48))
			}
			if !step(0, 6, "initial_assessed", initial) {
				emit(row...)
				continue
			}
			emergency := r.Float64() < 0.3
			row[7] = emergency
			last := initial
			if emergency {
				at := rec.Add(hours(r, 1, 11.9))
				if r.Float64() < 0.15 {
					at = rec.Add(hours(r, 12.5, 36))
				}
				at = maxTime(at, initial.Add(30*time.Minute))
				if !step(1, 8, "emergency_measures", at) {
					emit(row...)
					continue
				}
				last = at
			}
			detailed := maxTime(initial, last).Add(hours(r, 20, 90))
			if !step(2, 9, "detailed_assessed", detailed) {
				emit(row...)
				continue
			}
			wd := 1 + r.IntN(5)
			if r.Float64() < 0.2 {
				wd = 6 + r.IntN(7) // late plan
			}
			drafted := maxTime(atHour(g.addWorkingDays(recDay, wd), 8+r.IntN(9), r.IntN(60)), detailed.Add(time.Hour))
			if !step(3, 10, "plan_drafted", drafted) {
				emit(row...)
				continue
			}
			approved := drafted.Add(hours(r, 2, 120))
			if !step(4, 11, "plan_approved", approved) {
				emit(row...)
				continue
			}
			progress := approved.Add(hours(r, 1, 72))
			if !step(5, 12, "in_progress", progress) {
				emit(row...)
				continue
			}
			reviewed := progress.Add(hours(r, 30*24, 150*24))
			if !step(6, 13, "reviewed", reviewed) {
				emit(row...)
				continue
			}
			outcome := "closed"
			if r.Float64() < 0.15 {
				outcome = "replanned"
			}
			if step(7, 14, outcome, reviewed.Add(hours(r, 1, 14*24))) {
				row[15] = outcome
			}
			emit(row...)
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// deletedAt is when an officer soft-deleted a duplicate entered for an event
// on day d: 1–10 days later (the same day when that would pass today), in
// office hours. Injuries (2 %)
// and check-ups (0.2 %) have such duplicates, so that the ETL meets deletes.
func (g *Generator) deletedAt(r *rand.Rand, d civil.Day) time.Time {
	day := d + civil.Day(1+r.IntN(10))
	if day >= g.today {
		day = d
	}
	return atHour(day, 8+r.IntN(9), r.IntN(60))
}

func injuryRows(it *iter, emit emitFunc) {
	h, r := &it.hh, it.tr
	for i := range it.kids {
		c := &it.kids[i]
		for _, in := range c.injuries {
			outcome := "injured"
			if in.died {
				outcome = "died"
			}
			emit(it.id(), c.id, h.unitAt(in.on).ID, in.on.Time(), in.cause, outcome, nil)
			if r.Float64() < 0.02 {
				emit(it.id(), c.id, h.unitAt(in.on).ID, in.on.Time(), in.cause, outcome, it.g.deletedAt(r, in.on))
			}
		}
		if c.injuryEarly {
			on := c.birth - civil.Day(10+r.IntN(200))
			emit(it.id(), c.id, h.unitAt(on).ID, on.Time(), "fall", "injured", nil)
		}
	}
}

var supportProviders = newWeighted("UBND xã", 40, "Phòng Lao động – Thương binh và Xã hội", 20, "Quỹ Bảo trợ trẻ em tỉnh Đồng Nai", 15,
	"Hội Chữ thập đỏ", 10, "Hội Liên hiệp Phụ nữ", 8, "Đoàn Thanh niên", 7)

var supportTypes = map[string]weighted{
	"DISABLED":             newWeighted("cash", 50, "health", 25, "education", 15, "in_kind", 10),
	"SERIOUS_ILLNESS_POOR": newWeighted("health", 50, "cash", 35, "in_kind", 15),
	"SEXUAL_ABUSE":         newWeighted("psychological", 50, "legal", 30, "health", 20),
	"VIOLENCE_SERIOUS_HARM": newWeighted("psychological", 45, "legal", 25, "health", 20,
		"alternative_care", 10),
	"ORPHAN_BOTH": newWeighted("cash", 45, "alternative_care", 25, "education", 20, "in_kind", 10),
	"":            newWeighted("cash", 30, "in_kind", 25, "education", 20, "health", 15, "other", 10),
}

// supportRows gives most children in special circumstances support each year
// they are in one (88–100 % by commune), one or two times.
func supportRows(it *iter, emit emitFunc) {
	h, r, today := &it.hh, it.tr, it.g.today
	for i := range it.kids {
		c := &it.kids[i]
		for _, x := range c.circs {
			kinds, ok := supportTypes[x.group]
			if !ok {
				kinds = supportTypes[""]
			}
			for y := max(x.from, c.start).Year(); y <= today.Year(); y++ {
				from := max(x.from, c.start, civil.YearStart(y))
				to := min(c.end(today)-1, civil.DayOf(y, 12, 31), today)
				if x.to != civil.NoDay {
					to = min(to, x.to)
				}
				if to < from || r.Float64() >= 0.88+0.12*quality(h.unitAt(from), y) {
					continue
				}
				for n := 1 + r.IntN(2); n > 0; n-- {
					on := from + civil.Day(r.IntN(int(to-from)+1))
					kind := kinds.pick(r)
					amount := int64(0)
					if kind == "cash" || kind == "in_kind" {
						amount = int64(5+r.IntN(60)) * 100000
					}
					emit(it.id(), c.id, h.unitAt(on).ID, kind, supportProviders.pick(r), amount, on.Time())
				}
			}
		}
	}
}

// Mid-Autumn (15th of the 8th lunar month) and Tết (1st of the 1st) by year.
var midAutumn = map[int]civil.Day{2016: civil.DayOf(2016, 9, 15), 2017: civil.DayOf(2017, 10, 4), 2018: civil.DayOf(2018, 9, 24),
	2019: civil.DayOf(2019, 9, 13), 2020: civil.DayOf(2020, 10, 1), 2021: civil.DayOf(2021, 9, 21),
	2022: civil.DayOf(2022, 9, 10), 2023: civil.DayOf(2023, 9, 29), 2024: civil.DayOf(2024, 9, 17), 2025: civil.DayOf(2025, 10, 6), 2026: civil.DayOf(2026, 9, 25)}
var tet = map[int]civil.Day{2016: civil.DayOf(2016, 2, 8), 2017: civil.DayOf(2017, 1, 28), 2018: civil.DayOf(2018, 2, 16),
	2019: civil.DayOf(2019, 2, 5), 2020: civil.DayOf(2020, 1, 25), 2021: civil.DayOf(2021, 2, 12), 2022: civil.DayOf(2022, 2, 1),
	2023: civil.DayOf(2023, 1, 22), 2024: civil.DayOf(2024, 2, 10), 2025: civil.DayOf(2025, 1, 29), 2026: civil.DayOf(2026, 2, 17)}

// giftRows: gift visits to children in special circumstances (and some poor
// children at Tết) on 1 June, Mid-Autumn and before Tết.
func giftRows(it *iter, emit emitFunc) {
	h, r, today := &it.hh, it.tr, it.g.today
	for i := range it.kids {
		c := &it.kids[i]
		for y := c.start.Year(); y <= today.Year(); y++ {
			occasions := [3]struct {
				name string
				day  civil.Day
			}{{"tet", tet[y] - civil.Day(1+r.IntN(10))}, {"children_day", civil.DayOf(y, 6, 1) - civil.Day(r.IntN(3))}, {"mid_autumn", midAutumn[y] - civil.Day(r.IntN(4))}}
			for _, o := range occasions {
				if o.day == 0 || o.day < HistoryStart || !c.present(o.day, today) || civil.AgeOn(c.birth, o.day) >= 16 {
					continue
				}
				eligible := c.inCircumstance(o.day)
				p := 0.75
				if !eligible && o.name == "tet" && h.povertyIn(y) == poor {
					eligible, p = true, 0.5
				}
				if !eligible || r.Float64() >= p {
					continue
				}
				emit(it.id(), c.id, h.unitAt(o.day).ID, o.name, o.day.Time(), int64(2+r.IntN(9))*100000)
			}
		}
	}
}

func immunisationRows(it *iter, emit emitFunc) {
	h, r, today := &it.hh, it.tr, it.g.today
	for i := range it.kids {
		c := &it.kids[i]
		// About 96 % (93–99 % by commune) complete the schedule between 9 and
		// 12 months of age.
		on := c.birth + civil.Day(270+r.IntN(94))
		if r.Float64() >= 0.93+0.06*quality(h.unitAt(on), on.Year()) {
			continue
		}
		// Before the household's start only the records of Bình Phước infants
		// taken over at the merger are kept (they count for the under-1 rate).
		if on > today || on >= c.end(today) || (on < h.start && (!h.bp || c.birth < MergerDay-365)) {
			continue
		}
		emit(c.id, h.unitAt(on).ID, on.Time())
	}
}

// WHO median weight (kg) and height (cm) at 0, 12, 24, 36, 48 and 60 months.
var medianWeight = [...]float64{3.3, 9.6, 12.2, 14.3, 16.3, 18.3}
var medianHeight = [...]float64{50, 75.5, 87.5, 96, 103, 110}

func interpolate(table [6]float64, months int) float64 {
	k := min(months/12, 4)
	f := float64(months-12*k) / 12
	return table[k] + f*(table[k+1]-table[k])
}

// nutritionRows measures under-5s at the June nutrition campaign (about 92 %):
// underweight about 8–10 %, stunting about 15–18 %, higher in rural communes.
func nutritionRows(it *iter, emit emitFunc) {
	h, r, today := &it.hh, it.tr, it.g.today
	pU, pS := 0.075, 0.14
	if h.rural || h.bp {
		pU, pS = 0.11, 0.20
	}
	for i := range it.kids {
		c := &it.kids[i]
		risk := r.Float64()
		for y := c.start.Year(); y <= today.Year(); y++ {
			on := civil.DayOf(y, 6, 1) + civil.Day(r.IntN(15))
			months := (int(on-c.birth) * 12) / 365
			if months < 1 || months >= 60 || !c.present(on, today) || r.Float64() >= 0.92 {
				continue
			}
			// Better-run communes have fewer malnourished children.
			scale := 1.3 - 0.6*quality(h.unitAt(on), y)
			if r.Float64() < 0.2 {
				risk = r.Float64() // nutrition status changes for some children
			}
			under, stunted := risk < pU*scale, risk < pS*scale
			w := interpolate(medianWeight, months) * (0.95 + 0.1*r.Float64())
			ht := interpolate(medianHeight, months) * (0.97 + 0.06*r.Float64())
			if under {
				w *= 0.8
			}
			if stunted {
				ht *= 0.92
			}
			emit(it.id(), c.id, h.unitAt(on).ID, on.Time(), math.Round(w*100)/100, math.Round(ht*10)/10, under, stunted)
		}
	}
}

// checkupRows: about 85 % (72–97 % by commune) of children under 16 have a
// periodic check-up a year.
func checkupRows(it *iter, emit emitFunc) {
	h, r, today := &it.hh, it.tr, it.g.today
	for i := range it.kids {
		c := &it.kids[i]
		for y := c.start.Year(); y <= today.Year(); y++ {
			from, to := max(c.start, civil.YearStart(y)), min(c.end(today), civil.YearStart(y+1), c.sixteen, today+1)
			if to <= from {
				continue
			}
			on := from + civil.Day(r.IntN(int(to-from)))
			if r.Float64() >= 0.72+0.25*quality(h.unitAt(on), y) {
				continue
			}
			emit(it.id(), c.id, h.unitAt(on).ID, on.Time(), nil)
			if r.Float64() < 0.002 {
				emit(it.id(), c.id, h.unitAt(on).ID, on.Time(), it.g.deletedAt(r, on))
			}
		}
		if c.futureCheck {
			on := today + civil.Day(1+r.IntN(30))
			emit(it.id(), c.id, h.current().ID, on.Time(), nil)
		}
	}
}

// schoolRows records each school year (from September) of children aged 3–17
// by year of birth: preschool 3–5 (5-year-olds about 99 %), primary 6–10,
// lower secondary 11–14, upper secondary 15–17.
func schoolRows(it *iter, emit emitFunc) {
	h, r, today := &it.hh, it.tr, it.g.today
	for i := range it.kids {
		c := &it.kids[i]
		for y := max(c.start.Year()-1, HistoryStart.Year()); ; y++ {
			on := civil.DayOf(y, 9, 5)
			if on > today {
				break
			}
			age := y - c.birth.Year()
			if age < 3 || age > 17 || !c.present(on, today) {
				continue
			}
			level, p := "preschool", 0.90
			switch {
			case age == 5:
				p = 0.97 + 0.03*quality(h.unitAt(on), y)
			case age <= 10 && age >= 6:
				level, p = "primary", 0.99
			case age >= 11 && age <= 14:
				level, p = "lower_secondary", 0.95
			case age >= 15:
				level, p = "upper_secondary", 0.80
			}
			// A child recorded as having left school to work is not attending.
			attending := r.Float64() < p && !c.inGroup("DROPOUT_WORKING", on)
			emit(it.id(), c.id, h.unitAt(on).ID, int32(y), level, attending)
		}
	}
}
