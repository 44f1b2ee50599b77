package domain

import (
	"fmt"
	"time"
)

// ChildrenEventKinds are the events of plan 2021 item 3: the Action Month for
// Children (Tháng hành động vì trẻ em, June) and the children's forum (Diễn
// đàn trẻ em).
var ChildrenEventKinds = []string{"action_month", "children_forum"}

// The kinds of children's event.
const (
	KindActionMonth   = "action_month"
	KindChildrenForum = "children_forum"
)

// EventAgeBands are the age bands participants are counted in: the contract's
// bands (indicators.AgeBands, compared by a test), the 16-17 band included
// since forums invite young people up to 18.
var EventAgeBands = []string{"0", "1-4", "5", "6-10", "11-15", "16-17"}

// Sizes of an event's texts and counts.
const (
	MaxEventTitle        = 300
	MaxEventTheme        = 500
	MaxEventCount        = 100000
	MaxEventDays         = 31
	MaxForumRecText      = 1000
	MaxForumAnswer       = 2000
	ForumReportDays      = 15
	ForumAnswerDays      = 30
	actionMonthReportDay = 20
)

// ChildrenEvent is an Action Month or a children's forum held by a unit, with
// its participants counted: never a named child.
type ChildrenEvent struct {
	ID           int64
	UnitID       int
	Kind         string
	StartsOn     time.Time
	EndsOn       time.Time
	Title        string
	Theme        string
	Officials    int
	Participants []EventParticipants
}

// EventParticipants counts the children of one age band at an event, by sex.
type EventParticipants struct {
	AgeBand string
	Female  int
	Male    int
}

// Children is how many children took part.
func (e ChildrenEvent) Children() int {
	n := 0
	for _, p := range e.Participants {
		n += p.Female + p.Male
	}
	return n
}

// ReportDueOn is the day the holding unit's report on the event is due:
// for the Action Month, 20 July of its year (Circular 28/2019/TT-BLĐTBXH,
// Art. 5(1)); for a forum, 15 days after its last day (Circular
// 29/2019/TT-BLĐTBXH, Art. 14(4)). The circulars address commune People's
// Committees; treem applies the same days to events held at other levels.
func (e ChildrenEvent) ReportDueOn() time.Time {
	if e.Kind == KindActionMonth {
		return time.Date(e.StartsOn.Year(), time.July, actionMonthReportDay, 0, 0, 0, 0, time.UTC)
	}
	return e.EndsOn.AddDate(0, 0, ForumReportDays)
}

// ForumAnswerDue is the day the answer to a recommendation raised at a forum
// ending on raised is due. Provisional: neither the plan nor the circulars as
// summarised here fix a term, so treem takes 30 days after the forum's last
// day until a source is confirmed.
func ForumAnswerDue(raised time.Time) time.Time { return raised.AddDate(0, 0, ForumAnswerDays) }

// Validate checks an event's kind, dates, texts and counts and returns every
// problem found; whether its unit is in force is the store's to check.
func (e ChildrenEvent) Validate(today time.Time) error {
	var ends, span, june error
	switch {
	case e.EndsOn.Before(e.StartsOn):
		ends = Invalid("endsOn", "must not be before startsOn")
	case e.EndsOn.Sub(e.StartsOn) >= MaxEventDays*24*time.Hour:
		span = Invalid("endsOn", "must be at most %d days after startsOn", MaxEventDays-1)
	}
	// The Action Month is June (plan 2021, item 3): its activities fall
	// within it.
	if e.Kind == KindActionMonth && (e.StartsOn.Month() != time.June || e.EndsOn.Month() != time.June ||
		e.EndsOn.Year() != e.StartsOn.Year()) {
		june = Invalid("startsOn", "an Action Month must fall within June of one year")
	}
	errs := []error{oneOfField("kind", e.Kind, ChildrenEventKinds), NotFuture("startsOn", e.StartsOn, today),
		NotFuture("endsOn", e.EndsOn, today), ends, span, june, ValidText("title", e.Title, MaxEventTitle),
		ValidText("theme", e.Theme, MaxEventTheme), eventCount("officials", e.Officials)}
	if len(e.Participants) == 0 || len(e.Participants) > len(EventAgeBands) {
		return Collect(append(errs, Invalid("participants", "must list 1 to %d age bands", len(EventAgeBands)))...)
	}
	seen := map[string]bool{}
	for i, p := range e.Participants {
		field := fmt.Sprintf("participants.%d", i)
		var dup, none error
		if seen[p.AgeBand] {
			dup = Invalid(field+".ageBand", "lists the same age band twice")
		}
		seen[p.AgeBand] = true
		if p.Female+p.Male == 0 {
			none = Invalid(field, "must count at least one child")
		}
		errs = append(errs, oneOfField(field+".ageBand", p.AgeBand, EventAgeBands), dup,
			eventCount(field+".female", p.Female), eventCount(field+".male", p.Male), none)
	}
	return Collect(errs...)
}

func eventCount(field string, n int) error {
	if n < 0 || n > MaxEventCount {
		return Invalid(field, "must be between 0 and %d", MaxEventCount)
	}
	return nil
}

// ForumRecommendation is what the children raised at a forum, and the answer
// to it: which unit answered, what and when (all nil while open).
type ForumRecommendation struct {
	ID               int64
	EventID          int64
	UnitID           int       // the event's
	RaisedOn         time.Time // the forum's last day
	DueOn            time.Time
	Text             string
	RespondingUnitID *int
	Answer           *string
	AnsweredOn       *time.Time
}

// ForumRecommendationStatus is where a recommendation's answer stands.
type ForumRecommendationStatus string

// The answer's standing: none yet, given by the due day, given after it.
const (
	ForumOpen         ForumRecommendationStatus = "open"
	ForumAnswered     ForumRecommendationStatus = "answered"
	ForumAnsweredLate ForumRecommendationStatus = "answered_late"
)

// Status is derived from the answer's day and the due day, never stored.
func (r ForumRecommendation) Status() ForumRecommendationStatus {
	switch {
	case r.AnsweredOn == nil:
		return ForumOpen
	case r.AnsweredOn.After(r.DueOn):
		return ForumAnsweredLate
	}
	return ForumAnswered
}

// ValidateText checks a new recommendation's text.
func (r ForumRecommendation) ValidateText() error { return ValidText("text", r.Text, MaxForumRecText) }

// ValidateAnswer checks an answer's text and day against the forum's last day
// and today, and returns every problem found.
func (r ForumRecommendation) ValidateAnswer(answer string, on, today time.Time) error {
	var before error
	if !r.RaisedOn.IsZero() && on.Before(r.RaisedOn) {
		before = Invalid("answeredOn", "must not be before the forum's last day (%s)", r.RaisedOn.Format(time.DateOnly))
	}
	return Collect(ValidText("answer", answer, MaxForumAnswer), NotFuture("answeredOn", on, today), before)
}
