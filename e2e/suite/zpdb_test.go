//go:build e2e

package suite

import (
	"context"
	"reflect"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/mimirctl/mimirctl/e2e/grafanalib"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// TestRolloutOperatorLibServesTheLibrarysZoneAwareBudgets gives the real
// API server the ZoneAwarePodDisruptionBudget definition that
// grafanalib.RolloutOperatorLib renders for Grafana's Mimir 3.0.5 library
// (grafana/rollout-operator v0.36.1 waits at startup until it can list
// that resource) and checks that it serves the budgets the library itself
// renders when its zone-aware disruption budgets are on: each is accepted
// as rendered (group, version, kind, namespace) and read back with the
// same spec. The kind suite (e2e/kind) is where the operator then runs on
// it; this part needs only the API server, so it runs everywhere.
func TestRolloutOperatorLibServesTheLibrarysZoneAwareBudgets(t *testing.T) {
	t.Parallel()
	const ns = "e2e-zpdb"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	res := renderWithOperatorLib(ctx, t, ns, `{ _config+:: {
  multi_zone_ingester_zpdb_enabled: true,
  multi_zone_store_gateway_zpdb_enabled: true,
} }`)
	var crds, budgets []*unstructured.Unstructured
	for _, o := range res.Objects {
		switch o.GetKind() {
		case "CustomResourceDefinition":
			crds = append(crds, o)
		case "ZoneAwarePodDisruptionBudget":
			budgets = append(budgets, o)
		}
	}
	if len(crds) != 1 || len(budgets) == 0 {
		t.Fatalf("the 3.0.5 environment with %s and zone-aware budgets on renders %d CustomResourceDefinitions and %d ZoneAwarePodDisruptionBudgets, want 1 and some",
			grafanalib.RolloutOperatorLib, len(crds), len(budgets))
	}
	crd := crds[0]

	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	crdClient := harness.clients.Dynamic.Resource(crdGVR)
	switch _, err := crdClient.Create(ctx, crd, metav1.CreateOptions{}); {
	case err == nil:
		// With grafana/rollout-operator's image, the environments being
		// deployed beside this test apply the same definition and need it.
		if !harness.rolloutOperatorImage {
			t.Cleanup(func() {
				if err := crdClient.Delete(context.Background(), crd.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
					t.Log(err)
				}
			})
		}
	case apierrors.IsAlreadyExists(err):
		// An environment deployed it first (the operator's image).
	default:
		t.Fatalf("the API server refuses the definition %s: %v", crd.GetName(), err)
	}
	var conditions []any
	err := wait.PollUntilContextTimeout(ctx, time.Second, time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := crdClient.Get(ctx, crd.GetName(), metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		conditions, _, _ = unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, c := range conditions {
			c, _ := c.(map[string]any)
			if c["type"] == "Established" && c["status"] == "True" {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("the definition %s is not established: %v (conditions %v)", crd.GetName(), err, conditions)
	}

	plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
	freshNamespace(ctx, t, ns)
	for _, b := range budgets {
		gv, err := schema.ParseGroupVersion(b.GetAPIVersion())
		if err != nil {
			t.Fatal(err)
		}
		client := harness.clients.Dynamic.Resource(gv.WithResource(plural)).Namespace(ns)
		if _, err := client.Create(ctx, b, metav1.CreateOptions{}); err != nil {
			t.Fatalf("the API server refuses the library's %s %s (%s): %v", b.GetKind(), b.GetName(), b.GetAPIVersion(), err)
		}
		got, err := client.Get(ctx, b.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetKind() != b.GetKind() || !reflect.DeepEqual(got.Object["spec"], b.Object["spec"]) {
			t.Errorf("%s %s reads back as %s with spec %v, want %v", b.GetKind(), b.GetName(), got.GetKind(), got.Object["spec"], b.Object["spec"])
		}
	}
	t.Logf("%s served %d budgets of the library", crd.GetName(), len(budgets))
}

// renderWithOperatorLib renders the e2e environment on Grafana's Mimir 3.0.5
// library for namespace ns with grafanalib.RolloutOperatorLib (the library's
// rollout-operator on, as the kind suite deploys it) and extra jsonnet
// merged after it ("" for none).
func renderWithOperatorLib(ctx context.Context, t *testing.T, ns, extra string) *tanka.Result {
	t.Helper()
	k8sLib, err := grafanalib.KubernetesLibrary()
	if err != nil {
		t.Fatal(err)
	}
	lib := "(import '" + grafanalib.RolloutOperatorLib + "')"
	if extra != "" {
		lib += " + " + extra
	}
	envDir, err := grafanalib.WriteTestProject(t.TempDir(), k8sLib, grafanalib.Mimir305, ns, lib)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tanka.Load(ctx, envDir, tanka.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
