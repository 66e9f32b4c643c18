//go:build conformance

package conformance

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/atomicfile"
)

// tkShowCache keeps what `tk show` printed for an environment, keyed by
// everything that output is a function of: tk's binary and every file the
// environment can import (the project's jsonnetfile.json, lib/ and vendor/
// with the symlinked library, compat code and generated k8s-libsonnet, and
// the environment's own directory). The Go test cache works by the same
// rule; here it spares tk's renders (about half of TestGrafanaTestEnvironments'
// CPU) when neither tk nor any input changed, while pkg/tanka, the code under
// test, renders every environment every time and is compared with tk's
// output every time.
//
// One file per Mimir version and environment, <dir>/<version>/<env>.yaml,
// whose first line is "# tk-show-key <hex sha256>": a changed input
// overwrites it, so the cache does not grow with the inputs' history.
// MIMIRCTL_TEST_TK_CACHE names the directory (default: the user cache
// directory's mimirctl/conformance-tk-show); "off" runs tk every time.
type tkShowCache struct {
	dir    string // "" when off
	binary []byte // sha256 of tk's binary
	// project is the sha256 of the project's files outside environments/,
	// per project root.
	project map[string][]byte
}

const tkShowKeyLine = "# tk-show-key "

// openTkShowCache returns the cache for tk (its binary is hashed once), off
// when MIMIRCTL_TEST_TK_CACHE is "off" or no cache directory can be had.
func openTkShowCache(tk string) (*tkShowCache, error) {
	c := &tkShowCache{project: map[string][]byte{}}
	dir := os.Getenv("MIMIRCTL_TEST_TK_CACHE")
	switch dir {
	case "off":
		return c, nil
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return c, nil
		}
		dir = filepath.Join(base, "mimirctl", "conformance-tk-show")
	}
	h := sha256.New()
	if err := hashFile(h, tk); err != nil {
		return nil, fmt.Errorf("tk show cache: hash tk's binary: %w", err)
	}
	c.dir, c.binary = dir, h.Sum(nil)
	return c, nil
}

// where describes the cache for a report line.
func (c *tkShowCache) where() string {
	if c.dir == "" {
		return "off"
	}
	return c.dir
}

// show returns `tk show` of root/environments/<env> for Mimir version
// version: from the cache when an earlier run of the same binary saw the
// same inputs (cached true), else from running tk, whose output it then
// stores. A file that cannot be read or written makes tk run, never a
// failure: the cache only saves time.
func (c *tkShowCache) show(tk, version, root, env string) (out []byte, cached bool, err error) {
	envDir := filepath.Join(root, "environments", env)
	if c.dir == "" {
		out, err = runTkShow(tk, envDir)
		return out, false, err
	}
	key, err := c.key(root, envDir)
	if err != nil {
		return nil, false, err
	}
	path := filepath.Join(c.dir, version, env+".yaml")
	if raw, err := os.ReadFile(path); err == nil {
		if first, rest, ok := strings.Cut(string(raw), "\n"); ok && first == tkShowKeyLine+key {
			return []byte(rest), true, nil
		}
	}
	if out, err = runTkShow(tk, envDir); err != nil {
		return nil, false, err
	}
	if os.MkdirAll(filepath.Dir(path), 0o755) == nil {
		_ = atomicfile.WriteFile(path, []byte(tkShowKeyLine+key+"\n"+string(out))) // a failed write only costs the next run a tk render
	}
	return out, false, nil
}

// key is the hex sha256 of tk's binary, the project's files outside
// environments/ and envDir's files (symlinks followed, names and contents
// in directory order).
func (c *tkShowCache) key(root, envDir string) (string, error) {
	project, ok := c.project[root]
	if !ok {
		h := sha256.New()
		if err := hashTree(h, root, "", func(rel string) bool { return rel == "environments" }); err != nil {
			return "", fmt.Errorf("tk show cache: %w", err)
		}
		project = h.Sum(nil)
		c.project[root] = project
	}
	h := sha256.New()
	h.Write(c.binary)
	h.Write(project)
	if err := hashTree(h, envDir, "", nil); err != nil {
		return "", fmt.Errorf("tk show cache: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashTree writes into h the relative name, kind and content of every file
// under dir (symlinks followed), skipping the relative paths skip names.
func hashTree(h hash.Hash, dir, rel string, skip func(rel string) bool) error {
	entries, err := os.ReadDir(filepath.Join(dir, rel))
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := filepath.Join(rel, e.Name())
		if skip != nil && skip(name) {
			continue
		}
		info, err := os.Stat(filepath.Join(dir, name)) // follows symlinks
		if err != nil {
			return err
		}
		if info.IsDir() {
			fmt.Fprintf(h, "d %s\n", name)
			if err := hashTree(h, dir, name, skip); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(h, "f %s %d\n", name, info.Size())
		if err := hashFile(h, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// hashFile writes path's content into h.
func hashFile(h hash.Hash, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(h, f)
	return err
}
