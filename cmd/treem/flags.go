package main

import (
	"flag"
	"strings"

	"treem/internal/config"
	"treem/internal/domain"
)

// flagVar is the environment variable that sets the flag name:
// --metrics-addr is TREEM_METRICS_ADDR.
func flagVar(name string) string {
	return "TREEM_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// parseFlags parses args into fs, then sets every flag not given on the
// command line from its variable in env, so that a flag comes before the
// environment, which comes before the settings file, which comes before the
// flag's default. The variables are named in --help; the values set from env
// are not (only the defaults are printed, which hold no secret).
func parseFlags(fs *flag.FlagSet, args []string, env config.Env) error {
	fs.VisitAll(func(f *flag.Flag) {
		// On a line of its own, before the default that PrintDefaults appends.
		f.Usage += "\nenv " + flagVar(f.Name)
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := flagVar(f.Name)
		v := env.Get(name, "")
		if err != nil || given[f.Name] || v == "" {
			return
		}
		if e := fs.Set(f.Name, v); e != nil {
			err = domain.Errorf(domain.CodeInvalidInput, "%s=%q is not a valid --%s: %v", name, v, f.Name, e)
		}
	})
	return err
}
