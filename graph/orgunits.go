package graph

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/vikstrous/dataloadgen"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/domain"
)

// unitModel converts a unit version seen on asOf (the date its children are taken on).
func unitModel(u domain.OrgUnit, asOf time.Time) *model.OrgUnit {
	m := &model.OrgUnit{UnitID: u.ID, ParentID: u.ParentID, AsOf: asOf, Code: u.Code, Name: u.Name, Type: u.Type,
		Level: model.OrgLevel(strings.ToUpper(string(u.Level))), ValidFrom: scalar.Date{Time: u.ValidFrom},
		Provisional: u.Provisional}
	if u.ValidTo != nil {
		m.ValidTo = &scalar.Date{Time: *u.ValidTo}
	}
	return m
}

// asOfOrToday is the query date of an optional asOf argument.
func (r *Resolver) asOfOrToday(asOf *scalar.Date) time.Time {
	if asOf == nil {
		return r.today()
	}
	return asOf.Time
}

func (r *Resolver) orgUnits(ctx context.Context, asOf *scalar.Date, level *model.OrgLevel, parent *string) ([]*model.OrgUnit, error) {
	day := r.asOfOrToday(asOf)
	var lv *domain.Level
	if level != nil {
		l := domain.Level(strings.ToLower(string(*level)))
		lv = &l
	}
	p := ""
	if parent != nil {
		p = *parent
	}
	us, err := r.Units.UnitsAsOf(ctx, day, lv, p)
	if err != nil {
		return nil, err
	}
	out := make([]*model.OrgUnit, len(us))
	for i, u := range us {
		out[i] = unitModel(u, day)
	}
	return out, nil
}

func (r *Resolver) orgUnit(ctx context.Context, code string, asOf *scalar.Date) (*model.OrgUnit, error) {
	day := r.asOfOrToday(asOf)
	u, err := r.Units.UnitByCode(ctx, code, day)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, nil // the schema's documented answer for an unknown code
	}
	if err != nil {
		return nil, err
	}
	return unitModel(u, day), nil
}

// residentUnits is a UnitStore that holds every unit version in memory
// (postgres.UnitCache): a lookup is a map read, with nothing to batch.
type residentUnits interface {
	UnitByID(id int) (domain.OrgUnit, bool)
}

// unitByID reads a unit version.
func (r *Resolver) unitByID(ctx context.Context, id int, asOf time.Time) (*model.OrgUnit, error) {
	u, err := r.loadUnit(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, domain.Errorf(domain.CodeInternal, "org unit %d is missing", id)
	}
	if err != nil {
		return nil, err
	}
	return unitModel(u, asOf), nil
}

// loadUnit reads a unit version from memory when the store holds them all,
// else through the request's loader.
func (r *Resolver) loadUnit(ctx context.Context, id int) (domain.OrgUnit, error) {
	if resident, ok := r.Units.(residentUnits); ok {
		if u, found := resident.UnitByID(id); found {
			return u, nil
		}
		return domain.OrgUnit{}, dataloadgen.ErrNotFound
	}
	l, err := loadersFrom(ctx)
	if err != nil {
		return domain.OrgUnit{}, err
	}
	return l.units.Load(ctx, id)
}

func (r *Resolver) unitParent(ctx context.Context, u *model.OrgUnit) (*model.OrgUnit, error) {
	if u.ParentID == 0 {
		return nil, nil
	}
	return r.unitByID(ctx, u.ParentID, u.AsOf)
}

func (r *Resolver) unitChildren(ctx context.Context, u *model.OrgUnit) ([]*model.OrgUnit, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	us, err := l.childUnits.Load(ctx, childUnitsKey{parent: u.UnitID, asOf: u.AsOf})
	if err != nil {
		return nil, err
	}
	out := make([]*model.OrgUnit, len(us))
	for i, c := range us {
		out[i] = unitModel(c, u.AsOf)
	}
	return out, nil
}

func (r *Resolver) unitLinks(ctx context.Context, u *model.OrgUnit, successors bool) ([]*model.UnitLink, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	loader := l.predecessors
	if successors {
		loader = l.successors
	}
	links, err := loader.Load(ctx, u.UnitID)
	if err != nil {
		return nil, err
	}
	out := make([]*model.UnitLink, len(links))
	for i, k := range links {
		m := &model.UnitLink{Code: k.Code, Name: k.Name, DistrictName: k.DistrictName, ProvinceName: k.ProvinceName,
			Relation: enumOf[model.CrosswalkRelation](k.Relation), Effective: scalar.Date{Time: k.Effective}, Provisional: k.Provisional}
		if k.UnitID != 0 {
			if m.Unit, err = r.unitByID(ctx, k.UnitID, k.Effective); err != nil {
				return nil, err
			}
		}
		out[i] = m
	}
	return out, nil
}

func (r *Resolver) district2021(ctx context.Context, u *model.OrgUnit) (*domain.District2021, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	d, err := l.districts2021.Load(ctx, u.UnitID)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &d, nil
}

func (r *Resolver) unitDistrict2021(ctx context.Context, u *model.OrgUnit) (*model.OrgUnit, error) {
	d, err := r.district2021(ctx, u)
	if err != nil || d == nil {
		return nil, err
	}
	return r.unitByID(ctx, d.DistrictID, u.AsOf)
}

func (r *Resolver) unitDistrict2021Approximate(ctx context.Context, u *model.OrgUnit) (bool, error) {
	d, err := r.district2021(ctx, u)
	if err != nil || d == nil {
		return false, err
	}
	return d.Approximate, nil
}
