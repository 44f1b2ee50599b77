package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestHelpShowsNoPassword: every command's --help prints its flags' defaults;
// a database URL taken from the environment, by its own setting or by the
// flag's variable, must not be one of them.
func TestHelpShowsNoPassword(t *testing.T) {
	const password = "s3cret-in-the-url"
	url := "postgres://someone:" + password + "@127.0.0.1:5432/treem"
	env := envOf(t, "DATABASE_URL="+url, "DATABASE_ETL_URL="+url, "DATABASE_OWNER_URL="+url, "TREEM_DATABASE_URL="+url)
	for name := range commands() {
		var stderr bytes.Buffer
		err := run(context.Background(), []string{name, "--help"}, env, &stderr, &stderr)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s --help: %v", name, err)
		}
		if strings.Contains(stderr.String(), password) {
			t.Errorf("%s --help prints the database password:\n%s", name, stderr.String())
		}
	}
}
