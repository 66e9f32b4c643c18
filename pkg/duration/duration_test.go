package duration

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestParseReadsGoDurationsAndSeconds(t *testing.T) {
	for in, want := range map[string]time.Duration{"90s": 90 * time.Second, "2h": 2 * time.Hour, "30": 30 * time.Second, "0": 0, "1h30m": 90 * time.Minute} {
		if got, err := Parse(in); err != nil || got.D() != want {
			t.Errorf("Parse(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for bad, msg := range map[string]string{"-5m": "negative", "-5": "negative", "soon": "invalid", "5 minutes": "invalid", "": "invalid"} {
		if _, err := Parse(bad); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("Parse(%q) = %v, want an error saying %s", bad, err, msg)
		}
	}
}

type doc struct {
	Timeout Duration `yaml:"timeout" json:"timeout"`
}

func TestYAMLReadsStringsAndIntegerSecondsWithTheLineOfABadValue(t *testing.T) {
	for in, want := range map[string]time.Duration{"timeout: 5m": 5 * time.Minute, "timeout: 45": 45 * time.Second,
		"timeout: \"45\"": 45 * time.Second, "timeout: 0x10": 16 * time.Second} {
		var d doc
		if err := yaml.Unmarshal([]byte(in), &d); err != nil || d.Timeout.D() != want {
			t.Errorf("%s → %s, %v; want %s", in, d.Timeout, err, want)
		}
	}
	for in, want := range map[string]string{"a: 1\ntimeout: soon": "line 2: invalid duration \"soon\"",
		"timeout: -3": "line 1: negative duration", "timeout: [1]": "line 1: a duration must be a string"} {
		var d doc
		if err := yaml.Unmarshal([]byte(in), &d); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q → %v, want %q", in, err, want)
		}
	}
}

func TestJSONAndYAMLWriteTheStringFormAndReadItBack(t *testing.T) {
	b, err := json.Marshal(doc{Timeout: Duration(90 * time.Second)})
	if err != nil || string(b) != `{"timeout":"1m30s"}` {
		t.Fatalf("JSON %s, %v", b, err)
	}
	var back doc
	if err := json.Unmarshal(b, &back); err != nil || back.Timeout.D() != 90*time.Second {
		t.Errorf("read back %s, %v", back.Timeout, err)
	}
	if err := json.Unmarshal([]byte(`{"timeout":"-1s"}`), &back); err == nil {
		t.Error("a negative duration was read from JSON")
	}
	y, err := yaml.Marshal(doc{Timeout: Duration(2 * time.Hour)})
	if err != nil || strings.TrimSpace(string(y)) != "timeout: 2h0m0s" {
		t.Errorf("YAML %q, %v", y, err)
	}
}
