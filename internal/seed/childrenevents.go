package seed

import (
	"math/rand/v2"

	"treem/internal/civil"
	"treem/internal/domain"
)

// seedEvent is an Action Month or a forum a commune held, its children
// counted by age band and sex, and (forums) the children's recommendations.
type seedEvent struct {
	id              int64
	unit            int32
	kind            string
	from, to        civil.Day
	title, theme    string
	officials       int32
	bands           []seedBand
	recommendations []seedForumRec
}

type seedBand struct {
	band         string
	female, male int32
}

type seedForumRec struct {
	id       int64
	text     string
	answered civil.Day // NoDay while open
}

var eventThemes = []string{
	"Chung tay phòng, chống xâm hại trẻ em",
	"Hành động thiết thực vì trẻ em, phòng, chống tai nạn đuối nước",
	"Trẻ em được lắng nghe, được tham gia",
}

var forumRecTexts = []string{
	"Làm thêm sân chơi an toàn cho trẻ em trong xã",
	"Mở lớp dạy bơi miễn phí vào dịp hè",
	"Lắp đèn chiếu sáng trên đường đến trường",
	"Tổ chức thêm hoạt động ngoại khóa về kỹ năng sống",
}

var forumAnswers = []string{
	"Ủy ban nhân dân xã đã bố trí kinh phí thực hiện trong năm",
	"Đã giao đoàn thanh niên phối hợp với nhà trường tổ chức",
	"Đưa vào kế hoạch năm sau và báo cáo cấp trên hỗ trợ kinh phí",
}

// childrenEvents lists the Action Months (June) and forums the communes held:
// better-run communes (see quality) hold them more often. An event falls in
// the commune's days in force of its year, up to today. Every table of the
// three reads it, so their ids agree.
func (g *Generator) childrenEvents() []seedEvent {
	var out []seedEvent
	var recs int64
	g.communeYears("children_event", func(u *Unit, y int, from, to civil.Day, r *rand.Rand) {
		q := quality(u, y)
		if start := civil.DayOf(y, 6, 1) + civil.Day(r.IntN(10)); r.Float64() < 0.4+0.5*q {
			if end := start + civil.Day(r.IntN(3)); start >= from && end < to {
				out = append(out, g.seedEvent(int64(len(out)+1), u, y, domain.KindActionMonth, start, end, r))
			}
		}
		if r.Float64() < 0.15+0.5*q {
			day := from + civil.Day(r.IntN(int(to-from)))
			e := g.seedEvent(int64(len(out)+1), u, y, domain.KindChildrenForum, day, day, r)
			due := domain.ForumAnswerDue(day.Time())
			for n := 1 + r.IntN(3); n > 0; n-- {
				recs++
				rec := seedForumRec{id: recs, text: forumRecTexts[r.IntN(len(forumRecTexts))], answered: civil.NoDay}
				// Most are answered within the 30 days, some late, some not yet.
				switch x := r.Float64(); {
				case x < 0.7:
					rec.answered = day + civil.Day(1+r.IntN(30))
				case x < 0.85:
					rec.answered = civil.DayFromTime(due) + civil.Day(1+r.IntN(30))
				}
				if rec.answered > g.today {
					rec.answered = civil.NoDay
				}
				e.recommendations = append(e.recommendations, rec)
			}
			out = append(out, e)
		}
	})
	return out
}

func (g *Generator) seedEvent(id int64, u *Unit, y int, kind string, from, to civil.Day, r *rand.Rand) seedEvent {
	e := seedEvent{id: id, unit: u.ID, kind: kind, from: from, to: to, theme: eventThemes[y%len(eventThemes)],
		officials: int32(3 + r.IntN(10))}
	e.title = "Diễn đàn trẻ em " + u.Name
	if kind == domain.KindActionMonth {
		e.title = "Lễ phát động Tháng hành động vì trẻ em " + u.Name
	}
	// Children of 6 to 17: one to three bands, from the oldest down.
	bands := domain.EventAgeBands[3:]
	for _, b := range bands[len(bands)-1-r.IntN(len(bands)):] {
		e.bands = append(e.bands, seedBand{band: b, female: int32(3 + r.IntN(30)), male: int32(3 + r.IntN(30))})
	}
	return e
}

func childrenEventRows(g *Generator, emit emitFunc) {
	for _, e := range g.childrenEvents() {
		emit(e.id, e.unit, e.kind, e.from.Time(), e.to.Time(), e.title, e.theme, e.officials)
	}
}

func childrenEventParticipantRows(g *Generator, emit emitFunc) {
	for _, e := range g.childrenEvents() {
		for _, b := range e.bands {
			emit(e.id, b.band, b.female, b.male)
		}
	}
}

// forumRecommendationRows: a commune answers its own forum's recommendations.
func forumRecommendationRows(g *Generator, emit emitFunc) {
	for _, e := range g.childrenEvents() {
		due := domain.ForumAnswerDue(e.to.Time())
		for _, r := range e.recommendations {
			var unit, answer any
			if r.answered != civil.NoDay {
				unit, answer = e.unit, forumAnswers[int(r.id)%len(forumAnswers)]
			}
			emit(r.id, e.id, e.unit, e.to.Time(), due, r.text, unit, answer, nullDay(r.answered))
		}
	}
}
