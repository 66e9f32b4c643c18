package engine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/internal/kubefake"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/kvmigrate"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
	"github.com/mimirctl/mimirctl/pkg/verdict"
	"github.com/mimirctl/mimirctl/plans"
)

const case09 = "testdata/cases/09-multikv-teardown-unlabelled-client"

// case09Pod is one entry of the case's pods.yaml.
type case09Pod struct {
	Name     string            `yaml:"name"`
	Labels   map[string]string `yaml:"labels"`
	Revision string            `yaml:"revision"` // new or old
	Phase    string            `yaml:"phase"`
}

const (
	case09OldClient = "overrides-exporter-5b7c8d9e6-q3w4e"
	case09NewClient = "overrides-exporter-7a8b9c0d1-z9y8x"
	case09Refusal   = case09OldClient + " still uses the multi KV store (old revision); removing the runtime override now would switch it back to consul"
)

// TestCase09MultiKVTeardownUnlabelledClient is shared case 09: after step 5
// of ring-kv-to-memberlist every gossip_ring_member pod runs memberlist
// only, but the overrides-exporter, a ring client Mimir's jsonnet does not
// label gossip_ring_member, still runs its old pod with the multi KV store
// (its new pod is Pending). Step 5 must not be done, and step 6 must not
// remove multi_kv_config: the old pod would fall back to Consul
// (grafana/mimir#1659).
func TestCase09MultiKVTeardownUnlabelledClient(t *testing.T) {
	t.Run("step 5 multi-kv-gone sees the unlabelled old client", func(t *testing.T) {
		d := case09Cluster(t, false)
		p := case09Plan(t, "jsonnet")
		step, g := case09Gate(t, p, "5-teardown", "multi-kv-gone")
		bound, err := NewBinder(d).BindGate(context.Background(), p, step, g)
		if err != nil {
			t.Fatal(err)
		}
		obs := bound.Evaluate(context.Background())
		if obs.Verdict == verdict.Pass {
			t.Fatalf("multi-kv-gone passed while %s still runs the multi KV store: %s", case09OldClient, obs)
		}
		text := obs.String()
		for _, want := range []string{case09OldClient + ": old revision (Deployment overrides-exporter)", case09NewClient + ": pending"} {
			if !strings.Contains(text, want) {
				t.Errorf("observation does not say %q:\n%s", want, text)
			}
		}
	})

	t.Run("step 5 multi-kv-gone passes once the rollout reached every client", func(t *testing.T) {
		d := case09Cluster(t, true)
		p := case09Plan(t, "jsonnet")
		step, g := case09Gate(t, p, "5-teardown", "multi-kv-gone")
		bound, err := NewBinder(d).BindGate(context.Background(), p, step, g)
		if err != nil {
			t.Fatal(err)
		}
		if obs := bound.Evaluate(context.Background()); obs.Verdict != verdict.Pass {
			t.Fatalf("multi-kv-gone = %s, want pass after the rollout", obs)
		}
	})

	t.Run("step 6 runtime mode keeps multi_kv_config", func(t *testing.T) {
		d := case09Cluster(t, false)
		p := case09Plan(t, "runtime")
		a := case09Action(t, NewBinder(d), p)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := a.Apply(ctx, &testkit.Progress{})
		assertCase09Refusal(t, err)
		cm, gerr := d.Kube.CoreV1().ConfigMaps(gatetest.Namespace).Get(context.Background(), mimir.RuntimeConfigMap, metav1.GetOptions{})
		if gerr != nil {
			t.Fatal(gerr)
		}
		if before := case09File(t, "runtime-config-step6-before.yaml"); cm.Data[mimir.RuntimeConfigKey] != before {
			t.Errorf("the runtime configuration changed:\n%s", cm.Data[mimir.RuntimeConfigKey])
		}
	})

	t.Run("step 6 jsonnet mode keeps the teardown knobs", func(t *testing.T) {
		d := case09Cluster(t, false)
		srv, err := kubefake.New()
		if err != nil {
			t.Fatal(err)
		}
		d.Dynamic, d.Mapper, d.Env = srv.Dynamic(), srv.Mapper(), testEnv(t)
		before := &tanka.Overlay{Config: map[string]any{"multikv_migration_enabled": false, "multikv_migration_teardown": true,
			"multikv_switch_primary_secondary": true, "multikv_mirror_enabled": false, "multikv_primary": "consul", "multikv_secondary": "memberlist"}}
		if err := tanka.WriteOverlay(d.Env, before); err != nil {
			t.Fatal(err)
		}
		written, err := os.ReadFile(tanka.OverlayPath(d.Env))
		if err != nil {
			t.Fatal(err)
		}
		a := case09Action(t, NewBinder(d), case09Plan(t, "jsonnet"))
		assertCase09Refusal(t, a.Apply(context.Background(), &testkit.Progress{}))
		if now, _ := os.ReadFile(tanka.OverlayPath(d.Env)); string(now) != string(written) {
			t.Errorf("the overlay file changed:\n%s", now)
		}
	})

	t.Run("step 6 goes ahead once no pod uses the multi KV store", func(t *testing.T) {
		d := case09Cluster(t, true)
		a := case09Action(t, NewBinder(d), case09Plan(t, "runtime"))
		spec := a.(*kvmigrate.RuntimeConfigAction).Spec().RefuseWhile
		if spec == nil {
			t.Fatal("step 6 has no refuseWhile")
		}
		if err := spec.Check(context.Background(), NewBinder(d).gateDeps()); err != nil {
			t.Fatalf("refused after the rollout: %v", err)
		}
	})
}

func assertCase09Refusal(t *testing.T, err error) {
	t.Helper()
	var refused *kvmigrate.RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("step 6 did not refuse: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{case09Refusal, "cannot tell whether " + case09NewClient, "kubectl -n mimir rollout status deployment/overrides-exporter"} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal does not say %q:\n%s", want, msg)
		}
	}
}

// case09Plan loads the built-in ring-kv-to-memberlist plan with its default
// ringPods (gossip_ring_member=true).
func case09Plan(t *testing.T, configMode string) *plan.Plan {
	t.Helper()
	p, err := plan.Load(plans.FS, "ring-kv-to-memberlist", plan.LoadOptions{Registry: Registry(), Params: map[string]string{"configMode": configMode}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func case09Step(t *testing.T, p *plan.Plan, id string) *plan.Step {
	t.Helper()
	for _, s := range p.Steps {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("plan %s has no step %s", p.Name, id)
	return nil
}

func case09Gate(t *testing.T, p *plan.Plan, stepID, name string) (*plan.Step, plan.GateConfig) {
	t.Helper()
	s := case09Step(t, p, stepID)
	for _, g := range s.Gates {
		if g.Name == name {
			return s, g
		}
	}
	t.Fatalf("step %s has no gate %s", stepID, name)
	return nil, plan.GateConfig{}
}

// case09Action binds the one action of step 6.
func case09Action(t *testing.T, b *Binder, p *plan.Plan) plan.Action {
	t.Helper()
	s := case09Step(t, p, "6-cleanup")
	if len(s.Actions) != 1 {
		t.Fatalf("step 6 has %d actions, want 1", len(s.Actions))
	}
	a, err := b.BindAction(context.Background(), p, s, s.Actions[0])
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func case09File(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(case09, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// case09Cluster builds the namespace of pods.yaml: Deployments with their
// ReplicaSets and StatefulSets at revision "new", each pod owned by the
// revision it runs, running pods serving their metrics page, and the
// overrides ConfigMap before step 6. rolledOut replaces the old
// overrides-exporter pod by the new one, running.
func case09Cluster(t *testing.T, rolledOut bool) Deps {
	t.Helper()
	var pods []case09Pod
	if err := yaml.Unmarshal([]byte(case09File(t, "pods.yaml")), &pods); err != nil {
		t.Fatal(err)
	}
	objs := []runtime.Object{&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: mimir.RuntimeConfigMap, Namespace: gatetest.Namespace},
		Data:       map[string]string{mimir.RuntimeConfigKey: case09File(t, "runtime-config-step6-before.yaml")},
	}}
	workloads := map[string]bool{}
	var fakes []gatetest.Pod
	for _, p := range pods {
		if rolledOut && p.Name == case09OldClient {
			continue
		}
		if rolledOut && p.Name == case09NewClient {
			p.Phase = "Running"
		}
		workload := p.Labels["name"]
		labels := map[string]string{}
		for k, v := range p.Labels {
			labels[k] = v
		}
		fp := gatetest.Pod{Name: p.Name, Labels: labels}
		if parts := strings.Split(p.Name, "-"); len(parts) > 2 && len(parts[len(parts)-1]) == 5 {
			// A Deployment's pod: <deployment>-<pod-template-hash>-<suffix>.
			hash := parts[len(parts)-2]
			rsName := workload + "-" + hash
			labels[kube.LabelPodTemplateHash] = hash
			revision := "2"
			if p.Revision == "old" {
				revision = "1"
			}
			if !workloads[workload] {
				workloads[workload] = true
				objs = append(objs, &appsv1.Deployment{
					ObjectMeta: metav1.ObjectMeta{Name: workload, Namespace: gatetest.Namespace, UID: testkit.UID(workload),
						Annotations: map[string]string{kube.AnnotationDeploymentRevision: "2"}},
					Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"name": workload}}},
				})
			}
			objs = append(objs, &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: rsName, Namespace: gatetest.Namespace, UID: testkit.UID(rsName),
				Labels:          map[string]string{"name": workload, kube.LabelPodTemplateHash: hash},
				Annotations:     map[string]string{kube.AnnotationDeploymentRevision: revision},
				OwnerReferences: []metav1.OwnerReference{testkit.ControllerRef("Deployment", workload)}}})
			ref := testkit.ControllerRef("ReplicaSet", rsName)
			fp.Owner = &ref
		} else {
			labels[kube.LabelControllerRevisionHash] = workload + "-" + p.Revision
			if !workloads[workload] {
				workloads[workload] = true
				objs = append(objs, testkit.StatefulSet(workload, testkit.Revisions(workload+"-new", workload+"-new")))
			}
			ref := testkit.ControllerRef("StatefulSet", workload)
			fp.Owner = &ref
		}
		if p.Phase != "Pending" {
			page := "metrics-ring-pods-new.prom"
			if p.Name == case09OldClient {
				page = "metrics-overrides-exporter-old.prom"
			}
			fp.Server = case09Metrics(t, case09File(t, page))
		}
		fakes = append(fakes, fp)
	}
	gd := gatetest.FakeClusterWith(t, time.Time{}, objs, fakes...)
	return Deps{Kube: gd.Kube, Namespace: gd.Namespace, Pods: gd.Pods}
}

// case09Metrics serves page as a pod's /metrics; other paths are 404.
func case09Metrics(t *testing.T, page string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write([]byte(page))
	}))
	t.Cleanup(s.Close)
	return s
}
