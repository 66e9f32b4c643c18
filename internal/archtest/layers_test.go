package archtest

import (
	"strings"
	"testing"
)

// TestCheckLayersReportsEachRule runs the check on a made-up graph, so that
// every kind of violation is seen to be reported.
func TestCheckLayersReportsEachRule(t *testing.T) {
	const m = "example.com/m"
	pkgs := map[string]*goPackage{
		"pkg/verdict":           {Imports: []string{"fmt", m + "/pkg/engine"}},
		"pkg/engine":            {Imports: []string{m + "/pkg/verdict", m + "/pkg/internal/kubefake"}},
		"pkg/mimirapi":          {TestImports: []string{m + "/pkg/gate/gatetest", m + "/pkg/cli"}},
		"pkg/gate/gatetest":     {Imports: []string{m + "/pkg/gate", m + "/pkg/engine"}},
		"pkg/gate":              {},
		"pkg/cli":               {Imports: []string{m + "/pkg/engine"}},
		"pkg/internal/kubefake": {},
		"pkg/newthing":          {},
	}
	got := strings.Join(checkLayers(m, pkgs), "\n")
	for _, want := range []string{
		`pkg/verdict (layer "leaves") imports pkg/engine (layer "engine"), a layer above it`,
		`pkg/mimirapi (layer "Mimir domain") test files import pkg/cli (layer "command line"), a layer above it`,
		"pkg/engine imports the test helper pkg/internal/kubefake outside its tests",
		`test helper pkg/gate/gatetest imports pkg/engine (layer "engine"), but the tests of pkg/mimirapi (layer "Mimir domain") use it`,
		"package pkg/newthing is in no layer: add it to the layer it belongs to in internal/archtest/imports_test.go",
		"lists pkg/ringcheck, which matches no package of the module",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the check must report %q; it reported:\n%s", want, got)
		}
	}
	for _, line := range strings.Split(got, "\n") {
		for _, downward := range []string{"pkg/cli (", "pkg/engine (", "pkg/gate ("} {
			if strings.HasPrefix(line, downward) {
				t.Errorf("downward imports must pass, but the check reported: %s", line)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		rel, pat string
		want     bool
	}{
		{"cmd/mimirctl", "cmd/...", true}, {"cmd", "cmd/...", true}, {"cmdx/a", "cmd/...", false},
		{"pkg/gate/gatetest", "pkg/gate", false}, {"pkg/gate", "pkg/gate", true},
	} {
		if got := match(c.rel, c.pat); got != c.want {
			t.Errorf("match(%q, %q) = %v, want %v", c.rel, c.pat, got, c.want)
		}
	}
}
