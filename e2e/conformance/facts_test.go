//go:build conformance

package conformance

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/mimir"
)

// TestMimirFactsAgainstGrafanasModule checks the facts of pkg/mimir against
// the github.com/grafana/mimir module of each supported version: the
// workloads that serve each ring and the read-write takeover pairs are
// workloads (of the kind said) Grafana's jsonnet renders (read-write ones
// only on 2.x, where that mode exists), the runtime
// configuration lives where the library puts it, and every HTTP path is one
// Mimir registers (a quoted literal in the module's non-test Go sources).
func TestMimirFactsAgainstGrafanasModule(t *testing.T) {
	paths := pathConstants(t)
	if len(paths) < 10 {
		t.Fatalf("found only %d Path constants in pkg/mimir: %v", len(paths), paths)
	}
	for _, v := range mimirVersions {
		t.Run(v.Name, func(t *testing.T) {
			dir := moduleDir(t, "github.com/grafana/mimir@"+v.Module)
			workloads, runtimeConfig := renderedWorkloads(t, filepath.Join(dir, "operations", "mimir-tests"))
			for _, ring := range mimir.RingNames() {
				for _, mode := range mimir.DeploymentModes {
					if mode == mimir.ReadWrite && strings.HasPrefix(v.Name, "3") {
						continue // read-write mode was removed in Mimir 3.0
					}
					for _, w := range mimir.RingWorkloads(ring, mode) {
						if len(workloads[w]) == 0 {
							t.Errorf("ring %s, %s mode: workload %s is in no Deployment or StatefulSet of Grafana's generated test environments", ring, mode, w)
						}
					}
				}
			}
			for _, tk := range mimir.ReadWriteTakeovers() {
				for _, w := range []mimir.Workload{tk.Microservice, tk.ReadWrite} {
					if w == tk.ReadWrite && strings.HasPrefix(v.Name, "3") {
						continue
					}
					if !workloads[w.Name][w.Kind] {
						t.Errorf("read-write takeover %s → %s: no %s %s in Grafana's generated test environments (found kinds %v)",
							tk.Microservice.Name, tk.ReadWrite.Name, w.Kind, w.Name, workloads[w.Name])
					}
				}
			}
			if !runtimeConfig {
				t.Errorf("no ConfigMap %s with key %s in Grafana's generated test environments", mimir.RuntimeConfigMap, mimir.RuntimeConfigKey)
			}
			if !strings.HasPrefix(v.Name, "3") {
				return // paths are checked against the newest module, below
			}
			sources := goLiterals(t, filepath.Join(dir, "pkg"))
			for name, p := range paths {
				p, _, _ = strings.Cut(p, "?")
				if !sources[p] {
					t.Errorf("mimir.%s = %q: no such literal in github.com/grafana/mimir@%s/pkg", name, p, v.Module)
				}
			}
		})
	}
}

// renderedWorkloads reads every *-generated.yaml of a mimir-tests
// directory and returns the kinds of its Deployments and StatefulSets by
// name, and whether one of them holds the runtime configuration ConfigMap.
func renderedWorkloads(t *testing.T, testsDir string) (map[string]map[string]bool, bool) {
	files, err := filepath.Glob(filepath.Join(testsDir, "*-generated.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *-generated.yaml in %s (%v)", testsDir, err)
	}
	names := map[string]map[string]bool{}
	runtimeConfig := false
	for _, f := range files {
		for _, o := range parseGenerated(t, f) {
			meta, _ := o["metadata"].(map[string]any)
			name, _ := meta["name"].(string)
			switch o["kind"] {
			case "Deployment", "StatefulSet":
				if names[name] == nil {
					names[name] = map[string]bool{}
				}
				names[name][o["kind"].(string)] = true
			case "ConfigMap":
				data, _ := o["data"].(map[string]any)
				if _, ok := data[mimir.RuntimeConfigKey]; ok && name == mimir.RuntimeConfigMap {
					runtimeConfig = true
				}
			}
		}
	}
	return names, runtimeConfig
}

// pathConstants returns pkg/mimir's constants named Path*, by name.
func pathConstants(t *testing.T) map[string]string {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join("..", "..", "pkg", "mimir", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Path") || i >= len(vs.Values) {
						continue
					}
					tv, err := types.Eval(fset, nil, token.NoPos, types.ExprString(vs.Values[i]))
					if err != nil || tv.Value == nil || tv.Value.Kind() != constant.String {
						t.Fatalf("mimir.%s: not a string literal (%v)", n.Name, err)
					}
					out[n.Name] = constant.StringVal(tv.Value)
				}
			}
		}
	}
	return out
}

// goLiterals returns the string literals of the non-test Go files under dir.
func goLiterals(t *testing.T, dir string) map[string]bool {
	out := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil // generated or build-tagged files Go cannot parse alone: skip
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out[s] = true
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
