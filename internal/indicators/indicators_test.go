package indicators

import (
	"slices"
	"strings"
	"testing"

	"treem/internal/domain"
	"treem/internal/period"
)

func TestDefault(t *testing.T) {
	c := Default()
	// The brief's minimum list.
	for _, id := range []string{"birth_registration_u5", "insurance_u6", "special_share", "special_assisted",
		"abuse_rate", "injury_rate", "injury_death_rate", "drowning_deaths", "swimming_6_15", "immunisation_u1",
		"underweight_u5", "stunting_u5", "underweight_u2", "stunting_u2", "checkup", "preschool_5", "child_friendly_share", "timely_plan",
		"service_point_coverage", "commune_officer_training", "inspection_recommendations_on_time",
		"forum_recommendations_on_time"} {
		if _, err := c.Get(id); err != nil {
			t.Errorf("missing %s: %v", id, err)
		}
	}
	if _, err := c.Get("nope"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestTargetFor(t *testing.T) {
	in, _ := Default().Get("birth_registration_u5")
	tests := []struct {
		year int
		want float64
	}{{2021, 98.5}, {2025, 98.5}, {2026, 100}, {2030, 100}}
	for _, tt := range tests {
		if got := in.TargetFor(tt.year); got == nil || got.Value != tt.want {
			t.Errorf("TargetFor(%d) = %v, want %v", tt.year, got, tt.want)
		}
	}
	if in.TargetFor(2031) != nil {
		t.Error("no target after 2030")
	}
	// Released at one decimal, half away from zero, as a percentage.
	if in.Round(98.849) != 98.8 || in.Round(98.85) != 98.9 || in.Round(-0.25) != -0.3 || in.Unit() != UnitPercent {
		t.Errorf("rounding and unit: %v %v %v %s", in.Round(98.849), in.Round(98.85), in.Round(-0.25), in.Unit())
	}
	if !in.Meets(98.5, 98.5) || in.Meets(98.4, 98.5) {
		t.Error("higher-is-better comparison")
	}
	low, _ := Default().Get("abuse_rate")
	if !low.Meets(4.5, 4.5) || low.Meets(4.6, 4.5) {
		t.Error("lower-is-better comparison")
	}
}

func TestParseRejects(t *testing.T) {
	valid := `{"id":"x","nameVi":"x","nameEn":"x","numerator":{"measure":"insured"},"denominator":{"measure":"children"},
	 "factor":100,"decimals":1,"direction":"higher","aggregation":"stock","legalSource":"s","targets":[],"version":1,"effectiveFrom":"2021-01-01"}`
	wrap := func(ind ...string) string {
		return `{"version":"t","effectiveFrom":"2021-01-01","indicators":[` + strings.Join(ind, ",") + `]}`
	}
	if _, err := Parse([]byte(wrap(valid))); err != nil {
		t.Fatalf("valid catalogue rejected: %v", err)
	}
	tests := []struct{ name, doc, want string }{
		{"duplicate", wrap(valid, valid), "duplicate id"},
		{"unknown measure", wrap(strings.Replace(valid, `"insured"`, `"wizards"`, 1)), "unknown measure"},
		{"variant", wrap(strings.Replace(valid, `"insured"`, `"abused_year"`, 1)), `name "abused"`},
		{"bad factor", wrap(strings.Replace(valid, `"factor":100`, `"factor":7`, 1)), "factor 7"},
		{"bad direction", wrap(strings.Replace(valid, `"higher"`, `"up"`, 1)), "direction"},
		{"bad band", wrap(strings.Replace(valid, `"measure":"insured"`, `"measure":"insured","ageBands":["2-3"]`, 1)), "age band"},
		{"stock vs flow", wrap(strings.Replace(valid, `"stock"`, `"flow"`, 1)), "aggregation"},
		{"unknown field", wrap(strings.Replace(valid, `"version":1`, `"version":1,"sql":"DROP"`, 1)), "not valid JSON"},
		{"no indicators", wrap(), "no indicators"},
		{"count with factor", wrap(strings.Replace(valid, `,"denominator":{"measure":"children"}`, ``, 1)), "factor 1"},
		{"share per 1,000", wrap(strings.Replace(valid, `"factor":100`, `"factor":1000,"share":true`, 1)), "share needs"},
		{"no decimals", wrap(strings.Replace(valid, `"decimals":1,`, ``, 1)), "decimals"},
		{"too many decimals", wrap(strings.Replace(valid, `"decimals":1`, `"decimals":5`, 1)), "decimals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if domain.ErrorCode(err) != domain.CodeInvalidInput || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want INVALID_INPUT containing %q", err, tt.want)
			}
		})
	}
}

// TestMeasureIDs: every MeasureID has its own name and an aggregation, so a
// constant added without its entry in measureList fails here.
func TestMeasureIDs(t *testing.T) {
	seen := map[string]bool{}
	for id, m := range Measures() {
		if m.Name == "" || m.Aggregation == "" || seen[m.Name] {
			t.Errorf("measure %d: %+v is unnamed, without aggregation or a duplicate", id, m)
		}
		seen[m.Name] = true
		if got, _ := LookupMeasure(m.Name); got.Name != MeasureID(id).Name() {
			t.Errorf("measure %d: LookupMeasure(%q) = %+v", id, m.Name, got)
		}
	}
	if v := Abused.Variant(period.Year); v.Name() != "abused_year" {
		t.Errorf("Abused.Variant(Year) = %s", v.Name())
	}
	if c, ok := CasesOpenedOf("trafficking"); !ok || c.Name() != "cases_opened_trafficking" {
		t.Errorf("CasesOpenedOf(trafficking) = %s, %v", c.Name(), ok)
	}
	// The constants after a run of per-code measures must skip the run, or
	// the variants overwrite the measures before them.
	for _, id := range []MeasureID{GiftVisits, SpecialLawDrug} {
		if _, ok := LookupMeasure(id.Name()); !ok || id.Name() == "abused_quarter" {
			t.Errorf("measure %d is %q", id, id.Name())
		}
	}
	for _, o := range GiftOccasions {
		if g, ok := GiftVisitsOf(o); !ok || g.Name() != "gift_visits_"+o || measureList[g].Aggregation != Flow {
			t.Errorf("GiftVisitsOf(%s) = %+v, %v", o, measureList[g], ok)
		}
	}
}

// TestGiftOccasionsMatchDomain: the gift_visits_<occasion> measures follow
// the occasions the API accepts; one the API accepted but the warehouse
// lacked would count in gift_visits and in no occasion.
func TestGiftOccasionsMatchDomain(t *testing.T) {
	if !slices.Equal(GiftOccasions[:], domain.GiftOccasions) {
		t.Errorf("indicators.GiftOccasions %v, domain.GiftOccasions %v", GiftOccasions, domain.GiftOccasions)
	}
}

// TestCases62TypesAreCaseTypes: a criterion 6.2 type the case types lack
// would count no case.
func TestCases62TypesAreCaseTypes(t *testing.T) {
	for _, c := range Cases62Types {
		if !slices.Contains(CaseTypes[:], c) {
			t.Errorf("criterion 6.2 counts case type %q, which is not one of %v", c, CaseTypes)
		}
	}
}
