package plans_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	jsonnet "github.com/google/go-jsonnet"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// autoscaledLibrary renders like Grafana's Mimir jsonnet with
// autoscaling_querier_enabled on and the ruler's autoscaling off: the querier
// Deployment without replicas next to its KEDA ScaledObject, the ruler's
// ScaledObject field null.
const autoscaledLibrary = `{
  deployment(name, replicas=null):: {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: name, namespace: 'mimir' },
    spec: (if replicas == null then {} else { replicas: replicas }) + { selector: { matchLabels: { name: name } } },
  },
  querier_deployment: $.deployment('querier'),
  querier_scaled_object: {
    apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'querier', namespace: 'mimir' },
    spec: { minReplicaCount: 2, maxReplicaCount: 20, scaleTargetRef: { name: 'querier' } },
  },
  ruler_deployment: $.deployment('ruler', 2),
  ruler_scaled_object: null,
  query_scheduler_deployment: $.deployment('query-scheduler', 2),
}`

// libObjects evaluates a snippet that uses the plans' helpers.
func libObjects(t *testing.T, snippet string) map[string]any {
	t.Helper()
	vm := jsonnet.MakeVM()
	vm.Importer(&jsonnet.FileImporter{JPaths: []string{"lib"}})
	out, err := vm.EvaluateAnonymousSnippet("test.jsonnet", "local m = import 'mimirctl.libsonnet';\n"+snippet)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestReplicasPausesTheComponentsScaledObjectWhenTheLibraryRendersOne(t *testing.T) {
	env := filepath.Join(t.TempDir(), "environments", "mimir")
	if err := os.MkdirAll(env, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"main.jsonnet":           "(" + autoscaledLibrary + ") + (import 'mimirctl.libsonnet')",
		"spec.json":              `{"apiVersion": "tanka.dev/v1alpha1", "kind": "Environment", "metadata": {"name": "environments/mimir"}, "spec": {"namespace": "mimir"}}`,
		"../../jsonnetfile.json": `{"version": 1, "dependencies": []}`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(env, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	objects := libObjects(t, "m.replicas('querier_deployment', 0) + m.replicas('ruler_deployment', 0) + m.replicas('query_scheduler_deployment', 0)")
	o := &tanka.Overlay{}
	o.Merge(tanka.Overlay{Objects: objects})
	if err := tanka.WriteOverlay(env, o); err != nil {
		t.Fatal(err)
	}
	res, err := tanka.Load(context.Background(), env, tanka.Options{})
	if err != nil {
		t.Fatalf("the replicas overrides do not render on a library with autoscaling: %v", err)
	}
	got := map[string]*unstructured.Unstructured{}
	for _, obj := range res.Objects {
		got[obj.GetKind()+"/"+obj.GetName()] = obj
	}
	if len(got) != 4 {
		t.Fatalf("want the 3 Deployments and the querier's ScaledObject (the ruler's stays null), got %v", keys(got))
	}
	so := got["ScaledObject/querier"]
	if so == nil || so.GetAnnotations()["autoscaling.keda.sh/paused-replicas"] != "0" {
		t.Fatalf("the querier's ScaledObject is not paused at 0: %v", so)
	}
	for _, name := range []string{"Deployment/querier", "Deployment/ruler", "Deployment/query-scheduler"} {
		if r, _, _ := unstructured.NestedInt64(got[name].Object, "spec", "replicas"); r != 0 {
			t.Fatalf("%s replicas %d, want 0", name, r)
		}
	}

	// Removing the overrides gives the replicas back to the library and the
	// querier back to its autoscaler.
	fields := libObjects(t, "{ fields: m.replicasFields(['querier_deployment', 'ruler_deployment', 'query_scheduler_deployment']) }")["fields"].([]any)
	for _, f := range fields {
		o.RemoveObject(f.(string))
	}
	if !o.IsEmpty() {
		t.Fatalf("replicasFields left overrides behind: %+v", o.Objects)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
