package graph

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"
	"golang.org/x/text/unicode/norm"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/domain"
)

// Children is what the child queries need of the child store; the scope
// limits every answer to the caller's area.
type Children interface {
	ChildrenPage(ctx context.Context, s domain.Scope, f domain.ChildFilter, o domain.ChildOrder, p domain.Page[domain.ChildKey], withTotal bool) (domain.ChildPage, error)
	CountChildren(ctx context.Context, s domain.Scope, f domain.ChildFilter) (int, error)
	ChildIDs(ctx context.Context, s domain.Scope, f domain.ChildFilter) ([]int64, error)
	Child(ctx context.Context, s domain.Scope, id int64) (domain.Child, error)
}

// nfc normalises text typed by a user: Vietnamese has several encodings of
// the same letters, and the database accepts only NFC.
func nfc(s string) string { return norm.NFC.String(s) }

func nfcPtr(s *string) *string {
	if s == nil {
		return nil
	}
	v := nfc(*s)
	return &v
}

// searchText normalises a string filter and refuses what no stored text can
// contain (control characters, which Postgres text also refuses as NUL).
func searchText(field, s string) (string, error) {
	s = nfc(s)
	if err := domain.ValidText(field, s, 200); err != nil {
		return "", err
	}
	return s, nil
}

// parseID reads a numeric GraphQL ID.
func parseID(field, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Invalid(field, "must be a positive integer id")
	}
	return id, nil
}

// scopedID reads the id of a record of type typ given in field, and the
// caller's area, which every read or write of one record needs first.
func (r *Resolver) scopedID(ctx context.Context, field, typ, id string) (domain.Scope, int64, error) {
	n, err := nodeID(field, typ, id)
	if err != nil {
		return domain.Scope{}, 0, err
	}
	scope, err := r.scope(ctx)
	return scope, n, err
}

// childResult turns a store's answer about one child into the model.
func childResult(c domain.Child, err error) (*model.Child, error) {
	if err != nil {
		return nil, err
	}
	return childModel(c), nil
}

func dateOf(d *scalar.Date) *time.Time {
	if d == nil {
		return nil
	}
	return &d.Time
}

func datePtr(t *time.Time) *scalar.Date {
	if t == nil {
		return nil
	}
	return &scalar.Date{Time: *t}
}

func childModel(c domain.Child) *model.Child {
	return &model.Child{ID: globalID(nodeChild, c.ID), FullName: c.FullName, BirthDate: scalar.Date{Time: c.BirthDate},
		Sex: model.Sex(c.Sex), Ethnicity: c.Ethnicity, IdentityNumber: c.IdentityNumber, Address: c.Address,
		DeathDate: datePtr(c.DeathDate), ChildID: c.ID, CommuneID: c.CommuneID, HouseholdID: c.HouseholdID}
}

// childOrder reads orderBy; the list name in a cursor includes the order, so a
// cursor of one order is refused by another.
func childOrder(in *model.ChildOrder) (domain.ChildOrder, string) {
	o := domain.ChildOrder{Field: domain.ChildOrderID}
	if in != nil {
		switch in.Field {
		case model.ChildOrderFieldBirthDate:
			o.Field = domain.ChildOrderBirthDate
		case model.ChildOrderFieldFullName:
			o.Field = domain.ChildOrderFullName
		}
		o.Desc = in.Direction == model.OrderDirectionDesc
	}
	name := "children:" + string(o.Field)
	if o.Desc {
		name += ":desc"
	}
	return o, name
}

// childFilter turns the schema's filter into the store's, expanding org units
// at any level to their communes and ages to birth dates on asOf, the one
// reference date of the whole tree.
func (r *Resolver) childFilter(ctx context.Context, in *model.ChildFilter) (domain.ChildFilter, error) {
	asOf := r.today()
	if in == nil {
		return domain.ChildFilter{AsOf: asOf}, nil
	}
	if err := checkFilterTree("filter", in, func(f *model.ChildFilter) ([]*model.ChildFilter, []*model.ChildFilter) {
		return f.And, f.Or
	}); err != nil {
		return domain.ChildFilter{}, err
	}
	if in.AsOf != nil {
		asOf = in.AsOf.Time
	}
	f, err := r.childFilterAt(ctx, "filter", in, asOf)
	f.AsOf = asOf
	return f, err
}

// childFilterAt converts the filter at path, and its sub-filters.
func (r *Resolver) childFilterAt(ctx context.Context, path string, in *model.ChildFilter, asOf time.Time) (domain.ChildFilter, error) {
	var f domain.ChildFilter
	var err error
	if in.AsOf != nil && path != "filter" {
		return f, domain.Invalid(path+".asOf", "give asOf on the top filter only: it holds for the whole filter")
	}
	// The areas listed are a union; the caller's own area is still applied
	// outside the whole tree by the store, so a listed unit elsewhere adds nobody.
	if f.UnitIDs, err = r.areasOf(ctx, path, in.OrgUnit, in.OrgUnitIn, asOf); err != nil {
		return f, err
	}
	// sex is sexIn's list of one.
	sexes, err := oneOrIn(path, "sex", in.Sex, in.SexIn)
	if err != nil {
		return f, err
	}
	for _, x := range sexes {
		f.Sexes = append(f.Sexes, domain.Sex(x))
	}
	f.BornFrom, f.BornTo = dateOf(in.BornFrom), dateOf(in.BornTo)
	if in.AgeMin != nil {
		if *in.AgeMin < 0 || *in.AgeMin > 30 {
			return f, domain.Invalid(path+".ageMin", "must be between 0 and 30")
		}
		// Aged at least n on asOf: born on or before asOf minus n years.
		last := asOf.AddDate(-*in.AgeMin, 0, 0)
		if f.BornTo == nil || last.Before(*f.BornTo) {
			f.BornTo = &last
		}
	}
	if in.AgeMax != nil {
		if *in.AgeMax < 0 || *in.AgeMax > 30 {
			return f, domain.Invalid(path+".ageMax", "must be between 0 and 30")
		}
		if in.AgeMin != nil && *in.AgeMin > *in.AgeMax {
			return f, domain.Invalid(path+".ageMax", "must not be below ageMin")
		}
		// Aged at most n on asOf: not yet n+1, so born after asOf minus n+1 years.
		first := asOf.AddDate(-*in.AgeMax-1, 0, 1)
		if f.BornFrom == nil || first.After(*f.BornFrom) {
			f.BornFrom = &first
		}
	}
	if in.NameContains != nil {
		if f.NameContains, err = searchText(path+".nameContains", *in.NameContains); err != nil {
			return f, err
		}
	}
	groups, err := oneOrIn(path, "circumstance", in.Circumstance, in.CircumstanceIn)
	if err != nil {
		return f, err
	}
	if f.Circumstances, err = mapEach(groups, func(g string) (string, error) {
		return searchText(path+".circumstance", g)
	}); err != nil {
		return f, err
	}
	if in.PovertyStatus != nil {
		f.PovertyStatus = mustCodeOf(*in.PovertyStatus, domain.PovertyStatuses)
	}
	f.BirthRegistered, f.Insured = in.BirthRegistered, in.Insured
	types, err := oneOrIn(path, "caseType", in.CaseType, in.CaseTypeIn)
	if err != nil {
		return f, err
	}
	f.CaseTypes = lowerCodes(types)
	statuses, err := oneOrIn(path, "caseStatus", in.CaseStatus, in.CaseStatusIn)
	if err != nil {
		return f, err
	}
	f.CaseStatuses = lowerCodes(statuses)
	f.And, f.Or, err = subFilters(path, in.And, in.Or, func(p string, sub *model.ChildFilter) (domain.ChildFilter, error) {
		return r.childFilterAt(ctx, p, sub, asOf)
	})
	return f, err
}

// lowerCodes spells enum values as the store's codes (CaseType and CaseStatus
// values are their codes in capitals).
func lowerCodes[E ~string](list []E) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = strings.ToLower(string(e))
	}
	return out
}

func (r *Resolver) children(ctx context.Context, args pageArgs, filter *model.ChildFilter,
	orderBy *model.ChildOrder) (*model.ChildConnection, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	f, err := r.childFilter(ctx, filter)
	if err != nil {
		return nil, err
	}
	o, list := childOrder(orderBy)
	n, backward, k, err := r.Cursors.page(list, args)
	if err != nil {
		return nil, err
	}
	var from *domain.ChildKey
	if k != nil {
		from = &domain.ChildKey{ID: k.ID, BirthDate: k.Date, FullName: k.Text}
	}
	// The count comes in the page's round trip when the request selects it,
	// unless the filter tests personal fields: then the count tells of every
	// child it counts, and is the number of their ids, which the audit names.
	withTotal := slices.Contains(graphql.CollectAllFields(ctx), "totalCount")
	personal := personalFields(filter, nil) != nil
	fields := personalFields(filter, orderBy)
	page, err := r.Children.ChildrenPage(ctx, scope, f, o, pageFrom(n, backward, from), withTotal && !personal)
	if err != nil {
		return nil, err
	}
	cs, more := page.Children, page.More
	read := make([]int64, 0, len(cs)+1)
	for _, c := range cs {
		read = append(read, c.ID)
	}
	if fields != nil && page.Next != 0 {
		// hasNextPage tells whether the row past the page matched the
		// filter, and where it ranks by name or birth date.
		read = append(read, page.Next)
	}
	if withTotal && personal {
		counted, err := r.Children.ChildIDs(ctx, scope, f)
		if err != nil {
			return nil, err
		}
		total := len(counted)
		page.Total = &total
		read = append(read, counted...)
	}
	if err := auditPersonalFilter(ctx, fields, read); err != nil {
		return nil, err
	}
	primeChildEdges(ctx, cs)
	conn := &model.ChildConnection{Edges: make([]*model.ChildEdge, len(cs)),
		Counter: func(ctx context.Context) (int, error) {
			if page.Total != nil {
				return *page.Total, nil
			}
			return r.Children.CountChildren(ctx, scope, f)
		}}
	cursors := make([]string, len(cs))
	for i, c := range cs {
		k := keyset{Order: list, ID: c.ID}
		switch o.Field {
		case domain.ChildOrderBirthDate:
			k.Date = c.BirthDate
		case domain.ChildOrderFullName:
			k.Text = c.FullName
		}
		cursors[i] = r.Cursors.seal(k)
		conn.Edges[i] = &model.ChildEdge{Cursor: cursors[i], Node: childModel(c)}
	}
	conn.PageInfo = pageInfo(cursors, backward, more)
	return conn, nil
}

// auditPersonalFilter records, for the children ids whose fields a filter or
// an order told of, the personal fields it used (personalFields): finding a
// child by name or birth date, or ranking children by them, reads those
// fields even when the query selects none of them, and even when only
// totalCount is asked for. The entry names the records of the page, the row
// read past it (whose match hasNextPage tells) and, for a totalCount, every
// child counted: a count moves with each of them, a decoy filling the page or
// an empty page (first: 0) notwithstanding. A search that matched nobody is
// still recorded, with the fields and no records, because "nobody" answers
// it too.
func auditPersonalFilter(ctx context.Context, fields []string, ids []int64) error {
	if len(fields) == 0 {
		return nil
	}
	return recordReads(ctx, "Child", ids, fields)
}

// personalFields lists the personal fields the filter tree in and the order
// test, nil when none.
func personalFields(in *model.ChildFilter, order *model.ChildOrder) []string {
	var fields []string
	note := func(tested bool, field string) {
		if tested && !slices.Contains(fields, field) {
			fields = append(fields, field)
		}
	}
	// A condition tests personal fields wherever it sits in the tree: a
	// branch of an or-list narrows the list as surely as the top filter.
	var walk func(f *model.ChildFilter)
	walk = func(f *model.ChildFilter) {
		note(f.NameContains != nil, "fullName")
		note(f.BornFrom != nil || f.BornTo != nil || f.AgeMin != nil || f.AgeMax != nil, "birthDate")
		for _, sub := range slices.Concat(f.And, f.Or) {
			walk(sub)
		}
	}
	if in != nil {
		walk(in)
	}
	if order != nil {
		note(order.Field == model.ChildOrderFieldFullName, "fullName")
		note(order.Field == model.ChildOrderFieldBirthDate, "birthDate")
	}
	return fields
}

func (r *Resolver) child(ctx context.Context, id string) (*model.Child, error) {
	scope, cid, err := r.scopedID(ctx, "id", nodeChild, id)
	if err != nil {
		return nil, err
	}
	return childResult(r.Children.Child(ctx, scope, cid))
}

// childByID loads a child through the request's loader: nil when it is outside
// the caller's area, so a nested edge shows nothing.
func (r *Resolver) childByID(ctx context.Context, id int64) (*model.Child, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	c, err := l.children.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, domain.Errorf(domain.CodeNotFound, "no child %d", id)
	}
	if err != nil {
		return nil, err
	}
	return childModel(c), nil
}

func (r *Resolver) childCommune(ctx context.Context, c *model.Child) (*model.OrgUnit, error) {
	return r.unitByID(ctx, c.CommuneID, r.today())
}

func (r *Resolver) childHousehold(ctx context.Context, c *model.Child) (*model.Household, error) {
	if c.HouseholdID == nil {
		return nil, nil
	}
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	h, err := l.households.Load(ctx, *c.HouseholdID)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return householdModel(h), nil
}

func householdModel(h domain.Household) *model.Household {
	m := &model.Household{ID: globalID(nodeHousehold, h.ID), Poverty: make([]*model.HouseholdPoverty, len(h.Poverty))}
	for i, p := range h.Poverty {
		m.Poverty[i] = &model.HouseholdPoverty{Year: p.Year, Status: enumOf[model.PovertyStatus](p.Status)}
	}
	return m
}

// loadList loads one per-parent list (a child's, an inspection's) and converts its rows.
func loadList[D, M any](ctx context.Context, pick func(*loaders) *dataloadgen.Loader[int64, []D], id int64,
	conv func(D) M) ([]M, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := pick(l).Load(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]M, len(rows))
	for i, row := range rows {
		out[i] = conv(row)
	}
	return out, nil
}

func (r *Resolver) childCircumstances(ctx context.Context, c *model.Child, activeOn *scalar.Date) ([]*model.Circumstance, error) {
	all, err := loadList(ctx, func(l *loaders) *dataloadgen.Loader[int64, []domain.Circumstance] { return l.circumstances },
		c.ChildID, func(x domain.Circumstance) domain.Circumstance { return x })
	if err != nil {
		return nil, err
	}
	out := []*model.Circumstance{}
	for _, x := range all {
		if activeOn != nil && (activeOn.Before(x.StartedOn) || (x.EndedOn != nil && activeOn.After(*x.EndedOn))) {
			continue
		}
		out = append(out, &model.Circumstance{ID: model.ID(x.ID), Group: x.GroupCode,
			StartedOn: scalar.Date{Time: x.StartedOn}, EndedOn: datePtr(x.EndedOn)})
	}
	return out, nil
}

func (r *Resolver) childCases(ctx context.Context, c *model.Child, open *bool) ([]*model.ProtectionCase, error) {
	pick := func(l *loaders) *dataloadgen.Loader[int64, []domain.Case] { return l.cases }
	if open != nil && *open {
		pick = func(l *loaders) *dataloadgen.Loader[int64, []domain.Case] { return l.openCases }
	}
	now := r.now()
	return loadList(ctx, pick, c.ChildID, func(x domain.Case) *model.ProtectionCase { return caseModel(x, now) })
}

func (r *Resolver) childBirthRegistration(ctx context.Context, c *model.Child) (*model.BirthRegistration, error) {
	regs, err := loadList(ctx, func(l *loaders) *dataloadgen.Loader[int64, []domain.BirthRegistration] { return l.birthRegs },
		c.ChildID, func(b domain.BirthRegistration) *model.BirthRegistration {
			return &model.BirthRegistration{RegisteredOn: scalar.Date{Time: b.RegisteredOn},
				CertificateNumber: b.CertificateNumber, UnitID: b.UnitID, ChildID: c.ChildID}
		})
	if err != nil || len(regs) == 0 {
		return nil, err
	}
	return regs[0], nil
}

func (r *Resolver) childResidenceRegistrations(ctx context.Context, c *model.Child) ([]*model.ResidenceRegistration, error) {
	return loadList(ctx, func(l *loaders) *dataloadgen.Loader[int64, []domain.ResidenceRegistration] { return l.residences },
		c.ChildID, func(x domain.ResidenceRegistration) *model.ResidenceRegistration {
			return &model.ResidenceRegistration{ID: model.ID(x.ID), Kind: x.Kind, RegisteredOn: scalar.Date{Time: x.RegisteredOn},
				EndedOn: datePtr(x.EndedOn), UnitID: x.UnitID}
		})
}

func (r *Resolver) childInsuranceCards(ctx context.Context, c *model.Child) ([]*model.InsuranceCard, error) {
	return loadList(ctx, func(l *loaders) *dataloadgen.Loader[int64, []domain.InsuranceCard] { return l.cards },
		c.ChildID, func(x domain.InsuranceCard) *model.InsuranceCard {
			return &model.InsuranceCard{ID: model.ID(x.ID), CardNumber: x.CardNumber,
				ValidFrom: scalar.Date{Time: x.ValidFrom}, ValidTo: scalar.Date{Time: x.ValidTo}}
		})
}

func (r *Resolver) childInjuries(ctx context.Context, c *model.Child) ([]*model.Injury, error) {
	return loadList(ctx, func(l *loaders) *dataloadgen.Loader[int64, []domain.Injury] { return l.injuries }, c.ChildID, injuryModel)
}

func (r *Resolver) childSupports(ctx context.Context, c *model.Child) ([]*model.Support, error) {
	return loadList(ctx, func(l *loaders) *dataloadgen.Loader[int64, []domain.Support] { return l.supports }, c.ChildID, supportModel)
}
