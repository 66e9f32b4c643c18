//go:build conformance

package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// mimirVersion is one github.com/grafana/mimir module version whose
// operations/mimir library and operations/mimir-tests are compared.
type mimirVersion struct {
	Name   string // how the report names it
	Module string // Go module version
}

var mimirVersions = []mimirVersion{
	{"2.9", "v0.0.0-20230630050318-e4d286c69115"},
	{"2.x-2025-05", "v0.0.0-20250501105506-4584085047c0"},
	{"3.x", "v1.3.1-0.20260423142704-aced80d74930"},
}

// moduleDir returns the module's directory in the module cache
// (grafanalib.ModuleDir), failing the test when it cannot be had.
func moduleDir(t testing.TB, modVersion string) string {
	t.Helper()
	dir, err := grafanalib.ModuleDir(modVersion)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// kubernetesLibrary generates the k8s-libsonnet subset the library uses
// (grafanalib.KubernetesLibrary), failing the test when it cannot.
func kubernetesLibrary(t testing.TB) string {
	t.Helper()
	k8sLib, err := grafanalib.KubernetesLibrary()
	if err != nil {
		t.Fatal(err)
	}
	return k8sLib
}

// project lays out a Tanka project like Grafana's build.sh does
// (grafanalib.Layout) in a temporary directory; each test file becomes
// environments/<test>/main.jsonnet beside tk init's spec.json, with every
// test file of all linked beside it.
func project(t testing.TB, k8sLib, operations string, tests, all []string) string {
	t.Helper()
	root := t.TempDir()
	if keep := os.Getenv("CONFORMANCE_PROJECT_DIR"); keep != "" {
		// Keep the project (e.g. to run tk show on it): one directory per module.
		root = filepath.Join(keep, filepath.Base(filepath.Dir(operations)))
		if err := os.RemoveAll(root); err != nil {
			t.Fatal(err)
		}
	}
	if err := grafanalib.Layout(root, k8sLib, operations); err != nil {
		t.Fatal(err)
	}
	for _, name := range tests {
		src, err := os.ReadFile(filepath.Join(operations, "mimir-tests", name+".jsonnet"))
		if err != nil {
			t.Fatal(err)
		}
		envDir := filepath.Join(root, "environments", name)
		if err := grafanalib.WriteEnvironment(envDir, string(src), "default"); err != nil {
			t.Fatal(err)
		}
		if err := grafanalib.LinkTestFiles(envDir, operations, all); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// objectKey names an object as kubectl would: kind/namespace/name.
func objectKey(o map[string]any) string {
	meta, _ := o["metadata"].(map[string]any)
	return fmt.Sprintf("%v %v/%v/%v", o["apiVersion"], o["kind"], meta["namespace"], meta["name"])
}

// normalise round-trips v through JSON so that numbers, maps and lists
// compare the same whichever decoder produced them (tk prints YAML from the
// same JSON values).
func normalise(t testing.TB, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func parseGenerated(t testing.TB, path string) map[string]map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseObjects(t, path, raw)
}

// documentSeparator splits a YAML stream into its documents.
var documentSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// parseObjects reads a YAML stream of objects (what names it in errors) and
// returns them by objectKey.
func parseObjects(t testing.TB, what string, raw []byte) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, doc := range documentSeparator.Split(string(raw), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var o map[string]any
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if o == nil {
			continue
		}
		o = normalise(t, o)
		out[objectKey(o)] = o
	}
	return out
}

// firstDiff returns the first path (in sorted key order) where a and b differ.
func firstDiff(path string, a, b any) string {
	if reflect.DeepEqual(a, b) {
		return ""
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			break
		}
		for _, k := range keyUnion(av, bv) {
			if d := firstDiff(path+"."+k, av[k], bv[k]); d != "" {
				return d
			}
		}
	case []any:
		bv, ok := b.([]any)
		if !ok {
			break
		}
		for i := 0; i < len(av) && i < len(bv); i++ {
			if d := firstDiff(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i]); d != "" {
				return d
			}
		}
		if len(av) != len(bv) {
			return fmt.Sprintf("%s: %d items rendered, %d generated", path, len(av), len(bv))
		}
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return fmt.Sprintf("%s: rendered %s, generated %s", path, trim(string(ja)), trim(string(jb)))
}

// keyUnion returns the keys of a and b, sorted, each once.
func keyUnion[V any](a, b map[string]V) []string {
	keys := slices.AppendSeq(slices.Collect(maps.Keys(a)), maps.Keys(b))
	slices.Sort(keys)
	return slices.Compact(keys)
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// notReproduced are objects of Grafana's generated files that the compat
// libraries do not write, each with the reason. Such an object missing from
// the render is reported (the environment does not count as identical) but
// does not fail the test; every other difference does.
var notReproduced = map[string]string{
	"apiextensions.k8s.io/v1 CustomResourceDefinition/<nil>/zoneawarepoddisruptionbudgets.rollout-operator.grafana.com": "rollout-operator's CRD (schema with descriptions written by grafana/rollout-operator, not reproducible without copying it)",
	"apiextensions.k8s.io/v1 CustomResourceDefinition/<nil>/replicatemplates.rollout-operator.grafana.com":              "rollout-operator's CRD (schema with descriptions written by grafana/rollout-operator, not reproducible without copying it)",
}

// compare returns the differences between rendered and generated (none when
// they hold the same objects), and separately the generated objects missing
// from the render for a reason in notReproduced.
func compare(rendered, generated map[string]map[string]any) (diffs, known []string) {
	for _, k := range keyUnion(rendered, generated) {
		r, inR := rendered[k]
		g, inG := generated[k]
		switch {
		case !inG:
			diffs = append(diffs, k+": rendered, not in the generated file")
		case !inR && notReproduced[k] != "":
			known = append(known, k+": not rendered: "+notReproduced[k])
		case !inR:
			diffs = append(diffs, k+": in the generated file, not rendered")
		default:
			if d := firstDiff("", r, g); d != "" {
				diffs = append(diffs, k+" "+d)
			}
		}
	}
	return diffs, known
}

// describe is the first difference, or all of them with CONFORMANCE_VERBOSE.
func describe(diffs []string) string {
	if os.Getenv("CONFORMANCE_VERBOSE") != "" {
		return strings.Join(diffs, "\n")
	}
	return fmt.Sprintf("%d objects differ; first: %s", len(diffs), diffs[0])
}

// TestGrafanaTestEnvironments renders every operations/mimir-tests/test-*.jsonnet
// of each supported Mimir version with pkg/tanka and compares the objects with
// the test-*-generated.yaml beside it. CONFORMANCE_VERSIONS (names, comma
// separated) and CONFORMANCE_RUN (a regexp on the test name) narrow the run;
// CONFORMANCE_PROJECT_DIR keeps the Tanka projects there instead of in a
// temporary directory. With MIMIRCTL_TEST_TK set to a tk binary (v0.38.0,
// e2e/local/tools/build.sh tk), every environment is also rendered by tk and
// must give the same objects as pkg/tanka.
func TestGrafanaTestEnvironments(t *testing.T) {
	k8sLib := kubernetesLibrary(t)
	run := regexp.MustCompile(os.Getenv("CONFORMANCE_RUN"))
	only := map[string]bool{}
	for _, v := range strings.Split(os.Getenv("CONFORMANCE_VERSIONS"), ",") {
		if v != "" {
			only[v] = true
		}
	}
	tk := os.Getenv("MIMIRCTL_TEST_TK")
	if tk == "" && os.Getenv("CI") == "true" {
		t.Fatal("CI=true but MIMIRCTL_TEST_TK is not set: build tk with `e2e/local/tools/build.sh tk` and run `make conformance`, which passes it")
	}
	var tkCache *tkShowCache
	if tk != "" {
		var err error
		if tkCache, err = openTkShowCache(tk); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range mimirVersions {
		if len(only) > 0 && !only[v.Name] {
			continue
		}
		operations := filepath.Join(moduleDir(t, "github.com/grafana/mimir@"+v.Module), "operations")
		files, err := filepath.Glob(filepath.Join(operations, "mimir-tests", "test-*.jsonnet"))
		if err != nil || len(files) == 0 {
			t.Fatalf("Mimir %s: no operations/mimir-tests/test-*.jsonnet in %s (%v)", v.Name, operations, err)
		}
		var tests, all []string
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ".jsonnet")
			all = append(all, name)
			if run.MatchString(name) {
				tests = append(tests, name)
			}
		}
		root := project(t, k8sLib, operations, tests, all)
		rendered, identical, onlyKnown := 0, 0, 0
		tkRendered, tkCached, tkSame := 0, 0, 0
		var tkTotal time.Duration
		var slowest time.Duration
		var total time.Duration
		for _, name := range tests {
			generated := parseGenerated(t, filepath.Join(operations, "mimir-tests", name+"-generated.yaml"))
			start := time.Now()
			res, err := tanka.Load(context.Background(), filepath.Join(root, "environments", name), tanka.Options{})
			took := time.Since(start)
			total += took
			slowest = max(slowest, took)
			if err != nil {
				t.Errorf("Mimir %s %s: render failed: %v", v.Name, name, err)
				continue
			}
			rendered++
			objs := map[string]map[string]any{}
			for _, o := range res.Objects {
				n := normalise(t, o.Object)
				objs[objectKey(n)] = n
			}
			if tk != "" {
				start := time.Now()
				out, cached, err := tkCache.show(tk, v.Name, root, name)
				if cached {
					tkCached++
				} else {
					tkTotal += time.Since(start)
				}
				if err != nil {
					t.Errorf("Mimir %s %s: %v", v.Name, name, err)
				} else {
					tkRendered++
					tkObjs := parseObjects(t, "tk show "+name, out)
					if diffs, _ := compare(objs, tkObjs); len(diffs) > 0 {
						t.Errorf("Mimir %s %s: pkg/tanka and tk differ: %s", v.Name, name, describe(diffs))
					} else {
						tkSame++
					}
				}
			}
			diffs, known := compare(objs, generated)
			switch {
			case len(diffs) > 0:
				t.Errorf("Mimir %s %s: %s", v.Name, name, describe(diffs))
			case len(known) > 0:
				onlyKnown++
				t.Logf("Mimir %s %s: identical but for %d objects the compat libraries do not write; first: %s", v.Name, name, len(known), known[0])
			default:
				identical++
			}
		}
		detailLines = append(detailLines,
			fmt.Sprintf("Mimir %s (github.com/grafana/mimir@%s): %d test files, %d differ only by objects not reproduced (see README.md); render time total %s, slowest %s",
				v.Name, v.Module, len(tests), onlyKnown, total.Round(time.Millisecond), slowest.Round(time.Millisecond)))
		if tk != "" {
			detailLines = append(detailLines,
				fmt.Sprintf("Mimir %s, tk (%s) on the same environments: %d rendered, %d identical to pkg/tanka; %d of them from tk's output on the same inputs in an earlier run (cache %s); tk's render time total %s (pkg/tanka %s)",
					v.Name, tk, tkRendered, tkSame, tkCached, tkCache.where(), tkTotal.Round(time.Millisecond), total.Round(time.Millisecond)))
		}
		summaryLines = append(summaryLines, fmt.Sprintf("grafana test environments: %d rendered, %d identical", rendered, identical))
	}
}

// detailLines (figures) and summaryLines (results) are printed by TestMain
// after the tests, the results last, so that `make conformance` ends with
// one "grafana test environments" line per version and the plan steps line.
var detailLines, summaryLines []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, l := range append(detailLines, summaryLines...) {
		fmt.Println(l)
	}
	os.Exit(code)
}
