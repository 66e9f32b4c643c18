package workloads

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"
)

const scaleStep = `
id: a-scale
title: Scale the write path up
actions:
  - scale: {kind: Deployment, name: mimir-write, replicas: 3}
`

// scalableDeployment is a clientset holding Deployment mimir-write with 0
// replicas whose scale subresource reads the spec.
func scalableDeployment() *fake.Clientset {
	cs := fake.NewClientset(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "mimir-write", Namespace: "mimir"},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To(int32(0))}})
	cs.PrependReactor("get", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "scale" {
			return false, nil, nil
		}
		name := a.(k8stesting.GetAction).GetName()
		d, err := cs.Tracker().Get(a.GetResource(), a.GetNamespace(), name)
		if err != nil {
			return true, nil, err
		}
		return true, &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: a.GetNamespace()},
			Spec: autoscalingv1.ScaleSpec{Replicas: *d.(*appsv1.Deployment).Spec.Replicas}}, nil
	})
	return cs
}

// rollOut makes the Deployment's pods all updated and available.
func rollOut(t *testing.T, cs *fake.Clientset) {
	d, err := cs.AppsV1().Deployments("mimir").Get(context.Background(), "mimir-write", metav1.GetOptions{})
	if err != nil {
		t.Error(err)
		return
	}
	n := *d.Spec.Replicas
	d.Status = appsv1.DeploymentStatus{Replicas: n, UpdatedReplicas: n, AvailableReplicas: n}
	if _, err := cs.AppsV1().Deployments("mimir").UpdateStatus(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Error(err)
	}
}

func scalePatches(cs *fake.Clientset) int {
	n := 0
	for _, a := range cs.Actions() {
		if a.GetVerb() == "patch" && a.GetSubresource() == "scale" {
			n++
		}
	}
	return n
}

// A window that ends while the scale action waits for the rollout stops it
// at its next poll (exit 5, resumable) with the workload scaled, and the
// next window's run waits for the rollout only: one scale in all.
func TestAWindowEndingInTheScaleRolloutWaitLeavesItResumable(t *testing.T) {
	clock := plantest.NewWindowClock()
	start := clock.Now()
	next := start.Add(24 * time.Hour)
	cs := scalableDeployment()
	clock.At(next.Add(2*time.Minute), func() { rollOut(t, cs) })
	w := scaleRun(t, clock, Deps{Kube: cs, Namespace: "mimir"})

	until := start.Add(time.Minute)
	w.StoppedInside(w.Apply(until))
	w.NotPast(until)
	if n := scalePatches(cs); n != 1 {
		t.Fatalf("%d scale patches in the first window, want 1", n)
	}

	w.Finished(w.Resume(next, next.Add(time.Hour)))
	if n := scalePatches(cs); n != 1 {
		t.Errorf("%d scale patches in all, want 1", n)
	}
	if got := clock.Now().Sub(next.Add(2 * time.Minute)); got < 0 || got > 5*time.Second {
		t.Errorf("the resumed run finished %s after the rollout, want at its next 5s poll", got)
	}
}

// The scale action's rollout timeout (RolloutTimeout) is measured on the
// run's clock: with a rollout that never ends, it fails after it, naming
// the rollout.
func TestTheRolloutTimeoutIsMeasuredOnTheRunsClock(t *testing.T) {
	clock := plantest.NewWindowClock()
	start := clock.Now()
	w := scaleRun(t, clock, Deps{Kube: scalableDeployment(), Namespace: "mimir", RolloutTimeout: 20 * time.Minute})
	err := w.Apply(time.Time{})
	for _, want := range []string{"wait for rollouts: Deployment mimir/mimir-write 0/3 pods updated", "context deadline exceeded"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want the rollout timeout saying %q", err, want)
		}
	}
	if got := clock.Now().Sub(start); got != 20*time.Minute {
		t.Errorf("failed after %s of the run's clock, want 20m", got)
	}
}

// scaleRun runs scaleStep with d on clock, through plan.Runner, binding its
// scale action with d as the engine's binder does.
func scaleRun(t *testing.T, clock *plantest.WindowClock, d Deps) *plantest.WindowRun {
	t.Helper()
	kind := plan.ActionKind{Name: "scale", Summary: "set replicas", New: func() plan.ActionSpec { return &ScaleSpec{} }}
	return plantest.NewActionRun(t, clock, kind, func(s plan.ActionSpec) plan.Action { return NewScale(s.(*ScaleSpec), d) }, scaleStep)
}
