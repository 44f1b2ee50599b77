package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/graph"
	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// opsArea is a small fixture province outside Đồng Nai's codes: province 99,
// district 991 with communes 99101 and 99102, district 992 with commune 99201.
type opsArea struct {
	c1, c2, c3 int
	children   map[string]string // id by name
}

// opsFixture builds the units and five children (with a household, a
// circumstance and an injury for some) with SQL.
func opsFixture(t *testing.T, pool *pgxpool.Pool) opsArea {
	t.Helper()
	ctx := context.Background()
	unit := func(code, name, typ, level string, parent *int) int {
		var id int
		if err := pool.QueryRow(ctx, `INSERT INTO org_unit (code, name, unit_type, level, parent_id, valid_from, source)
		  VALUES ($1, $2, $3, $4, $5, '2000-01-01', 'test') RETURNING id`, code, name, typ, level, parent).Scan(&id); err != nil {
			t.Fatalf("unit %s: %v", code, err)
		}
		return id
	}
	var a opsArea
	p := unit("99", "Thử", "Tỉnh", "province", nil)
	d1 := unit("991", "Một", "Huyện", "district", &p)
	d2 := unit("992", "Hai", "Huyện", "district", &p)
	a.c1 = unit("99101", "Xã Một", "Xã", "commune", &d1)
	a.c2 = unit("99102", "Xã Hai", "Xã", "commune", &d1)
	a.c3 = unit("99201", "Xã Ba", "Xã", "commune", &d2)
	var hh int64
	if err := pool.QueryRow(ctx, `INSERT INTO household (unit_id) VALUES ($1) RETURNING id`, a.c1).Scan(&hh); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO household_poverty (household_id, year, status) VALUES ($1, 2025, 'poor'), ($1, 2026, 'near_poor')`, hh); err != nil {
		t.Fatal(err)
	}
	a.children = map[string]string{}
	for _, c := range []struct {
		name, sex, birth string
		commune          int
		household        *int64
	}{
		{"Nguyễn Văn An", "M", "2015-03-01", a.c1, &hh},
		{"Trần Thị Bình", "F", "2012-07-15", a.c1, &hh},
		{"Lê Văn Cường", "M", "2018-01-20", a.c2, nil},
		{"Phạm Thị Dung", "F", "2010-11-30", a.c3, nil},
		{"Hoàng 100% _x_", "F", "2016-05-05", a.c3, nil},
	} {
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO child (full_name, sex, birth_date, commune_id, household_id)
		  VALUES ($1, $2, $3, $4, $5) RETURNING id`, c.name, c.sex, c.birth, c.commune, c.household).Scan(&id); err != nil {
			t.Fatalf("child %s: %v", c.name, err)
		}
		a.children[c.name] = fmt.Sprint(id)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO child_circumstance (child_id, group_code, started_on) VALUES ($1, 'DISABLED', '2020-01-01')`,
		a.children["Nguyễn Văn An"]); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome) VALUES ($1, $2, '2024-06-01', 'drowning', 'injured')`,
		a.children["Phạm Thị Dung"], a.c3); err != nil {
		t.Fatal(err)
	}
	return a
}

// withOperational serves the operational schema from the stores over pool.
func withOperational(pool *pgxpool.Pool) serverOption {
	return func(s *setup) {
		s.graph.Resolver.Operational = graph.NewOperational(postgres.NewChildStore(pool), postgres.NewOrgUnitStore(pool))
		s.units = pool
	}
}

func opsServer(t *testing.T, opts ...serverOption) (*testServer, opsArea) {
	t.Helper()
	s := newServer(t, opts...)
	return s, opsFixture(t, s.pool)
}

// childPage is the data of a children query.
type childPage struct {
	Children struct {
		TotalCount int
		Edges      []struct {
			Cursor string
			Node   struct {
				ID       string
				FullName string
			}
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

func decode(t *testing.T, r response, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %s", r.raw)
	}
	b, _ := json.Marshal(r.Data)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

const childrenQuery = `query($first: Int, $after: String, $filter: ChildFilter, $orderBy: ChildOrder) {
  children(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    edges { cursor node { id fullName } }
    pageInfo { hasNextPage endCursor }
  }
}`

func TestChildrenByRole(t *testing.T) {
	s, _ := opsServer(t)
	tests := []struct {
		name  string
		token string
		want  int
		code  string
	}{
		{"province officer", token(t, domain.RoleProvinceOfficer, "99"), 5, ""},
		{"district officer", token(t, domain.RoleDistrictOfficer, "991"), 3, ""},
		{"commune officer", token(t, domain.RoleCommuneOfficer, "99101"), 2, ""},
		{"officer of an unknown area is refused", token(t, domain.RoleCommuneOfficer, "99999"), 0, "UNAUTHENTICATED"},
		{"analyst", token(t, domain.RoleAnalyst, "99"), 0, "FORBIDDEN"},
		{"leader", token(t, domain.RoleLeader, "99"), 0, "FORBIDDEN"},
		{"anonymous", "", 0, "UNAUTHENTICATED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, tt.token, childrenQuery, map[string]any{"first": 10})
			if tt.code != "" {
				if r.code() != tt.code || string(r.Data["children"]) != "" && string(r.Data["children"]) != "null" {
					t.Fatalf("want %s and no data, got %s", tt.code, r.raw)
				}
				return
			}
			var p childPage
			decode(t, r, &p)
			if p.Children.TotalCount != tt.want || len(p.Children.Edges) != tt.want {
				t.Fatalf("totalCount %d, edges %d; want %d", p.Children.TotalCount, len(p.Children.Edges), tt.want)
			}
		})
	}
}

func TestChildOutsideAreaIsNotFound(t *testing.T) {
	s, a := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	dung := a.children["Phạm Thị Dung"]
	r := s.query(t, commune, `query($id: ID!) { child(id: $id) { id fullName } }`, map[string]any{"id": dung})
	if r.code() != "NOT_FOUND" || strings.Contains(r.raw, "Dung") {
		t.Fatalf("another commune's child: %s", r.raw)
	}
	// Dung's injury is invisible through the list, its total and its nested child.
	r = s.query(t, commune, `{ injuries { totalCount edges { node { id child { id } } } } }`, nil)
	if !strings.Contains(r.raw, `"totalCount":0`) || len(r.Errors) > 0 {
		t.Fatalf("injuries of another commune: %s", r.raw)
	}
	r = s.query(t, token(t, domain.RoleDistrictOfficer, "992"), `{ injuries { totalCount edges { node { cause child { id } unit { code } } } } }`, nil)
	if !strings.Contains(r.raw, `"totalCount":1`) || !strings.Contains(r.raw, `"id":"`+gid("Child", dung)+`"`) || !strings.Contains(r.raw, `"99201"`) {
		t.Fatalf("injuries of own district: %s", r.raw)
	}
	// The same child is readable in its own commune, with its commune and district.
	r = s.query(t, token(t, domain.RoleCommuneOfficer, "99201"), `query($id: ID!) { child(id: $id) { fullName commune { code parent { code } } } }`,
		map[string]any{"id": dung})
	if !strings.Contains(r.raw, `"fullName":"Phạm Thị Dung"`) || !strings.Contains(r.raw, `"parent":{"code":"992"}`) {
		t.Fatalf("own commune's child: %s", r.raw)
	}
	// Analysts get no personal field even for an id they guess.
	r = s.query(t, token(t, domain.RoleAnalyst, "99"), `query($id: ID!) { child(id: $id) { fullName } }`, map[string]any{"id": dung})
	if r.code() != "FORBIDDEN" || strings.Contains(r.raw, "Dung") {
		t.Fatalf("analyst: %s", r.raw)
	}
}

func TestChildFiltersHostileStrings(t *testing.T) {
	s, _ := opsServer(t)
	province := token(t, domain.RoleProvinceOfficer, "99")
	count := func(filter map[string]any) (int, string) {
		r := s.query(t, province, childrenQuery, map[string]any{"filter": filter})
		if len(r.Errors) > 0 {
			return -1, r.code()
		}
		var p childPage
		decode(t, r, &p)
		return p.Children.TotalCount, ""
	}
	// NFD spelling (decomposed marks) of a stored NFC name still matches.
	nfd := "Nguye\u0302\u0303n"
	tests := []struct {
		name   string
		filter map[string]any
		want   int
		code   string
	}{
		{"district code", map[string]any{"orgUnit": "991"}, 3, ""},
		{"province code", map[string]any{"orgUnit": "99"}, 5, ""},
		{"commune code", map[string]any{"orgUnit": "99201"}, 2, ""},
		{"quote in code", map[string]any{"orgUnit": "99'; DROP TABLE child; --"}, 0, "INVALID_INPUT"},
		{"quote in name", map[string]any{"nameContains": "'; DROP TABLE child; --"}, 0, ""},
		{"percent literal", map[string]any{"nameContains": "100%"}, 1, ""},
		{"underscore literal", map[string]any{"nameContains": "_x_"}, 1, ""},
		{"backslash", map[string]any{"nameContains": `\`}, 0, ""},
		{"NFD name", map[string]any{"nameContains": nfd}, 1, ""},
		{"emoji", map[string]any{"nameContains": "👶🏽"}, 0, ""},
		{"right-to-left mark", map[string]any{"nameContains": "\u200f"}, 0, ""},
		{"NUL", map[string]any{"nameContains": "a\u0000b"}, 0, "INVALID_INPUT"},
		{"circumstance", map[string]any{"circumstance": "DISABLED"}, 1, ""},
		{"circumstance injection", map[string]any{"circumstance": "x' OR '1'='1"}, 0, ""},
		{"age 8 to 11 on 2024-01-01", map[string]any{"ageMin": 8, "ageMax": 11, "asOf": "2024-01-01"}, 2, ""},
		{"poor in 2025", map[string]any{"povertyStatus": "POOR", "asOf": "2025-06-01"}, 2, ""},
		{"poor in 2026", map[string]any{"povertyStatus": "POOR", "asOf": "2026-06-01"}, 0, ""},
		{"female", map[string]any{"sex": "F"}, 3, ""},
		{"sexIn female", map[string]any{"sexIn": []string{"F"}}, 3, ""},
		{"sexIn both", map[string]any{"sexIn": []string{"F", "M"}}, 5, ""},
		{"sexIn with a duplicate", map[string]any{"sexIn": []string{"M", "M"}}, 2, ""},
		{"sexIn in a commune district", map[string]any{"sexIn": []string{"F", "M"}, "orgUnit": "991"}, 3, ""},
		{"orgUnitIn two districts", map[string]any{"orgUnitIn": []string{"991", "992"}}, 5, ""},
		{"orgUnitIn district and its commune", map[string]any{"orgUnitIn": []string{"991", "99201"}}, 5, ""},
		{"orgUnitIn one commune", map[string]any{"orgUnitIn": []string{"99201"}}, 2, ""},
		{"orgUnitIn empty", map[string]any{"orgUnitIn": []string{}}, 0, "INVALID_INPUT"},
		{"orgUnitIn injection", map[string]any{"orgUnitIn": []string{"991", "99'; DROP TABLE child; --"}}, 0, "INVALID_INPUT"},
		{"orgUnitIn and orgUnit", map[string]any{"orgUnitIn": []string{"991"}, "orgUnit": "991"}, 0, "INVALID_INPUT"},
		{"sexIn empty", map[string]any{"sexIn": []string{}}, 0, "INVALID_INPUT"},
		{"sexIn and sex", map[string]any{"sexIn": []string{"F"}, "sex": "F"}, 0, "INVALID_INPUT"},
		{"sexIn injection", map[string]any{"sexIn": []string{"F' OR '1'='1"}}, 0, "INVALID_INPUT"},
		{"age out of range", map[string]any{"ageMin": -1}, 0, "INVALID_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code := count(tt.filter)
			if code != tt.code || (code == "" && got != tt.want) {
				t.Fatalf("count %d code %q; want %d %q", got, code, tt.want, tt.code)
			}
		})
	}
	var n int
	if err := s.pool.QueryRow(context.Background(), "SELECT count(*) FROM child").Scan(&n); err != nil || n != 5 {
		t.Fatalf("child table after hostile filters: %d rows, %v", n, err)
	}
}

// TestInsuredFilterCountsTheCardsLastDay: a health-insurance card is valid
// through its valid_to day, as the analytics count it; the filter agrees on
// both ends of the card.
func TestInsuredFilterCountsTheCardsLastDay(t *testing.T) {
	s, area := opsServer(t)
	province := token(t, domain.RoleProvinceOfficer, "99")
	var child string
	for _, id := range area.children {
		child = id
		break
	}
	if _, err := s.pool.Exec(context.Background(), `INSERT INTO insurance_card (child_id, card_number, valid_from, valid_to)
		VALUES ($1, 'TE1234567890123', '2024-01-01', '2024-12-31')`, child); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		asOf string
		want int
	}{{"2023-12-31", 0}, {"2024-01-01", 1}, {"2024-12-31", 1}, {"2025-01-01", 0}} {
		r := s.query(t, province, childrenQuery, map[string]any{"filter": map[string]any{"insured": true, "asOf": tt.asOf}})
		var p childPage
		decode(t, r, &p)
		if p.Children.TotalCount != tt.want {
			t.Errorf("insured on %s: %d children, want %d", tt.asOf, p.Children.TotalCount, tt.want)
		}
	}
}

func TestChildrenPagination(t *testing.T) {
	s, _ := opsServer(t)
	province := token(t, domain.RoleProvinceOfficer, "99")
	for _, order := range []map[string]any{{"field": "ID"}, {"field": "BIRTH_DATE", "direction": "DESC"}, {"field": "FULL_NAME"}} {
		seen := map[string]bool{}
		var after any
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatalf("order %v: too many pages", order)
			}
			var p childPage
			decode(t, s.query(t, province, childrenQuery, map[string]any{"first": 2, "after": after, "orderBy": order}), &p)
			for _, e := range p.Children.Edges {
				if seen[e.Node.ID] {
					t.Fatalf("order %v: child %s twice", order, e.Node.ID)
				}
				seen[e.Node.ID] = true
			}
			if !p.Children.PageInfo.HasNextPage {
				break
			}
			after = *p.Children.PageInfo.EndCursor
		}
		if len(seen) != 5 {
			t.Fatalf("order %v: walked %d children, want 5", order, len(seen))
		}
	}
	// Cursors are opaque and checked.
	var p childPage
	decode(t, s.query(t, province, childrenQuery, map[string]any{"first": 1}), &p)
	good := p.Children.Edges[0].Cursor
	if strings.Contains(good, "Nguy") {
		t.Fatal("a cursor must not carry a name in clear")
	}
	tampered := []byte(good)
	tampered[len(tampered)/2] ^= 1
	for name, vars := range map[string]map[string]any{
		"tampered":       {"after": string(tampered)},
		"not base64":     {"after": "!!!"},
		"other order":    {"after": good, "orderBy": map[string]any{"field": "FULL_NAME"}},
		"first too big":  {"first": 101},
		"first negative": {"first": -1},
	} {
		r := s.query(t, province, childrenQuery, vars)
		if r.code() != "INVALID_INPUT" {
			t.Fatalf("%s: want INVALID_INPUT, got %s", name, r.raw)
		}
	}
}

// statementCounter counts the statements a pool sends, one by one or in a
// pipeline, and keeps those that count over the children.
type statementCounter struct {
	n        atomic.Int64
	mu       sync.Mutex
	counting []string
}

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.saw(d.SQL)
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *statementCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (c *statementCounter) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	c.saw(d.SQL)
}

func (c *statementCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (c *statementCounter) saw(sql string) {
	c.n.Add(1)
	if strings.Contains(sql, "count(*) FROM child c") {
		c.mu.Lock()
		c.counting = append(c.counting, sql)
		c.mu.Unlock()
	}
}

func TestPageCostsFixedStatements(t *testing.T) {
	s, a := opsServer(t)
	base := s.pool
	ctx := context.Background()
	// 150 more children in commune 99101, each with a household, poverty, a
	// circumstance and an open case.
	if _, err := base.Exec(ctx, `
	  WITH h AS (INSERT INTO household (unit_id) SELECT $1 FROM generate_series(1, 150) RETURNING id),
	       p AS (INSERT INTO household_poverty (household_id, year, status) SELECT id, 2026, 'poor' FROM h),
	       c AS (INSERT INTO child (full_name, sex, birth_date, commune_id, household_id)
	             SELECT 'Trẻ ' || id, 'F', DATE '2014-01-01' + (id::int % 300), $1, id FROM h RETURNING id)
	  INSERT INTO child_circumstance (child_id, group_code, started_on) SELECT id, 'DISABLED', '2021-01-01' FROM c`, a.c1); err != nil {
		t.Fatal(err)
	}
	if _, err := base.Exec(ctx, `INSERT INTO protection_case (child_id, unit_id, case_type, received_at, emergency_deadline, plan_deadline,
	    approval_deadline)
	  SELECT id, commune_id, 'neglect', '2026-01-05 09:00+07', TIMESTAMPTZ '2026-01-05 09:00+07' + interval '12 hours', '2026-01-13 00:00+07',
	    '2026-01-15 00:00+07'
	  FROM child`); err != nil {
		t.Fatal(err)
	}
	// The server reads as 'treem serve' does: through the API's login, with
	// the org units in memory. Through the SQL unit store, a commune's parent
	// is asked by each edge's resolver once the communes are back, and the
	// loader's time window decides how many statements those asks take.
	counter := &statementCounter{}
	cfg := testdb.API(t, base).Config()
	cfg.ConnConfig.Tracer = counter
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	units, err := postgres.NewUnitCache(ctx, pool, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s = newServer(t, func(s *setup) {
		s.graph.Resolver.Operational = graph.NewOperational(postgres.NewChildStore(pool), units)
		s.units = pool
	})
	province := token(t, domain.RoleProvinceOfficer, "99")
	q := `query($first: Int) { children(first: $first, orderBy: {field: BIRTH_DATE}) { totalCount edges { node {
	  id fullName commune { code parent { code } } household { poverty { year status } }
	  circumstances { group } cases(open: true) { status planLate } } } } }`
	cost := func(first int) int64 {
		before := counter.n.Load()
		r := s.query(t, province, q, map[string]any{"first": first})
		if len(r.Errors) > 0 {
			t.Fatalf("first %d: %s", first, r.raw)
		}
		if got := strings.Count(r.raw, `"planLate":true`); got != first {
			t.Fatalf("first %d: %d children with an open late case", first, got)
		}
		return counter.n.Load() - before
	}
	cost(10) // warm: the first request also prepares statements
	small, large := cost(10), cost(100)
	t.Logf("statements: page of 10 = %d, page of 100 = %d", small, large)
	if small != large {
		t.Fatalf("a page of 10 costs %d statements, a page of 100 %d: an edge is not batched", small, large)
	}
	if large > 40 {
		t.Fatalf("a page costs %d statements, want at most 40", large)
	}
	if len(counter.counting) > 0 {
		t.Fatalf("the total of a page with no filter counted every child: %q", counter.counting[0])
	}

	// nodes costs the same for one id of each Node type as for 100 ids of
	// every type mixed: the ids of one type share one statement.
	kids := map[int]string{a.c1: a.children["Nguyễn Văn An"], a.c2: a.children["Lê Văn Cường"], a.c3: a.children["Phạm Thị Dung"]}
	for _, k := range nodeKinds[1:] { // the households are those above
		for unit, child := range kids {
			args := []any{unit}
			if strings.Contains(k.insert, "$2") {
				args = append(args, child)
			}
			if _, err := base.Exec(ctx, k.insert, args...); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Round robin over the types: the first 12 ids are one of each.
	var ids []string
	rows, err := base.Query(ctx, `SELECT typ, id FROM (
	    SELECT 'Child' AS typ, id FROM child UNION ALL SELECT 'ProtectionCase', id FROM protection_case
	    UNION ALL SELECT 'Household', id FROM household UNION ALL SELECT 'Injury', id FROM injury
	    UNION ALL SELECT 'Support', id FROM support UNION ALL SELECT 'GiftVisit', id FROM gift_visit
	    UNION ALL SELECT 'SwimmingClass', id FROM swimming_class UNION ALL SELECT 'ServicePoint', id FROM service_point
	    UNION ALL SELECT 'CommunicationActivity', id FROM communication_activity UNION ALL SELECT 'PlanActivity', id FROM plan_activity
	    UNION ALL SELECT 'TrainingCourse', id FROM training_course
	    UNION ALL SELECT 'Report', id FROM periodic_report) x
	  ORDER BY row_number() OVER (PARTITION BY typ ORDER BY id), typ LIMIT 100`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var typ, id string
		if err := rows.Scan(&typ, &id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, gid(typ, id))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	types := len(nodeKinds) + 2
	nodes := func(n int) int64 {
		before := counter.n.Load()
		r := s.query(t, province, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Child { fullName commune { code } }
		  ... on ProtectionCase { status child { id } } ... on Household { poverty { year } } ... on Injury { cause }
		  ... on Support { provider } ... on GiftVisit { occasion } ... on SwimmingClass { name unit { code } }
		  ... on ServicePoint { name } ... on CommunicationActivity { topic } ... on TrainingCourse { topic participants { unit { code } } }
		  ... on PlanActivity { title } ... on Report { period } } }`,
			map[string]any{"ids": ids[:n]})
		if len(r.Errors) > 0 || strings.Contains(r.raw, "null") {
			t.Fatalf("nodes of %d ids: %s", n, r.raw)
		}
		var d struct {
			Nodes []struct {
				Typename string `json:"__typename"`
			}
		}
		decode(t, r, &d)
		seen := map[string]bool{}
		for _, n := range d.Nodes {
			seen[n.Typename] = true
		}
		if len(seen) != types {
			t.Fatalf("nodes of %d ids answered %d types, want all %d: %s", n, len(seen), types, r.raw)
		}
		return counter.n.Load() - before
	}
	nodes(types)
	small, large = nodes(types), nodes(100)
	t.Logf("statements: nodes of %d ids = %d, of 100 ids = %d", types, small, large)
	if small != large {
		t.Fatalf("nodes of %d ids costs %d statements, of 100 ids %d: a lookup is not batched", types, small, large)
	}
}

func TestFilterOnPersonalFieldsIsAudited(t *testing.T) {
	s, a := opsServer(t)
	r := s.query(t, token(t, domain.RoleCommuneOfficer, "99101"), `{ children(filter: {nameContains: "Bình"}) { edges { node { id } } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	var fields []string
	err := s.pool.QueryRow(context.Background(), `SELECT fields FROM audit_log WHERE action = 'read' AND entity = 'Child'
	  AND $1::bigint = ANY(record_ids)`, a.children["Trần Thị Bình"]).Scan(&fields)
	if err != nil || len(fields) != 1 || fields[0] != "fullName" {
		t.Fatalf("audit of a search by name: %v, %v", fields, err)
	}
}

// TestSearchAndRecordFiltersStayInArea: through the API, "nguyen van" finds
// "Nguyễn Văn An" for the officers of its area, and neither a name search nor
// a circumstance or case filter shows an officer a child of another area.
func TestSearchAndRecordFiltersStayInArea(t *testing.T) {
	s, a := opsServer(t)
	if _, err := s.pool.Exec(context.Background(), `INSERT INTO protection_case (child_id, unit_id, case_type, received_at,
	  emergency_deadline, plan_deadline, approval_deadline) VALUES ($1, $2, 'violence', '2025-01-06 09:00+07', '2025-01-06 21:00+07',
	  '2025-01-14 00:00+07', '2025-01-16 00:00+07')`,
		a.children["Phạm Thị Dung"], a.c3); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, role, area string
		filter           map[string]any
		want             []string
	}{
		{"province officer", string(domain.RoleProvinceOfficer), "99", map[string]any{"nameContains": "nguyen van"}, []string{"Nguyễn Văn An"}},
		{"district officer", string(domain.RoleDistrictOfficer), "991", map[string]any{"nameContains": "NGUYEN VAN"}, []string{"Nguyễn Văn An"}},
		{"commune officer", string(domain.RoleCommuneOfficer), "99101", map[string]any{"nameContains": "van an"}, []string{"Nguyễn Văn An"}},
		{"name in another district", string(domain.RoleDistrictOfficer), "992", map[string]any{"nameContains": "nguyen van"}, nil},
		{"name in another commune", string(domain.RoleCommuneOfficer), "99102", map[string]any{"nameContains": "nguyen"}, nil},
		{"circumstance", string(domain.RoleDistrictOfficer), "991", map[string]any{"circumstance": "DISABLED"}, []string{"Nguyễn Văn An"}},
		{"circumstance in another district", string(domain.RoleDistrictOfficer), "992", map[string]any{"circumstance": "DISABLED"}, nil},
		{"case", string(domain.RoleDistrictOfficer), "992", map[string]any{"caseType": "VIOLENCE"}, []string{"Phạm Thị Dung"}},
		{"case in another district", string(domain.RoleDistrictOfficer), "991", map[string]any{"caseType": "VIOLENCE", "caseStatus": "RECEIVED"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p childPage
			decode(t, s.query(t, token(t, domain.Role(tt.role), tt.area), childrenQuery, map[string]any{"filter": tt.filter}), &p)
			var got []string
			for _, e := range p.Children.Edges {
				got = append(got, e.Node.FullName)
			}
			if !slices.Equal(got, tt.want) || p.Children.TotalCount != len(tt.want) {
				t.Fatalf("children %v (totalCount %d), want %v", got, p.Children.TotalCount, tt.want)
			}
		})
	}
}

// TestOrgUnitInStaysInArea: listing a unit outside the caller's area beside
// their own adds nobody from it.
func TestOrgUnitInStaysInArea(t *testing.T) {
	s, _ := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	for _, codes := range [][]string{{"99101", "992"}, {"99"}, {"992", "99201"}} {
		r := s.query(t, commune, childrenQuery, map[string]any{"first": 10, "filter": map[string]any{"orgUnitIn": codes}})
		var p childPage
		decode(t, r, &p)
		want := 2 // the two children of commune 99101
		if codes[0] != "99101" && codes[0] != "99" {
			want = 0
		}
		if p.Children.TotalCount != want || len(p.Children.Edges) != want {
			t.Errorf("orgUnitIn %v: totalCount %d, edges %d; want %d", codes, p.Children.TotalCount, len(p.Children.Edges), want)
		}
	}
}
