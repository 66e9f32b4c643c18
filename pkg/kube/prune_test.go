package kube

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"k8s.io/client-go/kubernetes/scheme"

	"github.com/mimirctl/mimirctl/pkg/diff"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

var owned = Ownership{EnvironmentID: "env-1"}

func labelled(labels ...string) map[string]string {
	out := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		out[labels[i]] = labels[i+1]
	}
	return out
}

func deploy(name string, labels map[string]string, managers ...string) *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels, UID: types.UID("uid-" + name), ManagedFields: managedBy(managers...)}}
}

// managedBy lists the field managers that applied an object.
func managedBy(managers ...string) []metav1.ManagedFieldsEntry {
	var out []metav1.ManagedFieldsEntry
	for _, m := range managers {
		out = append(out, metav1.ManagedFieldsEntry{Manager: m, Operation: metav1.ManagedFieldsOperationApply, APIVersion: "apps/v1"})
	}
	return out
}

func pvc(name string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
}

// pruneCluster holds, in namespace mimir: the desired mimir-read; the
// microservices the read-write mode no longer renders, applied by mimirctl
// or labelled by Tanka; an object carrying mimirctl's label that mimirctl
// never applied; objects of others; and PVCs.
func pruneCluster(t *testing.T) (*dynamicfake.FakeDynamicClient, []*unstructured.Unstructured) {
	objs := []runtime.Object{
		deploy("mimir-read", labelled(LabelEnvironment, "env-1"), FieldManager),
		deploy("querier", labelled(LabelEnvironment, "env-1", LabelManagedBy, "mimirctl"), FieldManager),
		deploy("query-frontend", labelled(LabelTankaEnvironment, "env-1"), "kubectl-client-side-apply"),
		deploy("copied-labels", labelled(LabelEnvironment, "env-1", LabelTankaEnvironment, "env-1"), "kubectl-client-side-apply"),
		deploy("grafana", labelled(LabelEnvironment, "env-2"), FieldManager),
		deploy("hand-made", nil),
		statefulSet("ingester-zone-a", testkit.Label(LabelEnvironment, "env-1"), testkit.StatefulSetFunc(func(s *appsv1.StatefulSet) {
			s.ManagedFields = managedBy(FieldManager, ScaleFieldManager)
			s.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "ingester-data"}}}
		})),
		pvc("ingester-data-ingester-zone-a-0"), pvc("ingester-data-ingester-zone-a-1"), pvc("ingester-data-ingester-zone-a-b-0"),
		pvc("mimir-write-data-mimir-write-zone-a-0"),
	}
	desired := []*unstructured.Unstructured{toUnstructured(t, deploy("mimir-read", nil))}
	return dynamicfake.NewSimpleDynamicClient(scheme.Scheme, objs...), desired
}

func candidateNames(items []PruneItem) string {
	var out []string
	for _, it := range items {
		out = append(out, it.Object.Kind+"/"+it.Object.Name)
	}
	return strings.Join(out, " ")
}

func TestPruneCandidates(t *testing.T) {
	tests := []struct {
		behaviour string
		opts      PruneOptions
		deletions string
		kept      string
	}{
		{"objects mimirctl applied for this environment (its label and field manager) and no longer rendered are deleted; PVCs are not",
			PruneOptions{Ownership: owned},
			"Deployment/querier StatefulSet/ingester-zone-a",
			"Deployment/copied-labels: " + KeptNotApplied + "; Deployment/query-frontend: " + KeptTankaLabel},
		{"with DeletePVCs the volumes of pruned StatefulSets are deleted too, and only theirs",
			PruneOptions{Ownership: owned, DeletePVCs: true},
			"Deployment/querier PersistentVolumeClaim/ingester-data-ingester-zone-a-0 " +
				"PersistentVolumeClaim/ingester-data-ingester-zone-a-1 StatefulSet/ingester-zone-a",
			"Deployment/copied-labels: " + KeptNotApplied + "; Deployment/query-frontend: " + KeptTankaLabel},
		{"another environment's objects are never candidates",
			PruneOptions{Ownership: Ownership{EnvironmentID: "env-2"}}, "Deployment/grafana", ""},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			dyn, desired := pruneCluster(t)
			items, err := PruneCandidates(context.Background(), dyn, fakeMapper(), desired, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := candidateNames(Deletions(items)); got != tt.deletions {
				t.Errorf("deletions:\n%s\nwant:\n%s", got, tt.deletions)
			}
			if got := keptNames(KeptItems(items)); got != tt.kept {
				t.Errorf("kept:\n%s\nwant:\n%s", got, tt.kept)
			}
		})
	}
}

func keptNames(items []PruneItem) string {
	var out []string
	for _, it := range items {
		out = append(out, it.Object.Kind+"/"+it.Object.Name+": "+it.Kept)
	}
	return strings.Join(out, "; ")
}

func TestPruneDeletesWhatMimirctlAppliedAndNothingElse(t *testing.T) {
	dyn, desired := pruneCluster(t)
	ctx := context.Background()
	items, err := PruneCandidates(ctx, dyn, fakeMapper(), desired, PruneOptions{Ownership: owned})
	if err != nil {
		t.Fatal(err)
	}
	if err := Prune(ctx, dyn, fakeMapper(), items, owned); err != nil {
		t.Fatal(err)
	}
	left, err := PruneCandidates(ctx, dyn, fakeMapper(), desired, PruneOptions{Ownership: owned, DeletePVCs: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := candidateNames(left); got != "Deployment/copied-labels Deployment/query-frontend" {
		t.Fatalf("left after prune: %s", got)
	}
	pvcs, err := dyn.Resource(corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims")).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(pvcs.Items) != 4 {
		t.Fatalf("PVCs after a prune without DeletePVCs: %d, %v", len(pvcs.Items), err)
	}
}

func TestPruneRefusals(t *testing.T) {
	dyn, _ := pruneCluster(t)
	if _, err := PruneCandidates(context.Background(), dyn, fakeMapper(), nil, PruneOptions{Ownership: owned}); err == nil {
		t.Fatal("pruning with nothing rendered was allowed")
	}
	if _, err := PruneCandidates(context.Background(), dyn, fakeMapper(), []*unstructured.Unstructured{configMap("x")}, PruneOptions{}); err == nil {
		t.Fatal("pruning without an environment id was allowed")
	}
	if err := Prune(context.Background(), dyn, fakeMapper(), []PruneItem{{Object: candidateRef()}}, owned); err == nil {
		t.Fatal("pruning an item that did not come from PruneCandidates was allowed")
	}
}

func TestOwnershipLabels(t *testing.T) {
	objs := owned.Label([]*unstructured.Unstructured{configMap("a"), toUnstructured(t, deploy("b", labelled(LabelManagedBy, "tanka")))})
	if l := objs[0].GetLabels(); l[LabelEnvironment] != "env-1" || l[LabelManagedBy] != "mimirctl" {
		t.Fatalf("labels %v", l)
	}
	if l := objs[1].GetLabels(); l[LabelManagedBy] != "tanka" || l[LabelEnvironment] != "env-1" {
		t.Fatalf("a managed-by label set by the environment was overwritten: %v", l)
	}
}

func TestOwnershipAppliedNeedsTheLabelAndTheFieldManager(t *testing.T) {
	tests := []struct {
		behaviour string
		obj       *appsv1.Deployment
		want      string
	}{
		{"mimirctl's label and field manager: applied", deploy("a", labelled(LabelEnvironment, "env-1"), "kubectl", FieldManager), ""},
		{"Tanka's label alone, whatever the manager: Tanka's", deploy("b", labelled(LabelTankaEnvironment, "env-1"), FieldManager), KeptTankaLabel},
		{"mimirctl's label without its field manager: not applied", deploy("c", labelled(LabelEnvironment, "env-1"), ScaleFieldManager), KeptNotApplied},
		{"another environment's label", deploy("d", labelled(LabelEnvironment, "env-2"), FieldManager), KeptOtherEnvironment},
		{"no label", deploy("e", nil, FieldManager), KeptOtherEnvironment},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			obj := toUnstructured(t, tt.obj)
			if got := owned.KeptReason(obj); got != tt.want {
				t.Errorf("KeptReason = %q, want %q", got, tt.want)
			}
			if owned.Applied(obj) != (tt.want == "") {
				t.Errorf("Applied = %v", owned.Applied(obj))
			}
		})
	}
}

func candidateRef() diff.Ref { return diff.Ref{Kind: "Deployment", Namespace: ns, Name: "querier"} }

// The same Tanka environment deployed into two namespaces of one cluster
// carries one environment id (Tanka hashes its name and path), so the apply
// in one namespace sees the other's Namespace as its own and no longer
// rendered. Seen when the e2e scenarios ran side by side: the migration's
// prune deleted the zone scenario's namespace. Cluster-scoped objects are
// listed and never deleted.
func TestPruneNeverDeletesClusterScopedObjects(t *testing.T) {
	other := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "e2e-zones", UID: "uid-ns-zones",
		Labels: labelled(LabelEnvironment, "env-1"), ManagedFields: managedBy(FieldManager)}}
	mine := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labelled(LabelEnvironment, "env-1"), ManagedFields: managedBy(FieldManager)}}
	dyn := dynamicfake.NewSimpleDynamicClient(scheme.Scheme, other, mine, deploy("mimir-read", labelled(LabelEnvironment, "env-1"), FieldManager))
	desired := []*unstructured.Unstructured{toUnstructured(t, mine), toUnstructured(t, deploy("mimir-read", nil))}
	ctx := context.Background()
	items, err := PruneCandidates(ctx, dyn, fakeMapper(), desired, PruneOptions{Ownership: owned})
	if err != nil {
		t.Fatal(err)
	}
	if got := candidateNames(Deletions(items)); got != "" {
		t.Errorf("deletions: %s, want none", got)
	}
	if got := keptNames(KeptItems(items)); got != "Namespace/e2e-zones: "+KeptClusterScoped {
		t.Errorf("kept: %s", got)
	}
	if err := Prune(ctx, dyn, fakeMapper(), items, owned); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(corev1.SchemeGroupVersion.WithResource("namespaces")).Get(ctx, "e2e-zones", metav1.GetOptions{}); err != nil {
		t.Errorf("the other namespace is gone: %v", err)
	}
}
