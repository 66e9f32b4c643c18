package mimirapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/mimir"
)

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]string{
		"2.9.0": "2.9.0", "v3.0.5": "3.0.5", "2.17": "2.17.0", "v2.17": "2.17.0",
		"3.0.0-rc.1": "3.0.0-rc.1", "2.10.0+build.7": "2.10.0+build.7", "3.0.0-rc.0+abc": "3.0.0-rc.0+abc",
	} {
		v, err := ParseVersion(in)
		if err != nil || v.String() != want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %s", in, v, err, want)
		}
	}
	if v, err := ParseVersion(" 3.0.5\n"); err != nil || v.String() != "3.0.5" {
		t.Errorf("ParseVersion must ignore surrounding whitespace: %v, %v", v, err)
	}
	// Unstamped, weekly and branch builds, and a bare number, are not
	// release versions: the gate judges them by its unknown setting.
	for _, custom := range []string{mimir.UnknownVersion, "", "r312-1a2b3c4", "r311-abc", "main-1a2b3c4", "weekly-r312", "2", "v3", "3-rc.1", "weekly", "2.9.0.1", "2.x"} {
		_, err := ParseVersion(custom)
		if !errors.Is(err, ErrNoReleaseVersion) || !strings.Contains(err.Error(), `"`+strings.TrimSpace(custom)+`"`) || !strings.Contains(err.Error(), "want MAJOR.MINOR.PATCH") {
			t.Errorf("ParseVersion(%q) = %v, want ErrNoReleaseVersion naming the value and the expected form", custom, err)
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
	a, _ := ParseVersion("v2.10.0+build.7")
	b, _ := ParseVersion("2.10.0")
	if a.Compare(b) != 0 {
		t.Errorf("%s and %s differ only in the v prefix and build metadata, which do not order", a, b)
	}
}

func TestRange(t *testing.T) {
	tests := []struct {
		name, rng string
		in, out   []string
	}{
		{"read-write plans: Mimir 2.x only", ">=2.0.0 <3.0.0", []string{"2.0.0", "2.9.0", "2.17.3", "2.17.0-rc.1", "v2.9.0", "2.10.0+build.7"}, []string{"1.9.0", "3.0.0", "3.0.5", "3.0.0-rc.1", "3.0.0-rc.0", "2.0.0-rc.0"}},
		{"HA tracker on memberlist: 2.17 or later", ">=2.17.0", []string{"2.17.0", "2.17.1", "3.0.5", "3.1.0-rc.0", "2.18.0-rc.2"}, []string{"2.16.9", "2.9.0", "2.17.0-rc.0"}},
		{"alternatives", "=2.9.0 || >=3.0.0 <3.1", []string{"2.9.0", "3.0.5"}, []string{"2.9.1", "3.1.0", "3.0.0-rc.1", "3.1.0-rc.0"}},
		{"an exact version without operator", "3.0.5", []string{"3.0.5", "v3.0.5"}, []string{"3.0.4", "3.0.5-rc.0"}},
		{"comma as and, v prefix in the range", ">= v2.0.0, < v3.0.0", []string{"2.0.0", "2.17.0-rc.1"}, []string{"3.0.0", "3.0.0-rc.1"}},
		{"a range naming a pre-release admits it and later ones", ">=3.0.0-rc.1 <4.0.0", []string{"3.0.0-rc.1", "3.0.0-rc.2", "3.0.0", "3.2.0-rc.0"}, []string{"3.0.0-rc.0", "2.17.0", "4.0.0-rc.0"}},
		{"an upper bound at a pre-release excludes that release's pre-releases", ">=2.0.0 <3.0.0-rc.2", []string{"2.17.0"}, []string{"3.0.0-rc.1", "3.0.0"}},
		{"wildcard and tilde", "2.x || ~3.0", []string{"2.9.0", "2.17.0-rc.1", "3.0.5"}, []string{"3.1.0", "1.9.0", "3.0.0-rc.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRange(tt.rng)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.in {
				v, err := ParseVersion(s)
				if err != nil || !r.Contains(v) {
					t.Errorf("%s must be in %s (%v)", s, r, err)
				}
			}
			for _, s := range tt.out {
				v, err := ParseVersion(s)
				if err != nil || r.Contains(v) {
					t.Errorf("%s must not be in %s (%v)", s, r, err)
				}
			}
		})
	}
	if (Range{}).Contains(nil) {
		t.Error("the zero Range must contain nothing")
	}
	for in, want := range map[string]string{
		"":           "empty version range; write e.g.",
		" ":          "empty version range; write e.g.",
		">=2.y":      `version range ">=2.y": `,
		">=2.0.0 ||": `version range ">=2.0.0 ||": `,
		"about 2.0":  `version range "about 2.0": `,
		">>2.0":      `version range ">>2.0": `,
	} {
		_, err := ParseRange(in)
		if err == nil || !strings.Contains(err.Error(), want) || (strings.TrimSpace(in) != "" && !strings.Contains(err.Error(), `write comparators such as ">=2.0.0 <3.0.0"`)) {
			t.Errorf("ParseRange(%q) = %v, want an error containing %q and how to write a range", in, err, want)
		}
	}
}
