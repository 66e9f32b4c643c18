package envchange

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/mimirctl/mimirctl/pkg/internal/kubefake"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// zonesJsonnet renders a distributor Deployment and one ingester
// StatefulSet per zone of _config.zones, in the rollout group ingester and
// rolled by Kubernetes (RollingUpdate); _config.ingester_flag is an
// ingester argument.
const zonesJsonnet = `{
  _config+:: { zones: ['a', 'b'], ingester_flag: 'old' },
  local sts(zone) = {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name: 'ingester-zone-' + zone, namespace: 'mimir', labels: { 'rollout-group': 'ingester' } },
    spec: {
      replicas: 0,
      serviceName: 'ingester',
      updateStrategy: { type: 'RollingUpdate' },
      selector: { matchLabels: { name: 'ingester-zone-' + zone } },
      template: {
        metadata: { labels: { name: 'ingester-zone-' + zone } },
        spec: { containers: [{ name: 'ingester', image: 'grafana/mimir:2.9.0', args: ['-flag=' + $._config.ingester_flag] }] },
      },
    },
  },
  ingester_statefulsets: { [z]: sts(z) for z in $._config.zones },
}
`

// zonesEnv writes a Tanka environment rendering zonesJsonnet, with an
// empty overlay file, and returns its directory.
func zonesEnv(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	env := filepath.Join(root, "environments", "zones")
	files := map[string]string{
		filepath.Join(root, "jsonnetfile.json"): `{"version": 1, "dependencies": [], "legacyImports": true}`,
		filepath.Join(env, "spec.json"): `{"apiVersion": "tanka.dev/v1alpha1", "kind": "Environment", "metadata": {"name": "environments/zones"},` +
			` "spec": {"namespace": "mimir", "injectLabels": true}}`,
		filepath.Join(env, "zones.libsonnet"): zonesJsonnet,
		filepath.Join(env, "main.jsonnet"):    "(import 'zones.libsonnet') + (import 'mimirctl.libsonnet')\n",
	}
	for path, content := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := tanka.WriteOverlay(env, &tanka.Overlay{}); err != nil {
		t.Fatal(err)
	}
	return env
}

// zonesAction binds the jsonnet action of step (one step, one action)
// against env and the clusters given.
func zonesAction(t *testing.T, env, step string, d Deps) plan.Action {
	t.Helper()
	p, err := plan.Load(fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(step)}}, "p", plan.LoadOptions{Registry: testRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := newTestBinder(d, env).BindAction(context.Background(), p, p.Steps[0], p.Steps[0].Actions[0])
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// applyAsMimirctl applies the environment as rendered with its overlay
// file now, labelled, as an earlier mimirctl step would have.
func applyAsMimirctl(t *testing.T, env string, srv *kubefake.Server) {
	t.Helper()
	applyRendered(t, env, srv, false)
}

var stsKind = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}

// A change to every zone of a rollout group is applied one zone at a time:
// zone b is changed only after zone a's rollout was checked done.
func TestAJsonnetChangeRollsOneZoneAtATime(t *testing.T) {
	env := zonesEnv(t)
	srv, err := kubefake.New()
	if err != nil {
		t.Fatal(err)
	}
	applyAsMimirctl(t, env, srv)
	typed := fake.NewClientset(testkit.StatefulSet("ingester-zone-a", testkit.Replicas(0)), testkit.StatefulSet("ingester-zone-b", testkit.Replicas(0)))
	var (
		mu     sync.Mutex
		checks []string
	)
	typed.PrependReactor("get", "statefulsets", func(action clienttesting.Action) (bool, runtime.Object, error) {
		name := action.(clienttesting.GetAction).GetName()
		live, err := srv.Get(stsKind, "mimir", "ingester-zone-b")
		if err != nil {
			t.Error(err)
		}
		args := ""
		if live != nil {
			args = strings.Join(containerArgs(live.Object), " ")
		}
		mu.Lock()
		checks = append(checks, name+" (zone b: "+args+")")
		mu.Unlock()
		return false, nil, nil
	})
	step := "- id: a\n  title: A\n  actions:\n    - jsonnet: {config: {ingester_flag: new}}\n"
	a := zonesAction(t, env, step, Deps{Kube: typed, Dynamic: srv.Dynamic(), Mapper: srv.Mapper(), Namespace: "mimir"})
	p := &testkit.Progress{}
	if err := a.Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	reports := strings.Join(p.Reports, "\n")
	if !strings.Contains(reports, "applying 2 objects") || !strings.Contains(reports, "next zone: StatefulSet/ingester-zone-b") {
		t.Errorf("reports:\n%s", reports)
	}
	want := []string{"ingester-zone-a (zone b: -flag=old)", "ingester-zone-b (zone b: -flag=new)"}
	if strings.Join(checks, "; ") != strings.Join(want, "; ") {
		t.Errorf("rollout checks = %q, want %q: zone b changes only once zone a is rolled out", checks, want)
	}
}

// containerArgs are the args of the first container of a workload.
func containerArgs(obj map[string]any) []string {
	spec, _ := obj["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	pod, _ := tmpl["spec"].(map[string]any)
	cs, _ := pod["containers"].([]any)
	if len(cs) == 0 {
		return nil
	}
	c, _ := cs[0].(map[string]any)
	raw, _ := c["args"].([]any)
	out := make([]string, 0, len(raw))
	for _, a := range raw {
		s, _ := a.(string)
		out = append(out, s)
	}
	return out
}

// A change that stops rendering a zone whose StatefulSet still runs pods
// is refused before anything is deleted: a stateful component is shut down
// by its own procedure, never by a prune.
func TestAPruneOfAStatefulSetWithPodsIsRefused(t *testing.T) {
	env := zonesEnv(t)
	srv, err := kubefake.New()
	if err != nil {
		t.Fatal(err)
	}
	applyAsMimirctl(t, env, srv)
	typed := fake.NewClientset(testkit.StatefulSet("ingester-zone-a", testkit.Replicas(0)), testkit.StatefulSet("ingester-zone-b", testkit.Replicas(3)))
	step := "- id: a\n  title: A\n  actions:\n    - jsonnet: {config: {zones: [a]}, noRollout: true}\n"
	a := zonesAction(t, env, step, Deps{Kube: typed, Dynamic: srv.Dynamic(), Mapper: srv.Mapper(), Namespace: "mimir"})
	err = a.Apply(context.Background(), &testkit.Progress{})
	if err == nil || !strings.Contains(err.Error(), "the change would delete StatefulSet") || !strings.Contains(err.Error(), "ingester-zone-b, which still runs 3 pods") {
		t.Fatalf("err = %v, want the prune refused", err)
	}
	if live, err := srv.Get(stsKind, "mimir", "ingester-zone-b"); err != nil || live == nil {
		t.Fatalf("ingester-zone-b after the refusal: %v, %v", live, err)
	}

	// Scaled to zero by its procedure, the zone is pruned.
	if _, err := typed.AppsV1().StatefulSets("mimir").Update(context.Background(), testkit.StatefulSet("ingester-zone-b", testkit.Replicas(0)), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := &testkit.Progress{}
	if err := a.Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if live, err := srv.Get(stsKind, "mimir", "ingester-zone-b"); err != nil || live != nil {
		t.Errorf("ingester-zone-b after the prune: %v, %v", live, err)
	}
	if !strings.Contains(strings.Join(p.Reports, "\n"), "deleting 1 objects no longer rendered: ") {
		t.Errorf("reports: %q", p.Reports)
	}
}

// A run stopped after its apply but before its rollouts ended: the next
// run's Apply finds nothing to apply and must still wait for the rollouts,
// which Check requires, before the step counts as done (the read-write
// round trip's last step was reported done mid-rollout after a window
// ended inside it).
func TestAResumedApplyWaitsForTheRolloutsItsFirstRunStarted(t *testing.T) {
	env := zonesEnv(t)
	srv, err := kubefake.New()
	if err != nil {
		t.Fatal(err)
	}
	step := "- id: a\n  title: A\n  actions:\n    - jsonnet: {config: {ingester_flag: new}}\n"
	o, err := tanka.ReadOverlay(env)
	if err != nil {
		t.Fatal(err)
	}
	o.Config = map[string]any{"ingester_flag": "new"}
	if err := tanka.WriteOverlay(env, o); err != nil {
		t.Fatal(err)
	}
	applyAsMimirctl(t, env, srv) // the first run's apply
	typed := fake.NewClientset(testkit.StatefulSet("ingester-zone-a", testkit.Replicas(0)), testkit.StatefulSet("ingester-zone-b", testkit.Replicas(0)))
	var mu sync.Mutex
	gets := 0
	typed.PrependReactor("get", "statefulsets", func(clienttesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		gets++
		mu.Unlock()
		return false, nil, nil
	})
	a := zonesAction(t, env, step, Deps{Kube: typed, Dynamic: srv.Dynamic(), Mapper: srv.Mapper(), Namespace: "mimir"})
	if err := a.Apply(context.Background(), &testkit.Progress{}); err != nil {
		t.Fatal(err)
	}
	if gets == 0 {
		t.Error("Apply found nothing to apply and returned without reading the rollouts")
	}
}
