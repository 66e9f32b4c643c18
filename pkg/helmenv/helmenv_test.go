package helmenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
	fakeclientset "k8s.io/client-go/kubernetes/fake"
)

func tiny(values ...string) *Environment {
	var files []string
	for _, v := range values {
		files = append(files, filepath.Join("testdata", v))
	}
	return &Environment{Chart: "testdata/tiny", Release: "mimir", Namespace: "mimir-prod", ValuesFiles: files}
}

func args(t *testing.T, o *unstructured.Unstructured) []string {
	t.Helper()
	cs, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
	if len(cs) != 1 {
		t.Fatalf("%s: %d containers", o.GetName(), len(cs))
	}
	var out []string
	for _, a := range cs[0].(map[string]any)["args"].([]any) {
		out = append(out, a.(string))
	}
	return out
}

func TestValuesFilesMergeInOrderAndTheOverlayLast(t *testing.T) {
	env := tiny("user.yaml", "later.yaml")
	overlay := map[string]any{"ingester": map[string]any{"extraArgs": map[string]any{"ingester.max-global-series-per-user": "600000"}}}
	out, err := env.Render(context.Background(), overlay, Capabilities{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Objects) != 3 {
		t.Fatalf("%d objects, want the 3 zone StatefulSets: %v", len(out.Objects), keys(out.Objects))
	}
	sts := out.Objects[0]
	if sts.GetName() != "mimir-ingester-zone-a" || sts.GetNamespace() != "mimir-prod" {
		t.Errorf("first object %s/%s, want mimir-prod/mimir-ingester-zone-a", sts.GetNamespace(), sts.GetName())
	}
	// later.yaml's replicas beat user.yaml's, which beat the chart's.
	if r, _, _ := unstructured.NestedInt64(sts.Object, "spec", "replicas"); r != 5 {
		t.Errorf("replicas %d, want 5 (later.yaml)", r)
	}
	got := args(t, sts)
	want := []string{"-ingester.max-global-series-per-user=600000", "-memberlist.cluster-label=from-later", "-kube-version=" + DefaultKubeVersion}
	if !slices.Equal(got, want) {
		t.Errorf("args %q, want %q (the overlay's limit, later.yaml's label, the default Kubernetes version)", got, want)
	}
}

func TestANullInTheOverlayRemovesTheChartsDefault(t *testing.T) {
	overlay := map[string]any{"ingester": map[string]any{"extraArgs": map[string]any{"ingester.max-global-series-per-user": nil}}}
	out, err := tiny().Render(context.Background(), overlay, Capabilities{})
	if err != nil {
		t.Fatal(err)
	}
	if got := args(t, out.Objects[0]); slices.ContainsFunc(got, func(a string) bool { return strings.HasPrefix(a, "-ingester.max-global") }) {
		t.Errorf("args %q still hold the default the overlay set to null", got)
	}
}

func TestCapabilitiesReachTheTemplates(t *testing.T) {
	out, err := tiny().Render(context.Background(), nil, Capabilities{KubeVersion: "v1.33.4", APIVersions: []string{"rollout-operator.grafana.com/v1"}})
	if err != nil {
		t.Fatal(err)
	}
	got := args(t, out.Objects[0])
	if !slices.Contains(got, "-kube-version=v1.33.4") || !slices.Contains(got, "-zpdb=true") {
		t.Errorf("args %q, want the given Kubernetes version and the API the cluster serves", got)
	}
	if _, err := tiny().Render(context.Background(), nil, Capabilities{KubeVersion: "one point thirty"}); err == nil || !strings.Contains(err.Error(), `"one point thirty"`) {
		t.Errorf("a bad Kubernetes version: err %v, want one naming it", err)
	}
}

func TestHooksAreKeptApartFromTheReleasesObjects(t *testing.T) {
	out, err := tiny().Render(context.Background(), nil, Capabilities{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(out.Objects, func(o *unstructured.Unstructured) bool { return o.GetKind() == "Job" }) {
		t.Errorf("the test hook is among the release's objects: %v", keys(out.Objects))
	}
	if len(out.Hooks) != 1 || out.Hooks[0].Object.GetName() != "mimir-smoke-test" || !slices.Equal(out.Hooks[0].Events, []string{"test"}) || out.Hooks[0].Path != "tiny/templates/smoke-test.yaml" {
		t.Errorf("hooks %+v, want the smoke test, on test", out.Hooks)
	}
}

func TestRenderErrorsNameWhatIsWrong(t *testing.T) {
	ctx := context.Background()
	broken := map[string]any{"breakMe": map[string]any{"other": 1}}
	if _, err := tiny().Render(ctx, broken, Capabilities{}); err == nil || !strings.Contains(err.Error(), "tiny/templates/broken.yaml") || !strings.Contains(err.Error(), "breakMe needs a reason") {
		t.Errorf("failing template: err %v, want one naming the template and its message", err)
	}
	missing := tiny("absent.yaml")
	if _, err := missing.Render(ctx, nil, Capabilities{}); err == nil || !strings.Contains(err.Error(), "absent.yaml") {
		t.Errorf("missing values file: err %v, want one naming it", err)
	}
	noChart := Environment{Chart: "testdata/nothing-here", Release: "mimir"}
	if _, err := noChart.Render(ctx, nil, Capabilities{}); err == nil || !strings.Contains(err.Error(), "testdata/nothing-here") {
		t.Errorf("missing chart: err %v, want one naming it", err)
	}
	noRelease := Environment{Chart: "testdata/tiny"}
	if _, err := noRelease.Render(ctx, nil, Capabilities{}); err == nil || !strings.Contains(err.Error(), "release name") {
		t.Errorf("no release: err %v, want one asking for it", err)
	}
}

// TestDefaultKubeVersionFollowsClientGo keeps DefaultKubeVersion equal to
// the Kubernetes version of the k8s.io/client-go module in go.mod.
func TestDefaultKubeVersionFollowsClientGo(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*k8s\.io/client-go v0\.(\d+\.\d+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod requires no k8s.io/client-go")
	}
	if want := "v1." + strings.Split(string(m[1]), ".")[0] + ".0"; DefaultKubeVersion != want {
		t.Errorf("DefaultKubeVersion %s, want %s (go.mod's k8s.io/client-go)", DefaultKubeVersion, want)
	}
}

func TestDiscoverReadsTheServersVersionAndAPIs(t *testing.T) {
	cs := fakeclientset.NewClientset()
	dc := cs.Discovery().(*fakediscovery.FakeDiscovery)
	dc.FakedServerVersion = &version.Info{GitVersion: "v1.33.4"}
	dc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{{Name: "statefulsets", Kind: "StatefulSet"}}},
		{GroupVersion: "rollout-operator.grafana.com/v1", APIResources: []metav1.APIResource{{Name: "zoneawarepoddisruptionbudgets", Kind: "ZoneAwarePodDisruptionBudget"}}},
	}
	caps, err := Discover(dc)
	if err != nil {
		t.Fatal(err)
	}
	if caps.KubeVersion != "v1.33.4" {
		t.Errorf("KubeVersion %q, want the server's v1.33.4", caps.KubeVersion)
	}
	for _, want := range []string{"apps/v1", "apps/v1/StatefulSet", "rollout-operator.grafana.com/v1", "rollout-operator.grafana.com/v1/ZoneAwarePodDisruptionBudget"} {
		if !slices.Contains(caps.APIVersions, want) {
			t.Errorf("APIVersions %v lack %s", caps.APIVersions, want)
		}
	}
	out, err := tiny().Render(context.Background(), nil, caps)
	if err != nil {
		t.Fatal(err)
	}
	if got := args(t, out.Objects[0]); !slices.Contains(got, "-zpdb=true") || !slices.Contains(got, "-kube-version=v1.33.4") {
		t.Errorf("args %q, want the discovered version and API", got)
	}
}

// keys names objs as "Kind/namespace/name", for messages.
func keys(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName())
	}
	return out
}

// A dependency the values enable but the chart's charts/ directory lacks
// is named with the value that turns it off, before any template runs
// (Helm would fail in the first template that includes one of its named
// templates); disabled ones may be absent, as in the tests' copies of
// Grafana's chart.
func TestMissingEnabledDependenciesAreNamed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "parent")
	files := map[string]string{
		"Chart.yaml": `apiVersion: v2
name: parent
version: 0.1.0
dependencies:
  - {name: store, version: 1.0.0, repository: https://charts.example.com, condition: store.enabled}
  - {name: rollout-operator, alias: rollout_operator, version: 1.0.0, repository: https://charts.example.com, condition: rollout_operator.enabled}
  - {name: agent, version: 1.0.0, repository: https://charts.example.com, condition: "metaMonitoring.agent.enabled,agent.enabled"}
  - {name: tagged, version: 1.0.0, repository: https://charts.example.com, tags: [extras]}
  - {name: present, version: 1.0.0, repository: https://charts.example.com}
`,
		"values.yaml":                     "store: {enabled: true}\nrollout_operator: {enabled: false}\nagent: {enabled: true}\ntags: {extras: false}\n",
		"templates/cm.yaml":               "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
		"charts/present/Chart.yaml":       "apiVersion: v2\nname: present\nversion: 1.0.0\n",
		"charts/present/templates/x.yaml": "",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := Environment{Chart: dir, Release: "mimir", Namespace: "mimir"}
	_, err := env.Render(context.Background(), nil, Capabilities{})
	var missing *MissingDependencyError
	if !errors.As(err, &missing) {
		t.Fatalf("Render() = %v, want a *MissingDependencyError", err)
	}
	if want := []string{"store (condition: store.enabled)", "agent (condition: agent.enabled)"}; !slices.Equal(missing.Dependencies, want) {
		t.Errorf("missing %q, want %q", missing.Dependencies, want)
	}
	if !strings.Contains(err.Error(), "store.enabled: false, agent.enabled: false") {
		t.Errorf("error %q does not say how to disable them", err)
	}
	off := map[string]any{"store": map[string]any{"enabled": false}, "metaMonitoring": map[string]any{"agent": map[string]any{"enabled": false}}, "tags": map[string]any{"extras": true}}
	if _, err := env.Render(context.Background(), off, Capabilities{}); !errors.As(err, &missing) || !slices.Equal(missing.Dependencies, []string{"tagged (tags: extras)"}) {
		t.Errorf("with store and agent off, tag extras on: %v, want only tagged", err)
	}
	off["tags"] = map[string]any{"extras": false}
	if _, err := env.Render(context.Background(), off, Capabilities{}); err != nil {
		t.Errorf("every absent dependency disabled: %v", err)
	}
}

// A chart reference as helm takes it (repo/chart, oci://) is no chart on
// disk: the error says how to fetch it.
func TestLoadChartOfAReferenceSaysHowToFetchIt(t *testing.T) {
	for _, ref := range []string{"grafana/mimir-distributed", "oci://registry.example/charts/mimir-distributed"} {
		_, err := LoadChart(ref)
		if err == nil || !strings.Contains(err.Error(), "helm pull REF --version VERSION --untar") {
			t.Errorf("%s: %v", ref, err)
		}
	}
}
