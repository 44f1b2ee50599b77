package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"treem/internal/domain"
	"treem/internal/testdb"
)

// TestAttackBulletinDrafts: a draft of the bulletin exists for province
// officers alone. The attacker asks for it as every other role (a commune
// officer, a district officer, a leader and an analyst, of the province and of
// a district) by its global id (node, nodes, beside a published id that does
// not exist), by the numeric id of the download (html, pdf, with a trailing
// path or another case of the extension) and through the list; each answer
// must be the one a missing issue gets, and no write may reach it.
func TestAttackBulletinDrafts(t *testing.T) {
	pool := testdb.Postgres(t)
	s := serveWarehouse(t, pool, nil)
	officer := token(t, domain.RoleProvinceOfficer, "75")
	draft, code := bulletinWrite(t, s, officer, "createBulletin", `year: 2024, quarter: 3, editorial: "Bản nháp: em Nguyễn Thị B, xã 26002"`)
	if code != "" || draft.Status != "DRAFT" {
		t.Fatalf("create: %q %+v", code, draft)
	}
	num := strings.TrimSuffix(strings.TrimPrefix(draft.HTMLURL, "/export/bulletin/"), ".html")
	missing := gid("Bulletin", "999999")
	_, missingStatus, _ := s.get(t, "/export/bulletin/999999.html", officer)
	for who, tok := range map[string]string{
		"commune":          token(t, domain.RoleCommuneOfficer, "26002"),
		"district":         token(t, domain.RoleDistrictOfficer, "731"),
		"leader":           token(t, domain.RoleLeader, "75"),
		"analyst":          token(t, domain.RoleAnalyst, "75"),
		"district analyst": token(t, domain.RoleAnalyst, "731"),
	} {
		for _, q := range []string{
			`query($id: ID!) { node(id: $id) { id ... on Bulletin { editorial status } } }`,
			`query($id: ID!, $m: ID!) { nodes(ids: [$id, $m]) { id ... on Bulletin { editorial status } } }`,
		} {
			r := s.query(t, tok, q, map[string]any{"id": draft.ID, "m": missing})
			if strings.Contains(r.raw, "Nguyễn") || strings.Contains(r.raw, "DRAFT") || strings.Contains(r.raw, draft.ID) {
				t.Errorf("%s reads the draft: %s", who, r.raw)
			}
		}
		if bs := bulletinsOf(t, s, tok); len(bs) != 0 {
			t.Errorf("%s lists %+v", who, bs)
		}
		for _, path := range []string{num + ".html", num + ".pdf", num + ".HTML", num + ".html/", "0" + num + ".pdf", num + ".pdf?x=1"} {
			body, status, _ := s.get(t, "/export/bulletin/"+path, tok)
			if status == 200 || strings.Contains(body, "Nguyễn") {
				t.Errorf("%s downloads %s: %d", who, path, status)
			}
			if status != missingStatus && status != 404 {
				t.Errorf("%s downloads %s: %d, a missing issue %d", who, path, status, missingStatus)
			}
		}
		for _, m := range []string{
			fmt.Sprintf(`updateBulletin(id: %q, editorial: "x")`, draft.ID),
			fmt.Sprintf(`publishBulletin(id: %q)`, draft.ID),
		} {
			r := s.query(t, tok, "mutation { "+m+" { bulletin { id } errors { code } } }", nil)
			if c := r.code(); c != "FORBIDDEN" {
				t.Errorf("%s: %s answered %q: %s", who, m, c, r.raw)
			}
		}
	}
	// The draft is as it was: no write reached it.
	bs := bulletinsOf(t, s, officer)
	if len(bs) != 1 || bs[0].Editorial != draft.Editorial || bs[0].Status != "DRAFT" {
		t.Errorf("the draft changed: %+v", bs)
	}
}
