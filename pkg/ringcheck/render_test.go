package ringcheck

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/internal/golden"
)

func TestRenderMatchesGoldenFiles(t *testing.T) {
	tests := []struct {
		name, version, page string
		format              Format
		golden              string
	}{
		{"a 2.9.0 ring in transition renders as a table by zone", "2.9.0", "ring-ingester-unhealthy.json", FormatTable, "ingester-2.9.0-unhealthy.txt"},
		{"a 3.0.5 ring with a read-only member renders as a table by zone", "3.0.5", "ring-ingester-read-only.json", FormatTable, "ingester-3.0.5-read-only.txt"},
		{"a 3.0.5 ring renders as JSON without tokens", "3.0.5", "ring-ingester-unhealthy.json", FormatJSON, "ingester-3.0.5-unhealthy.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := captured(t, tt.version, tt.page)
			r.Name = "ingester"
			var buf bytes.Buffer
			if err := Render(&buf, r, tt.format, fixedNow); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("golden", tt.golden), buf.Bytes())
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, ok := range []string{"table", "json"} {
		if _, err := ParseFormat(ok); err != nil {
			t.Errorf("ParseFormat(%q): %v", ok, err)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil {
		t.Error("ParseFormat(yaml) accepted")
	}
}
