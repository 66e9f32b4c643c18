package grafanalib

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/mimirctl/mimirctl/e2e/conformance/k8sgen"
)

// Module is one version of the github.com/grafana/mimir Go module, whose
// operations/mimir directory is Grafana's Mimir jsonnet library.
type Module struct {
	// Name is how reports name it ("3.0.5", "2.9").
	Name string
	// Version is the Go module version (a pseudo-version for untagged
	// commits).
	Version string
}

// Path is the module path with its version, as `go mod download` takes it.
func (m Module) Path() string { return "github.com/grafana/mimir@" + m.Version }

// Mimir305 is the module of the Mimir 3.0.5 release (its VERSION file says
// 3.0.5; e2e/local/tools/build.sh builds bin/mimir3 from it).
var Mimir305 = Module{Name: "3.0.5", Version: "v1.3.1-0.20260423142704-aced80d74930"}

// Mimir216 is the newest Mimir 2.x module whose dependencies the Go module
// proxy serves (a commit of 2025-04-22 whose VERSION file says
// 2.16.0; e2e/local/tools/build.sh builds bin/mimir216 from it).
var Mimir216 = Module{Name: "2.16.0", Version: "v1.3.1-0.20250422071521-e0840d372c6b"}

// KubernetesModule ships the OpenAPI document (api/openapi-spec/swagger.json)
// from which k8sgen generates the k8s-libsonnet subset the library imports.
const KubernetesModule = "k8s.io/kubernetes@v1.34.4"

// ModuleDir returns the directory of modVersion ("path@version") in the
// module cache, downloading it with `go mod download` when it is not there
// yet. It fails when the go command fails (module neither cached nor served
// by GOPROXY) or names no directory.
func ModuleDir(modVersion string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", modVersion)
	// The pseudo-versions of github.com/grafana/mimir are not in the checksum
	// database; e2e/local/tools/build.sh fetches them the same way.
	cmd.Env = append(os.Environ(), "GONOSUMDB=github.com/grafana", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w (the module must be in the module cache or served by GOPROXY)", modVersion, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no directory (%s %v)", modVersion, info.Error, err)
	}
	return info.Dir, nil
}

// Operations returns the module's operations directory (holding mimir/, the
// library, and mimir-tests/, Grafana's test environments), downloading the
// module when needed (ModuleDir).
func (m Module) Operations() (string, error) {
	dir, err := ModuleDir(m.Path())
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "operations"), nil
}

// KubernetesLibrary generates the k8s-libsonnet subset Grafana's library
// uses (k8sgen, default API groups) from KubernetesModule's OpenAPI document.
func KubernetesLibrary() (string, error) {
	dir, err := ModuleDir(KubernetesModule)
	if err != nil {
		return "", err
	}
	return k8sgen.Generate(filepath.Join(dir, "api", "openapi-spec", "swagger.json"), k8sgen.DefaultGroups)
}

// CompatDir is the absolute path of e2e/grafanalib/compat: the jsonnet
// libraries the Mimir library imports that the Go module proxy does not
// serve (ksonnet-util, memcached, consul, etcd-operator, jaeger-agent-mixin,
// keda-libsonnet, rollout-operator, xtd's jsonpath), written here with only
// what Mimir calls, and lib/k.libsonnet. The conformance harness proves them
// against Grafana's generated YAML (e2e/conformance/README.md).
func CompatDir() (string, error) { return packageDir("compat", "k.libsonnet") }

// packageDir is the absolute path of e2e/grafanalib/<dir>, checked to hold
// file.
func packageDir(dir, file string) (string, error) {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("locate e2e/grafanalib/%s: no caller information", dir)
	}
	path := filepath.Join(filepath.Dir(self), dir)
	if _, err := os.Stat(filepath.Join(path, file)); err != nil {
		return "", fmt.Errorf("locate e2e/grafanalib/%s: %w", dir, err)
	}
	return path, nil
}

// Layout lays out a Tanka project at root the way Grafana's
// operations/mimir-tests/build.sh does (tk init, then jb install of
// operations/mimir with legacy imports), from local sources:
//
//   - jsonnetfile.json (no dependencies, legacyImports true);
//   - vendor/github.com/jsonnet-libs/k8s-libsonnet/1.21/main.libsonnet:
//     k8sLib (KubernetesLibrary);
//   - lib/k.libsonnet and every vendor/<library> of CompatDir: symlinks;
//   - vendor/mimir and vendor/mimir-tests: symlinks to operations/mimir and
//     operations/mimir-tests (operations as Module.Operations returns it).
//
// Environments go under root/environments (WriteEnvironment). root is
// created when missing; Layout fails on any file system error, e.g. when
// root already holds a layout.
func Layout(root, k8sLib, operations string) error {
	return layout(root, k8sLib, operations, link)
}

// LayoutCopy is Layout with copies instead of symlinks: a project that
// needs nothing outside root, as a vendored project is (jb install), so
// that it can be mounted into a pod, whose root file system does not hold
// the module cache or this repository.
func LayoutCopy(root, k8sLib, operations string) error {
	return layout(root, k8sLib, operations, copyTree)
}

// layout writes Layout's files, placing each library with place(target,
// path): a symlink at path to target, or a copy of it.
func layout(root, k8sLib, operations string, place func(target, path string) error) error {
	compat, err := CompatDir()
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(root, "jsonnetfile.json"), `{"version": 1, "dependencies": [], "legacyImports": true}`+"\n"); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(root, "vendor/github.com/jsonnet-libs/k8s-libsonnet/1.21/main.libsonnet"), k8sLib); err != nil {
		return err
	}
	if err := place(filepath.Join(compat, "k.libsonnet"), filepath.Join(root, "lib/k.libsonnet")); err != nil {
		return err
	}
	entries, err := os.ReadDir(compat)
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch {
		case e.Name() == "github.com":
			// vendor/github.com also holds the generated k8s-libsonnet:
			// link each github.com/<owner>/<repo> of ours on its own.
			repos, err := filepath.Glob(filepath.Join(compat, "github.com", "*", "*"))
			if err != nil {
				return err
			}
			for _, r := range repos {
				rel, err := filepath.Rel(compat, r)
				if err != nil {
					return err
				}
				if err := place(r, filepath.Join(root, "vendor", rel)); err != nil {
					return err
				}
			}
		case e.IsDir():
			if err := place(filepath.Join(compat, e.Name()), filepath.Join(root, "vendor", e.Name())); err != nil {
				return err
			}
		}
	}
	for _, dir := range []string{"mimir", "mimir-tests"} {
		if err := place(filepath.Join(operations, dir), filepath.Join(root, "vendor", dir)); err != nil {
			return err
		}
	}
	return nil
}

// Spec is the spec.json of a Tanka environment (tanka.dev/v1alpha1
// Environment) for namespace ns, as `tk init` writes it (API server
// https://127.0.0.1:6443, empty resourceDefaults and expectVersions); with
// ns "default" it is byte for byte the file Grafana's build.sh copies into
// every test environment. Tanka puts objects without a namespace into ns.
func Spec(ns string) string {
	return strings.Replace(`{
  "apiVersion": "tanka.dev/v1alpha1",
  "kind": "Environment",
  "metadata": {"name": "environments/default"},
  "spec": {
    "apiServer": "https://127.0.0.1:6443",
    "namespace": "NAMESPACE",
    "resourceDefaults": {},
    "expectVersions": {}
  }
}
`, "NAMESPACE", ns, 1)
}

// WriteEnvironment writes envDir/main.jsonnet (main) and envDir/spec.json
// (Spec(ns)), creating envDir, and returns the first file system error.
func WriteEnvironment(envDir, main, ns string) error {
	if err := writeFile(filepath.Join(envDir, "main.jsonnet"), main); err != nil {
		return err
	}
	return writeFile(filepath.Join(envDir, "spec.json"), Spec(ns))
}

// LinkTestFiles links operations/mimir-tests/<name>.jsonnet into envDir for
// every name (test file names without .jsonnet): later build.sh versions
// copy every test file beside main.jsonnet, so that a test can import
// another.
func LinkTestFiles(envDir, operations string, names []string) error {
	for _, name := range names {
		if err := link(filepath.Join(operations, "mimir-tests", name+".jsonnet"), filepath.Join(envDir, name+".jsonnet")); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

func link(target, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.Symlink(target, path)
}

// copyTree copies the file or directory tree target to path (which must
// not exist); a tree must hold no symlinks (os.CopyFS).
func copyTree(target, path string) error {
	info, err := os.Stat(target)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		data, err := os.ReadFile(target)
		if err != nil {
			return err
		}
		return writeFile(path, string(data))
	}
	if err := os.CopyFS(path, os.DirFS(target)); err != nil {
		return fmt.Errorf("copy %s to %s: %w", target, path, err)
	}
	return nil
}
