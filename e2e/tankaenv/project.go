package tankaenv

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// The environments of the test project, relative to its root.
const (
	// EnvMimir is Mimir 2.9 in microservices mode, zone-aware, rings on
	// memberlist, namespace mimir.
	EnvMimir = "environments/mimir"
	// EnvMimirKV is Mimir 3.x in microservices mode, rings on Consul and
	// the HA tracker on etcd, namespace mimir-kv.
	EnvMimirKV = "environments/mimir-kv"
)

// projectRel is the project's place in the module.
const projectRel = "e2e/testdata/tanka"

// ProjectDir is the absolute path of the checked-in project. Do not render
// overlays into it: Copy it first.
func ProjectDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("locate the test Tanka project: no caller information")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "testdata", "tanka")
	if _, err := os.Stat(filepath.Join(dir, "jsonnetfile.json")); err != nil {
		return "", fmt.Errorf("locate the test Tanka project %s: %w", projectRel, err)
	}
	return filepath.Clean(dir), nil
}

// Copy copies the project into dst and returns the copy's root.
func Copy(dst string) (string, error) {
	src, err := ProjectDir()
	if err != nil {
		return "", err
	}
	root := filepath.Join(dst, "tanka")
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(root, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		return "", fmt.Errorf("copy the test Tanka project to %s: %w", dst, err)
	}
	return root, nil
}

// Render renders env (e.g. EnvMimir) of the project at root. A non-nil
// overlay is written the way mimirctl writes it: main.jsonnet gets the
// overlay import once (tanka.Init), then the overlay file is replaced.
func Render(ctx context.Context, root, env string, overlay *tanka.Overlay) (*tanka.Result, error) {
	dir := filepath.Join(root, env)
	if overlay != nil {
		if _, err := tanka.Init(ctx, dir, tanka.Options{}); err != nil {
			return nil, fmt.Errorf("add the overlay import to %s: %w", env, err)
		}
		if err := tanka.WriteOverlay(dir, overlay); err != nil {
			return nil, fmt.Errorf("write the overlay of %s: %w", env, err)
		}
	}
	return tanka.Load(ctx, dir, tanka.Options{})
}

// AppendMerge adds a hand-written jsonnet file to env and merges it last
// into main.jsonnet, the way a user adds an override file: for snippets that
// plain overlay merges cannot express (k8s-libsonnet mixins). Call it
// before Render adds the overlay, which must stay last.
func AppendMerge(root, env, name, jsonnet string) error {
	dir := filepath.Join(root, env)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(jsonnet), 0o644); err != nil {
		return err
	}
	return appendImport(dir, name)
}

// appendImport merges file last into the environment's top-level object.
func appendImport(envDir, file string) error {
	main := filepath.Join(envDir, tanka.Entrypoint)
	src, err := os.ReadFile(main)
	if err != nil {
		return err
	}
	return os.WriteFile(main, append(src, []byte(fmt.Sprintf("+ (import '%s')\n", file))...), 0o644)
}
