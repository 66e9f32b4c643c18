package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// layers is the layer table, top to bottom (see the package doc). Paths are
// relative to the module; "dir/..." covers dir and every package below it.
// Edit it when a package is added, moved or removed.
var layers = []struct {
	name     string
	packages []string
}{
	{"commands", []string{"cmd/...", "deploy"}},
	{"command line", []string{"pkg/cli"}},
	{"library", []string{"pkg/mimirctl", "pkg/mimirctl/progress"}},
	{"engine", []string{"pkg/engine"}},
	{"Mimir domain", []string{
		"pkg/ingestershutdown", "pkg/ringcheck", "pkg/promgate", "pkg/podmetrics",
		"pkg/storequery", "pkg/mimirapi", "pkg/kvmigrate", "pkg/envchange", "pkg/workloads", "pkg/podhttp",
	}},
	{"gate framework", []string{"pkg/gate"}},
	{"cluster and plan", []string{"pkg/kube", "pkg/plan"}},
	{"leaves", []string{"pkg/mimir", "pkg/tanka", "pkg/helmenv", "pkg/atomicfile", "pkg/diff", "pkg/podaccess", "pkg/duration", "pkg/verdict", "pkg/invocation", "plans"}},
}

// testHelpers are packages only tests import (see the package doc).
var testHelpers = []string{"pkg/internal/...", "pkg/gate/gatetest", "pkg/plan/plantest", "internal/..."}

// outside is not checked: the e2e suite, local cluster and conformance
// tests drive the whole product from above.
var outside = []string{"e2e/..."}

const tableFile = "internal/archtest/imports_test.go"

// goPackage is the part of `go list -json` the check reads.
type goPackage struct {
	ImportPath  string
	Imports     []string
	TestImports []string
	Error       *struct{ Err string }
}

// place is where the table puts a package: its layer (0 is the top) or
// helper.
type place struct {
	layer  int
	helper bool
}

func (p place) String() string {
	if p.helper {
		return "test helpers"
	}
	return fmt.Sprintf("layer %q", layers[p.layer].name)
}

func TestImportLayers(t *testing.T) {
	module, root := goModule(t)
	trackSources(t, root)
	pkgs := map[string]*goPackage{}
	for _, tags := range []string{"", "integration,e2e,capture,conformance"} {
		for _, p := range goList(t, root, tags) {
			rel, ok := strings.CutPrefix(p.ImportPath, module+"/")
			if !ok || matchesAny(rel, outside) {
				continue
			}
			if q := pkgs[rel]; q != nil {
				q.Imports = union(q.Imports, p.Imports)
				q.TestImports = union(q.TestImports, p.TestImports)
				continue
			}
			p.ImportPath = rel
			pkgs[rel] = p
		}
	}
	for _, bad := range checkLayers(module, pkgs) {
		t.Error(bad)
	}
}

// checkLayers returns one message per violation of the table by pkgs
// (keyed by path relative to module; imports are full import paths).
func checkLayers(module string, pkgs map[string]*goPackage) []string {
	var bad []string
	places := map[string]place{}
	used := map[string]bool{}
	for _, rel := range sortedKeys(pkgs) {
		var found []place
		for i, l := range layers {
			for _, pat := range l.packages {
				if match(rel, pat) {
					found = append(found, place{layer: i})
					used[pat] = true
				}
			}
		}
		for _, pat := range testHelpers {
			if match(rel, pat) {
				found = append(found, place{helper: true})
				used[pat] = true
			}
		}
		switch len(found) {
		case 0:
			bad = append(bad, fmt.Sprintf("package %s is in no layer: add it to the layer it belongs to in %s (it may import its own layer and those below; what imports it must sit in or above it), or to testHelpers if only tests import it", rel, tableFile))
			continue
		case 1:
			places[rel] = found[0]
		default:
			bad = append(bad, fmt.Sprintf("package %s is listed more than once in %s (%v): keep one entry", rel, tableFile, found))
			continue
		}
	}
	for _, pat := range slices.Concat(allTablePatterns(), testHelpers) {
		if !used[pat] {
			bad = append(bad, fmt.Sprintf("%s lists %s, which matches no package of the module: remove the entry or fix the path", tableFile, pat))
		}
	}

	inModule := func(imp string) (string, bool) { return strings.CutPrefix(imp, module+"/") }
	// Product packages: imports, including in-package test files, go down.
	helperUsers := map[string][]string{}
	for _, rel := range sortedKeys(places) {
		p, from := pkgs[rel], places[rel]
		for _, kind := range []struct {
			name    string
			imports []string
		}{{"imports", p.Imports}, {"test files import", p.TestImports}} {
			for _, imp := range kind.imports {
				dep, ok := inModule(imp)
				if !ok {
					continue
				}
				to, known := places[dep]
				switch {
				case !known: // reported above
				case to.helper && !from.helper:
					if kind.name == "imports" {
						bad = append(bad, fmt.Sprintf("%s imports the test helper %s outside its tests: move what it needs into a product package", rel, dep))
					}
					helperUsers[dep] = append(helperUsers[dep], rel)
				case from.helper || to.helper:
				case to.layer < from.layer:
					bad = append(bad, fmt.Sprintf("%s (%s) %s %s (%s), a layer above it: move the shared code down to %s or below, pass it in as an interface or function, or change the layer table in %s if the layers themselves are wrong", rel, from, kind.name, dep, to, from, tableFile))
				}
			}
		}
	}
	// Test helpers: what they import must be in or below every user's layer.
	for _, h := range sortedKeys(helperUsers) {
		for _, imp := range pkgs[h].Imports {
			dep, ok := inModule(imp)
			to, known := places[dep]
			if !ok || !known || to.helper {
				continue
			}
			for _, user := range helperUsers[h] {
				if from := places[user]; to.layer < from.layer {
					bad = append(bad, fmt.Sprintf("test helper %s imports %s (%s), but the tests of %s (%s) use it, a layer below: split the helper, or move what it needs down", h, dep, to, user, from))
				}
			}
		}
	}
	return bad
}

func allTablePatterns() []string {
	var pats []string
	for _, l := range layers {
		pats = append(pats, l.packages...)
	}
	return pats
}

// match reports whether the module-relative path rel is pat, or below it
// when pat ends in "/...".
func match(rel, pat string) bool {
	if dir, ok := strings.CutSuffix(pat, "/..."); ok {
		return rel == dir || strings.HasPrefix(rel, dir+"/")
	}
	return rel == pat
}

func matchesAny(rel string, pats []string) bool {
	return slices.ContainsFunc(pats, func(p string) bool { return match(rel, p) })
}

func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// trackSources stats every Go file and go.mod of the module (outside e2e/)
// and reads every directory, so that go test's result cache, which records
// what the test process opens and stats but not what `go list` reads, runs
// the check again when a package or an import changes.
func trackSources(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && rel != "." || matchesAny(filepath.ToSlash(rel), outside)) {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".go") || rel == "go.mod") {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("read the module's sources: %v", err)
	}
}

// goModule returns the path and directory of the product module (the one
// holding this package; go.work also lists the e2e module).
func goModule(t *testing.T) (path, dir string) {
	t.Helper()
	out := run(t, ".", "go", "list", "-f", "{{.Module.Path}}\t{{.Module.Dir}}", ".")
	path, dir, ok := strings.Cut(strings.TrimSpace(string(out)), "\t")
	if !ok || dir == "" {
		t.Fatalf("go list: %q, want the module path and directory", out)
	}
	return path, dir
}

// goList lists the module's packages with the given build tags.
func goList(t *testing.T, root, tags string) []*goPackage {
	t.Helper()
	args := []string{"list", "-e", "-json=ImportPath,Imports,TestImports,Error"}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	out := run(t, root, "go", append(args, "./...")...)
	var pkgs []*goPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p goPackage
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("go %s: read its JSON: %v", strings.Join(args, " "), err)
		}
		if p.Error != nil {
			t.Fatalf("go %s: package %s: %s", strings.Join(args, " "), p.ImportPath, p.Error.Err)
		}
		pkgs = append(pkgs, &p)
	}
	if len(pkgs) == 0 {
		t.Fatalf("go %s listed no packages", strings.Join(args, " "))
	}
	return pkgs
}

func run(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}
