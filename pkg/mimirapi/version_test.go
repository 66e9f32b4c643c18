package mimirapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/mimir"
)

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]string{"2.9.0": "2.9.0", "v3.0.5": "3.0.5", "2.17": "2.17.0", "3.0.0-rc.1": "3.0.0-rc.1", "2.10.0+build.7": "2.10.0"} {
		v, err := ParseVersion(in)
		if err != nil || v.String() != want {
			t.Errorf("ParseVersion(%q) = %s, %v; want %s", in, v, err, want)
		}
	}
	for _, custom := range []string{mimir.UnknownVersion, "", "r312-1a2b3c4", "main-1a2b3c4", "2", "weekly"} {
		if _, err := ParseVersion(custom); !errors.Is(err, ErrNoReleaseVersion) {
			t.Errorf("ParseVersion(%q) = %v, want ErrNoReleaseVersion", custom, err)
		}
	}
}

func TestVersionOrder(t *testing.T) {
	ordered := []string{"2.0.0", "2.9.0", "2.10.0-rc.0", "2.10.0-rc.1", "2.10.0-rc.10", "2.10.0", "2.17.0", "3.0.0-rc.1", "3.0.0", "3.0.5"}
	for i := 1; i < len(ordered); i++ {
		a, _ := ParseVersion(ordered[i-1])
		b, _ := ParseVersion(ordered[i])
		if a.Compare(b) >= 0 || b.Compare(a) <= 0 {
			t.Errorf("%s must sort before %s", a, b)
		}
	}
}

func TestRange(t *testing.T) {
	tests := []struct {
		name, rng string
		in, out   []string
	}{
		{"read-write plans: Mimir 2.x only", ">=2.0.0 <3.0.0", []string{"2.0.0", "2.9.0", "2.17.3", "2.17.0-rc.1"}, []string{"1.9.0", "3.0.0", "3.0.5", "3.0.0-rc.1"}},
		{"HA tracker on memberlist: 2.17 or later", ">=2.17.0", []string{"2.17.0", "2.17.1", "3.0.5"}, []string{"2.16.9", "2.9.0", "2.17.0-rc.0"}},
		{"alternatives", "=2.9.0 || >=3.0.0 <3.1", []string{"2.9.0", "3.0.5"}, []string{"2.9.1", "3.1.0"}},
		{"an exact version without operator", "3.0.5", []string{"3.0.5"}, []string{"3.0.4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRange(tt.rng)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.in {
				if v, _ := ParseVersion(s); !r.Contains(v) {
					t.Errorf("%s must be in %s", s, r)
				}
			}
			for _, s := range tt.out {
				if v, _ := ParseVersion(s); r.Contains(v) {
					t.Errorf("%s must not be in %s", s, r)
				}
			}
		})
	}
	for in, want := range map[string]string{"": "empty version range", ">=2.x": `">=2.x": want an operator`, ">=2.0.0 ||": "empty alternative", "~2.0": `"~2.0"`} {
		if _, err := ParseRange(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRange(%q) = %v, want %q", in, err, want)
		}
	}
}
