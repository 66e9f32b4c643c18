//go:build conformance

package conformance

import (
	"os"
	"path/filepath"
	"testing"
)

// The cache key of `tk show` changes with any file the environment can
// import, through symlinks too, and with tk's binary; it ignores the
// other environments of the project.
func TestTkShowCacheKeyFollowsEveryInput(t *testing.T) {
	dir := t.TempDir()
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	library := filepath.Join(dir, "module", "mimir")
	write(filepath.Join(library, "mimir.libsonnet"), "{}")
	root := filepath.Join(dir, "project")
	write(filepath.Join(root, "jsonnetfile.json"), "{}")
	if err := os.MkdirAll(filepath.Join(root, "vendor"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(library, filepath.Join(root, "vendor", "mimir")); err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(root, "environments", "test-a")
	write(filepath.Join(env, "main.jsonnet"), "import 'mimir/mimir.libsonnet'")
	tk := filepath.Join(dir, "tk")
	write(tk, "binary 1")

	key := func() string {
		t.Helper()
		t.Setenv("MIMIRCTL_TEST_TK_CACHE", filepath.Join(dir, "cache"))
		c, err := openTkShowCache(tk)
		if err != nil {
			t.Fatal(err)
		}
		k, err := c.key(root, env)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	first := key()
	if again := key(); again != first {
		t.Fatalf("the same inputs give keys %s and %s", first, again)
	}
	write(filepath.Join(root, "environments", "test-b", "main.jsonnet"), "{}")
	if k := key(); k != first {
		t.Errorf("another environment changed the key")
	}
	for _, change := range []struct{ what, path, content string }{
		{"a library file behind a symlink", filepath.Join(library, "mimir.libsonnet"), "{ a: 1 }"},
		{"a new library file", filepath.Join(library, "new.libsonnet"), "{}"},
		{"the environment's main.jsonnet", filepath.Join(env, "main.jsonnet"), "{}"},
		{"the project's jsonnetfile.json", filepath.Join(root, "jsonnetfile.json"), `{"version": 1}`},
		{"tk's binary", tk, "binary 2"},
	} {
		before := key()
		write(change.path, change.content)
		if key() == before {
			t.Errorf("%s changed, the key did not", change.what)
		}
	}
}
