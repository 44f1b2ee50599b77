package refdata

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"treem/internal/domain"
)

// builder accumulates versions and edges; every lookup is by code and day.
type builder struct {
	versions []*Version
	byCode   map[string][]*Version
	edges    []Edge
	splits   []*split // commune versions cut in two with the territory unchanged
	province string   // the province's name, the from_province of edges out of the history's units
}

// split is a cut of a commune's history at a day without any territorial change
// (a type change, or its parent's); it becomes a "full" crosswalk edge.
type split struct {
	code        string
	at          time.Time
	provisional bool
	notes       []string
}

func build(provinces []provinceRow, units []unitRow, reorg []reorgRow, mapping []mappingRow, changes []typeChange) (Data, error) {
	b := &builder{byCode: map[string][]*Version{}}
	if len(provinces) != 2 {
		return Data{}, fmt.Errorf("refdata: want 2 province rows (before and after the 2025 merger), got %d", len(provinces))
	}
	slices.SortFunc(provinces, func(a, c provinceRow) int { return a.From.Compare(c.From) })
	pre, merged := provinces[0], provinces[1]
	b.province = pre.Name
	step2025 := merged.From
	for i, p := range provinces {
		v := &Version{Code: p.Code, Name: p.Name, Type: p.Type, Level: domain.LevelProvince,
			From: p.From, Provisional: p.Provisional, Source: p.Source}
		if i+1 < len(provinces) {
			v.To = ptr(provinces[i+1].From)
		}
		b.add(v)
	}
	preKey := Key{pre.Code, pre.From}

	// The 2021 list: districts and communes from the start of the history until
	// the 2025 step, or until the 2024 step for the units it changed.
	ended2024 := map[string]time.Time{}
	for _, r := range reorg {
		if prev, ok := ended2024[r.OldCode]; ok && !prev.Equal(r.Effective) {
			return Data{}, fmt.Errorf("refdata: %s ends on two days in the 2024 list", r.OldCode)
		}
		ended2024[r.OldCode] = r.Effective
	}
	unit2021 := map[string]unitRow{}
	for _, u := range units {
		if _, dup := unit2021[u.Code]; dup {
			return Data{}, fmt.Errorf("refdata: commune %s listed twice", u.Code)
		}
		unit2021[u.Code] = u
		if b.at(u.DistrictCode, pre.From) == nil {
			b.add(&Version{Code: u.DistrictCode, Name: u.DistrictName, Type: u.DistrictType, Level: domain.LevelDistrict,
				Parent: &preKey, From: pre.From, To: ptr(step2025), Source: source2021})
		}
		to := step2025
		if end, ok := ended2024[u.Code]; ok {
			to = end
		}
		b.add(&Version{Code: u.Code, Name: u.Name, Type: u.Type, Level: domain.LevelCommune,
			Parent: &Key{u.DistrictCode, pre.From}, From: pre.From, To: ptr(to), Source: source2021})
	}

	// The 2024 step: one new version per code that received territory.
	for _, r := range reorg {
		old, ok := unit2021[r.OldCode]
		if !ok || old.Name != r.OldName {
			return Data{}, fmt.Errorf("refdata: 2024 row %s %s is not a 2021 commune", r.OldCode, r.OldName)
		}
		if v := b.at(r.NewCode, r.Effective); v != nil {
			if v.Name != r.NewName || v.Type != r.NewType || !v.From.Equal(r.Effective) {
				return Data{}, fmt.Errorf("refdata: 2024 unit %s named or typed two ways", r.NewCode)
			}
			continue
		}
		keeper, ok := unit2021[r.NewCode]
		if !ok {
			return Data{}, fmt.Errorf("refdata: 2024 unit %s does not reuse a 2021 code", r.NewCode)
		}
		b.add(&Version{Code: r.NewCode, Name: r.NewName, Type: r.NewType, Level: domain.LevelCommune,
			Parent: &Key{keeper.DistrictCode, pre.From}, From: r.Effective, To: ptr(step2025), Source: source2024})
	}

	// The 2025 step: the units of the merged province, directly under it.
	mergedKey := Key{merged.Code, merged.From}
	for _, m := range mapping {
		if v := b.at(m.NewCode, step2025); v != nil && v.From.Equal(step2025) {
			if v.Name != m.NewName || v.Type != m.NewType {
				return Data{}, fmt.Errorf("refdata: 2025 unit %s named or typed two ways", m.NewCode)
			}
			continue
		}
		b.add(&Version{Code: m.NewCode, Name: m.NewName, Type: m.NewType, Level: domain.LevelCommune,
			Parent: &mergedKey, From: step2025, Source: source2025})
	}

	// Type changes, earliest first and parents before children, so a commune
	// changed on the day its parent changed finds the version the parent's
	// change has just cut.
	slices.SortStableFunc(changes, func(a, c typeChange) int {
		return cmp.Or(a.Effective.Compare(c.Effective), cmp.Compare(len(a.Code), len(c.Code)))
	})
	for _, c := range changes {
		if err := b.changeType(c); err != nil {
			return Data{}, err
		}
	}

	if err := b.edges2024(reorg, unit2021); err != nil {
		return Data{}, err
	}
	if err := b.edges2025(mapping, unit2021, step2025); err != nil {
		return Data{}, err
	}
	if err := b.edgesFrom2024(reorg, mapping, step2025); err != nil {
		return Data{}, err
	}
	if err := b.edgesOfSplits(); err != nil {
		return Data{}, err
	}
	return b.data(), nil
}

func (b *builder) add(v *Version) {
	b.versions = append(b.versions, v)
	b.byCode[v.Code] = append(b.byCode[v.Code], v)
}

// at returns the version of code in force on d, or nil.
func (b *builder) at(code string, d time.Time) *Version {
	for _, v := range b.byCode[code] {
		if v.validOn(d) {
			return v
		}
	}
	return nil
}

func (b *builder) mustAt(code string, d time.Time) (*Version, error) {
	if v := b.at(code, d); v != nil {
		return v, nil
	}
	return nil, fmt.Errorf("refdata: no unit %s on %s", code, d.Format(time.DateOnly))
}

func (b *builder) changeType(c typeChange) error {
	v, err := b.mustAt(c.Code, c.Effective)
	if err != nil {
		return err
	}
	note := fmt.Sprintf("%s: %s → %s; territory unchanged", c.Source, c.OldType, c.NewType)
	if v.From.Equal(c.Effective) {
		// Already cut on this day by its parent's change.
		prev, err := b.mustAt(c.Code, c.Effective.AddDate(0, 0, -1))
		if err != nil {
			return err
		}
		if prev.Type != c.OldType || v.Type != c.OldType {
			return fmt.Errorf("refdata: %s is %s before %s, not %s", c.Code, prev.Type, c.Effective.Format(time.DateOnly), c.OldType)
		}
		v.Type, v.Source, v.Provisional = c.NewType, c.Source, v.Provisional || c.Provisional
		if s := b.splitAt(c.Code, c.Effective); s != nil {
			s.notes = append(s.notes, note)
			s.provisional = s.provisional || c.Provisional
		}
		return nil
	}
	// The lists give a unit either its type before or after the change.
	if v.Type != c.OldType && v.Type != c.NewType {
		return fmt.Errorf("refdata: %s is %s, neither %s nor %s", c.Code, v.Type, c.OldType, c.NewType)
	}
	nv := b.cut(v, c.Effective, c.Provisional, c.Source, note)
	v.Type, nv.Type = c.OldType, c.NewType
	return nil
}

// cut ends v at day at and starts a copy there; the children of v in force on
// that day follow into the copy (their own versions are cut the same way), so
// every version's parent is in force whenever the version is.
func (b *builder) cut(v *Version, at time.Time, provisional bool, source, note string) *Version {
	nv := *v
	nv.From, nv.Provisional, nv.Source = at, provisional, source
	v.To = ptr(at)
	b.add(&nv)
	if v.Level == domain.LevelCommune {
		b.splits = append(b.splits, &split{code: v.Code, at: at, provisional: provisional, notes: []string{note}})
	}
	parent, child := v.Key(), nv.Key()
	childNote := fmt.Sprintf("%s: the parent unit %s changed; territory unchanged", source, v.Name)
	for _, c := range slices.Clone(b.versions) {
		if c.Parent == nil || *c.Parent != parent || (c.To != nil && !c.To.After(at)) {
			continue
		}
		if !c.From.Before(at) {
			c.Parent = &child
			continue
		}
		cv := b.cut(c, at, provisional, source, childNote)
		cv.Parent = &child
	}
	return &nv
}

func (b *builder) splitAt(code string, at time.Time) *split {
	for _, s := range b.splits {
		if s.code == code && s.at.Equal(at) {
			return s
		}
	}
	return nil
}

// districtName is the name of v's district, "" when v hangs under the province.
func (b *builder) districtName(v *Version) string {
	if v.Parent == nil {
		return ""
	}
	for _, p := range b.byCode[v.Parent.Code] {
		if p.From.Equal(v.Parent.From) && p.Level == domain.LevelDistrict {
			return p.Name
		}
	}
	return ""
}

func (b *builder) edges2024(reorg []reorgRow, unit2021 map[string]unitRow) error {
	for _, r := range reorg {
		from, err := b.mustAt(r.OldCode, r.Effective.AddDate(0, 0, -1))
		if err != nil {
			return err
		}
		to, err := b.mustAt(r.NewCode, r.Effective)
		if err != nil {
			return err
		}
		b.edges = append(b.edges, Edge{Effective: r.Effective, From: ptr(from.Key()), FromCode: r.OldCode,
			FromName: r.OldName, FromDistrict: unit2021[r.OldCode].DistrictName, FromProvince: b.province,
			To: to.Key(), Relation: r.Relation, Provisional: r.Provisional, Note: joinNote(source2024, r.Note)})
	}
	return nil
}

// edges2025 are the mapping's rows: a 2021 commune (or a former Bình Phước unit,
// outside the history) to its 2025 unit.
func (b *builder) edges2025(mapping []mappingRow, unit2021 map[string]unitRow, step time.Time) error {
	for _, m := range mapping {
		to, err := b.mustAt(m.NewCode, step)
		if err != nil {
			return err
		}
		e := Edge{Effective: step, FromCode: m.OldCode, FromName: m.OldName, FromDistrict: m.OldDistrict,
			FromProvince: m.OldProvince, To: to.Key(), Relation: m.Relation,
			Provisional: m.Relation == "full-unverified", Note: m.Note}
		if m.OldProvince == b.province {
			u, ok := unit2021[m.OldCode]
			if !ok || u.Name != m.OldName || u.DistrictName != m.OldDistrict {
				return fmt.Errorf("refdata: 2025 row %s %s (%s) is not a 2021 commune", m.OldCode, m.OldName, m.OldDistrict)
			}
			from, err := b.mustAt(m.OldCode, baseline2021)
			if err != nil {
				return err
			}
			e.From = ptr(from.Key())
		}
		b.edges = append(b.edges, e)
	}
	return nil
}

// edgesFrom2024 links each unit version created in 2024 to its 2025 unit: every
// piece that formed it went to the same 2025 unit (the small Tân Phong pieces
// with their partial-minor rows), which is checked here.
func (b *builder) edgesFrom2024(reorg []reorgRow, mapping []mappingRow, step time.Time) error {
	targets := map[string]map[string]bool{} // 2024 unit code → 2025 unit codes
	var order []string
	for _, r := range reorg {
		if targets[r.NewCode] == nil {
			targets[r.NewCode] = map[string]bool{}
			order = append(order, r.NewCode)
		}
		for _, m := range mapping {
			if m.OldCode == r.OldCode && (m.Relation == "partial-minor") == (r.Relation == "partial-minor") {
				targets[r.NewCode][m.NewCode] = true
			}
		}
	}
	for _, code := range order {
		if len(targets[code]) != 1 {
			return fmt.Errorf("refdata: the 2024 unit %s went to %d 2025 units, want 1", code, len(targets[code]))
		}
		from, err := b.mustAt(code, step.AddDate(0, 0, -1))
		if err != nil {
			return err
		}
		var toCode string
		for c := range targets[code] {
			toCode = c
		}
		to, err := b.mustAt(toCode, step)
		if err != nil {
			return err
		}
		b.edges = append(b.edges, Edge{Effective: step, From: ptr(from.Key()), FromCode: code, FromName: from.Name,
			FromDistrict: b.districtName(from), FromProvince: b.province, To: to.Key(), Relation: "full",
			Note: joinNote(source2025, "the 2024 unit as a whole")})
	}
	return nil
}

func (b *builder) edgesOfSplits() error {
	for _, s := range b.splits {
		from, err := b.mustAt(s.code, s.at.AddDate(0, 0, -1))
		if err != nil {
			return err
		}
		to, err := b.mustAt(s.code, s.at)
		if err != nil {
			return err
		}
		b.edges = append(b.edges, Edge{Effective: s.at, From: ptr(from.Key()), FromCode: s.code, FromName: from.Name,
			FromDistrict: b.districtName(from), FromProvince: b.province, To: to.Key(), Relation: "full",
			Provisional: s.provisional, Note: strings.Join(s.notes, "; ")})
	}
	return nil
}

func (b *builder) data() Data {
	rank := map[domain.Level]int{domain.LevelProvince: 0, domain.LevelDistrict: 1, domain.LevelCommune: 2}
	units := make([]Version, 0, len(b.versions))
	for _, v := range b.versions {
		units = append(units, *v)
	}
	slices.SortFunc(units, func(a, c Version) int {
		return cmp.Or(cmp.Compare(rank[a.Level], rank[c.Level]), cmp.Compare(a.Code, c.Code), a.From.Compare(c.From))
	})
	return Data{Units: units, Edges: b.edges}
}

func joinNote(a, b string) string {
	if b == "" {
		return a
	}
	return a + ": " + b
}

func ptr[T any](v T) *T { return &v }
