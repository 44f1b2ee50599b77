package graph

import (
	"context"
	"strings"
	"time"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/domain"
	"treem/internal/period"
)

// Reports is what the periodic reports' mutation and the member departments
// need.
type Reports interface {
	// ReportDue is the due date of a period's report under the plan's rules.
	ReportDue(ctx context.Context, s domain.Scope, period string) (time.Time, error)
	SubmitReport(ctx context.Context, s domain.Scope, in domain.ReportInput) (domain.Report, error)
	Departments(ctx context.Context, s domain.Scope) ([]domain.Department, error)
	DepartmentsByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Department, error)
}

// reportModel answers the status on the server's clock.
func (r *Resolver) reportModel(x domain.Report) *model.Report {
	m := &model.Report{ID: globalID(nodeReport, x.ID), Period: x.Period, DueOn: scalar.Date{Time: x.DueOn},
		SubmittedAt: scalar.DateTimePtr(x.SubmittedAt), UnitID: x.UnitID, DepartmentID: x.DepartmentID, RowID: x.ID,
		Status:  model.SubmissionStatus(domain.Submission(x.DueOn, x.SubmittedAt, x.Content != nil, r.now())),
		Figures: []*model.ReportFigure{}}
	if x.Content != nil {
		m.Narrative = x.Content.Narrative
		for _, f := range x.Content.Figures {
			m.Figures = append(m.Figures, &model.ReportFigure{Key: f.Key, Value: f.Value})
		}
	}
	return m
}

func departmentModel(d domain.Department) *model.Department {
	return &model.Department{Code: d.Code, Name: d.NameVi, NameEn: d.NameEn, ValidFrom: scalar.Date{Time: d.ValidFrom},
		ValidTo: datePtr(d.ValidTo), Provisional: d.Provisional, Source: d.Source}
}

// departments is reference data, the same for every role: read in no area.
func (r *Resolver) departments(ctx context.Context) ([]*model.Department, error) {
	ds, err := r.Reports.Departments(ctx, domain.Scope{})
	if err != nil {
		return nil, err
	}
	out := make([]*model.Department, len(ds))
	for i, d := range ds {
		out[i] = departmentModel(d)
	}
	return out, nil
}

func (r *Resolver) reportDepartment(ctx context.Context, x *model.Report) (*model.Department, error) {
	if x.DepartmentID == nil {
		return nil, nil
	}
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	d, err := l.departmentsByID.Load(ctx, int64(*x.DepartmentID))
	return parentOf(d, err, departmentModel, "department", int64(*x.DepartmentID))
}

func (r *Resolver) submitReport(ctx context.Context, in model.SubmitReportInput) (*model.SubmitReportPayload, error) {
	x, err := r.newReport(ctx, in)
	return answer(ctx, "input", x, err, func(x *model.Report, errs []*model.UserError) *model.SubmitReportPayload {
		return &model.SubmitReportPayload{Report: x, Errors: errs}
	})
}

// reportLevels are the roles that submit a unit's report, by the unit's
// level: each officer their own level's; a province officer any.
var reportLevels = map[domain.Role]domain.Level{
	domain.RoleDistrictOfficer: domain.LevelDistrict,
	domain.RoleCommuneOfficer:  domain.LevelCommune,
}

// newReport resolves the period's due date and the unit at it (districts
// report until 1 July 2025, communes and wards from then), then saves the
// report; the content's own problems come back with the period's and the
// unit's.
func (r *Resolver) newReport(ctx context.Context, in model.SubmitReportInput) (*model.Report, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	x := domain.ReportInput{Period: strings.TrimSpace(in.Period), Draft: in.Draft != nil && *in.Draft}
	if p, err := period.Parse("period", x.Period); err == nil {
		x.Period = p.String() // 2025S1 is 2025-H1
	}
	if in.Narrative != nil {
		n := nfc(*in.Narrative)
		x.Content.Narrative = &n
	}
	for _, f := range in.Figures {
		x.Content.Figures = append(x.Content.Figures, domain.ReportFigure{Key: f.Key, Value: f.Value})
	}
	if (in.Unit == nil) == (in.Department == nil) {
		return nil, domain.Collect(domain.Invalid("unit", "give exactly one of unit and department"), x.Content.Validate())
	}
	due, err := r.Reports.ReportDue(ctx, scope, x.Period)
	if err != nil {
		return nil, domain.Collect(err, x.Content.Validate())
	}
	user := domain.UserFrom(ctx)
	if in.Department != nil {
		if user.Role != domain.RoleProvinceOfficer {
			return nil, &domain.Error{Code: domain.CodeForbidden, Field: "department",
				Message: "departments' reports are received by province officers"}
		}
		// A department's report belongs to the province: the province
		// officers' area under the reports' area policy.
		x.DepartmentCode = *in.Department
		x.UnitID, err = r.unitAtLevel(ctx, "department", user.Area, due, domain.LevelProvince)
	} else {
		level := domain.TargetLevel(due)
		if own, ok := reportLevels[user.Role]; ok && own != level {
			return nil, &domain.Error{Code: domain.CodeForbidden, Field: "unit",
				Message: "a " + string(own) + " officer submits their " + string(own) + "'s reports only"}
		}
		x.UnitID, err = r.unitAtLevel(ctx, "unit", *in.Unit, due, level)
	}
	if err != nil {
		return nil, domain.Collect(err, x.Content.Validate())
	}
	rep, err := r.Reports.SubmitReport(ctx, scope, x)
	if err != nil {
		return nil, err
	}
	return r.reportModel(rep), nil
}

func (r *Resolver) ministryStatistics(ctx context.Context, p string) (*model.MinistryStatistics, error) {
	a, err := r.analytics()
	if err != nil {
		return nil, err
	}
	st, err := a.MinistryStatistics(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &model.MinistryStatistics{Period: st.Period.String(), PeriodType: periodTypeOf[st.Period.Kind],
		PeriodFirstDay: scalar.Date{Time: st.Period.First()}, PeriodLastDay: scalar.Date{Time: st.LastDay},
		Level: model.ReportLevel(strings.ToUpper(st.Level)), Province: reportItems(st.Province),
		Units: []*model.MinistryStatisticsUnit{}, AsOf: toAsOf(st.Meta.AsOf), Approximate: st.Meta.Approximate}
	for _, u := range st.Units {
		mu := &model.MinistryStatisticsUnit{OrgUnit: toUnit(u.Unit), Items: reportItems(u.Items)}
		if u.Since != nil {
			mu.Since = &scalar.Date{Time: *u.Since}
		}
		out.Units = append(out.Units, mu)
	}
	return out, nil
}

var periodTypeOf = map[period.Kind]model.PeriodType{period.Month: model.PeriodTypeMonth, period.Quarter: model.PeriodTypeQuarter,
	period.Half: model.PeriodTypeHalfYear, period.Year: model.PeriodTypeYear}
