package main

import (
	"context"
	"errors"
	"io"

	"treem/internal/config"
)

// runServe is filled in by its issue.
func runServe(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return errors.New("serve: not built yet")
}
