package tanka

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
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
	// Deprecated lists the deprecated top-level spec.json fields that Spec
	// was read from, e.g. "namespace (now spec.namespace)"; Tanka warns
	// about them.
	Deprecated []string
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
// the environment directory relative to the root; Namespace is the
// entrypoint relative to the root (Tanka's "legacy" naming), except that it
// is left as spec.json has it (usually empty) when deprecated top-level
// fields were used, as Tanka does (see parseSpec).
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
// joined by ":". Fields are addressed by their JSON names, as in Tanka's
// v1alpha1.Environment.NameLabel; a field of the spec that is unset counts as
// its zero value ("" or false), a bool or number is hashed as its text
// ("true", "3").
//
// Unlike Tanka v0.38.0, a key under a map (e.g. .metadata.labels.cluster) is
// looked up by its name (Tanka takes an arbitrary key of the map, so its label
// changes from run to run), and a field that does not exist is an error (Tanka
// panics). Lists and objects cannot be label sources (Tanka refuses them too).
func (s Spec) NameLabel() (string, error) {
	fields := s.Spec.TankaEnvLabelFromFields
	if len(fields) == 0 {
		fields = []string{".metadata.name", ".metadata.namespace"}
	}
	values := make([]string, len(fields))
	for i, f := range fields {
		v, err := fieldText(reflect.ValueOf(s), strings.Split(strings.TrimPrefix(f, "."), "."))
		if err != nil {
			return "", fmt.Errorf("spec.tankaEnvLabelFromFields %q: %w; name a text, bool or number field of the environment such as .metadata.name", f, err)
		}
		values[i] = v
	}
	sum := sha256.Sum256([]byte(strings.Join(values, ":")))
	return hex.EncodeToString(sum[:])[:48], nil
}

// fieldText follows path (JSON field names, map keys) from v and returns the
// value it reaches as text.
func fieldText(v reflect.Value, path []string) (string, error) {
	for i, key := range path {
		switch v.Kind() {
		case reflect.Struct:
			next, ok := jsonField(v, key)
			if !ok {
				return "", fmt.Errorf("no field %q at .%s", key, strings.Join(path[:i], "."))
			}
			v = next
		case reflect.Map:
			next := v.MapIndex(reflect.ValueOf(key))
			if !next.IsValid() {
				return "", fmt.Errorf("no key %q in .%s", key, strings.Join(path[:i], "."))
			}
			v = next
		default:
			return "", fmt.Errorf(".%s is not an object", strings.Join(path[:i], "."))
		}
	}
	switch v.Kind() {
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), nil
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, v.Type().Bits()), nil
	default:
		return "", fmt.Errorf("the value is a %s, not text, a bool or a number", v.Kind())
	}
}

// jsonField is the field of struct v whose JSON name is name.
func jsonField(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// deprecatedFields are the top-level spec.json fields of Tanka's first
// format, each with the field that replaced it; Tanka still reads them when
// the replacement is unset.
var deprecatedFields = []struct{ old, replacement string }{
	{"namespace", "spec.namespace"},
	{"server", "spec.apiServer"},
	{"team", "metadata.labels.team"},
}

// parseSpec reads an environment spec (spec.json, or an inline environment
// object as JSON) the way Tanka v0.38.0's spec.Parse does: over the defaults
// of newSpec, with the deprecated top-level fields copied to their
// replacements when those are unset. It returns the deprecated fields it
// used. When it used none, metadata.namespace is set to entry (the
// entrypoint relative to the project root) and an apiServer without a scheme
// gets https://; when it used some, Tanka skips both, and so does parseSpec:
// that keeps the tanka.dev/environment label equal to the one `tk apply`
// wrote. A deprecated field that is used but is not a string is an error.
func parseSpec(data []byte, entry string) (Spec, []string, error) {
	spec := newSpec()
	if err := json.Unmarshal(data, &spec); err != nil {
		return Spec{}, nil, err
	}
	if spec.Metadata.Labels == nil {
		spec.Metadata.Labels = map[string]string{}
	}
	var top map[string]any
	if err := json.Unmarshal(data, &top); err != nil {
		return Spec{}, nil, err
	}
	var used []string
	for _, d := range deprecatedFields {
		raw, present := top[d.old]
		_, hasTeam := spec.Metadata.Labels["team"]
		unset := map[string]bool{
			"namespace": spec.Spec.Namespace == "",
			"server":    spec.Spec.APIServer == "",
			"team":      !hasTeam,
		}[d.old]
		if !present || !unset {
			continue
		}
		v, ok := raw.(string)
		if !ok {
			return Spec{}, nil, fmt.Errorf("the deprecated top-level field %q is %s, not a string; move its value to %s", d.old, jsonType(raw), d.replacement)
		}
		switch d.old {
		case "namespace":
			spec.Spec.Namespace = v
		case "server":
			spec.Spec.APIServer = v
		case "team":
			spec.Metadata.Labels["team"] = v
		}
		used = append(used, fmt.Sprintf("%s (now %s)", d.old, d.replacement))
	}
	if len(used) > 0 {
		return spec, used, nil
	}
	spec.Metadata.Namespace = entry
	if spec.Spec.APIServer != "" && strings.Index(spec.Spec.APIServer, "://") < 1 {
		spec.Spec.APIServer = "https://" + spec.Spec.APIServer
	}
	return spec, nil, nil
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

// readSpec fills Spec from spec.json (see parseSpec), or marks the
// environment inline.
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
	spec, deprecated, err := parseSpec(data, entry)
	if err != nil {
		return fmt.Errorf("parse %s: %w", filepath.Join(e.Dir, SpecFile), err)
	}
	e.Spec = spec
	e.Spec.Metadata.Name = name // Tanka names static environments by their directory
	e.Deprecated = deprecated
	return nil
}
