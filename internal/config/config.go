// Package config reads treem's settings from the environment, falling back to
// the .data/env file that `make up` writes, so that every command finds the
// private servers without exporting anything.
package config

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// Env is a lookup of settings: the process environment first, then .data/env.
type Env struct {
	vars map[string]string
}

// Load reads the process environment (given as KEY=VALUE pairs) and the nearest
// .data/env file found from dir upwards.
func Load(environ []string, dir string) Env {
	vars := map[string]string{}
	if path := findUp(dir, filepath.Join(".data", "env")); path != "" {
		for k, v := range readEnvFile(path) {
			vars[k] = v
		}
	}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && v != "" {
			vars[k] = v
		}
	}
	return Env{vars: vars}
}

// Get returns the value of key, or def when unset.
func (e Env) Get(key, def string) string {
	if v, ok := e.vars[key]; ok {
		return v
	}
	return def
}

func findUp(dir, rel string) string {
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func readEnvFile(path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		return nil
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
	return vars
}
