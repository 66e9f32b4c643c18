package envchange

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/pkg/internal/kubefake"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

const externalStep = `
id: a-scale-write
title: Scale the write path up
actions:
  - jsonnet: {config: {write_replicas: 3}}
`

// pipeline is someone else's pipeline for --apply-mode=external: it
// renders the environment with its overlay file as it is now and applies
// the objects (without mimirctl's labels).
func pipeline(t *testing.T, env string, srv *kubefake.Server) {
	t.Helper()
	applyRendered(t, env, srv, true)
}

func writeReplicas(t *testing.T, srv *kubefake.Server) int64 {
	t.Helper()
	u, err := srv.Get(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, "mimir", "mimir-write")
	if err != nil || u == nil {
		t.Fatalf("Deployment mimir-write: %v", err)
	}
	n, _, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
	return n
}

// rolledOut is the typed view of the environment's Deployments once the
// pipeline's change has rolled out: rollouts are done.
func rolledOut() *fake.Clientset {
	dep := func(name string, n int32) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "mimir"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To(n)},
			Status: appsv1.DeploymentStatus{Replicas: n, UpdatedReplicas: n, AvailableReplicas: n}}
	}
	return fake.NewClientset(dep("querier", 2), dep("mimir-write", 3))
}

// With --apply-mode=external, a window that ends while the jsonnet action
// waits for the outside pipeline stops it at its next poll (exit 5,
// resumable) with the overlay file written, and the next window's run waits
// for the pipeline, which applies in that window: the run ends with the
// file and the cluster holding the change.
func TestAWindowEndingInTheExternalApplyWaitLeavesItResumable(t *testing.T) {
	env := testEnv(t)
	srv, err := kubefake.New()
	if err != nil {
		t.Fatal(err)
	}
	pipeline(t, env, srv) // the environment as it is before the plan
	if n := writeReplicas(t, srv); n != 0 {
		t.Fatalf("mimir-write has %d replicas before the plan, want 0", n)
	}
	clock := plantest.NewWindowClock()
	start := clock.Now()
	next := start.Add(24 * time.Hour)
	clock.At(next.Add(5*time.Minute), func() { pipeline(t, env, srv) })
	d := Deps{Kube: rolledOut(), Dynamic: srv.Dynamic(), Mapper: srv.Mapper(), Namespace: "mimir", External: true}
	w := plantest.NewWindowRun(t, clock, testRegistry(), newTestBinder(d, env), externalStep)

	until := start.Add(10 * time.Minute)
	w.StoppedInside(w.Apply(until))
	w.NotPast(until)
	o, err := tanka.ReadOverlay(env)
	if err != nil || o.Config["write_replicas"] == nil {
		t.Fatalf("the overlay file does not hold the change after the first window: %+v %v", o, err)
	}
	if n := writeReplicas(t, srv); n != 0 {
		t.Fatalf("mimir-write has %d replicas before the pipeline ran", n)
	}

	w.Finished(w.Resume(next, next.Add(time.Hour)))
	if n := writeReplicas(t, srv); n != 3 {
		t.Errorf("mimir-write has %d replicas, want 3", n)
	}
	if got := clock.Now().Sub(next.Add(5 * time.Minute)); got < 0 || got > 5*time.Second {
		t.Errorf("the resumed run finished %s after the pipeline applied, want at its next 5s poll", got)
	}
}

// The external wait's timeout (ExternalTimeout) is measured on the run's
// clock: with a pipeline that never applies, the action fails after it.
func TestTheExternalApplyTimeoutIsMeasuredOnTheRunsClock(t *testing.T) {
	env := testEnv(t)
	srv, err := kubefake.New()
	if err != nil {
		t.Fatal(err)
	}
	pipeline(t, env, srv)
	clock := plantest.NewWindowClock()
	start := clock.Now()
	d := Deps{Kube: rolledOut(), Dynamic: srv.Dynamic(), Mapper: srv.Mapper(), Namespace: "mimir", External: true, ExternalTimeout: 45 * time.Minute}
	w := plantest.NewWindowRun(t, clock, testRegistry(), newTestBinder(d, env), externalStep)
	err = w.Apply(time.Time{})
	for _, want := range []string{"wait for the cluster to match the environment: still", "Deployment mimir/mimir-write", "context deadline exceeded"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want the external wait's timeout saying %q", err, want)
		}
	}
	if got := clock.Now().Sub(start); got != 45*time.Minute {
		t.Errorf("failed after %s of the run's clock, want 45m", got)
	}
}
