package kube

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/pkg/internal/kubefake"
)

// scaledObject is a KEDA ScaledObject as Grafana's Mimir jsonnet renders it
// for an autoscaled component.
func scaledObject(name, target string, minReplicas int64, annotations map[string]string) *unstructured.Unstructured {
	so := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
		"metadata": map[string]any{"name": name, "namespace": "mimir"},
		"spec": map[string]any{
			"minReplicaCount": minReplicas, "maxReplicaCount": int64(30),
			"scaleTargetRef": map[string]any{"name": target},
		},
	}}
	if annotations != nil {
		so.SetAnnotations(annotations)
	}
	return so
}

func hpa(name, kind, target string, minReplicas int64, kedaOwned bool) unstructured.Unstructured {
	h := unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
		"metadata": map[string]any{"name": name, "namespace": "mimir"},
		"spec": map[string]any{
			"minReplicas": minReplicas, "maxReplicas": int64(30),
			"scaleTargetRef": map[string]any{"apiVersion": "apps/v1", "kind": kind, "name": target},
		},
	}}
	if kedaOwned {
		h.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "keda.sh/v1alpha1", Kind: "ScaledObject", Name: target, UID: "u"}})
	}
	return h
}

func TestAutoscalersThatWouldUndoAScaleDown(t *testing.T) {
	querierToZero := []ReplicaChange{{Namespace: "mimir", Kind: "Deployment", Name: "querier", Replicas: 0}}
	for _, tc := range []struct {
		name    string
		a       Autoscalers
		changes []ReplicaChange
		want    string // substring of the only refusal; "" for none
	}{
		{"an unpaused ScaledObject undoes a scale to 0",
			Autoscalers{Live: []unstructured.Unstructured{*scaledObject("querier", "querier", 2, nil)}, HPAs: []unstructured.Unstructured{hpa("keda-hpa-querier", "Deployment", "querier", 2, true)}},
			querierToZero, "KEDA ScaledObject querier (minReplicaCount 2)"},
		{"KEDA scales up from 0 even with minReplicaCount 0",
			Autoscalers{Live: []unstructured.Unstructured{*scaledObject("querier", "querier", 0, nil)}},
			querierToZero, "annotate scaledobject querier autoscaling.keda.sh/paused-replicas=0"},
		{"the step renders the ScaledObject paused at 0",
			Autoscalers{Live: []unstructured.Unstructured{*scaledObject("querier", "querier", 2, nil)},
				Rendered: []*unstructured.Unstructured{scaledObject("querier", "querier", 2, map[string]string{KEDAPausedReplicas: "0"})}},
			querierToZero, ""},
		{"paused at another count is not paused at 0",
			Autoscalers{Live: []unstructured.Unstructured{*scaledObject("querier", "querier", 2, map[string]string{KEDAPausedReplicas: "3"})}},
			querierToZero, "pause it at 0 first"},
		{"paused outright by the operator",
			Autoscalers{Live: []unstructured.Unstructured{*scaledObject("querier", "querier", 2, map[string]string{"autoscaling.keda.sh/paused": "true"})}},
			querierToZero, ""},
		{"a ScaledObject of another workload",
			Autoscalers{Live: []unstructured.Unstructured{*scaledObject("ruler", "ruler", 2, nil)}},
			querierToZero, ""},
		{"a scale-down within the ScaledObject's range",
			Autoscalers{Live: []unstructured.Unstructured{*scaledObject("querier", "querier", 2, nil)}},
			[]ReplicaChange{{Namespace: "mimir", Kind: "Deployment", Name: "querier", Replicas: 3}}, ""},
		{"a plain HPA leaves a target at 0 alone",
			Autoscalers{HPAs: []unstructured.Unstructured{hpa("querier", "Deployment", "querier", 2, false)}},
			querierToZero, ""},
		{"a plain HPA undoes a scale below its minReplicas",
			Autoscalers{HPAs: []unstructured.Unstructured{hpa("mimir-write", "StatefulSet", "mimir-write-zone-a", 3, false)}},
			[]ReplicaChange{{Namespace: "mimir", Kind: "StatefulSet", Name: "mimir-write-zone-a", Replicas: 1}}, "HorizontalPodAutoscaler mimir-write keeps it at 3 or more"},
		{"an HPA of a Deployment does not target the StatefulSet of the same name",
			Autoscalers{HPAs: []unstructured.Unstructured{hpa("x", "Deployment", "mimir-write-zone-a", 3, false)}},
			[]ReplicaChange{{Namespace: "mimir", Kind: "StatefulSet", Name: "mimir-write-zone-a", Replicas: 1}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.a.Namespace = "mimir"
			got := tc.a.WouldUndo(tc.changes)
			switch {
			case tc.want == "" && len(got) > 0:
				t.Fatalf("want no refusal, got %q", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Fatalf("want one refusal containing %q, got %q", tc.want, got)
			}
		})
	}
}

func TestReplicaChangesListsOnlyWorkloadsWhoseReplicasChange(t *testing.T) {
	live := func(name string, n int32) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "mimir"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To(n)}}
	}
	api, err := kubefake.New(live("querier", 2), live("ruler", 0), live("query-frontend", 2))
	if err != nil {
		t.Fatal(err)
	}
	rendered := func(name string, replicas any) *unstructured.Unstructured {
		spec := map[string]any{}
		if replicas != nil {
			spec["replicas"] = replicas
		}
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": name, "namespace": "mimir"}, "spec": spec}}
	}
	got, err := ReplicaChanges(context.Background(), api.Dynamic(), api.Mapper(), []*unstructured.Unstructured{
		rendered("querier", int64(0)),     // 2 → 0
		rendered("ruler", int64(0)),       // unchanged
		rendered("query-frontend", nil),   // autoscaled: no replicas rendered
		rendered("distributor", int64(3)), // new
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []ReplicaChange{{Namespace: "mimir", Kind: "Deployment", Name: "querier", Replicas: 0}, {Namespace: "mimir", Kind: "Deployment", Name: "distributor", Replicas: 3}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// The workloads ReplicaChanges reads are kept in the LiveObjects the caller
// passes, so that the diff of the same objects afterwards reads only the
// others; what each compares is unchanged.
func TestReplicaChangesShareTheLiveWorkloadsWithTheDiff(t *testing.T) {
	api, err := kubefake.New(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "querier", Namespace: "mimir"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)}})
	if err != nil {
		t.Fatal(err)
	}
	querier := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "querier", "namespace": "mimir"}, "spec": map[string]any{"replicas": int64(0)}}}
	config := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "runtime-config", "namespace": "mimir"}}}
	desired := []*unstructured.Unstructured{querier, config}
	gets := func() map[string]int {
		out := map[string]int{}
		for _, a := range api.Actions() {
			if a.GetVerb() == "get" {
				out[a.GetResource().Resource]++
			}
		}
		return out
	}

	live := LiveObjects{}
	changes, err := ReplicaChanges(context.Background(), api.Dynamic(), api.Mapper(), desired, live)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Name != "querier" || changes[0].Replicas != 0 {
		t.Fatalf("changes: %+v", changes)
	}
	pairs, err := live.Pairs(context.Background(), api.Dynamic(), api.Mapper(), desired, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := gets(); got["deployments"] != 1 || got["configmaps"] != 1 {
		t.Errorf("want each object read once, got %v", got)
	}
	if len(pairs) != 2 || pairs[0].Live == nil || pairs[0].Live.GetName() != "querier" || pairs[1].Live != nil {
		t.Errorf("pairs: %+v", pairs)
	}
}

// fakeStaleMapper answers "no match" until it is reset, as a discovery
// mapper built before a CRD was installed does.
type fakeStaleMapper struct {
	meta.RESTMapper
	stale bool
}

func (m *fakeStaleMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	if m.stale {
		return nil, &meta.NoKindMatchError{GroupKind: gk, SearchedVersions: versions}
	}
	return m.RESTMapper.RESTMapping(gk, versions...)
}

func (m *fakeStaleMapper) Reset() { m.stale = false }

// ListAutoscalers refreshes a mapper that does not know a kind yet (the way
// every other read of this package does) instead of listing nothing.
func TestListAutoscalersRefreshesAStaleMapper(t *testing.T) {
	h := hpa("querier", "Deployment", "querier", 2, false)
	api, err := kubefake.New(&h)
	if err != nil {
		t.Fatal(err)
	}
	mapper := &fakeStaleMapper{RESTMapper: api.Mapper(), stale: true}
	a, err := ListAutoscalers(context.Background(), api.Dynamic(), mapper, "mimir", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.HPAs) != 1 || a.HPAs[0].GetName() != "querier" {
		t.Fatalf("want the HorizontalPodAutoscaler querier, got %d HPAs", len(a.HPAs))
	}
}

// A list answered 404 (KEDA's CRD removed after the mapper learnt it, as a
// test beside the e2e suite did on the shared cluster) lists no
// ScaledObject instead of failing the step.
func TestListAutoscalersTakesAKindRemovedMeanwhileAsNotServed(t *testing.T) {
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(scaledObjectGVK, meta.RESTScopeNamespace)
	mapper.Add(hpaGVK, meta.RESTScopeNamespace)
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		{Group: "keda.sh", Version: "v1alpha1", Resource: "scaledobjects"}:          "ScaledObjectList",
		{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"}: "HorizontalPodAutoscalerList",
	})
	dyn.PrependReactor("list", "scaledobjects", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewNotFound(schema.GroupResource{Group: "keda.sh", Resource: "scaledobjects"}, "")
	})
	a, err := ListAutoscalers(context.Background(), dyn, mapper, "mimir", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Live) != 0 {
		t.Errorf("listed %d ScaledObjects", len(a.Live))
	}
}
