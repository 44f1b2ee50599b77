package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The expectations below are read off dong-nai-units.md and
// reorganisation-2025.md (§3 for 2024, §5 for 2025), not computed.
func TestOrgUnitStore(t *testing.T) {
	ctx := context.Background()
	store := postgres.NewOrgUnitStore(testdb.Postgres(t))

	unit := func(t *testing.T, code, day string) domain.OrgUnit {
		t.Helper()
		u, err := store.UnitByCode(ctx, code, date(day))
		if err != nil {
			t.Fatalf("UnitByCode(%s, %s): %v", code, day, err)
		}
		return u
	}
	codes := func(units []domain.OrgUnit) []string {
		out := make([]string, len(units))
		for i, u := range units {
			out[i] = u.Code
		}
		return out
	}
	wantCode := func(t *testing.T, err error, want domain.Code) {
		t.Helper()
		if got := domain.ErrorCode(err); got != want {
			t.Fatalf("error %v: code %s, want %s", err, got, want)
		}
	}

	t.Run("reused code resolves by date", func(t *testing.T) {
		tests := []struct {
			day, name, typ string
			level          domain.Level
			provisional    bool
		}{
			{"2021-06-30", "Quyết Thắng", "Phường", domain.LevelCommune, false},
			{"2024-10-31", "Quyết Thắng", "Phường", domain.LevelCommune, false},
			{"2024-11-01", "Trung Dũng", "Phường", domain.LevelCommune, false},
			{"2025-06-30", "Trung Dũng", "Phường", domain.LevelCommune, false},
			{"2025-07-01", "Trấn Biên", "Phường", domain.LevelCommune, false},
			{"2026-05-01", "Trấn Biên", "Phường", domain.LevelCommune, true},
		}
		seen := map[int]bool{}
		for _, tt := range tests {
			u := unit(t, "26041", tt.day)
			if u.Name != tt.name || u.Type != tt.typ || u.Level != tt.level || u.Provisional != tt.provisional || !u.ValidOn(date(tt.day)) {
				t.Errorf("26041 on %s = %+v, want %s %s provisional=%v", tt.day, u, tt.typ, tt.name, tt.provisional)
			}
			seen[u.ID] = true
		}
		if len(seen) != 4 {
			t.Errorf("26041 has %d versions over the dates, want 4", len(seen))
		}
		if u := unit(t, "26341", "2021-06-30"); u.Type != "Xã" || u.Name != "Long Giao" {
			t.Errorf("Long Giao before July 2021 = %s %s", u.Type, u.Name)
		}
		if u := unit(t, "26341", "2021-07-01"); u.Type != "Thị trấn" || !u.Provisional {
			t.Errorf("Long Giao from July 2021 = %s provisional=%v, want a provisional Thị trấn", u.Type, u.Provisional)
		}
		if u := unit(t, "75", "2026-05-01"); u.Type != "Thành phố trực thuộc trung ương" || !u.Provisional {
			t.Errorf("province in 2026 = %+v", u)
		}
		if u := unit(t, "26248", "2026-05-01"); u.Type != "Phường" {
			t.Errorf("Trảng Bom in 2026 = %s, want Phường", u.Type)
		}
	})

	t.Run("not found and invalid", func(t *testing.T) {
		for _, tt := range []struct{ code, day string }{
			{"26032", "2024-11-01"}, // Trung Dũng's own code retired in 2024
			{"26449", "2025-07-01"}, // Xuân Tâm split in 2025
			{"26449", "2015-12-31"}, // before the history starts
			{"731", "2025-07-01"},   // districts abolished
			{"70", "2021-06-30"},    // Bình Phước is outside the history
		} {
			_, err := store.UnitByCode(ctx, tt.code, date(tt.day))
			wantCode(t, err, domain.CodeNotFound)
		}
		_, err := store.UnitByCode(ctx, "26O41", date("2021-06-30"))
		wantCode(t, err, domain.CodeInvalidInput)
		_, err = store.CommuneAt(ctx, "731", date("2021-06-30"))
		wantCode(t, err, domain.CodeNotFound)
		c, err := store.CommuneAt(ctx, "26188", date("2025-07-01"))
		if err != nil || c.Name != "Tân Triều" {
			t.Errorf("CommuneAt(26188, 2025-07-01) = %+v, %v", c, err)
		}
	})

	t.Run("units as of", func(t *testing.T) {
		district := domain.LevelDistrict
		districts, err := store.UnitsAsOf(ctx, date("2021-06-30"), &district, "")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"731", "732", "734", "735", "736", "737", "738", "739", "740", "741", "742"}
		if got := codes(districts); !slices.Equal(got, want) {
			t.Errorf("districts = %v, want %v", got, want)
		}
		bienHoa, err := store.UnitsAsOf(ctx, date("2021-06-30"), nil, "731")
		if err != nil {
			t.Fatal(err)
		}
		if len(bienHoa) != 30 || bienHoa[0].Code != "25993" || bienHoa[29].Code != "26380" {
			t.Errorf("Biên Hòa has %d communes %v, want 30 from 25993 to 26380", len(bienHoa), codes(bienHoa))
		}
		if bienHoa, _ = store.UnitsAsOf(ctx, date("2024-12-01"), nil, "731"); len(bienHoa) != 30-5 {
			t.Errorf("Biên Hòa in Dec 2024 has %d communes, want 25", len(bienHoa))
		}
		all, err := store.UnitsAsOf(ctx, date("2025-07-01"), nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 96 || all[0].Level != domain.LevelProvince || all[1].Level != domain.LevelCommune {
			t.Errorf("units on 2025-07-01: %d, first %v", len(all), codes(all[:2]))
		}
		children, err := store.UnitsAsOf(ctx, date("2025-07-01"), nil, "75")
		if err != nil || len(children) != 95 {
			t.Errorf("children of 75 on 2025-07-01: %d, %v", len(children), err)
		}
		_, err = store.UnitsAsOf(ctx, date("2025-07-01"), nil, "731")
		wantCode(t, err, domain.CodeNotFound)
		bad := domain.Level("hamlet")
		_, err = store.UnitsAsOf(ctx, date("2025-07-01"), &bad, "")
		wantCode(t, err, domain.CodeInvalidInput)
	})

	t.Run("by id and children", func(t *testing.T) {
		province, bienHoa := unit(t, "75", "2021-06-30"), unit(t, "731", "2021-06-30")
		got, err := store.UnitsByID(ctx, []int{bienHoa.ID, province.ID, -1})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != province.ID || got[1].ID != bienHoa.ID || got[1].Name != "Biên Hòa" || got[1].ParentID != province.ID {
			t.Errorf("UnitsByID = %+v", got)
		}
		kids, err := store.ChildUnits(ctx, []int{province.ID, bienHoa.ID, -1}, date("2021-06-30"))
		if err != nil {
			t.Fatal(err)
		}
		if len(kids) != 2 || len(kids[province.ID]) != 11 || len(kids[bienHoa.ID]) != 30 {
			t.Errorf("ChildUnits: province %d, Biên Hòa %d, keys %d", len(kids[province.ID]), len(kids[bienHoa.ID]), len(kids))
		}
		if k := kids[bienHoa.ID][0]; k.ParentID != bienHoa.ID || k.Code != "25993" {
			t.Errorf("first child of Biên Hòa = %+v", k)
		}
	})

	type link struct{ code, name, district, relation, effective string }
	flatten := func(ls []domain.UnitLink) []link {
		out := make([]link, len(ls))
		for i, l := range ls {
			out[i] = link{l.Code, l.Name, l.DistrictName, l.Relation, l.Effective.Format(time.DateOnly)}
			if l.ProvinceName != "Đồng Nai" && l.ProvinceName != "Bình Phước" {
				t.Errorf("link %+v has province %q", l, l.ProvinceName)
			}
		}
		return out
	}

	t.Run("successors", func(t *testing.T) {
		xuanTam, tanPhong := unit(t, "26449", "2021-06-30"), unit(t, "25996", "2021-06-30")
		succ, err := store.Successors(ctx, []int{xuanTam.ID, tanPhong.ID})
		if err != nil {
			t.Fatal(err)
		}
		wantXT := []link{
			{"26359", "Xuân Đông", "", "partial", "2025-07-01"},
			{"26446", "Xuân Hòa", "", "partial", "2025-07-01"},
		}
		if got := flatten(succ[xuanTam.ID]); !slices.Equal(got, wantXT) {
			t.Errorf("successors of Xuân Tâm = %v, want %v", got, wantXT)
		}
		wantTP := []link{
			{"25996", "Tân Phong", "Biên Hòa", "partial-main", "2024-11-01"},
			{"26023", "Quang Vinh", "Biên Hòa", "partial-minor", "2024-11-01"},
			{"26041", "Trung Dũng", "Biên Hòa", "partial-minor", "2024-11-01"},
			{"26041", "Trấn Biên", "", "partial-minor", "2025-07-01"},
			{"26188", "Tân Triều", "", "partial-main", "2025-07-01"},
		}
		if got := flatten(succ[tanPhong.ID]); !slices.Equal(got, wantTP) {
			t.Errorf("successors of Tân Phong = %v, want %v", got, wantTP)
		}
		// What remained of Tân Phong in 2024 went whole to Tân Triều.
		rest := unit(t, "25996", "2024-11-01")
		succ, err = store.Successors(ctx, []int{rest.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got := flatten(succ[rest.ID]); !slices.Equal(got, []link{{"26188", "Tân Triều", "", "full", "2025-07-01"}}) {
			t.Errorf("successors of Tân Phong (2024) = %v", got)
		}
		if l := succ[rest.ID][0]; l.UnitID != unit(t, "26188", "2025-07-01").ID {
			t.Errorf("successor unit id %d", l.UnitID)
		}
	})

	t.Run("predecessors", func(t *testing.T) {
		tranBien, binhPhuoc := unit(t, "26041", "2025-07-01"), unit(t, "25195", "2025-07-01")
		pred, err := store.Predecessors(ctx, []int{tranBien.ID, binhPhuoc.ID})
		if err != nil {
			t.Fatal(err)
		}
		const bh, day = "Biên Hòa", "2025-07-01"
		want := []link{ // the ten 2021 wards of khoản 69, and the two 2024 wards that absorbed some of them
			{"25996", "Tân Phong", bh, "partial-minor", day},
			{"26011", "Bửu Long", bh, "full", day},
			{"26023", "Quang Vinh", bh, "full", day}, // 2021
			{"26023", "Quang Vinh", bh, "full", day}, // 2024
			{"26029", "Thống Nhất", bh, "full", day},
			{"26032", "Trung Dũng", bh, "full", day},
			{"26038", "Hòa Bình", bh, "full", day},
			{"26041", "Quyết Thắng", bh, "full", day},
			{"26041", "Trung Dũng", bh, "full", day}, // 2024, code of Quyết Thắng
			{"26044", "Thanh Bình", bh, "full", day},
			{"26050", "An Bình", bh, "full", day},
			{"26065", "Hiệp Hòa", bh, "full", day},
		}
		if got := flatten(pred[tranBien.ID]); !slices.Equal(got, want) {
			t.Errorf("predecessors of Trấn Biên =\n%v\nwant\n%v", got, want)
		}
		for _, l := range pred[tranBien.ID] {
			if l.UnitID == 0 {
				t.Errorf("Đồng Nai predecessor %s without unit id", l.Code)
			}
		}
		bp := pred[binhPhuoc.ID]
		if len(bp) != 6 {
			t.Fatalf("predecessors of phường Bình Phước: %d, want 6", len(bp))
		}
		for _, l := range bp {
			if l.UnitID != 0 || l.ProvinceName != "Bình Phước" || l.DistrictName != "Đồng Xoài" {
				t.Errorf("Bình Phước predecessor %+v", l)
			}
		}
	})

	t.Run("code-keeper districts", func(t *testing.T) {
		vinhCuu, camMy, bienHoa := unit(t, "735", "2021-06-30"), unit(t, "739", "2021-06-30"), unit(t, "731", "2021-06-30")
		tests := []struct {
			code, day string
			want      *domain.District2021 // nil: no 2021 district
		}{
			{"26188", "2025-07-01", &domain.District2021{DistrictID: vinhCuu.ID, Approximate: true}}, // Tân Triều
			{"26188", "2026-05-01", &domain.District2021{DistrictID: vinhCuu.ID, Approximate: true}},
			{"26188", "2021-06-30", &domain.District2021{DistrictID: vinhCuu.ID}},                  // Thạnh Phú
			{"26359", "2025-07-01", &domain.District2021{DistrictID: camMy.ID, Approximate: true}}, // Xuân Đông
			{"26041", "2025-07-01", &domain.District2021{DistrictID: bienHoa.ID}},                  // Trấn Biên
			{"26041", "2024-12-01", &domain.District2021{DistrictID: bienHoa.ID}},                  // Trung Dũng
			{"25195", "2025-07-01", nil}, // former Bình Phước
			{"75", "2025-07-01", nil},
		}
		ids := make([]int, len(tests))
		for i, tt := range tests {
			ids[i] = unit(t, tt.code, tt.day).ID
		}
		got, err := store.Districts2021(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for i, tt := range tests {
			d, ok := got[ids[i]]
			if tt.want == nil {
				if ok {
					t.Errorf("%s on %s: district %+v, want none", tt.code, tt.day, d)
				}
				continue
			}
			if !ok || d != *tt.want {
				t.Errorf("%s on %s: district %+v (%v), want %+v", tt.code, tt.day, d, ok, *tt.want)
			}
		}
	})

	t.Run("area unit ids", func(t *testing.T) {
		codesOf := func(ids []int) []string {
			units, err := store.UnitsByID(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			out := codes(units)
			slices.Sort(out)
			return out
		}
		tests := []struct {
			area, day string
			n         int
			want      []string // when short enough to list
		}{
			{"75", "2021-06-30", 170, nil},
			{"75", "2024-12-01", 159, nil},
			{"75", "2025-07-01", 95, nil},
			{"75", "2026-05-01", 95, nil},
			{"731", "2021-06-30", 30, nil},
			{"26449", "2021-06-30", 1, []string{"26449"}},
			// Vĩnh Cửu kept the codes of Thạnh Phú, Phú Lý, Vĩnh An and Tân An (§5 A).
			{"735", "2025-07-01", 4, []string{"26170", "26173", "26179", "26188"}},
			{"735", "2026-05-01", 4, []string{"26170", "26173", "26179", "26188"}},
			// Biên Hòa's ten 2025 units less Tân Triều, which kept a Vĩnh Cửu code.
			{"731", "2025-07-01", 9, []string{"25993", "26005", "26017", "26020", "26041", "26068", "26374", "26377", "26380"}},
		}
		for _, tt := range tests {
			ids, err := store.AreaUnitIDs(ctx, tt.area, date(tt.day))
			if err != nil {
				t.Errorf("AreaUnitIDs(%s, %s): %v", tt.area, tt.day, err)
				continue
			}
			if len(ids) != tt.n {
				t.Errorf("AreaUnitIDs(%s, %s) = %d units, want %d", tt.area, tt.day, len(ids), tt.n)
			}
			if tt.want != nil && !slices.Equal(codesOf(ids), tt.want) {
				t.Errorf("AreaUnitIDs(%s, %s) = %v, want %v", tt.area, tt.day, codesOf(ids), tt.want)
			}
		}
		// The eleven districts share out the 55 former Đồng Nai units exactly.
		total := 0
		for _, d := range []string{"731", "732", "734", "735", "736", "737", "738", "739", "740", "741", "742"} {
			ids, err := store.AreaUnitIDs(ctx, d, date("2025-07-01"))
			if err != nil {
				t.Fatal(err)
			}
			total += len(ids)
		}
		if total != 55 {
			t.Errorf("2025 units under the 2021 districts: %d, want 55", total)
		}
		for _, tt := range []struct{ area, day string }{{"26449", "2025-07-01"}, {"99", "2025-07-01"}, {"731", "2015-06-01"}} {
			_, err := store.AreaUnitIDs(ctx, tt.area, date(tt.day))
			wantCode(t, err, domain.CodeNotFound)
		}
		_, err := store.AreaUnitIDs(ctx, "7x", date("2025-07-01"))
		wantCode(t, err, domain.CodeInvalidInput)
	})
}

// Every 2025 unit of former Đồng Nai kept the code of one of its own 2021
// predecessors (reorganisation-2025.md §6.1): the premise of the code-keeper rule.
func TestCodeKeeperPremise(t *testing.T) {
	pool := testdb.Postgres(t)
	n := count(t, pool, `
		SELECT count(*) FROM org_unit u
		WHERE u.valid_from = DATE '2025-07-01' AND u.level = 'commune'
		  AND EXISTS (SELECT 1 FROM unit_crosswalk x WHERE x.to_unit_id = u.id AND x.from_province = 'Đồng Nai')
		  AND NOT EXISTS (SELECT 1 FROM unit_crosswalk x JOIN org_unit f ON f.id = x.from_unit_id
		                  WHERE x.to_unit_id = u.id AND f.code = u.code
		                    AND f.valid_from <= DATE '2021-07-01' AND f.valid_to > DATE '2021-07-01')`)
	if n != 0 {
		t.Errorf("%d former Đồng Nai units did not keep a predecessor's code", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM unit_district_2021 d JOIN org_unit u ON u.id = d.unit_id
		WHERE u.valid_from = DATE '2025-07-01'`); n != 55 {
		t.Errorf("2025 units with a 2021 district: %d, want 55", n)
	}
	// The ten cross-district mergers of reorganisation-2025.md §4.
	if n := count(t, pool, `SELECT count(*) FROM unit_district_2021 d JOIN org_unit u ON u.id = d.unit_id
		WHERE u.valid_from = DATE '2025-07-01' AND d.approximate`); n != 10 {
		t.Errorf("approximate 2025 units: %d, want 10", n)
	}
}
