package main

import (
	"context"
	"errors"
	"io"

	"treem/internal/config"
)

// runSeed is filled in by its issue.
func runSeed(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newFlagSet("seed", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return errors.New("seed: not built yet")
}
