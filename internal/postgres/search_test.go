package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// searchFixture adds to the area's five children a second Nguyễn Văn in
// commune 99101, a name that exists only in district 992, a circumstance and a
// protection case in each district.
func searchFixture(t *testing.T, pool *pgxpool.Pool) area {
	t.Helper()
	ctx := context.Background()
	a := fixture(t, pool)
	for name, commune := range map[string]int{"Nguyễn Văn Đạt": a.c1, "Đỗ Thị Duyên": a.c3} {
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO child (full_name, sex, birth_date, commune_id) VALUES ($1, 'M', '2014-02-02', $2)
		  RETURNING id`, name, commune).Scan(&id); err != nil {
			t.Fatalf("child %s: %v", name, err)
		}
		a.children[name] = id
	}
	for _, name := range []string{"Nguyễn Văn An", "Đỗ Thị Duyên"} {
		if _, err := pool.Exec(ctx, `INSERT INTO child_circumstance (child_id, group_code, started_on, ended_on)
		  VALUES ($1, 'DISABLED', '2020-01-01', '2024-12-31')`, a.children[name]); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO protection_case (child_id, unit_id, case_type, received_at, emergency_deadline, plan_deadline,
		    approval_deadline)
		  SELECT id, commune_id, 'neglect', '2025-01-06 09:00+07', '2025-01-06 21:00+07', '2025-01-14 00:00+07', '2025-01-16 00:00+07' FROM child WHERE id = $1`,
			a.children[name]); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// TestNameSearchIgnoresAccentsWithinArea: a search matches names whatever
// their case and diacritics (đ as d), through the trigram index and through
// the row-by-row test of short needles alike, and never a child outside the
// caller's area, with or without the Go-side area filter.
func TestNameSearchIgnoresAccentsWithinArea(t *testing.T) {
	pool := testdb.Postgres(t)
	a := searchFixture(t, pool)
	s := postgres.NewChildStore(pool)
	ctx := context.Background()
	province, district991 := domain.Scope{All: true}, domain.Scope{UnitIDs: []int{a.c1, a.c2}}
	district992 := domain.Scope{UnitIDs: []int{a.c3}}
	byName := domain.ChildOrder{Field: domain.ChildOrderFullName}
	tests := []struct {
		name, needle string
		scope        domain.Scope
		want         []string
	}{
		{"without diacritics", "nguyen van", province, []string{"Nguyễn Văn An", "Nguyễn Văn Đạt"}},
		{"upper case with diacritics", "NGUYỄN VĂN", district991, []string{"Nguyễn Văn An", "Nguyễn Văn Đạt"}},
		{"d finds đ", "van dat", province, []string{"Nguyễn Văn Đạt"}},
		{"đ finds d", "đung", province, []string{"Phạm Thị Dung"}},
		{"other diacritics on the same letters", "nguyến", province, []string{"Nguyễn Văn An", "Nguyễn Văn Đạt"}},
		{"short needle", "đ", district991, []string{"Nguyễn Văn Đạt"}},
		{"short needle, several words", "an d", province, []string{"Nguyễn Văn Đạt"}},
		{"only in another district", "do thi duyen", district991, nil},
		{"short needle only in another district", "Đỗ", district991, nil},
		{"the other district itself", "do thi duyen", district992, []string{"Đỗ Thị Duyên"}},
		{"no area", "nguyen", domain.Scope{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := domain.ChildFilter{NameContains: tt.needle}
			page := domain.Page[domain.ChildKey]{First: 10}
			for _, list := range []func(context.Context, domain.Scope, domain.ChildFilter, domain.ChildOrder,
				domain.Page[domain.ChildKey]) ([]domain.Child, bool, error){s.ListChildren, s.ListChildrenWithoutAreaFilter} {
				got, _, err := list(ctx, tt.scope, f, byName, page)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(names(got), tt.want) {
					t.Fatalf("search %q = %v, want %v", tt.needle, names(got), tt.want)
				}
			}
			n, err := s.CountChildren(ctx, tt.scope, f)
			if err != nil || n != len(tt.want) {
				t.Fatalf("count of %q = %d, %v; want %d", tt.needle, n, err, len(tt.want))
			}
		})
	}
	// A renamed child is found by the new name only: the folded name follows it.
	if _, err := pool.Exec(ctx, `UPDATE child SET full_name = 'Vũ Thị Ánh' WHERE id = $1`, a.children["Nguyễn Văn Đạt"]); err != nil {
		t.Fatal(err)
	}
	for needle, want := range map[string]int{"van dat": 0, "vu thi anh": 1} {
		if n, err := s.CountChildren(ctx, province, domain.ChildFilter{NameContains: needle}); err != nil || n != want {
			t.Fatalf("after the rename, %q counts %d, %v; want %d", needle, n, err, want)
		}
	}
}

// TestRecordFiltersWithinArea: circumstance and case filters find the
// children of the caller's area only, at the date asked for.
func TestRecordFiltersWithinArea(t *testing.T) {
	pool := testdb.Postgres(t)
	a := searchFixture(t, pool)
	s := postgres.NewChildStore(pool)
	ctx := context.Background()
	on := func(d string) time.Time { v, _ := time.Parse(time.DateOnly, d); return v }
	district991, district992 := domain.Scope{UnitIDs: []int{a.c1, a.c2}}, domain.Scope{UnitIDs: []int{a.c3}}
	tests := []struct {
		name  string
		scope domain.Scope
		f     domain.ChildFilter
		want  []string
	}{
		{"circumstance", district991, domain.ChildFilter{Circumstances: []string{"DISABLED"}, AsOf: on("2024-12-31")}, []string{"Nguyễn Văn An"}},
		{"circumstance, other district", district992, domain.ChildFilter{Circumstances: []string{"DISABLED"}, AsOf: on("2022-06-01")}, []string{"Đỗ Thị Duyên"}},
		{"circumstance after it ended", district991, domain.ChildFilter{Circumstances: []string{"DISABLED"}, AsOf: on("2025-01-01")}, nil},
		{"circumstance before it started", district991, domain.ChildFilter{Circumstances: []string{"DISABLED"}, AsOf: on("2019-12-31")}, nil},
		{"case type", district991, domain.ChildFilter{CaseTypes: []string{"neglect"}}, []string{"Nguyễn Văn An"}},
		{"case status", district992, domain.ChildFilter{CaseStatuses: []string{"received"}}, []string{"Đỗ Thị Duyên"}},
		{"case type and status", district991, domain.ChildFilter{CaseTypes: []string{"neglect"}, CaseStatuses: []string{"closed"}}, nil},
		{"other case type", district991, domain.ChildFilter{CaseTypes: []string{"violence"}}, nil},
		{"no area", domain.Scope{}, domain.ChildFilter{CaseTypes: []string{"neglect"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := s.ListChildrenWithoutAreaFilter(ctx, tt.scope, tt.f, domain.ChildOrder{Field: domain.ChildOrderID},
				domain.Page[domain.ChildKey]{First: 10})
			if err != nil || !slices.Equal(names(got), tt.want) {
				t.Fatalf("children = %v, %v; want %v", names(got), err, tt.want)
			}
			if n, err := s.CountChildren(ctx, tt.scope, tt.f); err != nil || n != len(tt.want) {
				t.Fatalf("count = %d, %v; want %d", n, err, len(tt.want))
			}
		})
	}
}

// TestSearchFunctionsKeepToTheArea calls the SECURITY DEFINER functions
// directly as the API's login: whatever it asks, they return no id outside
// the area of its transaction, nothing without one; the ETL's login may not
// call them, and neither login reads the list of names behind the search.
func TestSearchFunctionsKeepToTheArea(t *testing.T) {
	owner, dbURL := testdb.URL(t)
	a := searchFixture(t, owner)
	ctx := context.Background()
	api := login(t, dbURL, testdb.APIURL, postgres.ProgramServe)
	calls := []struct {
		name, sql string
		args      []any
	}{
		{"name", "SELECT treem_child_search($1)", []any{"thi"}},
		{"name, every child", "SELECT treem_child_search($1)", []any{""}},
		{"circumstance", "SELECT treem_children_in_circumstance($1, $2)", []any{[]string{"DISABLED"}, "2022-01-01"}},
		{"case", "SELECT treem_children_with_case($1::text[], $2::text[])", []any{nil, nil}},
	}
	// Each function finds someone in both districts, so an answer limited to
	// one district shows the area test at work.
	inDistrict992 := map[int64]bool{a.children["Phạm Thị Dung"]: true, a.children["Hoàng 100% _x_"]: true,
		a.children["Đỗ Thị Duyên"]: true}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			for _, scope := range []domain.Scope{{UnitIDs: []int{a.c1, a.c2}}, {UnitIDs: []int{a.c3}}, {}} {
				var ids []int64
				err := postgres.InArea(ctx, api, scope, true, func(tx pgx.Tx) error {
					return tx.QueryRow(ctx, c.sql, c.args...).Scan(&ids)
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(ids) == 0 && len(scope.UnitIDs) > 0 {
					t.Fatalf("scope %v: nothing found, so the test shows nothing", scope.UnitIDs)
				}
				for _, id := range ids {
					if inDistrict992[id] != scope.Contains(a.c3) || len(scope.UnitIDs) == 0 {
						t.Fatalf("scope %v: child %d is outside it", scope.UnitIDs, id)
					}
				}
			}
			// The login itself, without the area switch, has no area either.
			var ids []int64
			if err := api.QueryRow(ctx, c.sql, c.args...).Scan(&ids); err == nil && len(ids) > 0 {
				t.Fatalf("without an area: %v", ids)
			}
		})
	}
	etl := login(t, dbURL, testdb.ETLURL, postgres.ProgramETL)
	if code := attempt(t, etl, "SELECT treem_child_search('thi')"); code != "42501" {
		t.Errorf("the ETL's login called treem_child_search: %q, want 42501", code)
	}
	// The list of every name in the province is the owner's alone.
	for name, pool := range map[string]*pgxpool.Pool{"treem_api": api, "treem_etl": etl} {
		if code := attempt(t, pool, "SELECT count(*) FROM folded_name"); code != "42501" {
			t.Errorf("%s read folded_name: %q, want 42501", name, code)
		}
	}
}

// TestSearchPagesCarryTheirTotal: a page whose filter starts from a set of
// ids (a name, a circumstance, a case) comes with its total in the same
// statement. Walking the pages one child at a time gives every match once,
// each page carries the same total, and a cursor past the last match still
// gets it; with or without the Go-side area filter.
func TestSearchPagesCarryTheirTotal(t *testing.T) {
	pool := testdb.Postgres(t)
	a := searchFixture(t, pool)
	s := postgres.NewChildStore(pool)
	ctx := context.Background()
	on := func(d string) time.Time { v, _ := time.Parse(time.DateOnly, d); return v }
	district991 := domain.Scope{UnitIDs: []int{a.c1, a.c2}}
	tests := []struct {
		name  string
		scope domain.Scope
		f     domain.ChildFilter
		want  []string // in birth-date order
	}{
		{"name", district991, domain.ChildFilter{NameContains: "van"}, []string{"Nguyễn Văn Đạt", "Nguyễn Văn An", "Lê Văn Cường"}},
		{"name in the province", domain.Scope{All: true}, domain.ChildFilter{NameContains: "thi"},
			[]string{"Phạm Thị Dung", "Trần Thị Bình", "Đỗ Thị Duyên"}},
		{"name and sex", district991, domain.ChildFilter{NameContains: "van", Sexes: []domain.Sex{"M"}, BornFrom: ptr(on("2015-01-01"))},
			[]string{"Nguyễn Văn An", "Lê Văn Cường"}},
		{"name and commune", district991, domain.ChildFilter{NameContains: "van", UnitIDs: []int{a.c2}}, []string{"Lê Văn Cường"}},
		{"name and circumstance", district991, domain.ChildFilter{NameContains: "van", Circumstances: []string{"DISABLED"}, AsOf: on("2024-01-01")},
			[]string{"Nguyễn Văn An"}},
		{"circumstance", domain.Scope{All: true}, domain.ChildFilter{Circumstances: []string{"DISABLED"}, AsOf: on("2024-01-01")},
			[]string{"Đỗ Thị Duyên", "Nguyễn Văn An"}},
		{"case", district991, domain.ChildFilter{CaseTypes: []string{"neglect"}}, []string{"Nguyễn Văn An"}},
		{"no match", district991, domain.ChildFilter{NameContains: "duyen"}, nil},
		{"no area", domain.Scope{}, domain.ChildFilter{NameContains: "van"}, nil},
	}
	byBirth := domain.ChildOrder{Field: domain.ChildOrderBirthDate}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, read := range []func(context.Context, domain.Scope, domain.ChildFilter, domain.ChildOrder,
				domain.Page[domain.ChildKey]) (domain.ChildPage, error){
				func(ctx context.Context, s2 domain.Scope, f domain.ChildFilter, o domain.ChildOrder, p domain.Page[domain.ChildKey]) (domain.ChildPage, error) {
					return s.ChildrenPage(ctx, s2, f, o, p, true)
				}, s.PageWithoutAreaFilter} {
				var got []string
				p := domain.Page[domain.ChildKey]{First: 1}
				for {
					page, err := read(ctx, tt.scope, tt.f, byBirth, p)
					if err != nil {
						t.Fatal(err)
					}
					if page.Total == nil || *page.Total != len(tt.want) {
						t.Fatalf("after %v: total %v, want %d", got, page.Total, len(tt.want))
					}
					got = append(got, names(page.Children)...)
					if len(page.Children) == 0 {
						break
					}
					last := page.Children[len(page.Children)-1]
					// Past the last page too: the cursor of the last child.
					p.After = &domain.ChildKey{ID: last.ID, BirthDate: last.BirthDate}
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("pages = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
