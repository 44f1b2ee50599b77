package graph

import (
	"context"
	"strings"
	"time"

	"treem/graph/model"
	"treem/internal/domain"
)

// ChildRegistry is what the mutations need to register a child and record
// their registrations, cards and circumstances.
type ChildRegistry interface {
	RegisterChild(ctx context.Context, s domain.Scope, n domain.NewChild) (domain.Child, error)
	UpdateChild(ctx context.Context, s domain.Scope, id int64, p domain.ChildPatch) (domain.Child, error)
	RecordBirthRegistration(ctx context.Context, s domain.Scope, r domain.BirthRegistration, unit *int) (int64, error)
	RecordResidenceRegistration(ctx context.Context, s domain.Scope, r domain.ResidenceRegistration, unit *int) (int64, error)
	RecordInsuranceCard(ctx context.Context, s domain.Scope, c domain.InsuranceCard) (int64, error)
	AddCircumstance(ctx context.Context, s domain.Scope, childID int64, group string, started time.Time) (int64, error)
	EndCircumstance(ctx context.Context, s domain.Scope, childID int64, group string, ended time.Time) (int64, error)
}

// EventRecorder is what the mutations need to record dated events: per-child
// records, swimming classes and communication activities.
type EventRecorder interface {
	RecordInjury(ctx context.Context, s domain.Scope, in domain.Injury, unit *int) (int64, error)
	RecordSupport(ctx context.Context, s domain.Scope, in domain.Support, unit *int) (int64, error)
	RecordGiftVisit(ctx context.Context, s domain.Scope, in domain.GiftVisit, unit *int) (int64, error)
	CreateSwimmingClass(ctx context.Context, s domain.Scope, c domain.SwimmingClass) (int64, error)
	Enrol(ctx context.Context, s domain.Scope, classID, childID int64, on time.Time) (domain.Enrolment, error)
	CompleteSwimming(ctx context.Context, s domain.Scope, classID, childID int64, on time.Time) (domain.Enrolment, error)
	RecordCommunicationActivity(ctx context.Context, s domain.Scope, a domain.CommunicationActivity) (int64, error)
}

// unitAt resolves a unit code in force on day (a commune when commune is set);
// a code naming nothing that day is INVALID_INPUT on field.
func (r *Resolver) unitAt(ctx context.Context, field, code string, day time.Time, commune bool) (int, error) {
	var level domain.Level
	if commune {
		level = domain.LevelCommune
	}
	return r.unitOfLevel(ctx, field, code, day, level)
}

// unitOfLevel resolves a unit code in force on day, of level unless level is
// empty; a code naming nothing that day is INVALID_INPUT on field.
func (r *Resolver) unitOfLevel(ctx context.Context, field, code string, day time.Time, level domain.Level) (int, error) {
	u, err := r.Units.UnitByCode(ctx, nfc(code), day)
	if err != nil {
		if c := domain.ErrorCode(err); c == domain.CodeNotFound || c == domain.CodeInvalidInput {
			return 0, domain.Invalid(field, "no unit with this code in force on %s", day.Format(time.DateOnly))
		}
		return 0, err
	}
	if level != "" && u.Level != level {
		return 0, domain.Invalid(field, "must be a %s code", level)
	}
	return u.ID, nil
}

// optionalUnit resolves an optional unit code on day.
func (r *Resolver) optionalUnit(ctx context.Context, code *string, day time.Time) (*int, error) {
	if code == nil {
		return nil, nil
	}
	id, err := r.unitAt(ctx, "unit", *code, day, false)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// optionalID reads an optional id as nodeID does.
func optionalID(field, typ string, s *string) (*int64, error) {
	if s == nil {
		return nil, nil
	}
	id, err := nodeID(field, typ, *s)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

func (r *Resolver) registerChild(ctx context.Context, in model.RegisterChildInput) (*model.ChildPayload, error) {
	c, err := r.newChild(ctx, in)
	return answer(ctx, "input", c, err, childPayload)
}

// newChild checks the commune code, the household id and the data rules
// together, so that every problem of the input comes back at once, then
// registers the child. Unit codes are public (orgUnit needs no role), so an
// unknown one is an input problem; a commune outside the area is the store's
// FORBIDDEN.
func (r *Resolver) newChild(ctx context.Context, in model.RegisterChildInput) (*model.Child, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	commune, communeErr := r.unitAt(ctx, "commune", in.Commune, r.today(), true)
	household, householdErr := optionalID("householdId", nodeHousehold, in.HouseholdID)
	n := domain.NewChild{FullName: nfc(in.FullName), Sex: domain.Sex(in.Sex), BirthDate: in.BirthDate.Time,
		CommuneID: commune, HouseholdID: household, IdentityNumber: in.IdentityNumber, Address: nfcPtr(in.Address)}
	if in.Ethnicity != nil {
		n.Ethnicity = nfc(*in.Ethnicity)
	}
	if err := domain.Collect(n.Validate(r.today()), communeErr, householdErr); err != nil {
		return nil, err
	}
	return childResult(r.ChildRegistry.RegisterChild(ctx, scope, n))
}

func (r *Resolver) updateChild(ctx context.Context, id string, in model.UpdateChildInput) (*model.ChildPayload, error) {
	c, err := r.patchChild(ctx, id, in)
	return answer(ctx, "input", c, err, childPayload)
}

// patchChild checks the commune code, the household id and the data rules of
// the fields given together, then changes them. The child's id is not input
// to check: one outside the area is NOT_FOUND, like one that does not exist.
func (r *Resolver) patchChild(ctx context.Context, id string, in model.UpdateChildInput) (*model.Child, error) {
	scope, cid, err := r.scopedID(ctx, "id", nodeChild, id)
	if err != nil {
		return nil, err
	}
	p := domain.ChildPatch{FullName: nfcPtr(in.FullName), BirthDate: dateOf(in.BirthDate), Ethnicity: nfcPtr(in.Ethnicity),
		IdentityNumber: in.IdentityNumber, Address: nfcPtr(in.Address), DeathDate: dateOf(in.DeathDate)}
	if in.Sex != nil {
		s := domain.Sex(*in.Sex)
		p.Sex = &s
	}
	var communeErr, householdErr error
	if in.Commune != nil {
		var u int
		if u, communeErr = r.unitAt(ctx, "commune", *in.Commune, r.today(), true); communeErr == nil {
			p.CommuneID = &u
		}
	}
	p.HouseholdID, householdErr = optionalID("householdId", nodeHousehold, in.HouseholdID)
	if err := domain.Collect(p.Validate(r.today()), communeErr, householdErr); err != nil {
		return nil, err
	}
	return childResult(r.ChildRegistry.UpdateChild(ctx, scope, cid, p))
}

// childWrite runs a write about a child, then answers the child as it now is.
// problems is the input's own checks (nil when none): an unreadable child id
// comes back with them, and otherwise the store joins them to its own.
func (r *Resolver) childWrite(ctx context.Context, childID string, problems error, write func(domain.Scope, int64) error) (*model.ChildPayload, error) {
	c, err := r.writeAboutChild(ctx, childID, problems, write)
	return answer(ctx, "input", c, err, childPayload)
}

func (r *Resolver) writeAboutChild(ctx context.Context, childID string, problems error, write func(domain.Scope, int64) error) (*model.Child, error) {
	scope, id, err := r.scopedID(ctx, "childId", nodeChild, childID)
	if err != nil {
		return nil, domain.Collect(err, problems)
	}
	if err := write(scope, id); err != nil {
		return nil, err
	}
	return childResult(r.Children.Child(ctx, scope, id))
}

func (r *Resolver) recordBirthRegistration(ctx context.Context, in model.BirthRegistrationInput) (*model.ChildPayload, error) {
	reg := domain.BirthRegistration{RegisteredOn: in.RegisteredOn.Time, CertificateNumber: nfcPtr(in.CertificateNumber)}
	problems := reg.Validate(r.today())
	return r.childWrite(ctx, in.ChildID, problems, func(s domain.Scope, id int64) error {
		reg.ChildID = id
		unit, err := r.optionalUnit(ctx, in.Unit, in.RegisteredOn.Time)
		if err != nil {
			// An unknown unit code comes back with the registration's own problems.
			return domain.Collect(err, problems)
		}
		_, err = r.ChildRegistry.RecordBirthRegistration(ctx, s, reg, unit)
		return err
	})
}

func (r *Resolver) recordResidenceRegistration(ctx context.Context, in model.ResidenceRegistrationInput) (*model.ChildPayload, error) {
	reg := domain.ResidenceRegistration{Kind: in.Kind, RegisteredOn: in.RegisteredOn.Time}
	problems := reg.Validate(r.today())
	return r.childWrite(ctx, in.ChildID, problems, func(s domain.Scope, id int64) error {
		reg.ChildID = id
		unit, err := r.optionalUnit(ctx, in.Unit, in.RegisteredOn.Time)
		if err != nil {
			// An unknown unit code comes back with the registration's own problems.
			return domain.Collect(err, problems)
		}
		_, err = r.ChildRegistry.RecordResidenceRegistration(ctx, s, reg, unit)
		return err
	})
}

func (r *Resolver) recordInsuranceCard(ctx context.Context, in model.InsuranceCardInput) (*model.ChildPayload, error) {
	card := domain.InsuranceCard{CardNumber: in.CardNumber, ValidFrom: in.ValidFrom.Time, ValidTo: in.ValidTo.Time}
	return r.childWrite(ctx, in.ChildID, card.Validate(), func(s domain.Scope, id int64) error {
		card.ChildID = id
		_, err := r.ChildRegistry.RecordInsuranceCard(ctx, s, card)
		return err
	})
}

func (r *Resolver) addCircumstance(ctx context.Context, in model.CircumstanceInput) (*model.ChildPayload, error) {
	c := domain.Circumstance{GroupCode: in.Group, StartedOn: in.StartedOn.Time}
	return r.childWrite(ctx, in.ChildID, c.Validate(r.today()), func(s domain.Scope, id int64) error {
		_, err := r.ChildRegistry.AddCircumstance(ctx, s, id, in.Group, in.StartedOn.Time)
		return err
	})
}

// endCircumstance: the group is checked against the database only for a
// child the caller may write about, so an unreadable child id comes back with
// the end date's problems alone.
func (r *Resolver) endCircumstance(ctx context.Context, in model.EndCircumstanceInput) (*model.ChildPayload, error) {
	return r.childWrite(ctx, in.ChildID, domain.CircumstanceEnd(in.EndedOn.Time, r.today()), func(s domain.Scope, id int64) error {
		_, err := r.ChildRegistry.EndCircumstance(ctx, s, id, in.Group, in.EndedOn.Time)
		return err
	})
}

func (r *Resolver) openCase(ctx context.Context, in model.OpenCaseInput) (*model.CasePayload, error) {
	c, err := r.newCase(ctx, in)
	return answer(ctx, "input", c, err, casePayload)
}

// newCase reads the child's and the previous case's ids together, so that
// every problem of the input comes back at once, then records the case.
func (r *Resolver) newCase(ctx context.Context, in model.OpenCaseInput) (*model.ProtectionCase, error) {
	childID, childErr := nodeID("childId", nodeChild, in.ChildID)
	prev, prevErr := optionalID("previousCaseId", nodeCase, in.PreviousCaseID)
	if err := domain.Collect(childErr, prevErr); err != nil {
		return nil, err
	}
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	return r.caseResult(r.Cases.OpenCase(ctx, scope, domain.NewCase{ChildID: childID, Type: caseType(in.Type),
		ReceivedAt: timeOr(in.ReceivedAt, r.now()), PreviousCaseID: prev}))
}

func (r *Resolver) advanceCase(ctx context.Context, in model.AdvanceCaseInput) (*model.CasePayload, error) {
	c, err := r.caseStep(ctx, in)
	return answer(ctx, "input", c, err, casePayload)
}

// caseStep checks the case id and the step's own rules together, so that
// every problem of the input comes back at once, then records the step. The
// checks against the case (the step that may follow its status, a time after
// its last step) need the case, and run in the store only for one in the area.
func (r *Resolver) caseStep(ctx context.Context, in model.AdvanceCaseInput) (*model.ProtectionCase, error) {
	step := domain.CaseStep{To: caseStatus(in.To), At: timeOr(in.At, r.now()), EmergencyNeeded: in.EmergencyNeeded}
	id, err := nodeID("caseId", nodeCase, in.CaseID)
	if err != nil {
		return nil, domain.Collect(err, step.Validate(r.now()))
	}
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	return r.caseResult(r.Cases.AdvanceCase(ctx, scope, id, step))
}

func (r *Resolver) recordInjury(ctx context.Context, in model.InjuryInput) (*model.RecordInjuryPayload, error) {
	x := domain.Injury{OccurredOn: in.OccurredOn.Time, Cause: mustCodeOf(in.Cause, domain.InjuryCauses),
		Outcome: mustCodeOf(in.Outcome, domain.InjuryOutcomes)}
	err := r.eventWrite(ctx, in.ChildID, in.Unit, x.OccurredOn, x.Validate(r.today()), &x.ChildID, &x.UnitID, &x.ID,
		func(s domain.Scope, unit *int) (int64, error) { return r.EventRecorder.RecordInjury(ctx, s, x, unit) })
	return answer(ctx, "input", injuryModel(x), err, injuryPayload)
}

func (r *Resolver) recordSupport(ctx context.Context, in model.SupportInput) (*model.RecordSupportPayload, error) {
	x := domain.Support{Type: mustCodeOf(in.Type, domain.SupportTypes), Provider: nfc(in.Provider), GivenOn: in.GivenOn.Time}
	if in.AmountVnd != nil {
		x.AmountVND = *in.AmountVnd
	}
	err := r.eventWrite(ctx, in.ChildID, in.Unit, x.GivenOn, x.Validate(r.today()), &x.ChildID, &x.UnitID, &x.ID,
		func(s domain.Scope, unit *int) (int64, error) { return r.EventRecorder.RecordSupport(ctx, s, x, unit) })
	return answer(ctx, "input", supportModel(x), err, supportPayload)
}

func (r *Resolver) recordGiftVisit(ctx context.Context, in model.GiftVisitInput) (*model.RecordGiftVisitPayload, error) {
	x := domain.GiftVisit{Occasion: mustCodeOf(in.Occasion, domain.GiftOccasions), VisitedOn: in.VisitedOn.Time, ValueVND: in.ValueVnd}
	err := r.eventWrite(ctx, in.ChildID, in.Unit, x.VisitedOn, x.Validate(r.today()), &x.ChildID, &x.UnitID, &x.ID,
		func(s domain.Scope, unit *int) (int64, error) {
			return r.EventRecorder.RecordGiftVisit(ctx, s, x, unit)
		})
	return answer(ctx, "input", giftVisitModel(x), err, giftVisitPayload)
}

// eventWrite parses a per-child record's child id and optional unit code (in
// force on day), runs write, and fills in the ids it used and got. Without a
// unit the store takes the child's commune, which the record then reports.
// problems is the record's Validate result: an unreadable id or an unknown
// unit code comes back with it, and otherwise the store joins it to its own
// checks, so every problem of the input comes back at once.
func (r *Resolver) eventWrite(ctx context.Context, childID string, unitCode *string, day time.Time, problems error, child *int64,
	unitOut *int, idOut *int64, write func(domain.Scope, *int) (int64, error)) error {
	scope, err := r.scope(ctx)
	if err != nil {
		return err
	}
	id, idErr := nodeID("childId", nodeChild, childID)
	unit, unitErr := r.optionalUnit(ctx, unitCode, day)
	if idErr != nil || unitErr != nil {
		return domain.Collect(idErr, unitErr, problems)
	}
	*child = id
	if *idOut, err = write(scope, unit); err != nil {
		return err
	}
	if unit != nil {
		*unitOut = *unit
		return nil
	}
	c, err := r.Children.Child(ctx, scope, id)
	if err != nil {
		return err
	}
	*unitOut = c.CommuneID
	return nil
}

func (r *Resolver) createSwimmingClass(ctx context.Context, in model.SwimmingClassInput) (*model.CreateSwimmingClassPayload, error) {
	c, err := r.newSwimmingClass(ctx, in)
	return answer(ctx, "input", c, err, swimmingClassPayload)
}

func (r *Resolver) newSwimmingClass(ctx context.Context, in model.SwimmingClassInput) (*model.SwimmingClass, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	unit, unitErr := r.unitAt(ctx, "unit", in.Unit, in.StartsOn.Time, false)
	c := domain.SwimmingClass{UnitID: unit, Name: nfc(in.Name), StartsOn: in.StartsOn.Time, EndsOn: in.EndsOn.Time}
	if unitErr != nil {
		// An unknown unit code comes back with the class's own problems.
		return nil, domain.Collect(unitErr, c.Validate(r.today()))
	}
	if c.ID, err = r.EventRecorder.CreateSwimmingClass(ctx, scope, c); err != nil {
		return nil, err
	}
	return swimmingClassModel(c), nil
}

func (r *Resolver) enrolment(ctx context.Context, in model.EnrolmentInput, complete bool) (*model.EnrolmentPayload, error) {
	e, err := r.enrol(ctx, in, complete)
	return answer(ctx, "input", e, err, enrolmentPayload)
}

// enrol checks the class and child ids and the date together, so that every
// problem of the input comes back at once, then writes; the store joins the
// date's problems to its own checks.
func (r *Resolver) enrol(ctx context.Context, in model.EnrolmentInput, complete bool) (*model.Enrolment, error) {
	classID, classErr := nodeID("classId", nodeSwimmingClass, in.ClassID)
	childID, childErr := nodeID("childId", nodeChild, in.ChildID)
	if classErr != nil || childErr != nil {
		return nil, domain.Collect(classErr, childErr, domain.EnrolmentDate(in.On.Time, r.today()))
	}
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	write := r.EventRecorder.Enrol
	if complete {
		write = r.EventRecorder.CompleteSwimming
	}
	e, err := write(ctx, scope, classID, childID, in.On.Time)
	if err != nil {
		return nil, err
	}
	return enrolmentModel(e), nil
}

func (r *Resolver) recordCommunicationActivity(ctx context.Context, in model.CommunicationActivityInput) (*model.RecordCommunicationActivityPayload, error) {
	a, err := r.newCommunicationActivity(ctx, in)
	return answer(ctx, "input", a, err, communicationPayload)
}

func (r *Resolver) newCommunicationActivity(ctx context.Context, in model.CommunicationActivityInput) (*model.CommunicationActivity, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	unit, unitErr := r.unitAt(ctx, "unit", in.Unit, in.HeldOn.Time, false)
	a := domain.CommunicationActivity{UnitID: unit, HeldOn: in.HeldOn.Time, Topic: nfc(in.Topic), Participants: in.Participants}
	if unitErr != nil {
		// An unknown unit code comes back with the activity's own problems.
		return nil, domain.Collect(unitErr, a.Validate(r.today()))
	}
	if a.ID, err = r.EventRecorder.RecordCommunicationActivity(ctx, scope, a); err != nil {
		return nil, err
	}
	return communicationModel(a), nil
}

func (r *Resolver) setCommuneFacts(ctx context.Context, in model.CommuneFactsInput) (*model.SetCommuneFactsPayload, error) {
	f, err := r.enterCommuneFacts(ctx, in)
	return answer(ctx, "input", f, err, communeFactsPayload)
}

func (r *Resolver) enterCommuneFacts(ctx context.Context, in model.CommuneFactsInput) (*model.CommuneFacts, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	unit, unitErr := r.unitAt(ctx, "commune", in.Commune, r.today(), true)
	f := domain.CommuneFacts{UnitID: unit, Year: in.Year, WorkerAssigned: in.WorkerAssigned, Villages: in.Villages,
		VillagesWithCollaborator: in.VillagesWithCollaborator, BoardMeetings: in.BoardMeetings, FundingVND: in.FundingVnd,
		PlayVenues: in.PlayVenues, ChildrenForums: in.ChildrenForums, SurveyRespondents: in.SurveyRespondents,
		SurveySatisfied: in.SurveySatisfied, Category: mustCodeOf(in.Category, domain.CommuneCategories)}
	if unitErr != nil {
		// An unknown commune code comes back with the facts' own problems.
		return nil, domain.Collect(unitErr, f.Validate(r.today()))
	}
	if err := r.CommuneRecords.SetCommuneFacts(ctx, scope, f); err != nil {
		return nil, err
	}
	return communeFactsModel(f), nil
}

func caseType(t model.CaseType) string { return strings.ToLower(string(t)) }

func caseStatus(s model.CaseStatus) domain.CaseStatus {
	return domain.CaseStatus(strings.ToLower(string(s)))
}
