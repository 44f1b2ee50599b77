// Package config reads treem's settings from the environment, falling back to
// one settings file: the one named by --env-file or TREEM_ENV_FILE, else the
// .data/env that `make up` writes, read only from the directory treem starts
// in (the repository root). There is no search up the tree: a program started
// elsewhere, in production say, never picks up a development checkout's file.
package config

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DevFile is the development settings file `make up` writes, relative to the
// repository root.
var DevFile = filepath.Join(".data", "env")

// FileVar names the settings file in the environment.
const FileVar = "TREEM_ENV_FILE"

// Env is a lookup of settings: the process environment first, then the file.
type Env struct {
	vars     map[string]string
	fromFile map[string]bool // keys whose value came from the file
	file     string          // the file read, "" when none
}

// Load reads the process environment (given as KEY=VALUE pairs) and one
// settings file: file (the --env-file flag) when given, else the one named by
// TREEM_ENV_FILE, both of which must exist; else dir's .data/env when there is
// one.
func Load(environ []string, dir, file string) (Env, error) {
	env := Env{vars: map[string]string{}, fromFile: map[string]bool{}}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && v != "" {
			env.vars[k] = v
		}
	}
	explicit := file != ""
	if !explicit {
		file, explicit = env.vars[FileVar], env.vars[FileVar] != ""
	}
	if !explicit {
		file = filepath.Join(dir, DevFile)
	}
	vars, err := readEnvFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return env, nil
	case err != nil:
		return Env{}, fmt.Errorf("settings file: %w", err)
	}
	env.file = file
	for k, v := range vars {
		if _, set := env.vars[k]; !set && v != "" {
			env.vars[k], env.fromFile[k] = v, true
		}
	}
	return env, nil
}

// Get returns the value of key, or def when unset.
func (e Env) Get(key, def string) string {
	if v, ok := e.vars[key]; ok {
		return v
	}
	return def
}

// With returns a copy of e in which key has value, as if from the
// environment: how a flag given on the command line overrides a setting that
// code further down reads from e.
func (e Env) With(key, value string) Env {
	c := Env{vars: make(map[string]string, len(e.vars)+1), fromFile: make(map[string]bool, len(e.fromFile)), file: e.file}
	for k, v := range e.vars {
		c.vars[k] = v
	}
	for k := range e.fromFile {
		c.fromFile[k] = true
	}
	c.vars[key] = value
	delete(c.fromFile, key)
	return c
}

// DevelopmentFile returns the development settings file key's value came
// from, or "" when it came from the environment or another file. A file is a
// development one when it is a .data/env, the file `make up` writes with its
// throw-away secrets.
func (e Env) DevelopmentFile(key string) string {
	if !e.fromFile[key] {
		return ""
	}
	if filepath.Base(e.file) != filepath.Base(DevFile) || filepath.Base(filepath.Dir(e.file)) != filepath.Dir(DevFile) {
		return ""
	}
	return e.file
}

func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			vars[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return vars, nil
}
