package tanka

import (
	"context"
	"os"
	"path/filepath"
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
