package domain

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// problemFields returns "field:code" for every problem in err, in order.
func problemFields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("%v: not Problems", err)
	}
	out := make([]string, len(p))
	for i, e := range p {
		out[i] = e.Field + ":" + string(e.Code)
	}
	return out
}

// TestValidateCollectsEveryProblem: a child's validation reports every field at
// fault at once, in the order of the input's fields.
func TestValidateCollectsEveryProblem(t *testing.T) {
	today := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	future := today.AddDate(0, 0, 1)
	ok := NewChild{FullName: "Ngô Thị Hà", Sex: SexFemale, BirthDate: time.Date(2019, 2, 3, 0, 0, 0, 0, time.UTC), CommuneID: 1}
	long := string(make([]rune, 501))
	badID, blank, bad := "12ab", " ", Sex("X")
	for _, tt := range []struct {
		name string
		edit func(*NewChild)
		want []string
	}{
		{"valid", func(*NewChild) {}, nil},
		{"empty name", func(c *NewChild) { c.FullName = "" }, []string{"fullName:INVALID_INPUT"}},
		{"three at once", func(c *NewChild) { c.FullName, c.BirthDate, c.Sex = "", future, bad },
			[]string{"fullName:INVALID_INPUT", "sex:INVALID_INPUT", "birthDate:INVALID_INPUT"}},
		{"every field", func(c *NewChild) {
			c.FullName, c.Sex, c.BirthDate, c.Ethnicity, c.IdentityNumber, c.Address = "", bad, future, "\u0007", &badID, &long
		}, []string{"fullName:INVALID_INPUT", "sex:INVALID_INPUT", "birthDate:INVALID_INPUT", "ethnicity:INVALID_INPUT",
			"identityNumber:INVALID_INPUT", "address:INVALID_INPUT"}},
		{"blank name, old birth", func(c *NewChild) { c.FullName, c.BirthDate = blank, time.Date(1989, 12, 31, 0, 0, 0, 0, time.UTC) },
			[]string{"fullName:INVALID_INPUT", "birthDate:INVALID_INPUT"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			if got := problemFields(t, c.Validate(today)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPatchValidateCollectsEveryProblem: a patch is checked on the fields it
// sets, every one of them.
func TestPatchValidateCollectsEveryProblem(t *testing.T) {
	today := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	future := today.AddDate(0, 1, 0)
	empty, badID := "", "1"
	for _, tt := range []struct {
		name  string
		patch ChildPatch
		want  []string
	}{
		{"nothing set", ChildPatch{}, nil},
		{"future dates", ChildPatch{BirthDate: &future, DeathDate: &future},
			[]string{"birthDate:INVALID_INPUT", "deathDate:INVALID_INPUT"}},
		{"name, identity, death", ChildPatch{FullName: &empty, IdentityNumber: &badID, DeathDate: &future},
			[]string{"fullName:INVALID_INPUT", "identityNumber:INVALID_INPUT", "deathDate:INVALID_INPUT"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := problemFields(t, tt.patch.Validate(today)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCollect: input problems are gathered, flattened and kept in order; any
// other error is told alone; Problems still reads as INVALID_INPUT on its first
// field to a caller that knows only *Error.
func TestCollect(t *testing.T) {
	a, b, c := Invalid("a", "x"), Invalid("b", "x"), Invalid("c", "x")
	forbidden := Errorf(CodeForbidden, "outside your area")
	plain := errors.New("connection reset")
	for _, tt := range []struct {
		name string
		errs []error
		want error
	}{
		{"none", nil, nil},
		{"only nils", []error{nil, nil}, nil},
		{"one", []error{nil, a}, Problems{a}},
		{"flattened in order", []error{a, Problems{b, c}}, Problems{a, b, c}},
		{"a refusal alone", []error{a, forbidden, b}, forbidden},
		{"a failure alone", []error{a, plain}, plain},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Collect(tt.errs...); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	err := Collect(a, b)
	var e *Error
	if !errors.As(err, &e) || e != a || ErrorCode(err) != CodeInvalidInput || !errors.Is(err, b) {
		t.Fatalf("Problems seen through *Error: %v", err)
	}
}

// TestInsuranceCardValidateCollectsEveryProblem: a bad number and a period
// that ends before it starts come back together.
func TestInsuranceCardValidateCollectsEveryProblem(t *testing.T) {
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		card InsuranceCard
		want []string
	}{
		{"valid", InsuranceCard{CardNumber: "TE1234567890123", ValidFrom: from, ValidTo: from.AddDate(1, 0, 0)}, nil},
		{"bad number", InsuranceCard{CardNumber: "te1", ValidFrom: from, ValidTo: from.AddDate(1, 0, 0)}, []string{"cardNumber:INVALID_INPUT"}},
		{"both", InsuranceCard{CardNumber: "x'--", ValidFrom: from, ValidTo: from},
			[]string{"cardNumber:INVALID_INPUT", "validTo:INVALID_INPUT"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := problemFields(t, tt.card.Validate()); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestEventValidateCollectsEveryProblem: per-child records, swimming classes,
// communication activities and commune facts report every rule they break at
// once, in the order of their fields.
func TestEventValidateCollectsEveryProblem(t *testing.T) {
	today := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	past, future := today.AddDate(0, -1, 0), today.AddDate(0, 0, 1)
	for _, tt := range []struct {
		name  string
		event interface{ Validate(time.Time) error }
		want  []string
	}{
		{"injury valid", Injury{Cause: "fall", Outcome: "injured", OccurredOn: today}, nil},
		{"injury all", Injury{Cause: "x'--", Outcome: "", OccurredOn: future},
			[]string{"cause:INVALID_INPUT", "outcome:INVALID_INPUT", "occurredOn:INVALID_INPUT"}},
		{"injury future", Injury{Cause: "drowning", Outcome: "died", OccurredOn: future}, []string{"occurredOn:INVALID_INPUT"}},
		{"support valid", Support{Type: "cash", Provider: "UNICEF", AmountVND: 0, GivenOn: past}, nil},
		{"support all", Support{Type: "gold", Provider: " ", AmountVND: -1, GivenOn: future},
			[]string{"type:INVALID_INPUT", "provider:INVALID_INPUT", "amountVnd:INVALID_INPUT", "givenOn:INVALID_INPUT"}},
		{"support control character", Support{Type: "legal", Provider: "A\u0007", GivenOn: past}, []string{"provider:INVALID_INPUT"}},
		{"gift valid", GiftVisit{Occasion: "tet", ValueVND: 100000, VisitedOn: past}, nil},
		{"gift all", GiftVisit{Occasion: "birthday", ValueVND: -1, VisitedOn: future},
			[]string{"occasion:INVALID_INPUT", "valueVnd:INVALID_INPUT", "visitedOn:INVALID_INPUT"}},
		{"class valid", SwimmingClass{Name: "Bơi an toàn", StartsOn: past, EndsOn: today}, nil},
		{"class one day", SwimmingClass{Name: "Bơi", StartsOn: past, EndsOn: past}, nil},
		{"class all", SwimmingClass{Name: "", StartsOn: future, EndsOn: past},
			[]string{"name:INVALID_INPUT", "startsOn:INVALID_INPUT", "endsOn:INVALID_INPUT"}},
		{"activity valid", CommunicationActivity{Topic: "Phòng chống đuối nước", HeldOn: today, Channel: "loudspeaker"}, nil},
		{"activity reach at the bound", CommunicationActivity{Topic: "Clip", HeldOn: today, Channel: "tv_dn1", Reach: ptr(MaxReach)}, nil},
		{"activity reach zero", CommunicationActivity{Topic: "Tờ rơi", HeldOn: today, Channel: "printed_leaflet_booklet", Reach: ptr(0)}, nil},
		{"activity all", CommunicationActivity{Topic: "\t", Participants: -1, HeldOn: future, Channel: "radio", Reach: ptr(-1)},
			[]string{"heldOn:INVALID_INPUT", "topic:INVALID_INPUT", "participants:INVALID_INPUT", "channel:INVALID_INPUT",
				"reach:INVALID_INPUT"}},
		{"activity no channel, reach above the bound", CommunicationActivity{Topic: "Pa nô", HeldOn: today, Reach: ptr(MaxReach + 1)},
			[]string{"channel:INVALID_INPUT", "reach:INVALID_INPUT"}},
		{"facts valid", CommuneFacts{Year: 2025, Villages: 8, VillagesWithCollaborator: 8, SurveyRespondents: 40,
			SurveySatisfied: 40, Category: "other"}, nil},
		{"facts of the history's first year", CommuneFacts{Year: 2016, Villages: 8, VillagesWithCollaborator: 8,
			SurveyRespondents: 40, SurveySatisfied: 40, Category: "other"}, nil},
		{"facts all", CommuneFacts{Year: 2015, Villages: 0, VillagesWithCollaborator: -1, BoardMeetings: -1, FundingVND: -1,
			PlayVenues: -1, ChildrenForums: -1, SurveyRespondents: -1, SurveySatisfied: 1, Category: "city"},
			[]string{"year:INVALID_INPUT", "villages:INVALID_INPUT", "villagesWithCollaborator:INVALID_INPUT",
				"boardMeetings:INVALID_INPUT", "fundingVnd:INVALID_INPUT", "playVenues:INVALID_INPUT",
				"childrenForums:INVALID_INPUT", "surveyRespondents:INVALID_INPUT", "surveySatisfied:INVALID_INPUT",
				"category:INVALID_INPUT"}},
		{"circumstance valid", Circumstance{GroupCode: "HIV", StartedOn: today}, nil},
		{"circumstance future", Circumstance{GroupCode: "HIV", StartedOn: future}, []string{"startedOn:INVALID_INPUT"}},
		{"birth registration valid", BirthRegistration{RegisteredOn: today}, nil},
		{"birth registration future", BirthRegistration{RegisteredOn: future}, []string{"registeredOn:INVALID_INPUT"}},
		{"residence valid", ResidenceRegistration{Kind: "temporary", RegisteredOn: past}, nil},
		{"residence all", ResidenceRegistration{Kind: "abroad", RegisteredOn: future},
			[]string{"kind:INVALID_INPUT", "registeredOn:INVALID_INPUT"}},
		{"facts next year", CommuneFacts{Year: 2027, Villages: 1, Category: "other"}, []string{"year:INVALID_INPUT"}},
		{"circumstance end valid", dated{CircumstanceEnd, today}, nil},
		{"circumstance end future", dated{CircumstanceEnd, future}, []string{"endedOn:INVALID_INPUT"}},
		{"enrolment date valid", dated{EnrolmentDate, past}, nil},
		{"enrolment date future", dated{EnrolmentDate, future}, []string{"on:INVALID_INPUT"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := problemFields(t, tt.event.Validate(today)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// dated is a check of one date against today, as a Validate method.
type dated struct {
	check func(day, today time.Time) error
	day   time.Time
}

func (d dated) Validate(today time.Time) error { return d.check(d.day, today) }

func ptr[T any](v T) *T { return &v }
