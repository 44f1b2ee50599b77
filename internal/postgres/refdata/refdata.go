// Package refdata embeds the reference lists of Đồng Nai's administrative units
// (the 2021 list, the 2024 and 2025 reorganisations, the type changes) and turns
// them into dated unit versions and crosswalk edges. It reads only the embedded
// files, so its rules are tested without a database; the postgres migration
// writes its result.
package refdata

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"treem/internal/domain"
)

//go:embed *.csv
var files embed.FS

// baseline2021 is the date of the GSO snapshot the 2021 list was taken from; "the
// 2021 commune" with a code is its version in force on this day.
var baseline2021 = day(2021, 7, 1)

// Sources of the versions the lists do not name themselves.
const (
	source2021 = "GSO list of 01/07/2021 (codes of QĐ 124/2004/QĐ-TTg)"
	source2024 = "NQ 1194/NQ-UBTVQH15"
	source2025 = "NQ 1662/NQ-UBTVQH15; codes 1027/CTK-CSCL"
)

// Key names one unit version: codes are reused, so a code with the day the
// version starts.
type Key struct {
	Code string
	From time.Time
}

// Version is one dated version of a unit.
type Version struct {
	Code, Name, Type string
	Level            domain.Level
	Parent           *Key // nil for the province
	From             time.Time
	To               *time.Time // exclusive; nil = in force
	Provisional      bool
	Source           string
}

// Key returns the version's key.
func (v *Version) Key() Key { return Key{v.Code, v.From} }

// validOn reports whether v is in force on d.
func (v *Version) validOn(d time.Time) bool {
	return !d.Before(v.From) && (v.To == nil || d.Before(*v.To))
}

// Edge is one crosswalk row: a territory (all or part of the old unit) went to
// the new unit on Effective.
type Edge struct {
	Effective    time.Time
	From         *Key // nil: a unit outside the platform's history (former Bình Phước)
	FromCode     string
	FromName     string
	FromDistrict string
	FromProvince string
	To           Key
	Relation     string
	Provisional  bool
	Note         string
}

// Data is everything the migration loads.
type Data struct {
	Units []Version // parents before children
	Edges []Edge
}

// Load parses the embedded lists and builds the versions and edges.
func Load() (Data, error) {
	provinces, err := readProvinces()
	if err != nil {
		return Data{}, err
	}
	units, err := readUnits2021()
	if err != nil {
		return Data{}, err
	}
	reorg, err := readReorg2024()
	if err != nil {
		return Data{}, err
	}
	mapping, err := readMapping2025()
	if err != nil {
		return Data{}, err
	}
	changes, err := readTypeChanges()
	if err != nil {
		return Data{}, err
	}
	return build(provinces, units, reorg, mapping, changes)
}

type provinceRow struct {
	Code, Name, Type string
	From             time.Time
	Provisional      bool
	Source           string
}

type unitRow struct {
	DistrictCode, DistrictName, DistrictType string
	Code, Name, Type                         string
}

type reorgRow struct {
	Effective                                   time.Time
	OldCode, OldName, NewCode, NewName, NewType string
	Relation                                    string
	Provisional                                 bool
	Note                                        string
}

type mappingRow struct {
	NewCode, NewName, NewType                  string
	OldCode, OldName, OldDistrict, OldProvince string
	Relation, Note                             string
}

type typeChange struct {
	Code             string
	Effective        time.Time
	OldType, NewType string
	Provisional      bool
	Source           string
}

func readProvinces() ([]provinceRow, error) {
	var out []provinceRow
	err := readCSV("provinces.csv", []string{"code", "name", "type", "valid_from", "provisional", "source"},
		func(f fields) {
			out = append(out, provinceRow{f.text(0), f.text(1), f.text(2), f.date(3), f.bool(4), f.text(5)})
		})
	return out, err
}

func readUnits2021() ([]unitRow, error) {
	var out []unitRow
	err := readCSV("dong-nai-units.csv",
		[]string{"district_code", "district_name", "district_type", "commune_code", "commune_name", "commune_type"},
		func(f fields) {
			out = append(out, unitRow{f.text(0), f.text(1), f.text(2), f.text(3), f.text(4), f.text(5)})
		})
	return out, err
}

func readReorg2024() ([]reorgRow, error) {
	var out []reorgRow
	err := readCSV("reorganisation-2024.csv",
		[]string{"effective", "old_code", "old_name", "new_code", "new_name", "new_type", "relation", "provisional", "note"},
		func(f fields) {
			out = append(out, reorgRow{f.date(0), f.text(1), f.text(2), f.text(3), f.text(4), f.text(5), f.text(6), f.bool(7), f.text(8)})
		})
	return out, err
}

func readMapping2025() ([]mappingRow, error) {
	var out []mappingRow
	err := readCSV("dong-nai-2025-mapping.csv",
		[]string{"new_unit_code", "new_unit_name", "new_unit_type", "old_commune_code", "old_commune_name",
			"old_district_name", "old_province", "relation", "note"},
		func(f fields) {
			out = append(out, mappingRow{f.text(0), f.text(1), f.text(2), f.text(3), f.text(4), f.text(5), f.text(6), f.text(7), f.text(8)})
		})
	return out, err
}

func readTypeChanges() ([]typeChange, error) {
	var out []typeChange
	err := readCSV("type-changes.csv",
		[]string{"code", "effective", "old_type", "new_type", "provisional", "source"},
		func(f fields) {
			out = append(out, typeChange{f.text(0), f.date(1), f.text(2), f.text(3), f.bool(4), f.text(5)})
		})
	return out, err
}

// readCSV reads an embedded file whose header must be exactly header, calling
// row for each record; the first malformed field fails the file.
func readCSV(name string, header []string, row func(fields)) error {
	fh, err := files.Open(name)
	if err != nil {
		return fmt.Errorf("refdata: %w", err)
	}
	defer fh.Close()
	return parseCSV(name, fh, header, row)
}

func parseCSV(name string, r io.Reader, header []string, row func(fields)) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(header)
	got, err := cr.Read()
	if err != nil {
		return fmt.Errorf("refdata %s: header: %w", name, err)
	}
	if !slices.Equal(got, header) {
		return fmt.Errorf("refdata %s: header %v, want %v", name, got, header)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("refdata %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		var ferr error
		row(fields{rec: rec, err: &ferr})
		if ferr != nil {
			return fmt.Errorf("refdata %s line %d: %w", name, line, ferr)
		}
	}
}

// fields reads typed values from one record, remembering the first error.
type fields struct {
	rec []string
	err *error
}

func (f fields) fail(err error) {
	if *f.err == nil {
		*f.err = err
	}
}

// text returns the field trimmed and in Unicode NFC, the form the database checks.
func (f fields) text(i int) string { return norm.NFC.String(strings.TrimSpace(f.rec[i])) }

func (f fields) date(i int) time.Time {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(f.rec[i]))
	if err != nil {
		f.fail(fmt.Errorf("column %d: %w", i+1, err))
	}
	return t
}

func (f fields) bool(i int) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(f.rec[i]))
	if err != nil {
		f.fail(fmt.Errorf("column %d: %w", i+1, err))
	}
	return b
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
