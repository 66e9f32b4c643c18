package tanka

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/internal/golden"
)

const project = "testdata/project"

func envDir(name string) string { return filepath.Join(project, "environments", name) }

// manifests renders objects as a YAML stream, the way `tk show` prints them.
func manifests(t *testing.T, r *Result) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, o := range r.Objects {
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.Bytes()
}

func TestRenderMatchesGoldenFiles(t *testing.T) {
	tests := []struct {
		behaviour string
		env       string
		opts      Options
		golden    string
	}{
		{"a static environment renders the library's objects with namespace, injected label and resource defaults",
			"default", Options{}, "render/default.yaml"},
		{"imports are searched in the env dir, then lib, then the env's vendor, then the root vendor",
			"precedence", Options{}, "render/precedence.yaml"},
		{"native functions and tk.env behave as in Tanka; cluster-wide kinds and explicit namespaces are kept",
			"natives", Options{}, "render/natives.yaml"},
		{"an inline environment chosen by name yields the objects of its data, nested, in arrays and in Lists",
			"inline", Options{Name: "mimir-b"}, "render/inline.yaml"},
		{"top-level arguments reach a main.jsonnet that is a function",
			"tla", Options{TLACode: map[string]string{"replicas": "3"}, TLAStr: map[string]string{"image": "mimir:2.9"}}, "render/tla.yaml"},
		{"helmTemplate renders a chart in-process as helm template does (CRDs, hooks, values, namespace, capabilities), keyed as Tanka keys it",
			"helm", Options{}, "render/helm.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			r, err := Load(context.Background(), envDir(tt.env), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, tt.golden, manifests(t, r))
		})
	}
}

func TestRenderIsStable(t *testing.T) {
	first, err := Load(context.Background(), envDir("default"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := Load(context.Background(), envDir("default"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(manifests(t, first), manifests(t, again)) {
			t.Fatal("two renders of the same environment differ")
		}
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		behaviour string
		env       string
		opts      Options
		check     func(t *testing.T, err error)
	}{
		{"a jsonnet failure carries go-jsonnet's file:line", "broken", Options{}, func(t *testing.T, err error) {
			var e *EvalError
			if !errors.As(err, &e) || !strings.Contains(err.Error(), "main.jsonnet:8") || !strings.Contains(err.Error(), "replicas must be set") {
				t.Fatalf("want *EvalError naming main.jsonnet:8, got %T: %v", err, err)
			}
		}},
		{"a missing vendored library suggests jb install", "missing-vendor", Options{}, func(t *testing.T, err error) {
			var e *MissingImportError
			if !errors.As(err, &e) || e.Import != "ksonnet-util/kausal.libsonnet" || !strings.Contains(err.Error(), "`jb install`") {
				t.Fatalf("want *MissingImportError suggesting jb install, got %T: %v", err, err)
			}
		}},
		{"an environment without objects is refused", "empty", Options{}, func(t *testing.T, err error) {
			if !errors.Is(err, ErrNoObjects) {
				t.Fatalf("want ErrNoObjects, got %v", err)
			}
		}},
		{"a value that is not a Kubernetes object names its path", "invalid", Options{}, func(t *testing.T, err error) {
			var e *InvalidObjectError
			if !errors.As(err, &e) || e.Path != ".querier_deployment.spec" || !strings.Contains(e.Reason, `missing attribute "apiVersion"`) {
				t.Fatalf("want *InvalidObjectError at .querier_deployment.spec, got %T: %v", err, err)
			}
		}},
		{"helmTemplate without calledFrom says what to pass", "helm-without-calledfrom", Options{}, func(t *testing.T, err error) {
			if !strings.Contains(err.Error(), "opts.calledFrom is unset: pass std.thisFile") {
				t.Fatalf("want the calledFrom refusal, got %v", err)
			}
		}},
		{"helmTemplate of a chart that is not there names the path it looked at", "helm-missing-chart", Options{}, func(t *testing.T, err error) {
			if !strings.Contains(err.Error(), "helmTemplate: no chart at") || !strings.Contains(err.Error(), filepath.Join("helm-missing-chart", "charts", "absent")) {
				t.Fatalf("want the missing chart named, got %v", err)
			}
		}},
		{"helmTemplate with a nameFormat that gives two objects one key is refused", "helm-duplicate-keys", Options{}, func(t *testing.T, err error) {
			if !strings.Contains(err.Error(), `two objects get the key "same"`) {
				t.Fatalf("want the duplicate key refusal, got %v", err)
			}
		}},
		{"several inline environments need a name", "inline", Options{}, func(t *testing.T, err error) {
			var e *MultipleEnvironmentsError
			if !errors.As(err, &e) || strings.Join(e.Names, ",") != "mimir-a,mimir-b" {
				t.Fatalf("want *MultipleEnvironmentsError listing both, got %T: %v", err, err)
			}
		}},
		{"an inline environment name that matches none is refused", "inline", Options{Name: "loki"}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), `matching "loki"`) {
				t.Fatalf("want a no-match error, got %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			_, err := Load(context.Background(), envDir(tt.env), tt.opts)
			if err == nil {
				t.Fatal("render succeeded")
			}
			tt.check(t, err)
		})
	}
}

func TestRenderStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, envDir("default"), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

func TestFind(t *testing.T) {
	tmp := t.TempDir()
	mustWrite(t, filepath.Join(tmp, "jsonnetfile.json"), "{}")
	mustWrite(t, filepath.Join(tmp, "sub", "tkrc.yaml"), "")
	mustWrite(t, filepath.Join(tmp, "sub", "environments", "a", "main.jsonnet"), "{}")
	mustWrite(t, filepath.Join(tmp, "sub", "environments", "a", "spec.json"), `{"spec":{"namespace":"x"}}`)
	mustWrite(t, filepath.Join(tmp, "sub", "environments", "b", "main.jsonnet"), "{}")
	mustWrite(t, filepath.Join(tmp, "sub", "environments", "c", "deeper", "file.jsonnet"), "{}")

	t.Run("tkrc.yaml marks the root before jsonnetfile.json; spec.json makes a static environment", func(t *testing.T) {
		env, err := Find(filepath.Join(tmp, "sub", "environments", "a", "main.jsonnet"))
		if err != nil {
			t.Fatal(err)
		}
		if env.Root != filepath.Join(tmp, "sub") || env.Inline || env.Spec.Spec.Namespace != "x" ||
			env.Spec.Metadata.Name != "environments/a" || env.Spec.Metadata.Namespace != "environments/a/main.jsonnet" {
			t.Fatalf("unexpected environment %+v", env)
		}
	})
	t.Run("an environment without spec.json is inline", func(t *testing.T) {
		env, err := Find(filepath.Join(tmp, "sub", "environments", "b"))
		if err != nil || !env.Inline {
			t.Fatalf("want an inline environment, got %+v, %v", env, err)
		}
	})
	t.Run("a directory without main.jsonnet up to the root is not an environment", func(t *testing.T) {
		if _, err := Find(filepath.Join(tmp, "sub", "environments", "c", "deeper")); err == nil || !strings.Contains(err.Error(), "no main.jsonnet") {
			t.Fatalf("want a no main.jsonnet error, got %v", err)
		}
	})
	t.Run("a directory outside any project has no root", func(t *testing.T) {
		if _, err := Find(t.TempDir()); !errors.Is(err, ErrNoRoot) {
			t.Fatalf("want ErrNoRoot, got %v", err)
		}
	})
}

func TestNameLabelMatchesTanka(t *testing.T) {
	env, err := Find(envDir("default"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := env.Spec.NameLabel()
	if err != nil {
		t.Fatal(err)
	}
	// sha256sum of "environments/default:environments/default/main.jsonnet", first 48 characters
	if want := "ef8004c80176691d8a0f3688c077aa401e0b6083174fa72e"; got != want {
		t.Fatalf("label %q, want %q", got, want)
	}
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
