package etl

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"treem/internal/extract"
)

// Attacks on the partial re-read of an incremental run: a changed child is
// read again only for its own row and the kinds of rows the change log names,
// the rest comes from its ledger input. Each step compares the incremental
// warehouse with a clean full load.

// The bits of the kinds of rows are distinct: an event kind never shares a
// bit with residences, cards or circumstances, so a change to one kind never
// takes another kind's rows from the ledger.
func TestAttackPartialRowsBitsDistinct(t *testing.T) {
	others := extract.ResidenceRows | extract.CardRows | extract.CircumstanceRows
	var seen extract.Rows
	for k := extract.EvBirthRegistration; k <= extract.EvPreschool; k++ {
		b := extract.EventRows(k)
		if b == 0 || b&(b-1) != 0 || b&others != 0 || b&seen != 0 {
			t.Errorf("event kind %d has rows %b, which is not one bit of its own", k, b)
		}
		seen |= b
	}
	for _, b := range []extract.Rows{extract.ResidenceRows, extract.CardRows, extract.CircumstanceRows} {
		if b == 0 || b&(b-1) != 0 || b&seen != 0 {
			t.Errorf("rows %b are not one bit of their own", b)
		}
		seen |= b
	}
}

// Rows of every kind moved from one child to another (both known to the
// ledger), hard-deleted, and a new row for the child that received them in
// the next run, when its other rows come from the ledger written by the move.
func TestAttackPartialRowsMovedBetweenChildren(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 41)
	f.addChildren(t, e.pool, 60)
	c := f.children
	unit := f.unitAt(f.communes[1], f.today-40)
	e.exec(t, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome) VALUES ($1, $2, $3, 'drowning', 'died')`,
		c[0], unit, (f.today - 40).Time())
	e.exec(t, `INSERT INTO support (child_id, unit_id, support_type, provider, given_on) VALUES ($1, $2, 'cash', 'UBND xã', $3)`,
		c[0], unit, (f.today - 40).Time())
	e.exec(t, `INSERT INTO school_attendance (child_id, unit_id, school_year, level, attending)
		SELECT $1, $2, extract(year FROM birth_date)::int + 5, 'preschool', true FROM child WHERE id = $1
		ON CONFLICT DO NOTHING`, c[2], unit)
	e.run(t, e.a, false)

	e.exec(t, `UPDATE injury SET child_id = $2 WHERE child_id = $1`, c[0], c[1])
	e.exec(t, `UPDATE support SET child_id = $2 WHERE child_id = $1`, c[0], c[1])
	e.exec(t, `UPDATE child_residence SET child_id = $2 WHERE child_id = $1`, c[3], c[4])
	e.exec(t, `UPDATE insurance_card SET child_id = $2 WHERE child_id = $1`, c[5], c[6])
	e.exec(t, `UPDATE child_circumstance SET child_id = $2 WHERE child_id = ANY($1)`, c[7:12], c[12])
	e.exec(t, `UPDATE school_attendance SET child_id = $2 WHERE child_id = $1
		AND NOT EXISTS (SELECT 1 FROM school_attendance s WHERE s.child_id = $2)`, c[2], c[13])
	e.exec(t, `DELETE FROM nutrition_measurement WHERE child_id = ANY($1)`, c[14:20])
	e.exec(t, `DELETE FROM insurance_card WHERE child_id = $1`, c[20])
	e.step(t, "rows moved to other children and hard-deleted")

	// The receiving children, completed from the ledger the move wrote.
	e.exec(t, `INSERT INTO gift_visit (child_id, unit_id, occasion, visited_on, value_vnd) VALUES ($1, $2, 'tet', $3, 1)`,
		c[1], unit, (f.today - 2).Time())
	e.exec(t, `INSERT INTO health_checkup (child_id, unit_id, checked_on) SELECT id, $2, $3 FROM child WHERE id = ANY($1)`,
		[]int64{c[4], c[6], c[12], c[13]}, unit, (f.today - 5).Time())
	e.step(t, "new rows for the children that received rows")

	// And moved back, in one transaction with an edit of another kind.
	b := &pgx.Batch{}
	b.Queue(`UPDATE injury SET child_id = $2 WHERE child_id = $1`, c[1], c[0])
	b.Queue(`UPDATE child_residence SET child_id = $2 WHERE child_id = $1`, c[4], c[3])
	b.Queue(`UPDATE child SET birth_date = birth_date - 30 WHERE id = ANY($1)`, []int64{c[0], c[4]})
	f.exec(t, e.pool, b)
	e.step(t, "rows moved back with a birth date corrected")
}

// Preschool attendance switching level and attending (the row leaves and
// re-enters the source's condition), with edits of other kinds to the same
// child in the same transaction and in the next run.
func TestAttackPartialPreschoolSwitches(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 42)
	f.addChildren(t, e.pool, 80)
	kids := e.ids(t, `SELECT id FROM child WHERE deleted_at IS NULL AND birth_date < $1::date - 2200
		AND NOT EXISTS (SELECT 1 FROM school_attendance s WHERE s.child_id = child.id) ORDER BY id LIMIT 4`, f.today.Time())
	if len(kids) < 4 {
		t.Fatalf("fixture: %d children old enough without attendance", len(kids))
	}
	e.exec(t, `INSERT INTO school_attendance (child_id, unit_id, school_year, level, attending)
		SELECT id, commune_id, extract(year FROM birth_date)::int + 5, 'preschool', true FROM child WHERE id = ANY($1)`, kids)
	e.run(t, e.a, false)
	b := &pgx.Batch{}
	b.Queue(`UPDATE school_attendance SET level = 'primary' WHERE child_id = $1`, kids[0])
	b.Queue(`INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome)
		SELECT id, commune_id, $2, 'fall', 'injured' FROM child WHERE id = $1`, kids[0], (f.today - 1).Time())
	f.exec(t, e.pool, b)
	e.exec(t, `UPDATE school_attendance SET attending = false WHERE child_id = $1`, kids[1])
	e.exec(t, `UPDATE insurance_card SET valid_to = valid_from + 3000 WHERE child_id = $1`, kids[1])
	e.exec(t, `UPDATE school_attendance SET deleted_at = now() WHERE child_id = $1`, kids[2])
	e.step(t, "preschool rows left the condition")
	e.exec(t, `UPDATE school_attendance SET level = 'preschool' WHERE child_id = $1`, kids[0])
	e.exec(t, `UPDATE school_attendance SET attending = true WHERE child_id = $1`, kids[1])
	e.exec(t, `UPDATE school_attendance SET deleted_at = NULL, school_year = school_year + 1 WHERE child_id = $1`, kids[2])
	e.exec(t, `UPDATE injury SET occurred_on = occurred_on - 1 WHERE child_id = $1`, kids[0])
	e.step(t, "preschool rows back in the condition")
	e.exec(t, `UPDATE insurance_card SET valid_to = valid_from + 500 WHERE child_id = ANY($1)`, kids)
	e.step(t, "only cards edited: attendance from the ledger")
}

// A child deleted, its rows edited while it is deleted (the ledger has
// forgotten it), undeleted; a child deleted for good with all its rows; a
// child whose own row and rows of two kinds change in one transaction with
// its household's poverty.
func TestAttackPartialDeletedChildRowsEdited(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 43)
	f.addChildren(t, e.pool, 50)
	c := f.children
	unit := f.unitAt(f.communes[2], f.today-9)
	e.run(t, e.a, false)
	e.exec(t, `UPDATE child SET deleted_at = now() WHERE id = ANY($1)`, c[:3])
	e.step(t, "children deleted")
	e.exec(t, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome) VALUES ($1, $2, $3, 'traffic', 'injured')`,
		c[0], unit, (f.today - 9).Time())
	e.exec(t, `UPDATE insurance_card SET valid_to = valid_from + 6000 WHERE child_id = $1`, c[1])
	e.exec(t, `UPDATE child_residence SET deleted_at = now() WHERE child_id = $1`, c[2])
	e.step(t, "rows of deleted children edited")
	e.exec(t, `UPDATE child SET deleted_at = NULL WHERE id = ANY($1)`, c[:2])
	e.step(t, "undeleted")
	e.exec(t, `UPDATE child SET deleted_at = NULL WHERE id = $1`, c[2])
	e.exec(t, `INSERT INTO gift_visit (child_id, unit_id, occasion, visited_on, value_vnd) VALUES ($1, $2, 'tet', $3, 1)`,
		c[2], unit, (f.today - 9).Time())
	e.step(t, "undeleted with a new row")

	// Deleted for good: every row, then the child.
	b := &pgx.Batch{}
	for _, table := range []string{"child_residence", "insurance_card", "child_circumstance", "birth_registration", "protection_case",
		"injury", "support", "swimming_enrolment", "gift_visit", "immunisation", "nutrition_measurement", "health_checkup",
		"school_attendance"} {
		b.Queue(`DELETE FROM `+table+` WHERE child_id = $1`, c[3])
	}
	b.Queue(`DELETE FROM child WHERE id = $1`, c[3])
	f.exec(t, e.pool, b)
	e.step(t, "a child deleted for good")

	hh := e.ids(t, `SELECT household_id FROM child WHERE id = ANY($1) AND household_id IS NOT NULL ORDER BY id LIMIT 1`, c[4:])
	if len(hh) == 0 {
		t.Fatal("fixture: no household")
	}
	b = &pgx.Batch{}
	b.Queue(`UPDATE child SET household_id = $2, sex = CASE sex WHEN 'M' THEN 'F' ELSE 'M' END WHERE id = $1`, c[5], hh[0])
	b.Queue(`UPDATE household_poverty SET status = CASE status WHEN 'poor' THEN 'neither' ELSE 'poor' END WHERE household_id = $1`, hh[0])
	b.Queue(`INSERT INTO support (child_id, unit_id, support_type, provider, given_on) VALUES ($1, $2, 'cash', 'UBND xã', $3)`,
		c[5], unit, (f.today - 9).Time())
	b.Queue(`UPDATE insurance_card SET deleted_at = now() WHERE child_id = $1`, c[5])
	f.exec(t, e.pool, b)
	e.step(t, "a child, two kinds of its rows and its household's poverty in one transaction")
}

// A new child whose rows arrive in separate transactions, some between the
// same two runs, some each in a run of their own.
func TestAttackPartialNewChildRowsInSeparateTransactions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 44)
	f.addChildren(t, e.pool, 30)
	e.run(t, e.a, false)
	home := f.unitAt(f.communes[0], f.today)
	birth := f.today - 800
	var kid, twin int64
	for _, id := range []*int64{&kid, &twin} {
		if err := e.pool.QueryRow(ctx, `INSERT INTO child (full_name, sex, birth_date, commune_id) VALUES ('Trẻ mới', 'F', $1, $2) RETURNING id`,
			birth.Time(), home).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	e.exec(t, `INSERT INTO child_residence (child_id, unit_id, valid_from) VALUES ($1, $2, $3)`, twin, home, birth.Time())
	e.step(t, "new children, one with a residence")
	e.exec(t, `INSERT INTO child_residence (child_id, unit_id, valid_from) VALUES ($1, $2, $3)`, kid, home, birth.Time())
	e.step(t, "its residence")
	e.exec(t, `INSERT INTO insurance_card (child_id, card_number, valid_from, valid_to) VALUES ($1, 'GD0000000000001', $2, $3)`,
		kid, birth.Time(), (f.today + 300).Time())
	e.exec(t, `INSERT INTO nutrition_measurement (child_id, unit_id, measured_on, weight_kg, height_cm, underweight, stunted)
		VALUES ($1, $2, $3, 9, 70, true, false)`, kid, home, (f.today - 10).Time())
	e.exec(t, `INSERT INTO birth_registration (child_id, unit_id, registered_on) VALUES ($1, $2, $3)`, kid, home, (birth + 10).Time())
	e.exec(t, `INSERT INTO child_circumstance (child_id, group_code, started_on) VALUES ($1, 'DISABLED', $2)`, kid, (birth + 100).Time())
	e.step(t, "its card, measurement, registration and circumstance")
	e.exec(t, `INSERT INTO immunisation (child_id, unit_id, fully_immunised_on) VALUES ($1, $2, $3)`, kid, home, (birth + 300).Time())
	e.exec(t, `UPDATE child_residence SET valid_to = $2 WHERE child_id = $1`, twin, (f.today - 100).Time())
	e.exec(t, `INSERT INTO child_residence (child_id, unit_id, valid_from) VALUES ($1, $2, $3)`, twin,
		f.unitAt(f.communes[3], f.today), (f.today - 100).Time())
	e.step(t, "its immunisation, the twin moved")
	e.exec(t, `UPDATE nutrition_measurement SET stunted = true WHERE child_id = $1`, kid)
	e.step(t, "a measurement corrected, the rest from the ledger")
	// More new children than a list read alone: the whole read of the
	// children the ledger does not know is shared between the workers.
	f.addChildren(t, e.pool, 6)
	e.step(t, "six new children read whole")
}

// Transactions that commit out of order around the watermark: a row of one
// kind written by a transaction still open at a run, and a row of another
// kind of the same child committed before that run; the open one commits
// after it. The run in between completes the child from a ledger the open
// transaction's row is not in yet.
func TestAttackPartialOutOfOrderCommits(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 45)
	f.addChildren(t, e.pool, 40)
	c := f.children
	unit := f.unitAt(f.communes[1], f.today-6)
	e.run(t, e.a, false)
	open, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Rollback(ctx)
	if _, err := open.Exec(ctx, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome) VALUES ($1, $2, $3, 'burn', 'injured')`,
		c[0], unit, (f.today - 6).Time()); err != nil {
		t.Fatal(err)
	}
	if _, err := open.Exec(ctx, `UPDATE insurance_card SET valid_to = valid_from + 7000 WHERE child_id = $1`, c[1]); err != nil {
		t.Fatal(err)
	}
	e.exec(t, `UPDATE insurance_card SET valid_to = valid_from + 7000 WHERE child_id = $1`, c[0])
	e.exec(t, `INSERT INTO support (child_id, unit_id, support_type, provider, given_on) VALUES ($1, $2, 'cash', 'UBND xã', $3)`,
		c[1], unit, (f.today - 6).Time())
	e.step(t, "a transaction open at the run")
	e.exec(t, `INSERT INTO gift_visit (child_id, unit_id, occasion, visited_on, value_vnd) VALUES ($1, $2, 'tet', $3, 1)`,
		c[2], unit, (f.today - 6).Time())
	if err := open.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	e.step(t, "the open transaction committed after the run")
	e.incremental(t)
	e.step(t, "two runs in a row after it")
}

// An edit that changes nothing, of one kind of a child that has rows of
// kinds before it (a birth registration) and after it (a support): the
// child's input completed from the ledger is the one the ledger holds, so
// nothing is counted again and no generation is written.
func TestAttackPartialUnchangedChildIsNotCountedAgain(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 47)
	f.addChildren(t, e.pool, 40)
	c := f.children
	unit := f.unitAt(f.communes[0], f.today-20)
	e.exec(t, `INSERT INTO birth_registration (child_id, unit_id, registered_on) SELECT id, $2, birth_date + 5 FROM child WHERE id = $1
		ON CONFLICT DO NOTHING`, c[0], unit)
	e.exec(t, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome) VALUES ($1, $2, $3, 'fall', 'injured')`,
		c[0], unit, (f.today - 20).Time())
	e.exec(t, `INSERT INTO support (child_id, unit_id, support_type, provider, given_on) VALUES ($1, $2, 'cash', 'UBND xã', $3)`,
		c[0], unit, (f.today - 20).Time())
	e.run(t, e.a, false)
	for _, edit := range []string{`UPDATE injury SET cause = cause WHERE child_id = $1`, `UPDATE support SET given_on = given_on WHERE child_id = $1`,
		`UPDATE birth_registration SET registered_on = registered_on WHERE child_id = $1`} {
		e.exec(t, edit, c[0])
		if res := e.step(t, edit); res.Children != 0 || res.Generation != 0 {
			t.Errorf("%s: %d children counted again, generation %d written; want none", edit, res.Children, res.Generation)
		}
	}
}
