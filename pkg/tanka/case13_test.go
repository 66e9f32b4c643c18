package tanka

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// case13 is a copy of /work/shared/cases/13-tanka-render-differences: small
// environments on which pkg/tanka and Tanka's `tk` v0.38.0 rendered
// differently. The project root is its jsonnetfile.json, so the static
// environments are named "environments/<dir>", as when tk rendered them.
const case13 = "testdata/cases/13-tanka-render-differences"

func case13Env(name string) string { return filepath.Join(case13, "environments", name) }

// yamlDocs parses a YAML stream as `tk show` prints it.
func yamlDocs(t *testing.T, stream string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, doc := range strings.Split(strings.TrimSpace(stream), "\n---\n") {
		m := map[string]any{}
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// objectDocs converts rendered objects the same way, so that both sides
// compare as plain YAML values.
func objectDocs(t *testing.T, r *Result) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, o := range r.Objects {
		raw, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func assertRendersAsTk(t *testing.T, env string, opts Options, tkShow string) *Result {
	t.Helper()
	r, err := Load(context.Background(), case13Env(env), opts)
	if err != nil {
		t.Fatalf("render %s: %v", env, err)
	}
	if got, want := objectDocs(t, r), yamlDocs(t, tkShow); !reflect.DeepEqual(got, want) {
		gotYAML, _ := yaml.Marshal(got)
		t.Fatalf("render %s differs from tk show v0.38.0:\ngot:\n%s\nwant:\n%s", env, gotYAML, tkShow)
	}
	return r
}

func assertRefusedAsInvalid(t *testing.T, env, path string, reasonHas ...string) {
	t.Helper()
	r, err := Load(context.Background(), case13Env(env), Options{})
	if err == nil {
		t.Fatalf("render %s: got %d objects, want a refusal like tk's", env, len(r.Objects))
	}
	var inv *InvalidObjectError
	if !errors.As(err, &inv) {
		t.Fatalf("render %s: error %v is not an *InvalidObjectError", env, err)
	}
	if inv.Path != path {
		t.Errorf("InvalidObjectError.Path = %q, want %q (%v)", inv.Path, path, err)
	}
	for _, s := range reasonHas {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

// TestCase13TankaRenderDifferences holds the environments of case 13 where
// tk v0.38.0 is right; the expected output is what `tk show` printed.
func TestCase13TankaRenderDifferences(t *testing.T) {
	t.Run("d01", func(t *testing.T) {
		// A null inside an array is not skipped like a null field: tk refuses
		// the array's containing object.
		assertRefusedAsInvalid(t, "d01-null-in-array", ".objs", "null", ".objs[1]", "std.prune")
	})
	t.Run("d02", func(t *testing.T) {
		// A List item must itself be a Kubernetes object.
		assertRefusedAsInvalid(t, "d02-list-item-without-kind", ".list.items[0]", `"apiVersion"`)
	})
	t.Run("d03", func(t *testing.T) {
		// A List inside a List is unwrapped too.
		assertRendersAsTk(t, "d03-nested-list", Options{}, `
apiVersion: v1
kind: ConfigMap
metadata:
  name: inner
  namespace: ns
`)
	})
	t.Run("d07", func(t *testing.T) {
		// The deprecated top-level namespace, server and team fields fill
		// spec.namespace, spec.apiServer and metadata.labels.team; tk then
		// leaves metadata.namespace empty and apiServer without a scheme.
		r := assertRendersAsTk(t, "d07-deprecated-spec-fields", Options{}, `
apiVersion: v1
data:
  env: |-
    {
        "apiVersion": "tanka.dev/v1alpha1",
        "kind": "Environment",
        "metadata": {
            "labels": {
                "team": "t"
            },
            "name": "environments/d07-deprecated-spec-fields"
        },
        "spec": {
            "apiServer": "legacy:6443",
            "expectVersions": {

            },
            "namespace": "legacy-ns",
            "resourceDefaults": {

            }
        }
    }
kind: ConfigMap
metadata:
  name: env
  namespace: legacy-ns
`)
		if got := r.Env.Spec.Spec.Namespace; got != "legacy-ns" {
			t.Errorf("Spec.Spec.Namespace = %q, want legacy-ns", got)
		}
	})
	t.Run("d07b", func(t *testing.T) {
		// A leftover deprecated field changes the default label, because tk
		// hashes name + ":" + an empty metadata.namespace then:
		// sha256("environments/d07b-deprecated-field-changes-label:")[:48].
		r := assertRendersAsTk(t, "d07b-deprecated-field-changes-label", Options{}, `
apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    tanka.dev/environment: 90fa1c9cbfd799b0dbd9bdc688719c13a1829374e93a8194
  name: x
  namespace: ns
`)
		if l, err := r.Env.Spec.NameLabel(); err != nil || l != "90fa1c9cbfd799b0dbd9bdc688719c13a1829374e93a8194" {
			t.Errorf("NameLabel() = %q, %v; want the label tk wrote", l, err)
		}
	})
	t.Run("d08", func(t *testing.T) {
		// An inline environment's apiServer without a scheme gets https://,
		// before the label is computed from it: sha256("https://f:6443")[:48].
		r := assertRendersAsTk(t, "d08-inline-apiserver-without-scheme", Options{}, `
apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    tanka.dev/environment: a8efb84595a040512bb1f68b441974ea08bfb76d86827cfd
  name: x
  namespace: e
`)
		if got := r.Env.Spec.Spec.APIServer; got != "https://f:6443" {
			t.Errorf("Spec.Spec.APIServer = %q, want https://f:6443", got)
		}
	})
	t.Run("d11", func(t *testing.T) {
		// A bool label source is hashed as its text:
		// sha256("environments/d11-label-from-bool-field:true")[:48].
		assertRendersAsTk(t, "d11-label-from-bool-field", Options{}, `
apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    tanka.dev/environment: a115d54e48c3098df12deed55d0060a515fad0b729ab5066
  name: x
  namespace: ns
`)
	})
	t.Run("d14", func(t *testing.T) {
		// Only the environment chosen by name is evaluated: b's missing ext
		// var does not stop a.
		assertRendersAsTk(t, "d14-inline-name-other-env-fails", Options{Name: "a"}, `
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  namespace: a
`)
		// The chosen environment is still evaluated in full: b fails on its
		// own missing ext var, and renders once it is given.
		_, err := Load(context.Background(), case13Env("d14-inline-name-other-env-fails"), Options{Name: "b"})
		var ev *EvalError
		if !errors.As(err, &ev) || !strings.Contains(err.Error(), "b_token") {
			t.Fatalf("--name b without b_token: got %v, want an *EvalError naming b_token", err)
		}
		assertRendersAsTk(t, "d14-inline-name-other-env-fails", Options{Name: "b", ExtStr: map[string]string{"b_token": "s"}}, `
apiVersion: v1
data:
  t: s
kind: ConfigMap
metadata:
  name: b
  namespace: b
`)
	})
}

// TestCase13DeliberateDifferences pins the environments of case 13 where
// pkg/tanka differs from tk v0.38.0 on purpose (see doc.go).
func TestCase13DeliberateDifferences(t *testing.T) {
	load := func(env string) (*Result, error) {
		return Load(context.Background(), case13Env(env), Options{})
	}
	t.Run("d04 duplicates are refused", func(t *testing.T) {
		if _, err := load("d04-duplicate"); err == nil || !strings.Contains(err.Error(), "ConfigMap. ns/same is rendered twice, at .a and at .b") {
			t.Fatalf("got %v, want the duplicate named with both paths", err)
		}
	})
	t.Run("d05a a non-tanka.dev kind Environment in a static environment is an ordinary object", func(t *testing.T) {
		r, err := load("d05a-static-crd-kind-environment")
		if err != nil || len(r.Objects) != 1 || r.Objects[0].GetAPIVersion() != "example.com/v1" {
			t.Fatalf("got %v, %v; want the example.com/v1 Environment", r, err)
		}
	})
	t.Run("d05b a non-tanka.dev kind Environment is not an inline environment", func(t *testing.T) {
		if _, err := load("d05b-inline-non-tanka-apiversion"); err == nil || !strings.Contains(err.Error(), "tanka.dev/Environment") {
			t.Fatalf("got %v, want a refusal naming tanka.dev/Environment", err)
		}
	})
	t.Run("d06 an environment without objects is refused", func(t *testing.T) {
		if _, err := load("d06-empty"); !errors.Is(err, ErrNoObjects) {
			t.Fatalf("got %v, want ErrNoObjects", err)
		}
	})
	t.Run("d10 a label source under a map is looked up by its key", func(t *testing.T) {
		r, err := load("d10-label-from-label-field")
		if err != nil {
			t.Fatal(err)
		}
		// sha256("eu-1")[:48]: .metadata.labels.cluster, whatever the map's order.
		if got := r.Objects[0].GetLabels()[LabelEnvironment]; got != "a8ddeaba6ab6b4b31286462dacb0abc602a22c9cfdd604ff" {
			t.Fatalf("label = %q, want the hash of eu-1", got)
		}
	})
	t.Run("d12 a label source that does not exist is refused", func(t *testing.T) {
		if _, err := load("d12-label-from-missing-field"); err == nil || !strings.Contains(err.Error(), `no field "nosuchfield"`) {
			t.Fatalf("got %v, want a refusal naming nosuchfield", err)
		}
	})
	t.Run("d13 expectVersions is not checked", func(t *testing.T) {
		if r, err := load("d13-expect-versions"); err != nil || len(r.Objects) != 1 {
			t.Fatalf("got %v, %v; want the ConfigMap", r, err)
		}
	})
	t.Run("d16 objects with generateName and a null name are rendered", func(t *testing.T) {
		r, err := load("d16-generatename-null-name")
		if err != nil || len(r.Objects) != 2 || r.Objects[0].GetGenerateName() != "a-" || r.Objects[1].GetGenerateName() != "b-" {
			t.Fatalf("got %v, %v; want Jobs a- and b- in that order", r, err)
		}
	})
}

func TestNameLabelSources(t *testing.T) {
	spec := newSpec()
	spec.Metadata.Name = "environments/x"
	spec.Metadata.Labels["cluster"] = "eu-1"
	spec.Spec.InjectLabels = true
	tests := []struct {
		fields  []string
		hashed  string // what is hashed, "" when an error is expected
		errText string
	}{
		{nil, "environments/x:", ""}, // metadata.namespace unset: ""
		{[]string{".spec.injectLabels", ".spec.apiServer"}, "true:", ""},
		{[]string{".spec.namespace", ".metadata.labels.cluster"}, "default:eu-1", ""},
		{[]string{".metadata.labels.region"}, "", `no key "region" in .metadata.labels`},
		{[]string{".spec.nosuchfield"}, "", `no field "nosuchfield" at .spec`},
		{[]string{".metadata.labels"}, "", "is a map, not text"},
		{[]string{".metadata.name.first"}, "", ".metadata.name is not an object"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.fields, ","), func(t *testing.T) {
			s := spec
			s.Spec.TankaEnvLabelFromFields = tt.fields
			got, err := s.NameLabel()
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("NameLabel() = %q, %v; want an error containing %q", got, err, tt.errText)
				}
				return
			}
			sum := sha256.Sum256([]byte(tt.hashed))
			if want := hex.EncodeToString(sum[:])[:48]; err != nil || got != want {
				t.Fatalf("NameLabel() = %q, %v; want sha256(%q)[:48] = %s", got, err, tt.hashed, want)
			}
		})
	}
}
