package main

import (
	"fmt"
	"io"
	"log/slog"

	"treem/internal/config"
)

// logFormatVar is the setting of the log format, and the variable of the
// global --log-format flag.
var logFormatVar = flagVar("log-format")

// logFormat is the format of every command's log lines: text (the default)
// for a terminal, json for a log collector.
type logFormat string

const (
	logText logFormat = "text"
	logJSON logFormat = "json"
)

func (f *logFormat) String() string { return string(*f) }

func (f *logFormat) Set(s string) error {
	switch v := logFormat(s); v {
	case logText, logJSON:
		*f = v
		return nil
	}
	return fmt.Errorf("want %s or %s", logText, logJSON)
}

// newLogger returns the structured logger every command uses, in the format
// of TREEM_LOG_FORMAT (which run checks and sets from --log-format).
func newLogger(w io.Writer, env config.Env) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if env.Get("TREEM_LOG_LEVEL", "") == "debug" {
		opts.Level = slog.LevelDebug
	}
	if logFormat(env.Get(logFormatVar, "")) == logJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
