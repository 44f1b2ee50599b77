package main

import (
	"context"
	"errors"
	"io"

	"treem/internal/config"
)

// runToken is filled in by its issue.
func runToken(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newFlagSet("token", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return errors.New("token: not built yet")
}
