// Package indicators holds the indicator catalogue: versioned data embedded
// from catalogue.json (adding an indicator is a data change), loaded and
// validated at start. It is pure: it knows the warehouse contract's measures
// but queries nothing.
package indicators

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"treem/internal/domain"
)

//go:embed catalogue.json
var embedded []byte

// Term is a numerator or denominator: one measure restricted to some age
// bands (none listed: every band) and optionally one sex.
type Term struct {
	Measure  string   `json:"measure"`
	AgeBands []string `json:"ageBands,omitempty"`
	Sex      string   `json:"sex,omitempty"`
}

// Target is a national target for a year. Provisional targets were not
// confirmed in a second source.
type Target struct {
	Year        int     `json:"year"`
	Value       float64 `json:"value"`
	Provisional bool    `json:"provisional,omitempty"`
}

// Source names where an indicator's counts come from.
type Source string

// The three sources.
const (
	FromChildMonth    Source = "child_month"    // fact_child_month counts
	FromUnitYear      Source = "unit_year"      // communes whose fact_unit_year measure is ≥ 1, or a ratio of two of its sums
	FromChildFriendly Source = "child_friendly" // communes recognised by the child-friendly scoring
)

// Indicator is one entry of the catalogue.
type Indicator struct {
	ID          string  `json:"id"`
	NameVi      string  `json:"nameVi"`
	NameEn      string  `json:"nameEn"`
	Source      Source  `json:"source,omitempty"`
	Numerator   Term    `json:"numerator"`
	Denominator *Term   `json:"denominator,omitempty"`
	Factor      float64 `json:"factor"`
	// Decimals is the precision values are released at; nil when the
	// catalogue forgot it (refused by validate).
	Decimals *int `json:"decimals"`
	// Share marks a numerator that counts part of the denominator's
	// population: a rounded numerator is never released above its rounded
	// denominator (which would show as more than 100 %).
	Share       bool        `json:"share,omitempty"`
	Direction   string      `json:"direction"`
	Aggregation Aggregation `json:"aggregation"`
	LegalSource string      `json:"legalSource"`
	Targets     []Target    `json:"targets"`
	Version     int         `json:"version"`
	// EffectiveFrom and EffectiveTo (exclusive, optional) date this version of
	// the definition (metadata shown with answers; earlier periods are still
	// computed with it).
	EffectiveFrom string `json:"effectiveFrom"`
	EffectiveTo   string `json:"effectiveTo,omitempty"`
}

// Units of indicator values.
const (
	UnitCount              = "COUNT"
	UnitPercent            = "PERCENT"
	UnitPerThousand        = "PER_THOUSAND"
	UnitPerHundredThousand = "PER_HUNDRED_THOUSAND"
)

// Unit names what a value of the indicator counts, from its factor.
func (in *Indicator) Unit() string {
	switch in.Factor {
	case 100:
		return UnitPercent
	case 1000:
		return UnitPerThousand
	case 100000:
		return UnitPerHundredThousand
	}
	return UnitCount
}

// Round rounds v half away from zero to the indicator's declared precision.
func (in *Indicator) Round(v float64) float64 {
	scale := math.Pow10(*in.Decimals)
	return math.Round(v*scale) / scale
}

// HigherIsBetter reports the indicator's direction.
func (in *Indicator) HigherIsBetter() bool { return in.Direction == "higher" }

// TargetFor returns the target in force for year: the earliest target whose
// year is year or later (a 2025 target applies to 2021–2025), or nil.
func (in *Indicator) TargetFor(year int) *Target {
	for i := range in.Targets {
		if in.Targets[i].Year >= year {
			return &in.Targets[i]
		}
	}
	return nil
}

// Meets reports whether value meets target in the indicator's direction.
func (in *Indicator) Meets(value, target float64) bool {
	if in.HigherIsBetter() {
		return value >= target
	}
	return value <= target
}

// UnitFacts are the fact_unit_year counts a unit_year indicator may test.
var UnitFacts = []string{"service_points", "play_venues", "children_forums", "communication_activities",
	"trained_commune_officers", "recommendations_due", "recommendations_resolved_on_time", "forum_recommendations_due",
	"forum_recommendations_answered_on_time"}

// Catalogue is a validated set of indicators.
type Catalogue struct {
	Version       string       `json:"version"`
	EffectiveFrom string       `json:"effectiveFrom"`
	Note          string       `json:"note,omitempty"`
	Indicators    []*Indicator `json:"indicators"`
	byID          map[string]*Indicator
}

// Default returns the embedded catalogue. It panics only if the embedded file
// is invalid, which TestDefault rules out.
func Default() *Catalogue {
	c, err := Parse(embedded)
	if err != nil {
		panic(fmt.Sprintf("embedded indicator catalogue: %v", err))
	}
	return c
}

// Parse reads and validates a catalogue. Every problem is reported at once, as
// INVALID_INPUT.
func Parse(data []byte) (*Catalogue, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Catalogue
	if err := dec.Decode(&c); err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalidInput, "indicator catalogue is not valid JSON")
	}
	if errs := c.validate(); len(errs) > 0 {
		return nil, domain.Errorf(domain.CodeInvalidInput, "indicator catalogue: %s", joinErrs(errs))
	}
	c.byID = make(map[string]*Indicator, len(c.Indicators))
	for _, in := range c.Indicators {
		if in.Source == "" {
			in.Source = FromChildMonth
		}
		sort.Slice(in.Targets, func(i, j int) bool { return in.Targets[i].Year < in.Targets[j].Year })
		c.byID[in.ID] = in
	}
	return &c, nil
}

// Get returns the indicator with id, or NOT_FOUND.
func (c *Catalogue) Get(id string) (*Indicator, error) {
	in, ok := c.byID[id]
	if !ok {
		return nil, domain.Errorf(domain.CodeNotFound, "unknown indicator %q", id)
	}
	return in, nil
}

func (c *Catalogue) validate() []string {
	var errs []string
	bad := func(id, format string, args ...any) { errs = append(errs, id+": "+fmt.Sprintf(format, args...)) }
	if c.Version == "" {
		bad("catalogue", "version missing")
	}
	if _, err := time.Parse(time.DateOnly, c.EffectiveFrom); err != nil {
		bad("catalogue", "effectiveFrom %q is not a date", c.EffectiveFrom)
	}
	if len(c.Indicators) == 0 {
		bad("catalogue", "no indicators")
	}
	seen := map[string]bool{}
	for _, in := range c.Indicators {
		id := in.ID
		if id == "" {
			bad("?", "id missing")
		}
		if seen[id] {
			bad(id, "duplicate id")
		}
		seen[id] = true
		if in.NameVi == "" || in.NameEn == "" {
			bad(id, "nameVi and nameEn are required")
		}
		if in.LegalSource == "" {
			bad(id, "legalSource is required")
		}
		if !slices.Contains([]float64{1, 100, 1000, 100000}, in.Factor) {
			bad(id, "factor %v is not 1, 100, 1000 or 100000", in.Factor)
		}
		if in.Decimals == nil || *in.Decimals < 0 || *in.Decimals > 3 || (in.Factor == 1 && *in.Decimals != 0) {
			bad(id, "decimals must be declared, 0 to 3, and 0 for a count")
		}
		if in.Share && (in.Denominator == nil || in.Factor != 100) {
			bad(id, "share needs a denominator and factor 100")
		}
		if in.Direction != "higher" && in.Direction != "lower" {
			bad(id, "direction %q is not higher or lower", in.Direction)
		}
		if in.Version < 1 {
			bad(id, "version must be at least 1")
		}
		if _, err := time.Parse(time.DateOnly, in.EffectiveFrom); err != nil {
			bad(id, "effectiveFrom %q is not a date", in.EffectiveFrom)
		}
		if in.EffectiveTo != "" {
			if _, err := time.Parse(time.DateOnly, in.EffectiveTo); err != nil || in.EffectiveTo <= in.EffectiveFrom {
				bad(id, "effectiveTo %q is not a date after effectiveFrom", in.EffectiveTo)
			}
		}
		years := map[int]bool{}
		for _, t := range in.Targets {
			if t.Year < 2000 || t.Year > 2100 || years[t.Year] {
				bad(id, "target year %d is out of range or repeated", t.Year)
			}
			years[t.Year] = true
		}
		switch in.Source {
		case "", FromChildMonth:
			errs = append(errs, in.validateTerms()...)
		case FromUnitYear:
			if !slices.Contains(UnitFacts, in.Numerator.Measure) || in.Aggregation != Year ||
				in.Denominator != nil && !slices.Contains(UnitFacts, in.Denominator.Measure) {
				bad(id, "a unit_year indicator counts communes with a fact (%v) ≥ 1, or sums one fact over another, aggregation year",
					UnitFacts)
			}
		case FromChildFriendly:
			if in.Aggregation != Year {
				bad(id, "a child_friendly indicator has aggregation year")
			}
		default:
			bad(id, "unknown source %q", in.Source)
		}
	}
	return errs
}

func (in *Indicator) validateTerms() []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, in.ID+": "+fmt.Sprintf(format, args...)) }
	terms := []*Term{&in.Numerator}
	if in.Denominator != nil {
		terms = append(terms, in.Denominator)
	} else if in.Factor != 1 {
		bad("a count (no denominator) has factor 1")
	}
	for _, t := range terms {
		if m, ok := LookupMeasure(t.Measure); !ok {
			bad("unknown measure %q", t.Measure)
		} else if m.VariantOf != "" {
			bad("measure %q is read for the periods of one kind only: name %q", t.Measure, m.VariantOf)
		}
		for _, b := range t.AgeBands {
			if !slices.Contains(AgeBands, b) {
				bad("unknown age band %q", b)
			}
		}
		if t.Sex != "" && !slices.Contains(Sexes, t.Sex) {
			bad("unknown sex %q", t.Sex)
		}
	}
	if m, ok := LookupMeasure(in.Numerator.Measure); ok && m.Aggregation != in.Aggregation {
		bad("aggregation %q differs from the numerator measure's %q", in.Aggregation, m.Aggregation)
	}
	return errs
}

func joinErrs(errs []string) string {
	var b bytes.Buffer
	for i, e := range errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e)
	}
	return b.String()
}
