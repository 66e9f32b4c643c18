//go:build integration

package kube

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// scaledObjectCRD is a minimal CustomResourceDefinition of KEDA's
// ScaledObject (group, version, names and scope as KEDA installs it; no
// schema beyond "any fields"), so that the API server serves the kind.
var scaledObjectCRD = &unstructured.Unstructured{Object: map[string]any{
	"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
	"metadata": map[string]any{"name": "scaledobjects.keda.sh"},
	"spec": map[string]any{
		"group": "keda.sh", "scope": "Namespaced",
		"names": map[string]any{"kind": "ScaledObject", "listKind": "ScaledObjectList", "plural": "scaledobjects", "singular": "scaledobject"},
		"versions": []any{map[string]any{
			"name": "v1alpha1", "served": true, "storage": true,
			"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
		}},
	},
}}

// TestIntegrationAutoscalersReadFromARealAPIServer lists a KEDA
// ScaledObject and the HPA it manages from a real API server, and refuses a
// step that zeroes their Deployment until the step renders the ScaledObject
// paused.
func TestIntegrationAutoscalersReadFromARealAPIServer(t *testing.T) {
	c := testClients(t)
	ns := testNamespace(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Before the CRD exists: the kind is not served, nothing to list.
	if a, err := ListAutoscalers(ctx, c.Dynamic, c.Mapper, ns, nil); err != nil || len(a.Live) != 0 {
		t.Fatalf("without KEDA: %v %v", a, err)
	}

	crds := c.Dynamic.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})
	if _, err := crds.Create(ctx, scaledObjectCRD, metav1.CreateOptions{}); err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = crds.Delete(context.Background(), "scaledobjects.keda.sh", metav1.DeleteOptions{}) })
	sos := c.Dynamic.Resource(schema.GroupVersionResource{Group: "keda.sh", Version: "v1alpha1", Resource: "scaledobjects"}).Namespace(ns)
	so := scaledObject("querier", "querier", 2, nil)
	so.SetNamespace(ns)
	for {
		_, err := sos.Create(ctx, so, metav1.CreateOptions{})
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the CRD was never served: %v", err)
		}
		time.Sleep(200 * time.Millisecond) // the CRD becomes Established
	}
	h := hpa("keda-hpa-querier", "Deployment", "querier", 2, false)
	h.SetNamespace(ns)
	hpas := c.Dynamic.Resource(schema.GroupVersionResource{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"}).Namespace(ns)
	if _, err := hpas.Create(ctx, &h, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// No c.Mapper.Reset(): the mapper still answers "no match" for the
	// ScaledObject it did not know before the CRD, and ListAutoscalers
	// refreshes it (resourceFor).

	zero := []ReplicaChange{{Namespace: ns, Kind: "Deployment", Name: "querier", Replicas: 0}}
	a, err := ListAutoscalers(ctx, c.Dynamic, c.Mapper, ns, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Live) != 1 || len(a.HPAs) != 1 {
		t.Fatalf("want the ScaledObject and the HPA, got %d and %d", len(a.Live), len(a.HPAs))
	}
	if got := a.WouldUndo(zero); len(got) != 1 || !strings.Contains(got[0], "KEDA ScaledObject querier") {
		t.Fatalf("want the live ScaledObject to refuse the scale to 0, got %q", got)
	}
	paused := scaledObject("querier", "querier", 2, map[string]string{KEDAPausedReplicas: "0"})
	paused.SetNamespace(ns)
	a, err = ListAutoscalers(ctx, c.Dynamic, c.Mapper, ns, []*unstructured.Unstructured{paused})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.WouldUndo(zero); len(got) != 0 {
		t.Fatalf("the step renders the ScaledObject paused at 0: want no refusal, got %q", got)
	}
}
