package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
)

// perChild loads the rows of one per-child table for many children in one
// statement (the dataloaders' batch functions). cols must select the columns
// scan reads; the child must be in scope.
func perChild[T any](ctx context.Context, s *ChildStore, scope domain.Scope, scan pgx.RowToFunc[T],
	cols, table, extra, order string, ids []int64) ([]T, error) {
	var q query
	q.and("x.child_id = ANY($?)", ids)
	q.and("x.deleted_at IS NULL")
	q.inUnits("c.commune_id", scope)
	if extra != "" {
		q.and(extra)
	}
	sql := "SELECT " + cols + " FROM " + table + " x JOIN child c ON c.id = x.child_id AND c.deleted_at IS NULL" +
		q.whereSQL() + " ORDER BY " + order
	out, err := readInArea(ctx, s.pool, scope, scan, sql, q.args)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", table, err)
	}
	return out, nil
}

// The columns of the per-child records that only the dataloaders read, and
// the rows they fill.
const (
	circumstanceColumns          = "x.id, x.child_id, x.group_code, x.started_on, x.ended_on"
	birthRegistrationColumns     = "x.child_id, x.unit_id, x.registered_on, x.certificate_number"
	residenceRegistrationColumns = "x.id, x.child_id, x.unit_id, x.kind, x.registered_on, x.ended_on"
	insuranceCardColumns         = "x.id, x.child_id, x.card_number, x.valid_from, x.valid_to"
)

type circumstanceRow struct {
	ID        int64      `db:"id"`
	ChildID   int64      `db:"child_id"`
	GroupCode string     `db:"group_code"`
	StartedOn time.Time  `db:"started_on"`
	EndedOn   *time.Time `db:"ended_on"`
}

func (r circumstanceRow) toDomain() domain.Circumstance {
	return domain.Circumstance{ID: r.ID, ChildID: r.ChildID, GroupCode: r.GroupCode, StartedOn: r.StartedOn, EndedOn: r.EndedOn}
}

type birthRegistrationRow struct {
	ChildID           int64     `db:"child_id"`
	UnitID            int       `db:"unit_id"`
	RegisteredOn      time.Time `db:"registered_on"`
	CertificateNumber *string   `db:"certificate_number"`
}

func (r birthRegistrationRow) toDomain() domain.BirthRegistration {
	return domain.BirthRegistration{ChildID: r.ChildID, UnitID: r.UnitID, RegisteredOn: r.RegisteredOn,
		CertificateNumber: r.CertificateNumber}
}

type residenceRegistrationRow struct {
	ID           int64      `db:"id"`
	ChildID      int64      `db:"child_id"`
	UnitID       int        `db:"unit_id"`
	Kind         string     `db:"kind"`
	RegisteredOn time.Time  `db:"registered_on"`
	EndedOn      *time.Time `db:"ended_on"`
}

func (r residenceRegistrationRow) toDomain() domain.ResidenceRegistration {
	return domain.ResidenceRegistration{ID: r.ID, ChildID: r.ChildID, UnitID: r.UnitID, Kind: r.Kind,
		RegisteredOn: r.RegisteredOn, EndedOn: r.EndedOn}
}

type insuranceCardRow struct {
	ID         int64     `db:"id"`
	ChildID    int64     `db:"child_id"`
	CardNumber string    `db:"card_number"`
	ValidFrom  time.Time `db:"valid_from"`
	ValidTo    time.Time `db:"valid_to"`
}

func (r insuranceCardRow) toDomain() domain.InsuranceCard {
	return domain.InsuranceCard{ID: r.ID, ChildID: r.ChildID, CardNumber: r.CardNumber, ValidFrom: r.ValidFrom,
		ValidTo: r.ValidTo}
}

var (
	scanCircumstance          = byName(circumstanceRow.toDomain)
	scanBirthRegistration     = byName(birthRegistrationRow.toDomain)
	scanResidenceRegistration = byName(residenceRegistrationRow.toDomain)
	scanInsuranceCard         = byName(insuranceCardRow.toDomain)
)

// CircumstancesByChild returns the special circumstances (current and past) of the children ids.
func (s *ChildStore) CircumstancesByChild(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Circumstance, error) {
	return perChild(ctx, s, scope, scanCircumstance, circumstanceColumns, "child_circumstance", "",
		"x.child_id, x.started_on, x.id", ids)
}

// BirthRegistrationsByChild returns the birth registrations of the children ids.
func (s *ChildStore) BirthRegistrationsByChild(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.BirthRegistration, error) {
	return perChild(ctx, s, scope, scanBirthRegistration, birthRegistrationColumns, "birth_registration", "", "x.child_id", ids)
}

// ResidenceRegistrationsByChild returns the residence registrations of the children ids.
func (s *ChildStore) ResidenceRegistrationsByChild(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.ResidenceRegistration, error) {
	return perChild(ctx, s, scope, scanResidenceRegistration, residenceRegistrationColumns,
		"residence_registration", "", "x.child_id, x.registered_on, x.id", ids)
}

// InsuranceCardsByChild returns the insurance cards of the children ids.
func (s *ChildStore) InsuranceCardsByChild(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.InsuranceCard, error) {
	return perChild(ctx, s, scope, scanInsuranceCard, insuranceCardColumns, "insurance_card", "",
		"x.child_id, x.valid_from, x.id", ids)
}

// InjuriesByChild returns the injuries of the children ids.
func (s *ChildStore) InjuriesByChild(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Injury, error) {
	return perChild(ctx, s, scope, scanInjury, injuryColumns, "injury", "", "x.child_id, x.occurred_on, x.id", ids)
}

// SupportsByChild returns the support given to the children ids.
func (s *ChildStore) SupportsByChild(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Support, error) {
	return perChild(ctx, s, scope, scanSupport, supportColumns, "support", "", "x.child_id, x.given_on, x.id", ids)
}

// CasesByChild returns the protection cases of the children ids, only the open
// ones when openOnly.
func (s *ChildStore) CasesByChild(ctx context.Context, scope domain.Scope, ids []int64, openOnly bool) ([]domain.Case, error) {
	extra := ""
	if openOnly {
		extra = "x.closed_at IS NULL"
	}
	return perChild(ctx, s, scope, scanCase, caseColumns, "protection_case", extra,
		"x.child_id, x.received_at, x.id", ids)
}

// HouseholdsByID returns the households among ids visible in scope (their unit
// is in the area, or one of their children is), each with its poverty by year.
func (s *ChildStore) HouseholdsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Household, error) {
	var q query
	q.and("h.id = ANY($?)", ids)
	q.and("h.deleted_at IS NULL")
	if !scope.All {
		q.and(`(h.unit_id = ANY($?) OR EXISTS (SELECT 1 FROM child c WHERE c.household_id = h.id AND c.commune_id = ANY($?)))`,
			unitArray(scope.UnitIDs), unitArray(scope.UnitIDs))
	}
	var out []domain.Household
	err := inArea(ctx, s.pool, scope, true, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT h.id, h.unit_id FROM household h"+q.whereSQL()+" ORDER BY h.id", q.args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Household, error) {
			var h domain.Household
			return h, r.Scan(&h.ID, &h.UnitID)
		})
		if err != nil || len(out) == 0 {
			return err
		}
		found := make([]int64, len(out))
		at := make(map[int64]int, len(out))
		for i, h := range out {
			found[i], at[h.ID] = h.ID, i
		}
		rows, err = tx.Query(ctx, `SELECT household_id, year, status FROM household_poverty
		  WHERE household_id = ANY($1) AND deleted_at IS NULL ORDER BY household_id, year`, found)
		if err != nil {
			return err
		}
		var hid int64
		var p domain.Poverty
		_, err = pgx.ForEachRow(rows, []any{&hid, &p.Year, &p.Status}, func() error {
			out[at[hid]].Poverty = append(out[at[hid]].Poverty, p)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("households by id: %w", err)
	}
	return out, nil
}
