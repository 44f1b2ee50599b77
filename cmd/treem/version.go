package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"

	"treem/internal/config"
)

func runVersion(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", stderr)
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("version: unexpected argument %q", fs.Arg(0))
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return fmt.Errorf("version: the executable carries no build information")
	}
	_, err := io.WriteString(stdout, buildVersion(info))
	return err
}

// buildVersion renders what the go command recorded in the executable: the
// module version, the commit it was built from, and whether the work tree
// held uncommitted changes then (a build with "modified: true" cannot be
// rebuilt from its revision alone).
func buildVersion(info *debug.BuildInfo) string {
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	// go run and go test record no VCS settings.
	return fmt.Sprintf("version:  %s\nrevision: %s\ntime:     %s\nmodified: %s\ngo:       %s\n",
		or(info.Main.Version, "unknown"), or(settings["vcs.revision"], "unknown"), or(settings["vcs.time"], "unknown"),
		or(settings["vcs.modified"], "unknown"), info.GoVersion)
}
