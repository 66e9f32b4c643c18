package k8sgen

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	jsonnet "github.com/google/go-jsonnet"
)

// A two-kind excerpt shaped like the Kubernetes OpenAPI document.
const swagger = `{"definitions": {
  "io.k8s.api.apps.v1.Deployment": {"type": "object",
    "x-kubernetes-group-version-kind": [{"group": "apps", "kind": "Deployment", "version": "v1"}],
    "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
      "metadata": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
      "spec": {"$ref": "#/definitions/io.k8s.api.apps.v1.DeploymentSpec"},
      "status": {"type": "object"}}},
  "io.k8s.api.apps.v1.DeploymentSpec": {"type": "object", "properties": {
      "replicas": {"type": "integer"},
      "affinity": {"$ref": "#/definitions/io.k8s.api.core.v1.Affinity"}}},
  "io.k8s.api.core.v1.Affinity": {"type": "object", "properties": {
      "terms": {"type": "array", "items": {"$ref": "#/definitions/io.k8s.api.core.v1.PodAffinityTerm"}}}},
  "io.k8s.api.core.v1.PodAffinityTerm": {"type": "object", "properties": {"topologyKey": {"type": "string"}}},
  "io.k8s.api.core.v1.Service": {"type": "object",
    "x-kubernetes-group-version-kind": [{"group": "", "kind": "Service", "version": "v1"}],
    "properties": {"spec": {"$ref": "#/definitions/io.k8s.api.core.v1.ServiceSpec"}}},
  "io.k8s.api.core.v1.ServiceSpec": {"type": "object", "properties": {"clusterIP": {"type": "string"}}},
  "io.k8s.api.core.v1.HTTPGetAction": {"type": "object", "properties": {"path": {"type": "string"}}},
  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {"type": "object", "properties": {
      "name": {"type": "string"}, "labels": {"type": "object", "additionalProperties": {"type": "string"}}}}
}}`

func TestGenerateBuildsNestedConstructors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "swagger.json")
	if err := os.WriteFile(path, []byte(swagger), 0o644); err != nil {
		t.Fatal(err)
	}
	lib, err := Generate(path, []string{"core", "apps"})
	if err != nil {
		t.Fatal(err)
	}
	vm := jsonnet.MakeVM()
	out, err := vm.EvaluateAnonymousSnippet("test.jsonnet", `local k = `+lib+`;
{
  deployment: k.apps.v1.deployment.new('d')
    + k.apps.v1.deployment.mixin.spec.withReplicas(2)
    + k.apps.v1.deployment.metadata.withLabels({ a: 'b' })
    + k.apps.v1.deployment.metadata.withLabelsMixin({ c: 'd' })
    + k.apps.v1.deployment.spec.affinity.withTerms(k.apps.v1.deployment.spec.affinity.termsType.withTopologyKey('host')),
  service: k.core.v1.service.new('s') + k.core.v1.service.spec.withClusterIp('None'),
  hidden: std.objectFields(k),
  httpGet: k.core.v1.httpGetAction.withPath('/ready'),
}`)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"deployment": map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": "d", "labels": map[string]any{"a": "b", "c": "d"}},
			"spec":     map[string]any{"replicas": 2.0, "affinity": map[string]any{"terms": []any{map[string]any{"topologyKey": "host"}}}},
		},
		"service": map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "s"}, "spec": map[string]any{"clusterIP": "None"}},
		"hidden":  []any{},
		"httpGet": map[string]any{"path": "/ready"},
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("rendered\n%s\nwant\n%s", gotJSON, wantJSON)
	}
}

func TestGenerateRefusesUnknownGroup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "swagger.json")
	if err := os.WriteFile(path, []byte(swagger), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(path, []string{"batch"}); err == nil {
		t.Error("Generate accepted an API group with no definitions")
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{"Deployment": "deployment", "HTTPGetAction": "httpGetAction", "PodIP": "podIP", "CSIDriver": "csiDriver"} {
		if got := LowerFirstWord(in); got != want {
			t.Errorf("LowerFirstWord(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"ClusterIP": "ClusterIp", "APIVersion": "ApiVersion", "Replicas": "Replicas"} {
		if got := legacyName(in); got != want {
			t.Errorf("legacyName(%q) = %q, want %q", in, got, want)
		}
	}
}
