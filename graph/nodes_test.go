package graph_test

import (
	"encoding/base64"
	"strings"
	"testing"
)

// gid is the global id the API shows for the record of typ numbered id.
func gid(typ, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id))
}

// number is the number in the global id id, as the audit log records it; the
// ids of types that are not Nodes are numbers already.
func number(t testing.TB, id string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if _, n, ok := strings.Cut(string(raw), ":"); err == nil && ok {
		return n
	}
	return id
}
