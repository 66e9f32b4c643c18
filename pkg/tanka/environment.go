package tanka

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const (
	// Entrypoint is the file Tanka evaluates in an environment directory.
	Entrypoint = "main.jsonnet"
	// SpecFile holds a static environment's metadata.
	SpecFile = "spec.json"
	// EnvironmentKind and EnvironmentAPIVersion identify inline environments.
	EnvironmentKind       = "Environment"
	EnvironmentAPIVersion = "tanka.dev/v1alpha1"
	// LabelEnvironment is the label Tanka injects with spec.injectLabels.
	LabelEnvironment = "tanka.dev/environment"
	// AnnotationNamespaced overrides whether Tanka sets metadata.namespace.
	AnnotationNamespaced = "tanka.dev/namespaced"
	// extVarEnvironment is the ext var behind `(import "tk").env`.
	extVarEnvironment = "tanka.dev/environment"
)

// Environment is a Tanka environment found on disk.
type Environment struct {
	// Root is the project root: the directory holding tkrc.yaml or
	// jsonnetfile.json.
	Root string
	// Dir is the environment directory, the one holding main.jsonnet.
	Dir string
	// Inline is true when Dir has no spec.json: main.jsonnet then evaluates to
	// tanka.dev/Environment objects. Spec is known only after rendering.
	Inline bool
	// Spec is the environment's metadata, as Tanka parses it.
	Spec Spec
}

// EntrypointPath is the absolute path of main.jsonnet.
func (e *Environment) EntrypointPath() string { return filepath.Join(e.Dir, Entrypoint) }

// ImportPaths are the library directories in Tanka's order, highest priority
// first (the importing file's own directory always comes before them).
func (e *Environment) ImportPaths() []string {
	return []string{
		e.Dir,
		filepath.Join(e.Root, "lib"),
		filepath.Join(e.Dir, "vendor"),
		filepath.Join(e.Root, "vendor"),
	}
}

// Spec mirrors Tanka's v1alpha1 Environment, without its data.
type Spec struct {
	APIVersion string       `json:"apiVersion"`
	Kind       string       `json:"kind"`
	Metadata   SpecMetadata `json:"metadata"`
	Spec       SpecSpec     `json:"spec"`
}

// SpecMetadata is an environment's metadata. For static environments Name is
// the environment directory relative to the root; Namespace is always the
// entrypoint relative to the root (Tanka's "legacy" naming).
type SpecMetadata struct {
	Name      string            `json:"name,omitempty"`
	Namespace string            `json:"namespace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// SpecSpec is the spec part of an environment.
type SpecSpec struct {
	APIServer                   string           `json:"apiServer,omitempty"`
	ContextNames                []string         `json:"contextNames,omitempty"`
	Namespace                   string           `json:"namespace"`
	DiffStrategy                string           `json:"diffStrategy,omitempty"`
	ApplyStrategy               string           `json:"applyStrategy,omitempty"`
	InjectLabels                bool             `json:"injectLabels,omitempty"`
	TankaEnvLabelFromFields     []string         `json:"tankaEnvLabelFromFields,omitempty"`
	ResourceDefaults            ResourceDefaults `json:"resourceDefaults"`
	ExpectVersions              ExpectVersions   `json:"expectVersions"`
	ExportJsonnetImplementation string           `json:"exportJsonnetImplementation,omitempty"`
}

// ResourceDefaults are labels and annotations Tanka adds to every object that
// does not set them.
type ResourceDefaults struct {
	Annotations map[string]string `json:"annotations,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
}

// ExpectVersions holds version constraints; mimirctl ignores them.
type ExpectVersions struct {
	Tanka string `json:"tanka,omitempty"`
}

func newSpec() Spec {
	return Spec{
		APIVersion: EnvironmentAPIVersion,
		Kind:       EnvironmentKind,
		Metadata:   SpecMetadata{Labels: map[string]string{}},
		Spec:       SpecSpec{Namespace: "default"},
	}
}

// NameLabel is the value Tanka gives the tanka.dev/environment label: the
// first 48 hex characters of the SHA-256 of the fields named by
// spec.tankaEnvLabelFromFields (default .metadata.name and .metadata.namespace)
// joined by ":".
func (s Spec) NameLabel() (string, error) {
	fields := s.Spec.TankaEnvLabelFromFields
	if len(fields) == 0 {
		fields = []string{".metadata.name", ".metadata.namespace"}
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return "", err
	}
	values := make([]string, len(fields))
	for i, f := range fields {
		v, err := lookupString(tree, strings.Split(strings.TrimPrefix(f, "."), "."))
		if err != nil {
			return "", fmt.Errorf("spec.tankaEnvLabelFromFields %q: %w", f, err)
		}
		values[i] = v
	}
	sum := sha256.Sum256([]byte(strings.Join(values, ":")))
	return hex.EncodeToString(sum[:])[:48], nil
}

func lookupString(tree map[string]any, path []string) (string, error) {
	var cur any = tree
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", fmt.Errorf("%q is not an object", p)
		}
		if cur, ok = m[p]; !ok {
			return "", fmt.Errorf("no field %q", p)
		}
	}
	s, ok := cur.(string)
	if !ok {
		return "", fmt.Errorf("value is %T, not a string", cur)
	}
	return s, nil
}

// ErrNoRoot means no tkrc.yaml or jsonnetfile.json was found above a path.
var ErrNoRoot = errors.New("no Tanka project root (tkrc.yaml or jsonnetfile.json) in this directory or above; run `tk init` or `jb init` at the project root")

// Find locates the environment at path (its directory or its main.jsonnet)
// the way Tanka does, and reads spec.json when there is one.
func Find(path string) (*Environment, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("environment %s: %w", path, err)
	}
	start := abs
	if !fi.IsDir() {
		start = filepath.Dir(abs)
	}
	root, err := findRoot(start)
	if err != nil {
		return nil, fmt.Errorf("environment %s: %w", path, err)
	}
	dir, ok := findUp(Entrypoint, start, root)
	if !ok {
		return nil, fmt.Errorf("environment %s: no %s in it or above it up to the project root %s", path, Entrypoint, root)
	}
	env := &Environment{Root: root, Dir: dir}
	return env, env.readSpec()
}

func findRoot(start string) (string, error) {
	if dir, ok := findUp("tkrc.yaml", start, ""); ok {
		return dir, nil
	}
	if dir, ok := findUp("jsonnetfile.json", start, ""); ok {
		return dir, nil
	}
	return "", ErrNoRoot
}

// findUp returns the first directory from start upwards (stopping after stop,
// or at the filesystem root when stop is empty) that holds file.
func findUp(file, start, stop string) (string, bool) {
	for dir := start; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, file)); err == nil {
			return dir, true
		}
		if dir == stop || filepath.Dir(dir) == dir {
			return "", false
		}
	}
}

// readSpec fills Spec from spec.json, or marks the environment inline.
func (e *Environment) readSpec() error {
	name, err := filepath.Rel(e.Root, e.Dir)
	if err != nil {
		return err
	}
	entry, err := filepath.Rel(e.Root, e.EntrypointPath())
	if err != nil {
		return err
	}
	e.Spec = newSpec()
	e.Spec.Metadata.Name = name
	e.Spec.Metadata.Namespace = entry
	data, err := os.ReadFile(filepath.Join(e.Dir, SpecFile))
	if errors.Is(err, os.ErrNotExist) {
		e.Inline = true
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &e.Spec); err != nil {
		return fmt.Errorf("parse %s: %w", filepath.Join(e.Dir, SpecFile), err)
	}
	e.Spec.Metadata.Name = name // Tanka names static environments by their directory
	e.Spec.Metadata.Namespace = entry
	if e.Spec.Spec.APIServer != "" && !strings.Contains(e.Spec.Spec.APIServer, "://") {
		e.Spec.Spec.APIServer = "https://" + e.Spec.Spec.APIServer
	}
	return nil
}
