package seed

import (
	"fmt"
	"math/rand/v2"
	"time"

	"treem/internal/civil"
)

const kindUnit uint64 = 1 << 20

// unitRand is the stream of one unit, table and year: unit tables do not
// depend on the number of children.
func (g *Generator) unitRand(table string, unitID int32, year int) *rand.Rand {
	h := uint64(0)
	for _, b := range []byte(table) {
		h = h*131 + uint64(b)
	}
	return rand.New(rand.NewPCG(g.seed, mix64(kindUnit^h<<24^uint64(unitID)<<12^uint64(year))))
}

// communes lists the commune versions in id order.
func (g *Geography) communes() []*Unit {
	var out []*Unit
	for i := range g.Units {
		if g.Units[i].Level == "commune" {
			out = append(out, &g.Units[i])
		}
	}
	return out
}

// span returns the days of year y on which u is in force, up to today ([from, to)).
// communeYears calls fn for each commune and year it was in force, with the
// year's days in force [from, to) and the generator of table for that commune
// and year.
func (g *Generator) communeYears(table string, fn func(u *Unit, y int, from, to civil.Day, r *rand.Rand)) {
	for _, u := range g.geo.communes() {
		for y := HistoryStart.Year(); y <= g.today.Year(); y++ {
			if from, to := g.span(u, y); from < to {
				fn(u, y, from, to, g.unitRand(table, u.ID, y))
			}
		}
	}
}

func (g *Generator) span(u *Unit, y int) (civil.Day, civil.Day) {
	from, to := max(u.From, civil.YearStart(y), HistoryStart), min(civil.YearStart(y+1), g.today+1)
	if u.To != civil.NoDay {
		to = min(to, u.To)
	}
	return from, to
}

type classKey struct {
	unit int32
	year int
}

type swimClass struct {
	id         int64
	unit       *Unit
	name       string
	start, end civil.Day
}

type classRange struct{ first, n int }

// swimmingClasses lists the summer swimming classes: 1–3 per commune and
// year, in June, on the unit version in force then.
func (g *Generator) swimmingClasses() []swimClass {
	var out []swimClass
	for _, u := range g.geo.communes() {
		for y := HistoryStart.Year(); y <= g.today.Year(); y++ {
			june := civil.DayOf(y, 6, 1)
			if !u.ValidOn(june) || june > g.today {
				continue
			}
			r := g.unitRand("swimming_class", u.ID, y)
			n := 1 + r.IntN(3)
			for k := 1; k <= n; k++ {
				start := june + civil.Day(r.IntN(20))
				end := start + civil.Day(14+r.IntN(8))
				if u.To != civil.NoDay {
					end = min(end, u.To-1)
				}
				out = append(out, swimClass{id: int64(len(out)) + 1, unit: u, start: start, end: max(end, start),
					name: fmt.Sprintf("Lớp dạy bơi hè %d – %s – lớp %d", y, u.Name, k)})
			}
		}
	}
	return out
}

func (g *Generator) swimmingClassIndex() map[classKey]classRange {
	idx := map[classKey]classRange{}
	for i, c := range g.swimmingClasses() {
		k := classKey{c.unit.ID, c.start.Year()}
		cr, ok := idx[k]
		if !ok {
			cr.first = i
		}
		cr.n++
		idx[k] = cr
	}
	return idx
}

func swimmingClassRows(g *Generator, emit emitFunc) {
	for _, c := range g.swimmingClasses() {
		emit(c.id, c.unit.ID, c.name, c.start.Time(), c.end.Time())
	}
}

// enrolmentRows enrols about 6–13 % of 6–15-year-olds a summer (more each
// year), in a class of the commune they live in.
func enrolmentRows(it *iter, emit emitFunc) {
	h, r, g := &it.hh, it.tr, it.g
	if it.classes == nil {
		it.classes = g.swimmingClasses()
	}
	for i := range it.kids {
		c := &it.kids[i]
		for y := c.start.Year(); y <= g.today.Year(); y++ {
			june := civil.DayOf(y, 6, 1)
			age := civil.AgeOn(c.birth, june)
			if age < 6 || age > 15 || !c.present(june, g.today) {
				continue
			}
			cr, ok := g.classes[classKey{h.unitAt(june).ID, y}]
			if !ok || r.Float64() >= 0.06+0.01*float64(y-2019) {
				continue
			}
			cl := &it.classes[cr.first+r.IntN(cr.n)]
			enrolled := max(cl.start-civil.Day(r.IntN(15)), c.start)
			var completed any
			if r.Float64() < 0.9 && cl.end <= g.today && cl.end < c.end(g.today) {
				completed = cl.end.Time()
			}
			emit(it.id(), cl.id, c.id, enrolled.Time(), completed)
		}
	}
}

func servicePointRows(g *Generator, emit emitFunc) {
	id := int64(0)
	for _, u := range g.geo.communes() {
		r := g.unitRand("service_point", u.ID, 0)
		if r.Float64() >= 0.35 {
			continue
		}
		from, to := max(u.From, HistoryStart), g.today+1
		if u.To != civil.NoDay {
			to = min(to, u.To)
		}
		if to <= from {
			continue
		}
		opened := from + civil.Day(r.IntN(min(int(to-from), 600)))
		var closed any
		if u.To != civil.NoDay && u.To <= g.today {
			closed = (u.To - 1).Time() // closed with the unit; the successor opens its own
		}
		id++
		emit(id, u.ID, "Điểm tư vấn, hỗ trợ trẻ em "+u.Name, opened.Time(), closed)
	}
}

var topics = []string{
	"Phòng, chống đuối nước cho trẻ em mùa hè",
	"Phòng, chống xâm hại tình dục trẻ em",
	"Phòng, chống bạo lực gia đình và bạo lực học đường",
	"Tháng hành động vì trẻ em",
	"An toàn giao thông cho học sinh",
	"Kỹ năng an toàn trên môi trường mạng",
	"Dinh dưỡng hợp lý cho trẻ dưới 5 tuổi",
	"Quyền tham gia của trẻ em",
}

// channels weights the plan's channels as a commune uses them: mostly
// campaigns, loudspeakers and print; now and then a clip on the broadcaster.
var channels = newWeighted("campaign", 25, "loudspeaker", 25, "printed_leaflet_booklet", 15, "panel_poster", 10,
	"bulletin", 5, "led_screen", 5, "broadcaster_fanpage", 5, "tv_dn1", 3, "broadcaster_website", 3, "tv_dn2", 2, "other", 2)

// reachRange is, per channel, the range of what its reach counts (see the
// CommunicationChannel enum): people, households, copies, showings, views.
var reachRange = map[string][2]int{
	"campaign": {50, 500}, "loudspeaker": {300, 3000}, "printed_leaflet_booklet": {100, 2000}, "panel_poster": {1, 10},
	"bulletin": {50, 500}, "led_screen": {10, 200}, "broadcaster_fanpage": {1000, 50000}, "tv_dn1": {5000, 80000},
	"broadcaster_website": {500, 20000}, "tv_dn2": {5000, 80000}, "other": {20, 400},
}

// channelReach draws an activity's reach on channel; one in five is not
// known (NULL), as when nobody counted.
func channelReach(r *rand.Rand, channel string) any {
	if r.IntN(5) == 0 {
		return nil
	}
	span := reachRange[channel]
	return int32(span[0] + r.IntN(span[1]-span[0]+1))
}

func communicationRows(g *Generator, emit emitFunc) {
	id := int64(0)
	g.communeYears("communication_activity", func(u *Unit, _ int, from, to civil.Day, r *rand.Rand) {
		for n := 2 + r.IntN(5); n > 0; n-- {
			id++
			day, topic := (from + civil.Day(r.IntN(int(to-from)))).Time(), topics[r.IntN(len(topics))]
			channel := channels.pick(r)
			var participants int32
			if channel == "campaign" || channel == "other" {
				participants = int32(20 + r.IntN(380))
			}
			emit(id, u.ID, day, topic, participants, channel, channelReach(r, channel))
		}
	})
}

var trainingTopics = []string{
	"Kỹ năng làm công tác bảo vệ trẻ em ở cơ sở",
	"Quản lý trường hợp trẻ em cần bảo vệ (Nghị định 56/2017)",
	"Phòng, chống xâm hại và bạo lực trẻ em",
	"Tư vấn, hỗ trợ tâm lý cho trẻ em",
	"Phòng, chống tai nạn thương tích và đuối nước trẻ em",
}

// trainingCourses calls course for each commune-level course: in each year a
// commune was in force, better-run communes (see quality) more often hold
// one for their child-protection officer and village collaborators, so the
// share of communes with a trained officer varies between districts. Both
// training tables walk it, so participants find their course's id.
func trainingCourses(g *Generator, course func(id int64, u *Unit, y int, day civil.Day)) {
	id := int64(0)
	g.communeYears("training_course", func(u *Unit, y int, from, to civil.Day, r *rand.Rand) {
		if r.Float64() < 0.3+0.6*quality(u, y) {
			id++
			course(id, u, y, from+civil.Day(r.IntN(int(to-from))))
		}
	})
}

func trainingCourseRows(g *Generator, emit emitFunc) {
	trainingCourses(g, func(id int64, u *Unit, y int, day civil.Day) {
		r := g.unitRand("training_topic", u.ID, y)
		emit(id, u.ID, "commune", day.Time(), day.Time(), trainingTopics[r.IntN(len(trainingTopics))], int32(4+4*r.IntN(4)),
			"Sở Lao động - Thương binh và Xã hội")
	})
}

// trainingParticipantRows counts the commune's officer (one person) and
// some of its village collaborators at each course.
func trainingParticipantRows(g *Generator, emit emitFunc) {
	trainingCourses(g, func(id int64, u *Unit, y int, _ civil.Day) {
		r := g.unitRand("training_participant", u.ID, y)
		female := int32(r.IntN(2))
		emit(id, "commune_officer", u.ID, female, 1-female)
		emit(id, "village_collaborator", u.ID, int32(2+r.IntN(8)), int32(r.IntN(5)))
	})
}

var communeFactsCols = []string{"unit_id", "year", "worker_assigned", "villages", "villages_with_collaborator",
	"board_meetings", "funding_vnd", "play_venues", "children_forums", "survey_respondents", "survey_satisfied", "category"}

// communeFactsRows declares each commune's yearly facts, better in
// better-run communes (see quality).
func communeFactsRows(g *Generator, emit emitFunc) {
	for _, u := range g.geo.communes() {
		for y := HistoryStart.Year(); y <= g.today.Year(); y++ {
			ref := min(civil.DayOf(y, 12, 31), g.today)
			if !u.ValidOn(ref) {
				continue
			}
			r := g.unitRand("commune_facts", u.ID, y)
			q := min(1, max(0, quality(u, y)+0.1*(r.Float64()-0.5)))
			villages := 4 + r.IntN(12)
			collab := min(villages, int(float64(villages)*(0.3+0.9*q)))
			respondents := 40 + r.IntN(80)
			emit(u.ID, int32(y), q > 0.12, int32(villages), int32(collab), int32(q*12), int64(q*200)*1000000,
				int32(q*3.5), int32(q*4), int32(respondents), int32(float64(respondents)*(0.5+0.45*q)), category(u, y))
		}
	}
}

// category is the commune's recognition category, PROVISIONAL: which
// communes are mountainous or especially disadvantaged was not found, so a
// share of rural communes of Tân Phú, Định Quán and the former Bình Phước is
// marked; wards count as wards of a centrally governed city from 2026
// (Đồng Nai city status, unconfirmed).
func category(u *Unit, y int) string {
	switch {
	case u.Type == "Phường" && y >= 2026:
		return "ward_central_city"
	case u.Type == "Xã" && (u.BinhPhuoc || u.Code >= "26116" && u.Code <= "26245") && codeNoise(u.Code) < 0.4:
		return "mountain_island_dbkk"
	}
	return "other"
}

var planTitles = []string{
	"Tổ chức Tháng hành động vì trẻ em",
	"Tập huấn kỹ năng bảo vệ trẻ em cho cộng tác viên",
	"Rà soát, cập nhật dữ liệu trẻ em có hoàn cảnh đặc biệt",
	"Tổ chức lớp dạy bơi an toàn mùa hè",
	"Tổ chức diễn đàn trẻ em cấp xã",
	"Thăm, tặng quà trẻ em dịp Tết Trung thu",
	"Kiểm tra, đánh giá xã phù hợp với trẻ em",
}

func planActivityRows(g *Generator, emit emitFunc) {
	id := int64(0)
	g.communeYears("plan_activity", func(u *Unit, y int, from, to civil.Day, r *rand.Rand) {
		for n := 3 + r.IntN(3); n > 0; n-- {
			due := from + civil.Day(r.IntN(int(to-from)))
			var done any
			switch x := r.Float64(); {
			case x < 0.75:
				done = (due - civil.Day(r.IntN(20))).Time()
			case x < 0.9:
				if d := due + civil.Day(1+r.IntN(45)); d <= g.today {
					done = d.Time()
				}
			}
			id++
			emit(id, u.ID, int32(y), planTitles[r.IntN(len(planTitles))], due.Time(), done)
		}
	})
}

// periodicReportRows: each district (and, after the district level was
// abolished on 2025-07-01, each commune) files a 6-month report due 15 May
// and an annual one due 20 November; most on time, some late, a few missing.
func periodicReportRows(g *Generator, emit emitFunc) {
	id := int64(0)
	now := atHour(g.today, 0, 0)
	for y := HistoryStart.Year(); y <= g.today.Year(); y++ {
		for _, p := range []struct {
			period string
			due    civil.Day
		}{{fmt.Sprintf("%d-H1", y), civil.DayOf(y, 5, 15)}, {fmt.Sprint(y), civil.DayOf(y, 11, 20)}} {
			if p.due > g.today {
				continue
			}
			var filers []*Unit
			for i := range g.geo.Units {
				if u := &g.geo.Units[i]; u.Level == "district" && u.ValidOn(p.due) {
					filers = append(filers, u)
				}
			}
			if len(filers) == 0 {
				for _, u := range g.geo.communes() {
					if u.ValidOn(p.due) {
						filers = append(filers, u)
					}
				}
			}
			for _, u := range filers {
				r := g.unitRand("periodic_report:"+p.period, u.ID, y)
				var submitted any
				at := atHour(p.due, 8+r.IntN(9), r.IntN(60))
				switch x := r.Float64(); {
				case x < 0.78:
					submitted = at.Add(-time.Duration(r.IntN(10)) * 24 * time.Hour)
				case x < 0.95:
					if t := at.Add(time.Duration(1+r.IntN(40)) * 24 * time.Hour); t.Before(now) {
						submitted = t
					}
				}
				id++
				emit(id, u.ID, p.period, p.due.Time(), submitted)
			}
		}
	}
}

// quality is how well a commune is run in a year, in [0, 1]: fixed per code
// (so a commune keeps its character across seeds), improving 0.03 a year. It
// raises the declared facts and the children's coverage rates together, so
// that some communes pass the child-friendly criteria and others fail.
func quality(u *Unit, y int) float64 {
	return min(1, codeNoise(u.Code+"/quality")+0.03*float64(y-2019))
}
