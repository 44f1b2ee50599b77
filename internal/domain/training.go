package domain

import (
	"fmt"
	"time"
)

// TrainingCourse is a course for the staff who work with children (plan 2021,
// item 7), organised by a unit, with how many were trained from where.
type TrainingCourse struct {
	ID           int64
	UnitID       int // the organising unit
	Level        string
	StartsOn     time.Time
	EndsOn       time.Time
	Topic        string
	Hours        int
	Trainer      string
	Participants []TrainingParticipants
}

// TrainingParticipants counts the trainees of one officer role from one unit
// at a course, by sex: counts, never named persons.
type TrainingParticipants struct {
	OfficerRole string
	UnitID      int
	Female      int
	Male        int
}

// TrainingLevels are the levels a course is held at.
var TrainingLevels = []string{"province", "district", "commune"}

// OfficerRoles are the roles trainees hold: the commune's child-protection
// officer (cán bộ làm công tác trẻ em cấp xã), the village collaborator (cộng
// tác viên thôn, ấp), the district's and the province's officers, and anyone
// else (teachers, police, health workers, …).
var OfficerRoles = []string{"commune_officer", "village_collaborator", "district_officer", "province_officer", "other"}

// OfficerRoleLevels are the level of unit each officer role works in; a role
// absent here (other) may come from a unit of any level.
var OfficerRoleLevels = map[string]Level{
	"commune_officer":      LevelCommune,
	"village_collaborator": LevelCommune,
	"district_officer":     LevelDistrict,
	"province_officer":     LevelProvince,
}

// Training limits: the most hours a course may last, rows of participants a
// course may list and trainees one row may count.
const (
	TrainingMaxHours        = 500
	TrainingMaxParticipants = 200
	TrainingMaxPerRow       = 10000
)

// Validate checks a course's vocabularies, dates, hours, texts and counts and
// returns every problem found; whether its units are in force is the store's
// to check.
func (c TrainingCourse) Validate(today time.Time) error {
	var ends, hours, dup error
	if c.EndsOn.Before(c.StartsOn) {
		ends = Invalid("endsOn", "must not be before startsOn")
	}
	if c.Hours <= 0 || c.Hours > TrainingMaxHours {
		hours = Invalid("hours", "must be between 1 and %d", TrainingMaxHours)
	}
	errs := []error{oneOfField("level", c.Level, TrainingLevels), NotFuture("startsOn", c.StartsOn, today),
		NotFuture("endsOn", c.EndsOn, today), ends, hours, ValidText("topic", c.Topic, 300),
		ValidText("trainer", c.Trainer, 200)}
	if len(c.Participants) == 0 || len(c.Participants) > TrainingMaxParticipants {
		// Past the limit the rows are not read: one problem says why.
		return Collect(append(errs, Invalid("participants", "must list 1 to %d roles and units", TrainingMaxParticipants))...)
	}
	seen := map[[2]any]bool{}
	for i, p := range c.Participants {
		field := fmt.Sprintf("participants.%d", i)
		k := [2]any{p.OfficerRole, p.UnitID}
		// An unknown unit (0) is told on its own field, not as a duplicate.
		if p.UnitID != 0 && seen[k] && dup == nil {
			dup = Invalid(field, "lists the same role and unit twice")
		}
		seen[k] = true
		errs = append(errs, p.validate(field))
	}
	return Collect(append(errs, dup)...)
}

func (p TrainingParticipants) validate(field string) error {
	var total error
	if p.Female+p.Male == 0 {
		total = Invalid(field, "must count at least one trainee")
	}
	return Collect(oneOfField(field+".role", p.OfficerRole, OfficerRoles), trainees(field+".female", p.Female),
		trainees(field+".male", p.Male), total)
}

// trainees refuses a number of trainees below zero or above the row's limit.
func trainees(field string, n int) error {
	if n < 0 || n > TrainingMaxPerRow {
		return Invalid(field, "must be between 0 and %d", TrainingMaxPerRow)
	}
	return nil
}
