// Package analytics answers the Board's aggregate questions (indicator values,
// district comparison, trends, free aggregates, child-friendly communes, the
// periodic report) from the warehouse only, under disclosure control. It
// declares the small interfaces it needs (Warehouse, Store); graph and the
// export handlers call it; cmd/treem wires the concrete stores.
//
// Every authenticated role may query the whole province: answers are
// aggregates and pass disclosure control (package disclosure) for every role
// but province officers, so a district or commune officer learns no more about
// another area than an analyst does. Personal data never reaches this package.
package analytics

import (
	"context"
	"sort"
	"sync"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
)

// Warehouse is what the service reads from ClickHouse.
type Warehouse interface {
	AsOf(ctx context.Context) (clickhouse.AsOf, error)
	Units(ctx context.Context) ([]clickhouse.Unit, error)
	Edges(ctx context.Context) ([]clickhouse.Edge, error)
	Counts(ctx context.Context, q clickhouse.CountQuery) ([]clickhouse.CountRow, error)
	UnitYears(ctx context.Context, year int, district string) ([]clickhouse.UnitYear, error)
	DistrictYears(ctx context.Context, year int, district string) ([]clickhouse.DistrictYear, error)
	ChannelQuarters(ctx context.Context, year int) ([]clickhouse.ChannelQuarter, error)
}

// Store is what the service reads from and writes to Postgres: the
// replaceable child-friendly scoring table and report submissions.
type Store interface {
	// ScoringTable returns the latest uploaded table, or nil when none was.
	ScoringTable(ctx context.Context) ([]byte, error)
	SaveScoringTable(ctx context.Context, version string, table []byte, uploadedBy string, departures []string, override string) error
	ReportSubmissions(ctx context.Context, period string) ([]domain.ReportSubmission, error)
	// ReportDue is the due date of a period's report under the plan's rules
	// (data, not code); a period without a report is INVALID_INPUT.
	ReportDue(ctx context.Context, period string) (time.Time, error)
	// DepartmentSubmissions are the reports of period of the departments
	// that are members on due.
	DepartmentSubmissions(ctx context.Context, period string, due time.Time) ([]domain.DepartmentSubmission, error)
}

// MaxCells bounds every answer: a breakdown that could exceed it is refused
// as TOO_COMPLEX before any query runs.
const MaxCells = 50000

// ProvinceCode is Đồng Nai's code: an org unit argument equal to it means the
// whole province.
const ProvinceCode = "75"

// ErrNotConnected is the answer while the server runs without a warehouse:
// the operational API keeps working, analytics (GraphQL and exports) say
// UNAVAILABLE.
var ErrNotConnected = domain.Errorf(domain.CodeUnavailable, "the analytics warehouse is not connected")

// Service answers analytics questions.
type Service struct {
	wh    Warehouse
	store Store
	cat   *indicators.Catalogue

	auditor Auditor

	mu       sync.Mutex
	unitsRun string
	units    *unitIndex

	scoresMu  sync.Mutex
	scoresRun string
	scores    map[scoresKey]scored
}

// New returns a service reading wh and store, with the indicator catalogue cat.
func New(wh Warehouse, store Store, cat *indicators.Catalogue) *Service {
	return &Service{wh: wh, store: store, cat: cat}
}

// Catalogue returns the indicator catalogue.
func (s *Service) Catalogue() *indicators.Catalogue { return s.cat }

// policy is the disclosure rule for the caller in ctx. Anonymous callers are
// refused (the @auth directive should have stopped them already).
func (s *Service) policy(ctx context.Context) (disclosure.Policy, error) {
	u := domain.UserFrom(ctx)
	if u == nil {
		return disclosure.Policy{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to query analytics")
	}
	if !u.Role.Valid() {
		return disclosure.Policy{}, domain.Errorf(domain.CodeForbidden, "unknown role")
	}
	return disclosure.For(u.Role.SeesExactCounts()), nil
}

// AsOf is the lineage every answer carries.
type AsOf = clickhouse.AsOf

// Meta is carried by every answer: where the data comes from and which
// definitions produced it.
type Meta struct {
	AsOf             AsOf
	CatalogueVersion string
	Approximate      bool // some 2021-district grouping relies on the code-keeper rule
	SuppressionK     uint64
	SuppressionKSens uint64
	ExactForThisRole bool
	// Populations fingerprints the populations whose counts the answer
	// released (a keyed hash of the measure, count and cell key): equal for
	// one population however it was asked for, for the analytics audit.
	Populations []string
}

// meta describes the warehouse load an answer comes from and returns the
// units of that load, which every answer resolves codes against.
func (s *Service) meta(ctx context.Context, pol disclosure.Policy) (Meta, *unitIndex, error) {
	a, ix, err := s.latestLoad(ctx)
	if err != nil {
		return Meta{}, nil, err
	}
	return Meta{AsOf: a, CatalogueVersion: s.cat.Version, SuppressionK: pol.K, SuppressionKSens: pol.KSensitive,
		ExactForThisRole: pol.Exact}, ix, nil
}

// latestLoad is the latest load and its units, as the request in ctx first
// read them (WithRequest), or read now.
func (s *Service) latestLoad(ctx context.Context) (AsOf, *unitIndex, error) {
	read := func() (AsOf, *unitIndex, error) {
		a, err := s.wh.AsOf(ctx)
		if err != nil {
			return AsOf{}, nil, err
		}
		ix, err := s.unitIndex(ctx, a)
		return a, ix, err
	}
	r := requestFrom(ctx)
	if r == nil {
		return read()
	}
	r.loadOnce.Do(func() { r.asOf, r.ix, r.loadErr = read() })
	return r.asOf, r.ix, r.loadErr
}

// Unit is an org unit as answers name it.
type Unit struct {
	Code, Name, Level string
}

// unitIndex resolves codes of dim_unit.
type unitIndex struct {
	versions  map[string][]clickhouse.Unit     // by code, oldest first
	edges     map[versionKey][]clickhouse.Edge // crosswalk edges leaving a version, best first
	joined    map[versionKey]bool              // versions another unit's territory joined
	districts []Unit                           // the 2021 districts, by code
	monthsTo  time.Time                        // the load's last month; zero before any load
	run       string                           // the run of the load; empty before any load
}

// noData reports whether sp begins after the last month loaded.
func (ix *unitIndex) noData(sp span) bool { return sp.first().After(ix.monthsTo) }

func (s *Service) unitIndex(ctx context.Context, load AsOf) (*unitIndex, error) {
	runID := load.RunID
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.units != nil && s.unitsRun == runID && runID != "" {
		return s.units, nil
	}
	us, err := s.wh.Units(ctx)
	if err != nil {
		return nil, err
	}
	edges, err := s.wh.Edges(ctx)
	if err != nil {
		return nil, err
	}
	ix := &unitIndex{versions: map[string][]clickhouse.Unit{}, edges: map[versionKey][]clickhouse.Edge{}, monthsTo: load.MonthsTo,
		run: runID}
	ix.joined = map[versionKey]bool{}
	for _, e := range edges {
		k := versionKey{e.FromCode, e.FromValidFrom}
		ix.edges[k] = append(ix.edges[k], e)
		if e.FromCode != e.ToCode {
			ix.joined[versionKey{e.ToCode, e.ToValidFrom}] = true
		}
	}
	for _, es := range ix.edges {
		sort.SliceStable(es, func(i, j int) bool {
			return domain.CrosswalkRank(es[i].Relation) < domain.CrosswalkRank(es[j].Relation)
		})
	}
	d2021 := map[string]bool{}
	for _, u := range us {
		ix.versions[u.Code] = append(ix.versions[u.Code], u)
		if u.District2021 != "" {
			d2021[u.District2021] = true
		}
	}
	for code := range d2021 {
		ix.districts = append(ix.districts, Unit{Code: code, Name: ix.name(code, y2021), Level: "district"})
	}
	sort.Slice(ix.districts, func(i, j int) bool { return ix.districts[i].Code < ix.districts[j].Code })
	s.units, s.unitsRun = ix, runID
	return ix, nil
}

var y2021 = time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)

// version returns the version of code valid on day, else the latest.
func (ix *unitIndex) version(code string, day time.Time) (clickhouse.Unit, bool) {
	vs := ix.versions[code]
	if len(vs) == 0 {
		return clickhouse.Unit{}, false
	}
	for _, v := range vs {
		if inForce(v, day) {
			return v, true
		}
	}
	return vs[len(vs)-1], true
}

// inForce reports whether version v is in force on day.
func inForce(v clickhouse.Unit, day time.Time) bool {
	return !day.Before(v.ValidFrom) && day.Before(v.ValidTo)
}

// validOn reports whether the version of code that began on from is in force on day.
func (ix *unitIndex) validOn(code string, from, day time.Time) bool {
	for _, v := range ix.versions[code] {
		if v.ValidFrom.Equal(from) {
			return inForce(v, day)
		}
	}
	return false
}

func (ix *unitIndex) name(code string, day time.Time) string {
	if v, ok := ix.version(code, day); ok {
		return v.Name
	}
	return code
}

// scope is the org-unit restriction of a query.
type scope struct {
	Unit     Unit
	District string // 2021 district code
	Commune  string
	// heirs, when set, counts every commune's history under the commune in
	// force on its day that holds its territory (breakdowns by commune).
	heirs *heirs
}

// resolve reads an org-unit argument: the province code, a 2021 district or a
// commune code. Anything else is NOT_FOUND.
func (ix *unitIndex) resolve(field, code string, day time.Time) (scope, error) {
	if code == "" || code == ProvinceCode {
		return scope{Unit: Unit{Code: ProvinceCode, Name: ix.name(ProvinceCode, day), Level: "province"}}, nil
	}
	for _, d := range ix.districts {
		if d.Code == code {
			return scope{Unit: d, District: code}, nil
		}
	}
	v, ok := ix.version(code, day)
	if !ok || v.Level != "commune" {
		return scope{}, &domain.Error{Code: domain.CodeNotFound, Field: field, Message: "unknown org unit " + code}
	}
	return scope{Unit: Unit{Code: code, Name: v.Name, Level: "commune"}, Commune: code}, nil
}

// approximate reports whether a 2021-district answer over months from..to
// relies on units whose 2021 predecessors span several districts.
func (ix *unitIndex) approximate(from, to time.Time) bool {
	for _, vs := range ix.versions {
		for _, v := range vs {
			if v.District2021Approx && v.ValidFrom.Before(to.AddDate(0, 1, 0)) && v.ValidTo.After(from) {
				return true
			}
		}
	}
	return false
}
