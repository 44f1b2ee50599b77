package seed

import (
	"treem/internal/civil"
	"treem/internal/domain"
)

// seedInspection is one inspected unit of a yearly campaign, with its one
// finding and that finding's recommendations.
type seedInspection struct {
	id, findingID     int64
	unit, inspecting  int32
	topic             string
	from, to, foundOn civil.Day
	summary           string
	recommendations   []seedRecommendation
}

type seedRecommendation struct {
	id            int64
	text          string
	due, resolved civil.Day // resolved is NoDay while open
}

// inspectionSummaries are a finding's words by topic.
var inspectionSummaries = map[string]string{
	"birth_registration":     "Một số trẻ em chưa được đăng ký khai sinh đúng hạn",
	"residence_registration": "Một số trẻ em chưa được đăng ký thường trú, tạm trú",
	"health_insurance":       "Một số trẻ em dưới 6 tuổi chưa được cấp thẻ bảo hiểm y tế",
	"abuse_prevention_law":   "Chưa kịp thời tiếp nhận, xử lý thông tin về trẻ em bị xâm hại",
}

var inspectionAdvice = []string{
	"Rà soát, lập danh sách trẻ em còn thiếu và hoàn thành thủ tục",
	"Tập huấn lại quy trình cho cán bộ phụ trách",
	"Báo cáo kết quả khắc phục về Ban Chỉ đạo tỉnh",
}

// inspections is the province's yearly thematic campaign of September from
// 2021 (plan 2021, item 5), one theme a year in turn: about half the units
// of the level then inspected (districts, communes after July 2025), each
// with a finding and one to three recommendations due one to six months
// later, most resolved, some late. Every table of the three reads it, so
// their ids agree.
func (g *Generator) inspections() []seedInspection {
	var out []seedInspection
	var recs int64
	themes := domain.InspectionTopics[:4]
	for y := 2021; y <= g.today.Year(); y++ {
		from, to := civil.DayOf(y, 9, 1), civil.DayOf(y, 9, 30)
		if to > g.today {
			continue
		}
		level := string(domain.TargetLevel(from.Time()))
		var province *Unit
		var targets []*Unit
		for i := range g.geo.Units {
			u := &g.geo.Units[i]
			switch {
			case u.Level == "province" && u.ValidOn(from) && province == nil:
				province = u
			case u.Level == level && u.ValidOn(from) && u.ValidOn(to) && g.unitRand("inspection", u.ID, y).Float64() < 0.5:
				targets = append(targets, u)
			}
		}
		if province == nil {
			continue
		}
		topic := themes[y%len(themes)]
		for _, u := range targets {
			r := g.unitRand("inspection_finding", u.ID, y)
			x := seedInspection{id: int64(len(out) + 1), unit: u.ID, inspecting: province.ID, topic: topic, from: from, to: to,
				foundOn: from + civil.Day(r.IntN(30)), summary: inspectionSummaries[topic]}
			x.findingID = x.id // one finding each
			for n := 1 + r.IntN(3); n > 0; n-- {
				recs++
				rec := seedRecommendation{id: recs, text: inspectionAdvice[r.IntN(len(inspectionAdvice))],
					due: x.foundOn + civil.Day(30+r.IntN(150)), resolved: civil.NoDay}
				// Three in four are resolved, mostly by the due date.
				if r.Float64() < 0.75 {
					if on := x.foundOn + civil.Day(1+r.IntN(int(rec.due-x.foundOn)+60)); on <= g.today {
						rec.resolved = on
					}
				}
				x.recommendations = append(x.recommendations, rec)
			}
			out = append(out, x)
		}
	}
	return out
}

func inspectionRows(g *Generator, emit emitFunc) {
	for _, x := range g.inspections() {
		emit(x.id, x.unit, x.inspecting, x.topic, x.from.Time(), x.to.Time())
	}
}

func inspectionFindingRows(g *Generator, emit emitFunc) {
	for _, x := range g.inspections() {
		emit(x.findingID, x.id, x.unit, x.foundOn.Time(), x.summary)
	}
}

func inspectionRecommendationRows(g *Generator, emit emitFunc) {
	for _, x := range g.inspections() {
		for _, r := range x.recommendations {
			emit(r.id, x.findingID, x.unit, x.foundOn.Time(), r.text, r.due.Time(), nullDay(r.resolved))
		}
	}
}
