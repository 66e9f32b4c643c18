package kube

import (
	"context"
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// scalableCluster serves the scale subresource of StatefulSets from their
// spec, and refuses patches with refusal when it is set.
func scalableCluster(refusal error, objs ...runtime.Object) *fake.Clientset {
	cs := fake.NewClientset(objs...)
	cs.PrependReactor("get", "statefulsets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "scale" {
			return false, nil, nil
		}
		name := a.(k8stesting.GetAction).GetName()
		sts, err := cs.Tracker().Get(a.GetResource(), a.GetNamespace(), name)
		if err != nil {
			return true, nil, err
		}
		replicas := *sts.(*appsv1.StatefulSet).Spec.Replicas
		return true, &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: a.GetNamespace()},
			Spec: autoscalingv1.ScaleSpec{Replicas: replicas}}, nil
	})
	if refusal != nil {
		cs.PrependReactor("patch", "statefulsets", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, refusal })
	}
	return cs
}

func TestScale(t *testing.T) {
	w := Workload{Kind: "StatefulSet", Namespace: ns, Name: "ingester-zone-b"}
	denied := apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "statefulsets"}, "ingester-zone-b", errors.New(
		`admission webhook "prepare-downscale-mimir.grafana.com" denied the request: downscale of statefulsets/ingester-zone-b in mimir from 3 to 2 replicas is not allowed because statefulset ingester-zone-a was downscaled at 2026-01-01 00:00:00 +0000 UTC and is labelled to wait 12h0m0s between zone downscales`))
	tests := []struct {
		behaviour string
		refusal   error
		replicas  int32
		check     func(t *testing.T, prev int32, err error, cs *fake.Clientset)
	}{
		{"the scale subresource is patched and the previous replicas returned", nil, 2, func(t *testing.T, prev int32, err error, cs *fake.Clientset) {
			sts, _ := cs.AppsV1().StatefulSets(ns).Get(context.Background(), w.Name, metav1.GetOptions{})
			if err != nil || prev != 3 || *sts.Spec.Replicas != 2 {
				t.Fatalf("Scale = %d, %v; replicas now %d", prev, err, *sts.Spec.Replicas)
			}
			for _, a := range cs.Actions() {
				if a.GetVerb() == "patch" && a.GetSubresource() != "scale" {
					t.Fatalf("patched %q instead of the scale subresource", a.GetSubresource())
				}
			}
		}},
		{"scaling to the current replicas changes nothing", nil, 3, func(t *testing.T, prev int32, err error, cs *fake.Clientset) {
			for _, a := range cs.Actions() {
				if a.GetVerb() == "patch" {
					t.Fatal("patched although the replicas were already right")
				}
			}
		}},
		{"a webhook refusal is reported in plain words with its message", denied, 2, func(t *testing.T, prev int32, err error, _ *fake.Clientset) {
			var ad *AdmissionDeniedError
			if !errors.As(err, &ad) || ad.Webhook != "prepare-downscale-mimir.grafana.com" {
				t.Fatalf("want *AdmissionDeniedError, got %v", err)
			}
			for _, want := range []string{"scale StatefulSet mimir/ingester-zone-b to 2", `refused it: downscale of statefulsets/ingester-zone-b`, "labelled to wait 12h0m0s", "rollout-operator"} {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("%q does not say %q", err, want)
				}
			}
		}},
		{"negative replicas are refused", nil, -1, func(t *testing.T, _ int32, err error, _ *fake.Clientset) {
			if err == nil {
				t.Fatal("scaled to -1")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			cs := scalableCluster(tt.refusal, statefulSet(w.Name))
			prev, err := Scale(context.Background(), cs, w, tt.replicas)
			tt.check(t, prev, err, cs)
		})
	}
}
