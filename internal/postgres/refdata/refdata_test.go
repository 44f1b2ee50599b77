package refdata

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

func TestParseCSV(t *testing.T) {
	type row struct {
		name string
		on   time.Time
		ok   bool
	}
	header := []string{"name", "on", "ok"}
	tests := []struct {
		name    string
		input   string
		want    []row
		wantErr string
	}{
		{"rows", "name,on,ok\nXuân Tâm,2025-07-01,true\n\" Trấn Biên \",2024-11-01,false\n", []row{
			{"Xuân Tâm", day(2025, 7, 1), true}, {"Trấn Biên", day(2024, 11, 1), false}}, ""},
		{"decomposed text becomes NFC", "name,on,ok\n" + norm.NFD.String("Đồng Nai") + ",2019-01-01,true\n",
			[]row{{"Đồng Nai", day(2019, 1, 1), true}}, ""},
		{"header only", "name,on,ok\n", nil, ""},
		{"wrong header", "name,day,ok\n", nil, "header"},
		{"missing field", "name,on,ok\nA,2025-07-01\n", nil, "wrong number of fields"},
		{"bad date", "name,on,ok\nA,01/07/2025,true\n", nil, "line 2: column 2"},
		{"bad bool", "name,on,ok\nA,2025-07-01,yes\n", nil, "line 2: column 3"},
		{"empty", "", nil, "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []row
			err := parseCSV("test.csv", strings.NewReader(tt.input), header, func(f fields) {
				got = append(got, row{f.text(0), f.date(1), f.bool(2)})
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d rows, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("row %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// The shape of the loaded history, independent of the database: versions of a
// code never overlap, every parent covers its child's whole span, every edge
// joins existing versions on the day the new one starts.
func TestLoadInvariants(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	// 3 province versions, 11 districts, 170 communes of 2021, the 2019 cuts (Long
	// Khánh and its 15 communes, six Biên Hòa communes), Long Giao's 2021 cut, 10
	// units changed in 2024, 95 units of 2025 and their 2026 versions.
	if len(d.Units) != 3+11+170+1+15+6+1+10+95+95 {
		t.Errorf("versions = %d, want 407", len(d.Units))
	}
	byKey := map[Key]Version{}
	for _, v := range d.Units {
		if _, dup := byKey[v.Key()]; dup {
			t.Fatalf("two versions %v", v.Key())
		}
		byKey[v.Key()] = v
		if v.Name != norm.NFC.String(v.Name) {
			t.Errorf("%s: name not NFC", v.Code)
		}
	}
	end := func(v Version) time.Time {
		if v.To == nil {
			return day(9999, 1, 1)
		}
		return *v.To
	}
	for _, a := range d.Units {
		for _, b := range d.Units {
			if a.Code == b.Code && a.From.Before(b.From) && end(a).After(b.From) {
				t.Errorf("versions of %s overlap: %v and %v", a.Code, a.From, b.From)
			}
		}
		if a.Parent == nil {
			continue
		}
		p, ok := byKey[*a.Parent]
		if !ok || p.From.After(a.From) || end(p).Before(end(a)) {
			t.Errorf("%s from %v: parent %v does not cover it", a.Code, a.From, a.Parent)
		}
	}
	for _, e := range d.Edges {
		to, ok := byKey[e.To]
		if !ok || !to.From.Equal(e.Effective) {
			t.Errorf("edge %s → %v: target missing or not starting on %v", e.FromCode, e.To, e.Effective)
		}
		if e.From == nil {
			if e.FromProvince != "Bình Phước" {
				t.Errorf("edge from %s has no old version", e.FromCode)
			}
			continue
		}
		from, ok := byKey[*e.From]
		if !ok || from.Code != e.FromCode || !from.From.Before(e.Effective) {
			t.Errorf("edge %v → %v: bad old version", e.From, e.To)
		}
	}
}

func TestBuildRejectsInconsistentLists(t *testing.T) {
	var (
		provinces []provinceRow
		units     []unitRow
		reorg     []reorgRow
		mapping   []mappingRow
		changes   []typeChange
	)
	tests := []struct {
		name   string
		mutate func()
	}{
		{"type change from and to types the unit never had", func() { changes[0].OldType, changes[0].NewType = "Phường", "Xã" }},
		{"type change of a unit not in force", func() { changes[0].Code = "26032"; changes[0].Effective = day(2025, 8, 1) }},
		{"2025 row naming a wrong 2021 commune", func() { mapping[0].OldName = "Trảng Dài X" }},
		{"2024 unit split between two 2025 units", func() {
			for i := range mapping {
				if mapping[i].OldCode == "26038" { // Hòa Bình, absorbed by Quang Vinh
					mapping[i].NewCode = "26017"
				}
			}
		}},
		{"one province row", func() { provinces = provinces[:1] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs [5]error
			provinces, errs[0] = readProvinces()
			units, errs[1] = readUnits2021()
			reorg, errs[2] = readReorg2024()
			mapping, errs[3] = readMapping2025()
			changes, errs[4] = readTypeChanges()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			tt.mutate()
			if _, err := build(provinces, units, reorg, mapping, changes); err == nil {
				t.Fatal("build accepted inconsistent lists")
			}
		})
	}
}
