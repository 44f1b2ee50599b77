package graph

import (
	"slices"
	"testing"

	"treem/graph/model"
	"treem/internal/childfriendly"
	"treem/internal/domain"
	"treem/internal/indicators"
)

// vocabulary pairs a schema enum with the list its codes come from.
type vocabulary struct {
	enum  string
	spelt []string // the enum's values, as gqlgen generated them
	codes []string // the one source: a domain or indicators list
}

func spelt[E ~string](all []E) []string {
	out := make([]string, len(all))
	for i, e := range all {
		out[i] = string(e)
	}
	return out
}

func aggregations() []string {
	out := make([]string, len(indicators.Aggregations))
	for i, a := range indicators.Aggregations {
		out[i] = string(a)
	}
	return out
}

// TestEnumsSpellTheirVocabularies: each enum names exactly the codes of its
// list, every code converts to a value of the enum and back, and no two codes
// share a spelling. A code added to a list (and to the database's CHECK, which
// internal/postgres compares) without the enum fails here, as does the reverse.
func TestEnumsSpellTheirVocabularies(t *testing.T) {
	for _, v := range []vocabulary{
		{"InjuryCause", spelt(model.AllInjuryCause), domain.InjuryCauses},
		{"InjuryOutcome", spelt(model.AllInjuryOutcome), domain.InjuryOutcomes},
		{"SupportType", spelt(model.AllSupportType), domain.SupportTypes},
		{"GiftOccasion", spelt(model.AllGiftOccasion), domain.GiftOccasions},
		{"CommuneCategory", spelt(model.AllCommuneCategory), domain.CommuneCategories},
		{"TrainingLevel", spelt(model.AllTrainingLevel), domain.TrainingLevels},
		{"OfficerRole", spelt(model.AllOfficerRole), domain.OfficerRoles},
		{"CommuneCategory (scoring)", spelt(model.AllCommuneCategory), childfriendly.Categories},
		{"CrosswalkRelation", spelt(model.AllCrosswalkRelation), domain.CrosswalkRelations},
		{"Aggregation", spelt(model.AllAggregation), aggregations()},
		{"PovertyStatus", spelt(model.AllPovertyStatus), domain.PovertyStatuses},
		{"PovertyKey", spelt(model.AllPovertyKey), indicators.Poverty},
		{"Sex", spelt(model.AllSex), indicators.Sexes},
		{"CommunicationChannel", spelt(model.AllCommunicationChannel), domain.CommunicationChannels},
		{"ChildrenEventKind", spelt(model.AllChildrenEventKind), domain.ChildrenEventKinds},
		{"ForumRecommendationStatus", spelt(model.AllForumRecommendationStatus),
			[]string{string(domain.ForumOpen), string(domain.ForumAnswered), string(domain.ForumAnsweredLate)}},
		{"BulletinStatus", spelt(model.AllBulletinStatus), spelt(domain.BulletinStatuses)},
	} {
		if len(v.spelt) != len(v.codes) {
			t.Errorf("%s has %d values %v, its list %d codes %v", v.enum, len(v.spelt), v.spelt, len(v.codes), v.codes)
		}
		seen := map[string]string{}
		for _, c := range v.codes {
			e := enumOf[string](c)
			if prev, ok := seen[e]; ok {
				t.Errorf("%s: codes %q and %q are both spelt %s", v.enum, prev, c, e)
			}
			seen[e] = c
			if !slices.Contains(v.spelt, e) {
				t.Errorf("%s lacks %s, the spelling of code %q of its list %v", v.enum, e, c, v.codes)
			}
			if back, ok := codeOf(e, v.codes); !ok || back != c {
				t.Errorf("%s: %s converts back to %q, want %q", v.enum, e, back, c)
			}
		}
	}
}

// TestPovertyKeyExtendsPovertyStatus: the analytics' statuses are the
// household statuses plus unknown, so a client filters with the value it reads.
func TestPovertyKeyExtendsPovertyStatus(t *testing.T) {
	want := append(slices.Clone(domain.PovertyStatuses), "unknown")
	if got := slices.Sorted(slices.Values(indicators.Poverty)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("indicators.Poverty = %v, want the household statuses and unknown: %v", indicators.Poverty, want)
	}
}

func TestKindCode(t *testing.T) {
	for _, tt := range []struct {
		text  string
		codes []string
		want  string
		ok    bool
	}{
		{"DROWNING", domain.InjuryCauses, "drowning", true},
		{"drowning", domain.InjuryCauses, "", false}, // one spelling: the enum's
		{"CHILDREN_DAY", domain.GiftOccasions, "children_day", true},
		{"2026-H1", nil, "2026-H1", true}, // reports: a period, free text
	} {
		got, err := kindCode("filter.kind", tt.text, tt.codes)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("kindCode(%q) = %q, %v; want %q (ok %v)", tt.text, got, err, tt.want, tt.ok)
		}
		if de, isDomain := err.(*domain.Error); err != nil && (!isDomain || de.Code != domain.CodeInvalidInput || de.Field != "filter.kind") {
			t.Errorf("kindCode(%q): %#v, want INVALID_INPUT on filter.kind", tt.text, err)
		}
	}
}
