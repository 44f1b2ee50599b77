// Command treem runs the child-data platform of the Đồng Nai Board for child
// protection, care and education: migrations, synthetic data, the GraphQL API and
// the ETL into the analytics warehouse.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"treem/internal/config"
	"treem/internal/domain"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := start(ctx, os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "treem:", oneLine(err))
		os.Exit(1)
	}
}

// start reads the settings, from the file named by a leading --env-file if
// any, and runs the command.
func start(ctx context.Context, args []string) error {
	file, args, err := envFileFlag(args)
	if err != nil {
		return err
	}
	wd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	env, err := config.Load(os.Environ(), wd, file)
	if err != nil {
		return err
	}
	return run(ctx, args, env, os.Stdout, os.Stderr)
}

// envFileFlag takes the global --env-file FILE (or --env-file=FILE) off the
// front of args: it names the settings file of every command.
func envFileFlag(args []string) (string, []string, error) {
	if len(args) == 0 {
		return "", args, nil
	}
	for _, name := range []string{"--env-file", "-env-file"} {
		if v, ok := strings.CutPrefix(args[0], name+"="); ok && v != "" {
			return v, args[1:], nil
		}
		if args[0] == name {
			if len(args) < 2 || args[1] == "" {
				return "", nil, domain.Errorf(domain.CodeInvalidInput, "--env-file needs a file name")
			}
			return args[1], args[2:], nil
		}
	}
	return "", args, nil
}

// command is one subcommand: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error
}

// commands is the table of subcommands (a function, so that commands may
// refer back to it for their help text).
func commands() map[string]command {
	return map[string]command{
		"migrate": {"apply the Postgres and ClickHouse schema migrations", runMigrate},
		"seed":    {"generate a synthetic Đồng Nai province into Postgres", runSeed},
		"serve":   {"serve the GraphQL API, GraphiQL and the dashboard", runServe},
		"etl": {"load anonymized aggregates from Postgres into ClickHouse; the records' cell keys derive from " +
			"env TREEM_CELL_KEY_SECRET; with --every, also publish after each run", runETL},
		"publish": {"rewrite the published database (<database>_published) with the values an analyst receives, " +
			"as of the last ETL run, unless they are current", runPublish},
		"token": {"print a development JWT for a role and an area", runToken},
		"user": {"add, disable and reset the passwords of the users who sign in to the dashboard " +
			"(through DATABASE_OWNER_URL)", userCommand(os.Stdin)},
		"version": {"print the build: module version, VCS revision and time, whether the tree was modified, Go version", runVersion},
	}
}

func run(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	global := flag.NewFlagSet("treem", flag.ContinueOnError)
	global.SetOutput(stderr)
	format := logText
	global.Var(&format, "log-format", "`format` of the log lines of every command: text or json")
	global.Usage = func() { usage(stderr, global) }
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args = append([]string{"version"}, args[1:]...)
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		args = []string{"help"}
	}
	if err := parseFlags(global, args, env); err != nil {
		return err
	}
	args = global.Args()
	if len(args) == 0 || args[0] == "help" {
		usage(stdout, global)
		if len(args) == 0 {
			return errors.New("a command is required")
		}
		return nil
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		usage(stderr, global)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return cmd.run(ctx, args[1:], env.With(logFormatVar, format.String()), stdout, stderr)
}

func usage(w io.Writer, global *flag.FlagSet) {
	fmt.Fprintln(w, "usage: treem [--env-file FILE] [global flags] <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands()))
	for name := range commands() {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-8s %s\n", name, commands()[name].summary)
	}
	fmt.Fprintln(w, "\nglobal flags:")
	out := global.Output()
	global.SetOutput(w)
	global.PrintDefaults()
	global.SetOutput(out)
	fmt.Fprintln(w, "\nRun 'treem <command> --help' for a command's flags; 'treem --version' prints the build.\n"+
		"Settings come from the environment (DATABASE_URL, DATABASE_ETL_URL, DATABASE_OWNER_URL,\n"+
		"CLICKHOUSE_ADDR, ...), then from one file: --env-file FILE (first, env TREEM_ENV_FILE), else\n"+
		".data/env (written by 'make up') in the current directory only. Every flag is also set by\n"+
		"the variable --help names beside it (--metrics-addr: TREEM_METRICS_ADDR): a flag given\n"+
		"comes first, then the environment, then the file, then the flag's default.\n"+
		"TREEM_ENV=production makes 'treem serve' refuse development settings.")
}

// newFlagSet returns a flag set whose --help prints the summary and the flags.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("treem "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		flags := 0
		fs.VisitAll(func(*flag.Flag) { flags++ })
		if flags == 0 {
			fmt.Fprintf(stderr, "usage: treem %s\n\n%s.\n", name, commands()[name].summary)
			return
		}
		fmt.Fprintf(stderr, "usage: treem %s [flags]\n\n%s.\n\nflags:\n", name, commands()[name].summary)
		fs.PrintDefaults()
		if note, ok := warehouseHelp[name]; ok {
			fmt.Fprintf(stderr, "\n%s\n", note)
		}
	}
	return fs
}

// oneLine renders err for the terminal: the client-safe message of a domain
// error with its cause, on one line.
func oneLine(err error) string {
	var de *domain.Error
	if errors.As(err, &de) && de.Err != nil {
		return fmt.Sprintf("%s (%v)", de.Message, de.Err)
	}
	if errors.As(err, &de) {
		return de.Message
	}
	return err.Error()
}
