package etl

import (
	"context"
	"testing"

	"treem/internal/clickhouse"
)

// eventCounts are a commune's children's-event facts of a year: Action
// Months, forums, children, recommendations raised, due and answered on time.
type eventCounts [6]uint32

func childrenEventFacts(t *testing.T, wh *clickhouse.Loader, year int) map[string]eventCounts {
	t.Helper()
	rows, err := clickhouse.NewReader(wh.Conn).UnitYears(context.Background(), year, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]eventCounts{}
	for _, u := range rows {
		c := eventCounts{u.ActionMonthEvents, u.ChildrenForumsHeld, u.EventChildParticipants, u.ForumRecsRaised, u.ForumRecsDue, u.ForumRecsOnTime}
		if c != (eventCounts{}) {
			out[u.UnitCode] = c
		}
	}
	return out
}

// TestChildrenEventFacts loads a hand-worked case of Action Months, forums and
// forum recommendations from Postgres into fact_unit_year, then edits it and
// checks that an incremental run answers what a full run does.
func TestChildrenEventFacts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var a, b, province int
	var aCode, bCode string
	if err := e.pool.QueryRow(ctx, `SELECT min(id) FILTER (WHERE n = 1), min(code) FILTER (WHERE n = 1), min(id) FILTER (WHERE n = 2),
	    min(code) FILTER (WHERE n = 2)
	  FROM (SELECT id, code, row_number() OVER (ORDER BY code) n FROM org_unit
	    WHERE level = 'commune' AND valid_from <= '2024-01-01' AND (valid_to IS NULL OR valid_to > '2024-12-31')) c`).Scan(&a, &aCode, &b, &bCode); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT id FROM org_unit WHERE level = 'province' AND valid_from <= '2024-01-01'
	  ORDER BY valid_from DESC LIMIT 1`).Scan(&province); err != nil {
		t.Fatal(err)
	}
	// event inserts an event with its participants (band, female, male, …).
	event := func(unit int, kind, from, to string, deleted bool, bands ...any) int64 {
		var id int64
		if err := e.pool.QueryRow(ctx, `INSERT INTO children_event (unit_id, kind, starts_on, ends_on, title, theme, officials, deleted_at)
		  VALUES ($1, $2, $3, $4, 'Sự kiện', 'Chủ đề', 5, CASE WHEN $5 THEN now() END) RETURNING id`,
			unit, kind, from, to, deleted).Scan(&id); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(bands); i += 3 {
			e.exec(t, `INSERT INTO children_event_participant (event_id, age_band, female, male) VALUES ($1, $2, $3, $4)`,
				id, bands[i], bands[i+1], bands[i+2])
		}
		return id
	}
	// rec inserts a recommendation of a forum ending on raised, due 30 days later.
	rec := func(ev int64, unit int, raised, due string, answered any, deleted bool) int64 {
		var id int64
		if err := e.pool.QueryRow(ctx, `INSERT INTO forum_recommendation (event_id, unit_id, raised_on, due_on, text,
		    responding_unit_id, answer, answered_on, deleted_at)
		  VALUES ($1, $2::int, $3, $4, 'Kiến nghị', CASE WHEN $5::date IS NOT NULL THEN $2::int END, CASE WHEN $5::date IS NOT NULL THEN 'Trả lời' END,
		    $5, CASE WHEN $6 THEN now() END) RETURNING id`, ev, unit, raised, due, answered, deleted).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	event(a, "action_month", "2024-06-01", "2024-06-30", false, "6-10", 3, 0, "11-15", 10, 12) // 25 children
	forumA := event(a, "children_forum", "2024-05-30", "2024-05-31", false, "11-15", 4, 5)     // 9 children
	rec(forumA, a, "2024-05-31", "2024-06-30", "2024-06-30", false)                            // on time, on the due day
	rec(forumA, a, "2024-05-31", "2024-06-30", "2024-07-01", false)                            // a day late
	open := rec(forumA, a, "2024-05-31", "2024-06-30", nil, false)                             // open
	rec(forumA, a, "2024-05-31", "2024-06-30", "2024-06-01", true)                             // deleted
	december := event(a, "children_forum", "2024-12-10", "2024-12-10", false, "16-17", 1, 1)   // 2 children
	rec(december, a, "2024-12-10", "2025-01-09", "2024-12-20", false)                          // raised in 2024, due in 2025
	gone := event(a, "children_forum", "2024-03-01", "2024-03-01", true, "11-15", 50, 50)      // deleted: nothing counts
	rec(gone, a, "2024-03-01", "2024-03-31", "2024-03-20", false)
	forumB := event(b, "children_forum", "2024-04-01", "2024-04-01", false, "6-10", 2, 2) // 4 children
	rec(forumB, b, "2024-04-01", "2024-05-01", "2024-05-01", false)
	forumP := event(province, "children_forum", "2024-06-01", "2024-06-01", false, "11-15", 30, 30) // the province's: no commune row
	rec(forumP, province, "2024-06-01", "2024-07-01", "2024-06-15", false)

	e.run(t, e.a, true)
	// 2025: A's December recommendation fell due, and was answered on time.
	if got := childrenEventFacts(t, e.a, 2025); len(got) != 1 || got[aCode] != (eventCounts{0, 0, 0, 0, 1, 1}) {
		t.Fatalf("2025: %v, want %s: [0 0 0 0 1 1]", got, aCode)
	}
	// 2024, by hand: A held 1 Action Month and 2 forums (the deleted one not),
	// 25 + 9 + 2 = 36 children; 4 recommendations raised (3 in May, 1 in
	// December), 3 due (those of May), 1 answered on time. B: 1 forum, 4
	// children, 1 raised, 1 due, 1 on time.
	want := map[string]eventCounts{aCode: {1, 2, 36, 4, 3, 1}, bCode: {0, 1, 4, 1, 1, 1}}
	if got := childrenEventFacts(t, e.a, 2024); len(got) != len(want) || got[aCode] != want[aCode] || got[bCode] != want[bCode] {
		t.Fatalf("children's events (action months, forums, children, raised, due, on time) by commune: %v, want %v", got, want)
	}

	// Edits after the load: A's open recommendation answered on time, B's forum deleted.
	e.exec(t, `UPDATE forum_recommendation SET responding_unit_id = unit_id, answer = 'Trả lời', answered_on = '2024-06-20' WHERE id = $1`, open)
	e.exec(t, `UPDATE children_event SET deleted_at = now() WHERE id = $1`, forumB)
	e.run(t, e.a, false)
	e.run(t, e.b, true)
	want = map[string]eventCounts{aCode: {1, 2, 36, 4, 3, 2}}
	inc, full := childrenEventFacts(t, e.a, 2024), childrenEventFacts(t, e.b, 2024)
	if len(inc) != 1 || inc[aCode] != want[aCode] || len(full) != 1 || full[aCode] != want[aCode] {
		t.Fatalf("after the edits: incremental %v, full %v, want %v", inc, full, want)
	}
}
