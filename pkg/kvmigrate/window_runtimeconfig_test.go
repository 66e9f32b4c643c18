package kvmigrate

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"
)

const runtimeConfigStep = `
id: a-mirror
title: Mirror the ring's KV store
actions:
  - runtimeConfig:
      set: {multi_kv_config: {mirror_enabled: true}}
      pods: {labels: "app=ingester"}
      timeout: %s
`

// reloadingCluster is a namespace with the overrides ConfigMap and two
// ingesters that serve the mirror setting on /runtime_config: false until
// reloaded() says the file was reloaded, true after.
func reloadingCluster(t *testing.T, reloaded func() bool) (gate.Deps, *fake.Clientset) {
	t.Helper()
	serve := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mimir.PathRuntimeConfig {
			http.NotFound(w, r)
			return
		}
		if reloaded() {
			_, _ = w.Write([]byte("multi_kv_config:\n  primary: consul\n  mirror_enabled: true\n"))
			return
		}
		_, _ = w.Write([]byte("multi_kv_config:\n  primary: consul\n  mirror_enabled: false\n"))
	}))
	t.Cleanup(serve.Close)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: mimir.RuntimeConfigMap, Namespace: gatetest.Namespace},
		Data: map[string]string{mimir.RuntimeConfigKey: "multi_kv_config:\n  primary: consul\n  mirror_enabled: false\n"}}
	labels := map[string]string{"app": "ingester"}
	gd := gatetest.FakeClusterWith(t, time.Time{}, []runtime.Object{cm},
		gatetest.Pod{Name: "ingester-0", Labels: labels, Server: serve}, gatetest.Pod{Name: "ingester-1", Labels: labels, Server: serve})
	return gate.Deps{Kube: gd.Kube, Namespace: gd.Namespace, Pods: gd.Pods}, gd.Kube.(*fake.Clientset)
}

// newRuntimeConfigRun runs step (a step file with one runtimeConfig
// action) in namespace d with clock as the run's clock, binding the action
// with d as the engine's binder does.
func newRuntimeConfigRun(t *testing.T, clock *plantest.WindowClock, d gate.Deps, step string) *plantest.WindowRun {
	t.Helper()
	kind := plan.ActionKind{Name: "runtimeConfig", Summary: "merge into Mimir's runtime configuration", New: func() plan.ActionSpec { return &RuntimeConfigSpec{} }}
	d.Now = clock.Now
	return plantest.NewActionRun(t, clock, kind, func(s plan.ActionSpec) plan.Action { return NewRuntimeConfig(s.(*RuntimeConfigSpec), d) }, step)
}

func configMapUpdates(cs *fake.Clientset) int {
	n := 0
	for _, a := range cs.Actions() {
		if a.GetVerb() == "update" && a.GetResource().Resource == "configmaps" {
			n++
		}
	}
	return n
}

// A window that ends while the runtimeConfig action waits for the pods to
// reload stops it at its next poll (exit 5, resumable) with the ConfigMap
// written, and the next window's run waits only for the reload: the
// ConfigMap is written once and the run ends with every pod serving it.
func TestAWindowEndingInTheRuntimeConfigWaitLeavesItResumable(t *testing.T) {
	clock := plantest.NewWindowClock()
	start := clock.Now()
	next := start.Add(24 * time.Hour)
	reloadAt := next.Add(3 * time.Minute) // in the next window
	d, cs := reloadingCluster(t, func() bool { return !clock.Now().Before(reloadAt) })
	w := newRuntimeConfigRun(t, clock, d, strings.Replace(runtimeConfigStep, "%s", "1h", 1))

	until := start.Add(time.Minute)
	w.StoppedInside(w.Apply(until))
	w.NotPast(until)
	if n := configMapUpdates(cs); n != 1 {
		t.Errorf("%d ConfigMap updates in the first window, want 1", n)
	}
	cm, err := cs.CoreV1().ConfigMaps(gatetest.Namespace).Get(context.Background(), mimir.RuntimeConfigMap, metav1.GetOptions{})
	if err != nil || !strings.Contains(cm.Data[mimir.RuntimeConfigKey], "mirror_enabled: true") {
		t.Fatalf("the ConfigMap does not hold the change after the first window: %v %v", cm.Data, err)
	}

	w.Finished(w.Resume(next, next.Add(time.Hour)))
	if n := configMapUpdates(cs); n != 1 {
		t.Errorf("%d ConfigMap updates in all, want 1", n)
	}
	if got := clock.Now().Sub(reloadAt); got < 0 || got > 2*time.Second {
		t.Errorf("the resumed run finished %s after the pods reloaded, want at its next 2s poll", got)
	}
}

// The runtimeConfig action's timeout is measured on the run's clock: with
// pods that never reload, it fails after its timeout of fake time.
func TestTheRuntimeConfigTimeoutIsMeasuredOnTheRunsClock(t *testing.T) {
	clock := plantest.NewWindowClock()
	start := clock.Now()
	d, _ := reloadingCluster(t, func() bool { return false })
	w := newRuntimeConfigRun(t, clock, d, strings.Replace(runtimeConfigStep, "%s", "10m", 1))
	err := w.Apply(time.Time{})
	if err == nil || !strings.Contains(err.Error(), "did not serve the new runtime configuration within 10m0s") ||
		!strings.Contains(err.Error(), "context deadline exceeded") {
		t.Fatalf("err = %v, want the action's timeout", err)
	}
	if got := clock.Now().Sub(start); got != 10*time.Minute {
		t.Errorf("failed after %s of the run's clock, want 10m", got)
	}
	if st := w.State(); st.Steps[0].Actions[0].Status != plan.ActionFailed {
		t.Errorf("action %s, want failed", st.Steps[0].Actions[0].Status)
	}
}
