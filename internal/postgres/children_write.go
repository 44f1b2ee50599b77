package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"treem/internal/domain"
)

// childForWrite locks a child in scope for a write about it, or NOT_FOUND.
func childForWrite(ctx context.Context, tx pgx.Tx, scope domain.Scope, id int64) (domain.Child, error) {
	var q query
	q.and("c.id = $?", id)
	q.and("c.deleted_at IS NULL")
	q.inUnits("c.commune_id", scope)
	rows, err := tx.Query(ctx, "SELECT "+childColumns+" FROM child c"+q.whereSQL()+" FOR UPDATE", q.args...)
	if err != nil {
		return domain.Child{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanChild)
	if err == pgx.ErrNoRows {
		return c, domain.Errorf(domain.CodeNotFound, "no child %d", id)
	}
	return c, err
}

// unitValidOn refuses a unit version that was not in force on day.
func unitValidOn(ctx context.Context, tx pgx.Tx, unitID int, day time.Time, field string) error {
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	var ok bool
	err := tx.QueryRow(ctx, `SELECT valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2) FROM org_unit WHERE id = $1`,
		unitID, d).Scan(&ok)
	if err == pgx.ErrNoRows {
		return domain.Invalid(field, "unknown org unit")
	}
	if err != nil {
		return err
	}
	if !ok {
		return domain.Invalid(field, "the org unit was not in force on %s", d.Format(time.DateOnly))
	}
	return nil
}

// householdVisible refuses a household the caller's area does not see: a
// foreign-key check alone would let a write attach a child to any household.
func householdVisible(ctx context.Context, tx pgx.Tx, id *int64) error {
	if id == nil {
		return nil
	}
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM household WHERE id = $1 AND deleted_at IS NULL)`, *id).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return domain.Invalid("householdId", "no such household in your area")
	}
	return nil
}

// today is the current date in Vietnam, as a UTC midnight like scanned dates.
func (s *ChildStore) today() time.Time {
	n := s.now().In(domain.Vietnam)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// RegisterChild records a new child in a commune of the caller's area.
func (s *ChildStore) RegisterChild(ctx context.Context, scope domain.Scope, n domain.NewChild) (domain.Child, error) {
	if err := n.Validate(s.today()); err != nil {
		return domain.Child{}, err
	}
	if !scope.Contains(n.CommuneID) {
		return domain.Child{}, &domain.Error{Code: domain.CodeForbidden, Field: "commune", Message: "the commune is outside your area"}
	}
	if n.Ethnicity == "" {
		n.Ethnicity = "Kinh"
	}
	var c domain.Child
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		// Both checks run before either refuses, so their problems come back together.
		if err := domain.Collect(unitValidOn(ctx, tx, n.CommuneID, s.today(), "commune"),
			householdVisible(ctx, tx, n.HouseholdID)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `INSERT INTO child AS c (full_name, sex, birth_date, ethnicity, commune_id, household_id,
		    identity_number, address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+childColumns,
			n.FullName, string(n.Sex), n.BirthDate, n.Ethnicity, n.CommuneID, n.HouseholdID, n.IdentityNumber, n.Address)
		if err != nil {
			return err
		}
		if c, err = pgx.CollectExactlyOneRow(rows, scanChild); err != nil {
			return err
		}
		return RecordWriteTx(ctx, tx, "Child", []int64{c.ID}, n.Fields())
	})
	if err != nil {
		return domain.Child{}, fmt.Errorf("register child: %w", identityTaken(err))
	}
	return c, nil
}

// UpdateChild changes the fields p sets on a child in scope; moving the child
// to another commune needs that commune in the area too.
func (s *ChildStore) UpdateChild(ctx context.Context, scope domain.Scope, id int64, p domain.ChildPatch) (domain.Child, error) {
	if err := p.Validate(s.today()); err != nil {
		return domain.Child{}, err
	}
	if p.CommuneID != nil && !scope.Contains(*p.CommuneID) {
		return domain.Child{}, &domain.Error{Code: domain.CodeForbidden, Field: "commune", Message: "the commune is outside your area"}
	}
	var c domain.Child
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		cur, err := childForWrite(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		var fields []string
		set := func(name string, changed bool) {
			if changed {
				fields = append(fields, name)
			}
		}
		set("fullName", p.FullName != nil)
		set("sex", p.Sex != nil)
		set("birthDate", p.BirthDate != nil)
		set("ethnicity", p.Ethnicity != nil)
		set("commune", p.CommuneID != nil)
		set("household", p.HouseholdID != nil)
		set("identityNumber", p.IdentityNumber != nil)
		set("address", p.Address != nil)
		set("deathDate", p.DeathDate != nil)
		// Every check runs before any refuses, so their problems come back together.
		var communeErr, deathErr error
		if p.CommuneID != nil {
			communeErr = unitValidOn(ctx, tx, *p.CommuneID, s.today(), "commune")
		}
		if p.DeathDate != nil {
			birth := cur.BirthDate
			if p.BirthDate != nil {
				birth = *p.BirthDate
			}
			deathErr = domain.NotBeforeBirth(ctx, "deathDate", *p.DeathDate, birth, id)
		}
		if err := domain.Collect(communeErr, householdVisible(ctx, tx, p.HouseholdID), deathErr); err != nil {
			return err
		}
		var sex *string
		if p.Sex != nil {
			v := string(*p.Sex)
			sex = &v
		}
		rows, err := tx.Query(ctx, `UPDATE child AS c SET full_name = coalesce($2, full_name), sex = coalesce($3, sex),
		    birth_date = coalesce($4, birth_date), ethnicity = coalesce($5, ethnicity), commune_id = coalesce($6, commune_id),
		    household_id = coalesce($7, household_id), identity_number = coalesce($8, identity_number),
		    address = coalesce($9, address), death_date = coalesce($10, death_date)
		  WHERE id = $1 RETURNING `+childColumns,
			id, p.FullName, sex, p.BirthDate, p.Ethnicity, p.CommuneID, p.HouseholdID, p.IdentityNumber, p.Address, p.DeathDate)
		if err != nil {
			return err
		}
		if c, err = pgx.CollectExactlyOneRow(rows, scanChild); err != nil {
			return err
		}
		return RecordWriteTx(ctx, tx, "Child", []int64{id}, fields)
	})
	if err != nil {
		return domain.Child{}, fmt.Errorf("update child %d: %w", id, identityTaken(err))
	}
	return c, nil
}

// identityTaken turns a clash on the unique identity number into a refusal
// that says only that the number cannot be used: whose it is, and in which
// area, stay hidden. The refusal still tells that some child holds the number,
// so it is audited as a read of an identity number.
func identityTaken(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "child_identity_number_key" {
		return &domain.Error{Code: domain.CodeConflict, Field: "identityNumber", Message: "this identity number cannot be used",
			Err: err, Reveals: &domain.Reveal{Entity: "Child", Field: "identityNumber"}}
	}
	return err
}

// childEvent runs a write about one child in scope: the date must not be in the
// future nor before the child's birth, and the unit (default: the child's
// commune) must be in force on that date. write returns the new record's id;
// the write is audited under entity with fields. A date in the future is
// refused before the transaction; checkedChildEvent gathers it with the rest.
func (s *ChildStore) childEvent(ctx context.Context, scope domain.Scope, childID int64, unitID *int, day time.Time,
	dateField, entity string, fields []string, write func(tx pgx.Tx, unit int) (int64, error)) (int64, error) {
	if err := domain.NotFuture(dateField, day, s.today()); err != nil {
		return 0, err
	}
	return s.checkedChildEvent(ctx, scope, childID, unitID, day, dateField, entity, fields, nil, write)
}

// checkedChildEvent is childEvent for a record whose input rules gave problems
// (the result of its Validate, nil when none): they join the store's checks
// (the date against the child's birth, the unit in force on it) in one list,
// so a client fixes them all in one round. The child is looked up first, and a
// child outside the area is refused alone, with none of the input's problems:
// a problem about a unit or a date must not come with a record the caller may
// not see. checks are the record's own checks against stored data (a known
// group), run in the same transaction and gathered in the same list.
func (s *ChildStore) checkedChildEvent(ctx context.Context, scope domain.Scope, childID int64, unitID *int, day time.Time,
	dateField, entity string, fields []string, problems error, write func(tx pgx.Tx, unit int) (int64, error),
	checks ...func(tx pgx.Tx) error) (int64, error) {
	var id int64
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		child, err := childForWrite(ctx, tx, scope, childID)
		if err != nil {
			return err
		}
		// Without a unit in the input, the child's commune not in force on the
		// day is a problem of the date.
		unit, unitField := child.CommuneID, dateField
		if unitID != nil {
			unit, unitField = *unitID, "unit"
		}
		// Every check runs before any refuses, so their problems come back together.
		errs := []error{problems, domain.NotBeforeBirth(ctx, dateField, day, child.BirthDate, childID),
			unitValidOn(ctx, tx, unit, day, unitField)}
		for _, check := range checks {
			errs = append(errs, check(tx))
		}
		if err := domain.Collect(errs...); err != nil {
			return err
		}
		if id, err = write(tx, unit); err != nil {
			return err
		}
		return RecordWriteTx(ctx, tx, entity, []int64{id}, fields)
	})
	if err != nil {
		return 0, fmt.Errorf("record %s: %w", entity, err)
	}
	return id, nil
}

// insertID runs an INSERT or UPDATE … RETURNING id; no row (an UPDATE or
// INSERT … SELECT that matched nothing in the area) is NOT_FOUND.
func insertID(ctx context.Context, tx pgx.Tx, sql string, args ...any) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, sql, args...).Scan(&id)
	if err == pgx.ErrNoRows {
		return 0, domain.Errorf(domain.CodeNotFound, "no matching record in your area")
	}
	return id, err
}

// AddCircumstance records that a child entered a special-circumstance group.
// An unknown group comes back with the start date's problems.
func (s *ChildStore) AddCircumstance(ctx context.Context, scope domain.Scope, childID int64, group string, started time.Time) (int64, error) {
	c := domain.Circumstance{ChildID: childID, GroupCode: group, StartedOn: started}
	return s.checkedChildEvent(ctx, scope, childID, nil, started, "startedOn", "ChildCircumstance", []string{"child", "group", "startedOn"},
		c.Validate(s.today()), func(tx pgx.Tx, _ int) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO child_circumstance (child_id, group_code, started_on) VALUES ($1, $2, $3) RETURNING id`,
				childID, group, started)
		}, func(tx pgx.Tx) error { return knownGroup(ctx, tx, group) })
}

// knownGroup refuses a group that is not a row of circumstance_group.
func knownGroup(ctx context.Context, tx pgx.Tx, group string) error {
	var known bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM circumstance_group WHERE code = $1)`, group).Scan(&known); err != nil {
		return err
	}
	if !known {
		return domain.Invalid("group", "unknown special-circumstance group")
	}
	return nil
}

// EndCircumstance closes a child's open membership of a group on ended. An
// unknown group and an end before the membership's start come back with the
// end date's problems; a known group the child is not in (now) is NOT_FOUND,
// told only for input free of problems, as it may be the group that is wrong.
func (s *ChildStore) EndCircumstance(ctx context.Context, scope domain.Scope, childID int64, group string, ended time.Time) (int64, error) {
	return s.checkedChildEvent(ctx, scope, childID, nil, ended, "endedOn", "ChildCircumstance", []string{"endedOn"},
		domain.CircumstanceEnd(ended, s.today()), func(tx pgx.Tx, _ int) (int64, error) {
			return insertID(ctx, tx, `UPDATE child_circumstance SET ended_on = $3
			  WHERE child_id = $1 AND group_code = $2 AND ended_on IS NULL AND deleted_at IS NULL RETURNING id`,
				childID, group, ended)
		}, func(tx pgx.Tx) error { return knownGroup(ctx, tx, group) }, func(tx pgx.Tx) error {
			var started time.Time
			err := tx.QueryRow(ctx, `SELECT started_on FROM child_circumstance
			  WHERE child_id = $1 AND group_code = $2 AND ended_on IS NULL AND deleted_at IS NULL`, childID, group).Scan(&started)
			switch {
			case err == pgx.ErrNoRows:
				return nil
			case err != nil:
				return err
			case ended.Before(started):
				return domain.Invalid("endedOn", "must not be before the membership's start (%s)", started.Format(time.DateOnly))
			}
			return nil
		})
}

// RecordBirthRegistration records (or corrects) a child's birth registration.
func (s *ChildStore) RecordBirthRegistration(ctx context.Context, scope domain.Scope, r domain.BirthRegistration, unit *int) (int64, error) {
	return s.checkedChildEvent(ctx, scope, r.ChildID, unit, r.RegisteredOn, "registeredOn", "BirthRegistration",
		[]string{"unit", "registeredOn", "certificateNumber"}, r.Validate(s.today()), func(tx pgx.Tx, u int) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO birth_registration (child_id, unit_id, registered_on, certificate_number)
			  VALUES ($1, $2, $3, $4) ON CONFLICT (child_id) DO UPDATE SET unit_id = EXCLUDED.unit_id,
			    registered_on = EXCLUDED.registered_on, certificate_number = EXCLUDED.certificate_number, deleted_at = NULL
			  RETURNING child_id`, r.ChildID, u, r.RegisteredOn, r.CertificateNumber)
		})
}

// RecordResidenceRegistration records a permanent or temporary residence registration.
func (s *ChildStore) RecordResidenceRegistration(ctx context.Context, scope domain.Scope, r domain.ResidenceRegistration, unit *int) (int64, error) {
	return s.checkedChildEvent(ctx, scope, r.ChildID, unit, r.RegisteredOn, "registeredOn", "ResidenceRegistration",
		[]string{"child", "unit", "kind", "registeredOn"}, r.Validate(s.today()), func(tx pgx.Tx, u int) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO residence_registration (child_id, unit_id, kind, registered_on)
			  VALUES ($1, $2, $3, $4) RETURNING id`, r.ChildID, u, r.Kind, r.RegisteredOn)
		})
}

// RecordInsuranceCard records a child's health-insurance card.
func (s *ChildStore) RecordInsuranceCard(ctx context.Context, scope domain.Scope, c domain.InsuranceCard) (int64, error) {
	if err := c.Validate(); err != nil {
		return 0, err
	}
	return s.childEvent(ctx, scope, c.ChildID, nil, c.ValidFrom, "validFrom", "InsuranceCard",
		[]string{"child", "cardNumber", "validFrom", "validTo"}, func(tx pgx.Tx, _ int) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO insurance_card (child_id, card_number, valid_from, valid_to)
			  VALUES ($1, $2, $3, $4) RETURNING id`, c.ChildID, c.CardNumber, c.ValidFrom, c.ValidTo)
		})
}
