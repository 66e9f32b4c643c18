package kube

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// KEDA's ScaledObject and the annotation that pauses it. With
// autoscaling.keda.sh/paused-replicas: "N" KEDA scales the target to N,
// removes the HorizontalPodAutoscaler it manages and leaves the replicas
// alone until the annotation is removed (KEDA docs, "Pausing autoscaling").
// Grafana's Mimir jsonnet renders one ScaledObject per autoscaled component
// (querier_scaled_object, query_frontend_scaled_object, ...; null when the
// component's autoscaling_*_enabled is off) and then drops replicas from the
// workload's spec.
var (
	scaledObjectGVK = schema.GroupVersionKind{Group: "keda.sh", Version: "v1alpha1", Kind: "ScaledObject"}
	hpaGVK          = schema.GroupVersionKind{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"}
)

// KEDAPausedReplicas is the ScaledObject annotation that pauses autoscaling at
// the given replica count.
const KEDAPausedReplicas = "autoscaling.keda.sh/paused-replicas"

// kedaPaused pauses a ScaledObject at whatever replicas its target has.
const kedaPaused = "autoscaling.keda.sh/paused"

// ReplicaChange is a workload whose replicas a step sets: Kind is
// Deployment or StatefulSet, Replicas the value it will have.
type ReplicaChange struct {
	Namespace, Kind, Name string
	Replicas              int64
}

// ReplicaChanges returns the Deployments and StatefulSets among desired
// whose rendered spec.replicas differs from the live object's (a workload
// without replicas in its rendered spec is left to its autoscaler and not
// returned; one that does not exist yet is returned). The live workloads are
// taken from live when it holds them and read otherwise (and kept in live,
// so that a diff of the same objects afterwards does not read them again);
// live may be nil. Errors are GetLive's.
func ReplicaChanges(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, desired []*unstructured.Unstructured, live LiveObjects) ([]ReplicaChange, error) {
	var out []ReplicaChange
	for _, obj := range desired {
		if obj.GroupVersionKind().Group != "apps" || (obj.GetKind() != "Deployment" && obj.GetKind() != "StatefulSet") {
			continue
		}
		want, found, err := unstructured.NestedInt64(obj.Object, "spec", "replicas")
		if err != nil || !found {
			continue
		}
		current, err := live.Get(ctx, dyn, mapper, obj)
		if err != nil {
			return nil, err
		}
		if current != nil {
			if have, ok, _ := unstructured.NestedInt64(current.Object, "spec", "replicas"); ok && have == want {
				continue
			}
		}
		out = append(out, ReplicaChange{Namespace: obj.GetNamespace(), Kind: obj.GetKind(), Name: obj.GetName(), Replicas: want})
	}
	return out, nil
}

// Autoscalers are the autoscalers of one namespace: the live
// HorizontalPodAutoscalers (autoscaling/v2) and KEDA ScaledObjects (none
// when the cluster has no KEDA CRD), and the ScaledObjects a step renders.
type Autoscalers struct {
	Namespace string
	HPAs      []unstructured.Unstructured
	Live      []unstructured.Unstructured
	Rendered  []*unstructured.Unstructured
}

// ListAutoscalers reads the namespace's HorizontalPodAutoscalers and KEDA
// ScaledObjects; rendered are the objects the step will apply, among which
// its ScaledObjects are taken. Errors are API errors other than a missing
// KEDA CRD.
func ListAutoscalers(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, ns string, rendered []*unstructured.Unstructured) (*Autoscalers, error) {
	a := &Autoscalers{Namespace: ns}
	for _, obj := range rendered {
		if obj.GroupVersionKind() == scaledObjectGVK {
			a.Rendered = append(a.Rendered, obj)
		}
	}
	var err error
	if a.HPAs, err = listKind(ctx, dyn, mapper, ns, hpaGVK); err != nil {
		return nil, err
	}
	if a.Live, err = listKind(ctx, dyn, mapper, ns, scaledObjectGVK); err != nil {
		return nil, err
	}
	return a, nil
}

// listKind lists gvk in ns (resourceFor, which refreshes the mapper once
// for a kind installed meanwhile, such as KEDA's CRD; the list is retried
// like every call of this package); a kind the API server does not serve,
// or no longer serves when the list is made, lists nothing.
func listKind(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, ns string, gvk schema.GroupVersionKind) ([]unstructured.Unstructured, error) {
	m, err := resourceFor(mapper, gvk)
	if meta.IsNoMatchError(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find the API of %s: %w", gvk.Kind, err)
	}
	var list *unstructured.UnstructuredList
	err = withRetry(ctx, func() error {
		var listErr error
		list, listErr = dyn.Resource(m.Resource).Namespace(ns).List(ctx, metav1.ListOptions{})
		return listErr
	})
	if apierrors.IsNotFound(err) {
		// A list answers 404 only when the API server no longer serves
		// the resource: its CRD was removed after the mapper learnt it
		// (KEDA uninstalled meanwhile).
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s in namespace %s: %w", m.Resource.Resource, ns, err)
	}
	return list.Items, nil
}

// WouldUndo returns, for each change in a.Namespace, the autoscaler that would scale the
// workload back, as a sentence naming both and the fix; none when every
// change sticks:
//   - a KEDA ScaledObject targeting the workload undoes a change to 0 or
//     below its minReplicaCount unless it is paused at the new count, live or
//     in what the step renders (KEDA scales a target up from 0 when its
//     triggers are active);
//   - a HorizontalPodAutoscaler not managed by KEDA undoes a change below its
//     minReplicas except to 0 (the HPA controller does not scale a target
//     whose replicas are 0: "ScalingDisabled").
func (a *Autoscalers) WouldUndo(changes []ReplicaChange) []string {
	var out []string
	for _, c := range changes {
		if c.Namespace != a.Namespace {
			continue
		}
		for _, so := range a.Live {
			if !targets(so.Object, "scaleTargetRef", c) {
				continue
			}
			floor := int64(0)
			if v, ok, _ := unstructured.NestedInt64(so.Object, "spec", "minReplicaCount"); ok {
				floor = v
			}
			if c.Replicas > 0 && c.Replicas >= floor {
				continue
			}
			if pausedAt(&so, c.Replicas) || a.renderedPaused(so.GetName(), c.Replicas) {
				continue
			}
			out = append(out, fmt.Sprintf("%s %s/%s: this step sets replicas %d, but KEDA ScaledObject %s (minReplicaCount %d) autoscales it and would scale it back up; "+
				"pause it at %d first: the library's ScaledObject must render with annotation %s: %q (built-in plans add it when the library renders the object), "+
				"or run kubectl -n %s annotate scaledobject %s %s=%d, then resume",
				c.Kind, a.Namespace, c.Name, c.Replicas, so.GetName(), floor, c.Replicas, KEDAPausedReplicas, strconv.FormatInt(c.Replicas, 10),
				a.Namespace, so.GetName(), KEDAPausedReplicas, c.Replicas))
		}
		for _, h := range a.HPAs {
			if managedByKEDA(&h) || !targets(h.Object, "scaleTargetRef", c) || c.Replicas == 0 {
				continue
			}
			floor := int64(1)
			if v, ok, _ := unstructured.NestedInt64(h.Object, "spec", "minReplicas"); ok {
				floor = v
			}
			if c.Replicas >= floor {
				continue
			}
			out = append(out, fmt.Sprintf("%s %s/%s: this step sets replicas %d, but HorizontalPodAutoscaler %s keeps it at %d or more and would scale it back up; "+
				"lower its minReplicas or remove it from the environment (and the cluster), then resume",
				c.Kind, a.Namespace, c.Name, c.Replicas, h.GetName(), floor))
		}
	}
	sort.Strings(out)
	return out
}

func (a *Autoscalers) renderedPaused(name string, n int64) bool {
	for _, so := range a.Rendered {
		if so.GetName() == name && so.GetNamespace() == a.Namespace && pausedAt(so, n) {
			return true
		}
	}
	return false
}

// targets reports whether obj's spec.<field> (a scaleTargetRef) names the
// changed workload. KEDA's kind defaults to Deployment.
func targets(obj map[string]any, field string, c ReplicaChange) bool {
	name, _, _ := unstructured.NestedString(obj, "spec", field, "name")
	kind, _, _ := unstructured.NestedString(obj, "spec", field, "kind")
	if kind == "" {
		kind = "Deployment"
	}
	return name == c.Name && kind == c.Kind
}

// pausedAt reports whether so is paused at n replicas, or paused at any
// count (KEDA then leaves the replicas a step sets alone).
func pausedAt(so *unstructured.Unstructured, n int64) bool {
	if so.GetAnnotations()[kedaPaused] == "true" {
		return true
	}
	v, ok := so.GetAnnotations()[KEDAPausedReplicas]
	if !ok {
		return false
	}
	got, err := strconv.ParseInt(v, 10, 64)
	return err == nil && got == n
}

func managedByKEDA(h *unstructured.Unstructured) bool {
	for _, ref := range h.GetOwnerReferences() {
		if ref.Kind == scaledObjectGVK.Kind {
			return true
		}
	}
	return false
}
