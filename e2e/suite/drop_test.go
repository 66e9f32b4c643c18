//go:build e2e

package suite

import (
	"context"
	"slices"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mimirctl/mimirctl/e2e/scenario"
	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/kube"
)

// TestDroppingAnEnvironmentRemovesTheClusterScopedObjectsItApplied renders
// Grafana's Mimir 3.0.5 library with its rollout-operator on
// (renderWithOperatorLib, as the kind suite deploys it), applies the
// cluster-scoped objects of the render the way the suite's deploy does
// (mimirctl's labels and field manager) and drops them as a scenario's
// cleanup does (scenario.DropClusterScoped). Every object deleting the
// namespace leaves behind must go: the operator's webhook configurations,
// ClusterRole and ClusterRoleBinding, whatever the library version names
// them. The render's CustomResourceDefinition (shared by every namespace;
// the zone-aware budget test creates it beside this one) is not among
// them, and an object carrying the environment's label that another field
// manager applied must stay. The webhooks select the test's namespace
// only, which is never created, so they intercept nothing.
func TestDroppingAnEnvironmentRemovesTheClusterScopedObjectsItApplied(t *testing.T) {
	t.Parallel()
	const ns = "e2e-drop-cluster-scoped"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	res := renderWithOperatorLib(ctx, t, ns, "")
	applied, own, err := envchange.AppliedObjects(res, false)
	if err != nil {
		t.Fatal(err)
	}
	clusterWide, err := scenario.ClusterScoped(harness.clients.Mapper, applied)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, o := range clusterWide {
		kinds[o.GetKind()] = true
	}
	for _, want := range []string{"ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"} {
		if !kinds[want] {
			t.Errorf("no %s among the cluster-scoped objects of the render (%d: %v)", want, len(clusterWide), refs(clusterWide))
		}
	}
	for _, notWanted := range []string{"Namespace", "CustomResourceDefinition"} {
		if kinds[notWanted] {
			t.Errorf("%s among the objects to drop (%v): the namespace goes on its own, a definition is shared", notWanted, refs(clusterWide))
		}
	}
	if !slices.ContainsFunc(applied, func(o *unstructured.Unstructured) bool { return o.GetKind() == "CustomResourceDefinition" }) {
		t.Error("the 3.0.5 environment with the operator renders no CustomResourceDefinition (ZoneAwarePodDisruptionBudget): nothing shows that definitions are kept")
	}
	if t.Failed() {
		return
	}

	t.Cleanup(func() {
		if err := scenario.DropClusterScoped(context.Background(), harness.clients, own, clusterWide); err != nil {
			t.Log(err)
		}
	})
	if _, err := kube.Apply(ctx, harness.clients.Dynamic, harness.clients.Mapper, clusterWide, kube.ApplyOptions{ForceConflicts: true}); err != nil {
		t.Fatal(err)
	}

	// One more ClusterRole with the environment's label, applied by
	// another field manager: not the suite's to delete.
	foreign := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1",
		"kind":       "ClusterRole",
		"metadata":   map[string]any{"name": ns + "-foreign"},
		"rules":      []any{},
	}}
	foreign = own.Label([]*unstructured.Unstructured{foreign})[0]
	t.Cleanup(func() {
		if err := harness.clients.Kube.RbacV1().ClusterRoles().Delete(context.Background(), foreign.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Log(err)
		}
	})
	if _, err := kube.Apply(ctx, harness.clients.Dynamic, harness.clients.Mapper, []*unstructured.Unstructured{foreign}, kube.ApplyOptions{FieldManager: "e2e-someone-else"}); err != nil {
		t.Fatal(err)
	}

	if err := scenario.DropClusterScoped(ctx, harness.clients, own, append(slices.Clone(clusterWide), foreign)); err != nil {
		t.Fatal(err)
	}
	for _, o := range clusterWide {
		if live, err := kube.GetLive(ctx, harness.clients.Dynamic, harness.clients.Mapper, o); err != nil {
			t.Error(err)
		} else if live != nil {
			t.Errorf("%s is still there after the drop", diff.RefOf(o))
		}
	}
	if live, err := kube.GetLive(ctx, harness.clients.Dynamic, harness.clients.Mapper, foreign); err != nil {
		t.Error(err)
	} else if live == nil {
		t.Errorf("%s (the environment's label, another field manager) was deleted, want it kept", diff.RefOf(foreign))
	}
	t.Logf("dropped %d cluster-scoped objects of the render: %v", len(clusterWide), refs(clusterWide))
}

func refs(objs []*unstructured.Unstructured) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = diff.RefOf(o).String()
	}
	return out
}
