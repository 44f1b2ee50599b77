package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"treem/internal/testdb"
)

// A command logs one JSON object per line when asked, by the flag or by the
// variable, and text otherwise.
func TestLogFormat(t *testing.T) {
	_, dbURL := testdb.URL(t)
	tests := []struct {
		name string
		args []string
		kv   []string
		json bool
	}{
		{"default", []string{"migrate"}, nil, false},
		{"flag", []string{"--log-format", "json", "migrate"}, nil, true},
		{"variable", []string{"migrate"}, []string{"TREEM_LOG_FORMAT=json"}, true},
		{"flag over variable", []string{"--log-format=text", "migrate"}, []string{"TREEM_LOG_FORMAT=json"}, false},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		if err := run(context.Background(), tt.args, dbEnv(t, dbURL, tt.kv...), io.Discard, &stderr); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
		if stderr.Len() == 0 {
			t.Fatalf("%s: migrate logged nothing", tt.name)
		}
		for _, line := range lines {
			var rec struct{ Time, Level, Msg string }
			err := json.Unmarshal([]byte(line), &rec)
			switch {
			case tt.json && (err != nil || rec.Time == "" || rec.Level == "" || rec.Msg == ""):
				t.Errorf("%s: not a JSON log record (%v): %s", tt.name, err, line)
			case !tt.json && (err == nil || !strings.HasPrefix(line, "time=")):
				t.Errorf("%s: not a text log line: %s", tt.name, line)
			}
		}
	}
}
