package kube

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/mimirctl/mimirctl/pkg/diff"
)

// DefaultPruneKinds are scanned for leftovers besides the kinds the desired
// objects have: the workload, configuration and policy kinds the Mimir
// jsonnet library renders. RBAC objects (its Roles and RoleBindings for
// rollout-operator and Consul) are scanned only while the environment
// renders their kind, so one it stops rendering altogether stays.
var DefaultPruneKinds = []schema.GroupVersionKind{
	{Group: "apps", Version: "v1", Kind: "Deployment"},
	{Group: "apps", Version: "v1", Kind: "StatefulSet"},
	{Group: "apps", Version: "v1", Kind: "DaemonSet"},
	{Version: "v1", Kind: "Service"},
	{Version: "v1", Kind: "ConfigMap"},
	{Version: "v1", Kind: "Secret"},
	{Version: "v1", Kind: "ServiceAccount"},
	{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"},
	{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"},
	{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"},
}

var pvcKind = schema.GroupVersionKind{Version: "v1", Kind: "PersistentVolumeClaim"}

// PruneOptions say what may be pruned.
type PruneOptions struct {
	Ownership Ownership
	// Namespaces to scan besides those of the desired objects.
	Namespaces []string
	// Kinds to scan besides the desired objects' and DefaultPruneKinds.
	Kinds []schema.GroupVersionKind
	// DeletePVCs also deletes PersistentVolumeClaims: those owned by the
	// environment and the volumes of the StatefulSets being pruned. Off,
	// no PVC is ever deleted.
	DeletePVCs bool
}

// PruneItem is a live object labelled for the environment and no longer
// rendered: one to delete, or one left in place (Kept says why).
type PruneItem struct {
	Object diff.Ref `json:"object"`
	Reason string   `json:"reason"`
	// Kept is why the object is not deleted although a label names the
	// environment (KeptTankaLabel, KeptNotApplied); "" when Prune deletes it.
	Kept string `json:"kept,omitempty"`
	live *unstructured.Unstructured
}

// Deletions keeps the items Prune deletes.
func Deletions(items []PruneItem) []PruneItem {
	var out []PruneItem
	for _, it := range items {
		if it.Kept == "" {
			out = append(out, it)
		}
	}
	return out
}

// KeptItems keeps the items left in place, to be named to the operator.
func KeptItems(items []PruneItem) []PruneItem {
	var out []PruneItem
	for _, it := range items {
		if it.Kept != "" {
			out = append(out, it)
		}
	}
	return out
}

// PruneCandidates lists the live objects of this environment that the
// desired objects no longer include, in the scanned kinds and namespaces.
// Those mimirctl applied (Ownership.Applied: its label and its field
// manager) in a namespace are to delete; cluster-scoped ones come with
// KeptClusterScoped; those found by Tanka's LabelTankaEnvironment alone,
// or by mimirctl's label without its field manager, come with Kept set and
// are never deleted. It is what `plan` shows before an apply.
func PruneCandidates(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, desired []*unstructured.Unstructured, opts PruneOptions) ([]PruneItem, error) {
	if err := opts.Ownership.Validate(); err != nil {
		return nil, err
	}
	if len(desired) == 0 {
		return nil, errors.New("refusing to look for objects to prune: nothing is rendered, so everything would be")
	}
	keep := map[string]bool{}
	for _, d := range desired {
		keep[identity(d)] = true
	}
	var items []PruneItem
	for _, scan := range scans(mapper, desired, opts) {
		for _, sel := range opts.Ownership.selectors() {
			list, err := listAll(ctx, dyn, scan, sel)
			if err != nil {
				return nil, err
			}
			for i := range list {
				obj := &list[i]
				if keep[identity(obj)] {
					continue
				}
				keep[identity(obj)] = true // listed once even when both labels match
				kept := opts.Ownership.KeptReason(obj)
				if kept == "" && obj.GetNamespace() == "" {
					kept = KeptClusterScoped
				}
				items = append(items, PruneItem{Object: diff.RefOf(obj), Reason: "labelled " + sel + " and no longer rendered",
					Kept: kept, live: obj})
			}
		}
	}
	if opts.DeletePVCs {
		pvcs, err := volumesOf(ctx, dyn, mapper, Deletions(items), keep)
		if err != nil {
			return nil, err
		}
		items = append(items, pvcs...)
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Object.String() < items[j].Object.String() })
	return items, nil
}

// Prune deletes the items mimirctl applied (see PruneCandidates) and the
// volumes listed with them; kept items are skipped, and objects already gone
// too.
func Prune(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, items []PruneItem, ownership Ownership) error {
	if err := ownership.Validate(); err != nil {
		return err
	}
	for _, it := range items {
		if it.live == nil {
			return fmt.Errorf("prune %s: not a candidate from PruneCandidates", it.Object)
		}
		if it.Kept != "" {
			continue
		}
		if it.live.GetKind() != "PersistentVolumeClaim" && !ownership.Applied(it.live) {
			return fmt.Errorf("prune %s: %s; refusing to delete it", it.Object, ownership.KeptReason(it.live))
		}
		if it.live.GetNamespace() == "" {
			return fmt.Errorf("prune %s: %s", it.Object, KeptClusterScoped)
		}
		rc, err := client(dyn, mapper, it.live)
		if err != nil {
			return err
		}
		uid := it.live.GetUID()
		policy := metav1.DeletePropagationBackground
		err = withRetry(ctx, func() error {
			return rc.Delete(ctx, it.live.GetName(), metav1.DeleteOptions{
				Preconditions:     &metav1.Preconditions{UID: &uid},
				PropagationPolicy: &policy,
			})
		})
		if err != nil && !apierrors.IsNotFound(err) {
			return explainAPIError("delete "+it.Object.String(), it.Object, err)
		}
	}
	return nil
}

// scan is one kind in one namespace ("" for cluster-wide kinds).
type scan struct {
	resource  schema.GroupVersionResource
	namespace string
}

// scans lists the (resource, namespace) pairs to look into; kinds the
// cluster does not serve are skipped, and PVCs only with DeletePVCs.
func scans(mapper meta.RESTMapper, desired []*unstructured.Unstructured, opts PruneOptions) []scan {
	kinds := append([]schema.GroupVersionKind{}, DefaultPruneKinds...)
	kinds = append(kinds, opts.Kinds...)
	namespaces := map[string]bool{}
	for _, ns := range opts.Namespaces {
		namespaces[ns] = true
	}
	for _, d := range desired {
		kinds = append(kinds, d.GroupVersionKind())
		if ns := d.GetNamespace(); ns != "" {
			namespaces[ns] = true
		}
	}
	seen := map[scan]bool{}
	var out []scan
	for _, k := range kinds {
		if k == pvcKind && !opts.DeletePVCs {
			continue
		}
		m, err := resourceFor(mapper, k)
		if err != nil {
			continue
		}
		targets := []string{""}
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			targets = slices.Sorted(maps.Keys(namespaces))
		}
		for _, ns := range targets {
			s := scan{resource: m.Resource, namespace: ns}
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func listAll(ctx context.Context, dyn dynamic.Interface, s scan, selector string) ([]unstructured.Unstructured, error) {
	var list *unstructured.UnstructuredList
	err := withRetry(ctx, func() error {
		var err error
		list, err = dyn.Resource(s.resource).Namespace(s.namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
		return err
	})
	if apierrors.IsNotFound(err) || apierrors.IsMethodNotSupported(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s in namespace %q with %s: %w", s.resource.Resource, s.namespace, selector, err)
	}
	return list.Items, nil
}

// volumesOf finds the PVCs of the StatefulSets among items, named
// <claim template>-<statefulset>-<ordinal>.
func volumesOf(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, items []PruneItem, listed map[string]bool) ([]PruneItem, error) {
	var out []PruneItem
	for _, it := range items {
		if it.live.GetKind() != "StatefulSet" {
			continue
		}
		templates, _, _ := unstructured.NestedSlice(it.live.Object, "spec", "volumeClaimTemplates")
		m, err := resourceFor(mapper, pvcKind)
		if err != nil {
			return nil, err
		}
		list, err := listAll(ctx, dyn, scan{resource: m.Resource, namespace: it.live.GetNamespace()}, "")
		if err != nil {
			return nil, err
		}
		for _, t := range templates {
			tm, _ := t.(map[string]any)
			claim, _, _ := unstructured.NestedString(tm, "metadata", "name")
			re := regexp.MustCompile("^" + regexp.QuoteMeta(claim+"-"+it.live.GetName()) + `-[0-9]+$`)
			for i := range list {
				pvc := &list[i]
				if re.MatchString(pvc.GetName()) && !listed[identity(pvc)] {
					listed[identity(pvc)] = true
					out = append(out, PruneItem{Object: diff.RefOf(pvc), Reason: "volume of pruned StatefulSet " + it.live.GetName(), live: pvc})
				}
			}
		}
	}
	return out, nil
}

// identity is an object's group, kind, namespace and name.
func identity(obj *unstructured.Unstructured) string {
	gvk := obj.GroupVersionKind()
	return fmt.Sprintf("%s/%s/%s/%s", gvk.Group, gvk.Kind, obj.GetNamespace(), obj.GetName())
}
