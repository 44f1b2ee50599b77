package main

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	tests := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"go build in a git checkout", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"},
			Settings: []debug.BuildSetting{{Key: "-buildmode", Value: "exe"}, {Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "b131381d0c"}, {Key: "vcs.time", Value: "2026-12-03T07:00:00Z"},
				{Key: "vcs.modified", Value: "true"}}},
			"version:  v1.4.0\nrevision: b131381d0c\ntime:     2026-12-03T07:00:00Z\nmodified: true\ngo:       go1.26.8\n"},
		{"go run: nothing recorded", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			"version:  (devel)\nrevision: unknown\ntime:     unknown\nmodified: unknown\ngo:       go1.26.8\n"},
	}
	for _, tt := range tests {
		if got := buildVersion(&tt.info); got != tt.want {
			t.Errorf("%s:\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}, {"--log-format", "json", "version"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, envOf(t), &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), "\ngo:       "+runtime.Version()+"\n") || !strings.HasPrefix(out.String(), "version:  ") {
			t.Errorf("%v printed %q", args, out.String())
		}
	}
	if err := run(context.Background(), []string{"version", "extra"}, envOf(t), io.Discard, io.Discard); err == nil {
		t.Error("version with an argument: no error")
	}
}
