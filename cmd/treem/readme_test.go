package main

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestREADMEListsEveryVariable keeps the README's table of flag variables
// equal to the flags: a flag added, renamed or removed fails here until the
// table says so.
func TestREADMEListsEveryVariable(t *testing.T) {
	readBy := map[string][]string{}
	for name, args := range everyHelp() {
		for _, f := range helpFlags(t, args...) {
			by := "every command"
			if name != "" {
				by = "`" + name + "`"
			}
			readBy[f.name] = append(readBy[f.name], by)
		}
	}
	names := make([]string, 0, len(readBy))
	for name := range readBy {
		names = append(names, name)
	}
	sort.Strings(names)
	var want strings.Builder
	want.WriteString("| variable | flag | commands |\n| --- | --- | --- |\n")
	for _, name := range names {
		slices.Sort(readBy[name])
		want.WriteString("| `" + flagVar(name) + "` | `--" + name + "` | " + strings.Join(readBy[name], ", ") + " |\n")
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- flag variables: begin -->\n", "<!-- flag variables: end -->"
	_, rest, ok1 := strings.Cut(string(raw), begin)
	table, _, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		t.Fatalf("README.md has no %q … %q section", begin, end)
	}
	if table != want.String() {
		t.Errorf("README.md's table of flag variables is not the flags'; it should read:\n%s", want.String())
	}
}
