package diff

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/mimirctl/mimirctl/pkg/internal/golden"
)

func load(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	obj := map[string]any{}
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: obj}
}

// edit returns a copy of obj changed by f.
func edit(obj *unstructured.Unstructured, f func(o *unstructured.Unstructured)) *unstructured.Unstructured {
	c := obj.DeepCopy()
	f(c)
	return c
}

func TestCompareReportsWhatAnApplyWouldChange(t *testing.T) {
	rendered, live := load(t, "rendered/querier.yaml"), load(t, "live/querier.yaml")
	r, err := Compare([]Pair{
		{Desired: rendered, Live: live},
		{Desired: edit(rendered, func(o *unstructured.Unstructured) { o.SetName("mimir-read") }), Live: nil},
		{Desired: nil, Live: edit(live, func(o *unstructured.Unstructured) { o.SetName("query-frontend") })},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var human bytes.Buffer
	if err := r.WriteHuman(&human, ColorNever); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "compare/querier.txt", human.Bytes())
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "compare/querier.json", append(js, '\n'))
	if strings.Contains(human.String(), "\x1b[") {
		t.Fatal("ColorNever output holds escape sequences")
	}
}

func TestCompareChanges(t *testing.T) {
	rendered, live := load(t, "rendered/querier.yaml"), load(t, "live/querier.yaml")
	inSync := edit(rendered, func(o *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(o.Object, int64(2), "spec", "replicas")
		_ = unstructured.SetNestedField(o.Object, map[string]any{"mimirctl.dev/old": "was applied by mimirctl, no longer rendered"}, "metadata", "annotations")
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		containers[0].(map[string]any)["image"] = "grafana/mimir:2.8.0"
		_ = unstructured.SetNestedSlice(o.Object, containers, "spec", "template", "spec", "containers")
	})
	tests := []struct {
		behaviour string
		desired   *unstructured.Unstructured
		live      *unstructured.Unstructured
		opts      Options
		want      []string // "kind path"
	}{
		{"defaults, status, server metadata, equal quantities and nulls are not changes", inSync, live, Options{}, nil},
		{"a changed field is one modification", edit(inSync, func(o *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(o.Object, int64(0), "spec", "replicas")
		}), live, Options{}, []string{"modified /spec/replicas"}},
		{"a field mimirctl applied and no longer renders is a removal", edit(inSync, func(o *unstructured.Unstructured) {
			o.SetAnnotations(nil)
		}), live, Options{}, []string{"removed /metadata"}},
		{"fields applied by another manager are not removals", edit(inSync, func(o *unstructured.Unstructured) {
			o.SetAnnotations(nil)
		}), live, Options{FieldManager: "tanka"}, nil},
		{"a new container port is an addition in the named list", edit(inSync, func(o *unstructured.Unstructured) {
			containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
			c := containers[0].(map[string]any)
			c["ports"] = append(c["ports"].([]any), map[string]any{"name": "grpc", "containerPort": int64(9095)})
			_ = unstructured.SetNestedSlice(o.Object, containers, "spec", "template", "spec", "containers")
		}), live, Options{}, []string{"added /spec/template/spec/containers/name=querier/ports"}},
		{"a different quantity is a modification", edit(inSync, func(o *unstructured.Unstructured) {
			containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
			containers[0].(map[string]any)["resources"] = map[string]any{"requests": map[string]any{"cpu": "1", "memory": "1Gi"}}
			_ = unstructured.SetNestedSlice(o.Object, containers, "spec", "template", "spec", "containers")
		}), live, Options{}, []string{"modified /spec/template/spec/containers/name=querier/resources/requests/cpu"}},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			d, err := CompareObject(tt.desired, tt.live, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if d != nil {
				for _, c := range d.Changes {
					got = append(got, string(c.Kind)+" "+c.Path)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestStripServerFieldsKeepsWhatUsersSet(t *testing.T) {
	s := StripServerFields(load(t, "live/querier.yaml"))
	if _, has := s.Object["status"]; has {
		t.Fatal("status kept")
	}
	if s.GetResourceVersion() != "" || s.GetUID() != "" || len(s.GetManagedFields()) != 0 || s.GetGeneration() != 0 {
		t.Fatalf("server metadata kept: %v", s.Object["metadata"])
	}
	ann := s.GetAnnotations()
	if _, has := ann["deployment.kubernetes.io/revision"]; has || ann["someone.else/note"] == "" {
		t.Fatalf("annotations %v", ann)
	}
}

func TestColorOnlyWhenAsked(t *testing.T) {
	rendered, live := load(t, "rendered/querier.yaml"), load(t, "live/querier.yaml")
	r, err := Compare([]Pair{{Desired: rendered, Live: live}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var colored, auto bytes.Buffer
	if err := r.WriteHuman(&colored, ColorAlways); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteHuman(&auto, ColorAuto); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colored.String(), "\x1b[") {
		t.Fatal("ColorAlways output has no colour")
	}
	if strings.Contains(auto.String(), "\x1b[") {
		t.Fatal("ColorAuto coloured a writer that is not a terminal")
	}
}
