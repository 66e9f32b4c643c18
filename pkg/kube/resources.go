package kube

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/mimirctl/mimirctl/pkg/diff"
)

// resourceFor finds the API resource of a kind, refreshing a resettable
// mapper once when the kind is unknown (a CRD installed meanwhile).
func resourceFor(mapper meta.RESTMapper, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		if r, ok := mapper.(meta.ResettableRESTMapper); ok {
			r.Reset()
			m, err = mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		}
	}
	if meta.IsNoMatchError(err) {
		return nil, fmt.Errorf("the cluster does not serve %s %s (is its CRD installed?): %w", gvk.GroupVersion(), gvk.Kind, err)
	}
	return m, err
}

// client returns the dynamic client for obj's resource and namespace.
func client(dyn dynamic.Interface, mapper meta.RESTMapper, obj *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	m, err := resourceFor(mapper, obj.GroupVersionKind())
	if err != nil {
		return nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := obj.GetNamespace()
		if ns == "" {
			return nil, fmt.Errorf("%s has no namespace (set spec.namespace in the environment's spec.json)", diff.RefOf(obj))
		}
		return dyn.Resource(m.Resource).Namespace(ns), nil
	}
	return dyn.Resource(m.Resource), nil
}

// DefaultNamespace puts the namespaced objects of objs that have no
// namespace in namespace, as `kubectl apply -n` and Helm's install do for
// the objects of a chart (mapper tells which kinds are namespaced). It
// changes objs in place. Errors: a kind the cluster does not serve, naming
// the object.
func DefaultNamespace(mapper meta.RESTMapper, objs []*unstructured.Unstructured, namespace string) error {
	for _, o := range objs {
		if o.GetNamespace() != "" {
			continue
		}
		m, err := resourceFor(mapper, o.GroupVersionKind())
		if err != nil {
			return fmt.Errorf("%s: %w", diff.RefOf(o), err)
		}
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			o.SetNamespace(namespace)
		}
	}
	return nil
}

// GetLive reads the live counterpart of obj; it returns nil, nil when the
// object does not exist.
func GetLive(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	rc, err := client(dyn, mapper, obj)
	if err != nil {
		return nil, err
	}
	var live *unstructured.Unstructured
	err = withRetry(ctx, func() error {
		var getErr error
		live, getErr = rc.Get(ctx, obj.GetName(), metav1.GetOptions{})
		return getErr
	})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", diff.RefOf(obj), err)
	}
	return live, nil
}

// LiveObjects are live objects read once and shared by the checks of one
// apply (kube.ReplicaChanges before the overlay file is written, the diff
// after it), keyed by the desired object's reference; a nil value is an
// object that does not exist. A nil LiveObjects keeps nothing.
type LiveObjects map[diff.Ref]*unstructured.Unstructured

// Get returns the live counterpart of obj, nil when it does not exist: the
// one read before when l holds it, otherwise read now (GetLive, with its
// errors) and kept in l.
func (l LiveObjects) Get(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	ref := diff.RefOf(obj)
	if live, ok := l[ref]; ok {
		return live, nil
	}
	live, err := GetLive(ctx, dyn, mapper, obj)
	if err != nil {
		return nil, err
	}
	if l != nil {
		l[ref] = live
	}
	return live, nil
}

// Pairs pairs each desired object with its live counterpart (l.Get), and
// each object expected to be gone with its live state when it still exists,
// for diff.Compare.
func (l LiveObjects) Pairs(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, desired, gone []*unstructured.Unstructured) ([]diff.Pair, error) {
	pairs := make([]diff.Pair, 0, len(desired)+len(gone))
	for _, d := range desired {
		live, err := l.Get(ctx, dyn, mapper, d)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, diff.Pair{Desired: d, Live: live})
	}
	for _, g := range gone {
		live, err := l.Get(ctx, dyn, mapper, g)
		if err != nil {
			return nil, err
		}
		if live != nil {
			pairs = append(pairs, diff.Pair{Live: live})
		}
	}
	return pairs, nil
}

// LivePairs reads the live counterparts of desired and gone for
// diff.Compare (LiveObjects.Pairs with nothing read before).
func LivePairs(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, desired, gone []*unstructured.Unstructured) ([]diff.Pair, error) {
	return LiveObjects(nil).Pairs(ctx, dyn, mapper, desired, gone)
}

// Workloads reads live Deployments and StatefulSets of one namespace; it is
// a diff.Getter for workload-pair comparisons.
type Workloads struct {
	Dynamic   dynamic.Interface
	Mapper    meta.RESTMapper
	Namespace string
}

// Get reads the workload of that kind ("Deployment" or "StatefulSet") and
// name, nil when it does not exist.
func (w Workloads) Get(ctx context.Context, kind, name string) (*unstructured.Unstructured, error) {
	ref := &unstructured.Unstructured{}
	ref.SetGroupVersionKind(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: kind})
	ref.SetNamespace(w.Namespace)
	ref.SetName(name)
	return GetLive(ctx, w.Dynamic, w.Mapper, ref)
}
