package main

import (
	"context"
	"errors"
	"io"

	"treem/internal/config"
)

// runETL is filled in by its issue.
func runETL(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newFlagSet("etl", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return errors.New("etl: not built yet")
}
