package tanka

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// memoProject copies testdata/project to a temporary directory, whose files
// the tests change.
func memoProject(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "project")
	copyTree(t, project, dst)
	return dst
}

func renderWithMemo(t *testing.T, env string, opts Options) *Result {
	t.Helper()
	r, err := Load(context.Background(), env, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func configMapData(t *testing.T, r *Result, name, key string) string {
	t.Helper()
	for _, o := range r.Objects {
		if o.GetKind() == "ConfigMap" && o.GetName() == name {
			data, _ := o.Object["data"].(map[string]any)
			v, _ := data[key].(string)
			return v
		}
	}
	t.Fatalf("no ConfigMap %s rendered", name)
	return ""
}

func TestAMemoServesTheSameRenderAndEvaluatesAfterAChangedFile(t *testing.T) {
	root := memoProject(t)
	env := filepath.Join(root, "environments", "default")
	opts := Options{Memo: &Memo{Dir: t.TempDir()}}

	first := renderWithMemo(t, env, opts)
	second := renderWithMemo(t, env, opts)
	if first.Memoized || !second.Memoized {
		t.Fatalf("memoized: first %v, second %v; want the second served from the memo", first.Memoized, second.Memoized)
	}
	if got, want := manifests(t, second), manifests(t, first); string(got) != string(want) {
		t.Errorf("the served render differs from the evaluated one:\n%s\nwant\n%s", got, want)
	}

	// A file the evaluation imported changes: evaluated again, with it.
	main := filepath.Join(env, "main.jsonnet")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, main, string(src)+"+ { extra: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra' }, data: { a: 'b' } } }\n")
	third := renderWithMemo(t, env, opts)
	if third.Memoized || configMapData(t, third, "extra", "a") != "b" {
		t.Errorf("after main.jsonnet changed: memoized %v, want a fresh evaluation with the new ConfigMap", third.Memoized)
	}
}

// An import resolves through the search path (env dir, lib, the env's
// vendor, the root vendor): a new file earlier on it changes what the
// import finds, although no file the evaluation read changed.
func TestAMemoEvaluatesAgainWhenANewFileShadowsAnImport(t *testing.T) {
	root := memoProject(t)
	env := filepath.Join(root, "environments", "precedence")
	opts := Options{Memo: &Memo{Dir: t.TempDir()}}
	before := renderWithMemo(t, env, opts)
	if got := configMapData(t, before, "where", "where-root-vendor.libsonnet"); got != "root vendor" {
		t.Fatalf("where-root-vendor.libsonnet found in %q before, want \"root vendor\" (testdata changed?)", got)
	}
	writeFile(t, filepath.Join(root, "lib", "where-root-vendor.libsonnet"), "{ where: 'lib' }\n")
	after := renderWithMemo(t, env, opts)
	if after.Memoized || configMapData(t, after, "where", "where-root-vendor.libsonnet") != "lib" {
		t.Errorf("after lib/ got a file the import finds first: memoized %v, found in %q; want a fresh evaluation finding lib",
			after.Memoized, configMapData(t, after, "where", "where-root-vendor.libsonnet"))
	}
}

func TestAMemoKeysOnTheOverlayAndTheOptions(t *testing.T) {
	root := memoProject(t)
	env := filepath.Join(root, "environments", "tla")
	memo := &Memo{Dir: t.TempDir()}
	base := Options{TLACode: map[string]string{"replicas": "3"}, TLAStr: map[string]string{"image": "mimir:2.9"}, Memo: memo}
	renderWithMemo(t, env, base)
	other := base
	other.TLACode = map[string]string{"replicas": "4"}
	if r := renderWithMemo(t, env, other); r.Memoized {
		t.Error("another top-level argument was served the memoized render")
	}
	if r := renderWithMemo(t, env, base); !r.Memoized {
		t.Error("the first options again were not served from the memo")
	}

	def := filepath.Join(root, "environments", "default")
	withOverlay := func(replicas int) Options {
		return Options{Memo: memo, Overlay: &Overlay{Config: map[string]any{"multi_zone_ingester_replicas": replicas}}}
	}
	renderWithMemo(t, def, withOverlay(9))
	if r := renderWithMemo(t, def, withOverlay(12)); r.Memoized {
		t.Error("another overlay was served the memoized render")
	}
	if r := renderWithMemo(t, def, withOverlay(9)); !r.Memoized {
		t.Error("the first overlay again was not served from the memo")
	}
}

// The overlay file names the plan and step that wrote it in its header
// (comments): the file after step 3 holds the merges the run start rendered
// from the file after step 2 plus step 3's change, and the next window's
// run start is served that render.
func TestAMemoServesTheSameMergesWhicheverStepWroteThem(t *testing.T) {
	def := filepath.Join(memoProject(t), "environments", "default")
	memo := &Memo{Dir: t.TempDir()}
	written := func(step string, replicas int) Options {
		return Options{Memo: memo, Overlay: &Overlay{Plan: "p", Step: step, Config: map[string]any{"multi_zone_ingester_replicas": replicas}}}
	}
	first := renderWithMemo(t, def, written("2", 9))
	if r := renderWithMemo(t, def, written("3", 9)); !r.Memoized {
		t.Error("the same merges under another step's header were evaluated again")
	} else if got, want := manifests(t, r), manifests(t, first); string(got) != string(want) {
		t.Errorf("the served render differs:\n%s\nwant\n%s", got, want)
	}
	if r := renderWithMemo(t, def, written("3", 12)); r.Memoized {
		t.Error("other merges were served the memoized render")
	}
}

func TestAFailedEvaluationIsNotMemoizedAndAnUnwritableMemoIsSkipped(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(context.Background(), envDir("broken"), Options{Memo: &Memo{Dir: dir}}); err == nil {
		t.Fatal("the broken environment rendered")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed evaluation left %d memo entries", len(entries))
	}
	file := filepath.Join(t.TempDir(), "a-file")
	writeFile(t, file, "")
	r, err := Load(context.Background(), envDir("default"), Options{Memo: &Memo{Dir: filepath.Join(file, "renders")}})
	if err != nil || r.Memoized {
		t.Errorf("with a memo directory that cannot be made: memoized %v, error %v; want a plain render", r != nil && r.Memoized, err)
	}
}

func TestAMemoKeepsItsNewestEntries(t *testing.T) {
	memo := &Memo{Dir: t.TempDir(), MaxEntries: 2}
	for _, replicas := range []int{1, 2, 3} {
		renderWithMemo(t, envDir("default"), Options{Memo: memo, Overlay: &Overlay{Config: map[string]any{"multi_zone_ingester_replicas": replicas}}})
	}
	entries, err := os.ReadDir(memo.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("%d entries kept, want MaxEntries 2", len(entries))
	}
	if r := renderWithMemo(t, envDir("default"), Options{Memo: memo, Overlay: &Overlay{Config: map[string]any{"multi_zone_ingester_replicas": 3}}}); !r.Memoized {
		t.Error("the newest entry was not kept")
	}
}

// Served and evaluated renders are the same for every test environment
// that renders (static, inline by name, with top-level arguments).
func TestAServedRenderEqualsAFreshOneForEveryEnvironment(t *testing.T) {
	root := memoProject(t)
	dirs, err := os.ReadDir(filepath.Join(root, "environments"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, d := range dirs {
		env := filepath.Join(root, "environments", d.Name())
		for _, name := range []string{"", "mimir-a"} {
			opts := Options{Name: name, TLACode: map[string]string{"replicas": "3"}, TLAStr: map[string]string{"image": "x"}}
			fresh, err := Load(context.Background(), env, opts)
			if err != nil {
				continue // an environment that does not render (their own tests)
			}
			opts.Memo = &Memo{Dir: t.TempDir()}
			renderWithMemo(t, env, opts)
			served := renderWithMemo(t, env, opts)
			checked++
			// helmTemplate reads a chart's files, which a memo entry
			// cannot check: such a render is never kept.
			wantMemoized := d.Name() != "helm"
			if served.Memoized != wantMemoized || string(manifests(t, served)) != string(manifests(t, fresh)) {
				t.Errorf("%s %q: memoized %v (want %v), same objects %v", d.Name(), name, served.Memoized, wantMemoized, string(manifests(t, served)) == string(manifests(t, fresh)))
			}
		}
	}
	if checked < 5 {
		t.Errorf("%d renders checked, want the test project's environments", checked)
	}
}

// What an evaluation reads besides its imports' text: importstr'd files,
// spec.json (tk.env), a file in the importing file's own directory that an
// import now finds first.
func TestAMemoEvaluatesAgainAfterEveryKindOfInputChanged(t *testing.T) {
	root := memoProject(t)
	memo := &Memo{Dir: t.TempDir()}
	natives := filepath.Join(root, "environments", "natives")
	renderWithMemo(t, natives, Options{Memo: memo})
	writeFile(t, filepath.Join(natives, "spec.json"), `{"apiVersion":"tanka.dev/v1alpha1","kind":"Environment","metadata":{"name":"x"},"spec":{"namespace":"other"}}`)
	if r := renderWithMemo(t, natives, Options{Memo: memo}); r.Memoized || r.Env.Spec.Spec.Namespace != "other" {
		t.Errorf("after spec.json changed: memoized %v, namespace %q", r.Memoized, r.Env.Spec.Spec.Namespace)
	}

	def := filepath.Join(root, "environments", "default")
	writeFile(t, filepath.Join(def, "main.jsonnet"), "(import 'minimimir/mimir.libsonnet') + { s: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's' }, data: { v: importstr 'v.txt' } } }\n")
	writeFile(t, filepath.Join(root, "lib", "v.txt"), "one")
	renderWithMemo(t, def, Options{Memo: memo})
	writeFile(t, filepath.Join(root, "lib", "v.txt"), "two")
	if r := renderWithMemo(t, def, Options{Memo: memo}); r.Memoized || configMapData(t, r, "s", "v") != "two" {
		t.Errorf("after an importstr'd file changed: memoized %v", r.Memoized)
	}
	writeFile(t, filepath.Join(def, "v.txt"), "three")
	if r := renderWithMemo(t, def, Options{Memo: memo}); r.Memoized || configMapData(t, r, "s", "v") != "three" {
		t.Errorf("after a file in main.jsonnet's directory shadowed lib's: memoized %v", r.Memoized)
	}
}

// A damaged entry (valid JSON, wrong output) is not served: the render
// evaluates.
func TestADamagedEntryIsNotServed(t *testing.T) {
	memo := &Memo{Dir: t.TempDir()}
	renderWithMemo(t, envDir("default"), Options{Memo: memo})
	entries, err := os.ReadDir(memo.Dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("%d entries (%v), want 1", len(entries), err)
	}
	path := filepath.Join(memo.Dir, entries[0].Name())
	for _, damaged := range []string{`{}`, `{"imports":[],"output":"{}"}`} {
		writeFile(t, path, damaged)
		if r := renderWithMemo(t, envDir("default"), Options{Memo: memo}); r.Memoized || len(r.Objects) == 0 {
			t.Errorf("entry %s: memoized %v, %d objects; want a fresh evaluation", damaged, r.Memoized, len(r.Objects))
		}
	}
}

// A served render writes what std.trace wrote when it was evaluated.
func TestAServedRenderWritesItsTraceAgain(t *testing.T) {
	root := memoProject(t)
	env := filepath.Join(root, "environments", "default")
	main := filepath.Join(env, "main.jsonnet")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, main, strings.Replace(string(src), "mimir {", "std.trace('hello from main', mimir) {", 1))
	memo := &Memo{Dir: t.TempDir()}
	traced := func() (string, bool) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		stderr := os.Stderr
		os.Stderr = w
		res := renderWithMemo(t, env, Options{Memo: memo})
		os.Stderr = stderr
		w.Close()
		b, _ := io.ReadAll(r)
		return string(b), res.Memoized
	}
	first, _ := traced()
	second, served := traced()
	if !strings.Contains(first, "hello from main") || !served || second != first {
		t.Errorf("evaluated wrote %q; served (%v) wrote %q; want the same trace", first, served, second)
	}
}

// A memo directory others can write is not used: its entries would be
// applied as renders.
func TestAMemoDirectoryOthersCanWriteIsNotUsed(t *testing.T) {
	dir := t.TempDir()
	memo := &Memo{Dir: dir}
	renderWithMemo(t, envDir("default"), Options{Memo: memo})
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if r := renderWithMemo(t, envDir("default"), Options{Memo: memo}); r.Memoized {
		t.Error("served from a directory every user can write")
	}
}

// The overlay imported from two files renders (go-jsonnet refuses two
// Contents for one file).
func TestTheOverlayImportedTwiceRenders(t *testing.T) {
	root := memoProject(t)
	env := filepath.Join(root, "environments", "default")
	writeFile(t, filepath.Join(env, "main.jsonnet"), "local o = import 'mimirctl.libsonnet';\nlocal p = import 'other.libsonnet';\n(import 'minimimir/mimir.libsonnet') + o + p\n")
	writeFile(t, filepath.Join(env, "other.libsonnet"), "import 'mimirctl.libsonnet'\n")
	if _, err := Load(context.Background(), env, Options{Overlay: &Overlay{Config: map[string]any{"multi_zone_ingester_replicas": 3}}}); err != nil {
		t.Errorf("the overlay imported from two files: %v", err)
	}
}
