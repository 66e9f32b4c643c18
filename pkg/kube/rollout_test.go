package kube

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

func TestStatefulSetRollout(t *testing.T) {
	tests := []struct {
		behaviour string
		objects   []runtime.Object
		done      bool
		holders   string // "pod: reason; ..."
		note      string // substring
	}{
		{"a StatefulSet whose pods all run the update revision and are ready is done",
			append(stsPods("ingester-zone-a", 3, "rev-2"), statefulSet("ingester-zone-a")), true, "", ""},
		{"a pod at the old revision of an OnDelete StatefulSet under rollout-operator holds it back",
			append(append(stsPods("ingester-zone-a", 2, "rev-2"), pod("ingester-zone-a-2", "ingester-zone-a", "StatefulSet", "rev-1")),
				statefulSet("ingester-zone-a", testkit.OnDelete(), testkit.Label(LabelRolloutGroup, "ingester"), testkit.ReplicaStatus(3, 3, 2))),
			false, "ingester-zone-a-2: old revision", "rolled by rollout-operator (rollout-group ingester)"},
		{"an OnDelete rollout group with no rollout-operator running in the namespace says nothing replaces old pods",
			append(append(stsPods("ingester-zone-a", 2, "rev-2"), pod("ingester-zone-a-2", "ingester-zone-a", "StatefulSet", "rev-1"),
				rolloutOperatorDeployment(0)),
				statefulSet("ingester-zone-a", testkit.OnDelete(), testkit.Label(LabelRolloutGroup, "ingester"), testkit.ReplicaStatus(3, 3, 2))),
			false, "ingester-zone-a-2: old revision", "no Deployment of namespace mimir runs rollout-operator with a ready pod: unless it runs in another namespace, nothing replaces old pods; start it or delete them one at a time (kubectl -n mimir delete pod ingester-zone-a-2)"},
		{"an OnDelete StatefulSet without rollout-group says old pods must be deleted by hand",
			append(stsPods("compactor", 1, "rev-1"), statefulSet("compactor", testkit.OnDelete(), testkit.Replicas(1), testkit.ReplicaStatus(1, 1, 0))),
			false, "compactor-0: old revision", "kubectl -n mimir delete pod compactor-0"},
		{"a not ready pod at the new revision holds the rollout back with its container's reason",
			append(append(stsPods("store-gateway-zone-a", 1, "rev-2"), pod("store-gateway-zone-a-1", "store-gateway-zone-a", "StatefulSet", "rev-2", testkit.Waiting("CrashLoopBackOff"))),
				statefulSet("store-gateway-zone-a", testkit.Replicas(2), testkit.ReplicaStatus(2, 1, 2))),
			false, "store-gateway-zone-a-1: not ready: CrashLoopBackOff", ""},
		{"a pending pod says why it is not scheduled",
			append(stsPods("mimir-write-zone-a", 1, "rev-2", testkit.Unschedulable("0/3 nodes are available")), statefulSet("mimir-write-zone-a", testkit.Replicas(1), testkit.ReplicaStatus(1, 0, 1))),
			false, "mimir-write-zone-a-0: pending: Unschedulable 0/3 nodes are available", ""},
		{"a generation the controller has not observed is not done",
			append(stsPods("ingester-zone-b", 3, "rev-2"), statefulSet("ingester-zone-b", testkit.Generation(2, 1))), false, "", ""},
		{"a StatefulSet scaled to zero is done once its pods are gone",
			[]runtime.Object{statefulSet("ingester-zone-c", testkit.Replicas(0))}, true, "", ""},
		{"pods beyond the desired replicas keep a scale-down from being done",
			append(stsPods("ingester-zone-c", 2, "rev-2"), statefulSet("ingester-zone-c", testkit.Replicas(1), testkit.ReplicaStatus(2, 2, 2))), false, "", ""},
		{"pods of another StatefulSet with matching labels are ignored",
			append(stsPods("ingester-zone-a", 3, "rev-2"), statefulSet("ingester-zone-a"),
				testkit.StatefulSet("other"),
				pod("ingester-zone-a-9", "other", "StatefulSet", "rev-0")), true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			cs := fake.NewClientset(tt.objects...)
			name := ""
			for _, o := range tt.objects {
				if s, ok := o.(*appsv1.StatefulSet); ok && name == "" {
					name = s.Name
				}
			}
			st, err := CheckRollout(context.Background(), cs, Workload{Kind: "StatefulSet", Namespace: ns, Name: name})
			if err != nil {
				t.Fatal(err)
			}
			assertRollout(t, st, tt.done, tt.holders, tt.note)
		})
	}
}

func assertRollout(t *testing.T, st RolloutStatus, done bool, holders, note string) {
	t.Helper()
	var hs []string
	for _, h := range st.Holders {
		hs = append(hs, h.Pod+": "+h.Reason)
	}
	if st.Done != done || strings.Join(hs, "; ") != holders || !strings.Contains(st.Note, note) {
		t.Fatalf("status %+v\nwant done=%v holders=%q note containing %q", st, done, holders, note)
	}
	want := verdict.Fail
	if done {
		want = verdict.Pass
	}
	if obs := st.Observation(); obs.Verdict != want {
		t.Fatalf("observation %v, want %v", obs, want)
	}
}

// deployment builds a Deployment at revision 2 with replica sets
// querier-new12 (revision 2) and querier-old12 (revision 1).
func deployment(replicas, updated, total, available int32) []runtime.Object {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "querier", Namespace: ns, UID: "uid-querier", Generation: 2,
			Annotations: map[string]string{AnnotationDeploymentRevision: "2"}},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](replicas), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"name": "querier"}}},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: total, UpdatedReplicas: updated, AvailableReplicas: available,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Reason: "NewReplicaSetAvailable"}}},
	}
	rs := func(name, rev, hash string) *appsv1.ReplicaSet {
		return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name),
			Labels:          map[string]string{"name": "querier", LabelPodTemplateHash: hash},
			Annotations:     map[string]string{AnnotationDeploymentRevision: rev},
			OwnerReferences: []metav1.OwnerReference{{Kind: "Deployment", Name: "querier", UID: "uid-querier", Controller: ptr.To(true)}}}}
	}
	return []runtime.Object{d, rs("querier-new12", "2", "new12"), rs("querier-old12", "1", "old12")}
}

func TestDeploymentRollout(t *testing.T) {
	tests := []struct {
		behaviour string
		objects   []runtime.Object
		done      bool
		holders   string
	}{
		{"a Deployment whose status shows all replicas updated and available is done",
			append(deployment(2, 2, 2, 2), pod("querier-new12-a", "querier-new12", "ReplicaSet", "new12")), true, ""},
		{"pods of the previous ReplicaSet hold the rollout back",
			append(deployment(2, 1, 3, 2), pod("querier-new12-a", "querier-new12", "ReplicaSet", "new12"),
				pod("querier-old12-a", "querier-old12", "ReplicaSet", "old12"), pod("querier-old12-b", "querier-old12", "ReplicaSet", "old12")),
			false, "querier-old12-a: old revision; querier-old12-b: old revision"},
		{"a new pod that is not ready holds the rollout back",
			append(deployment(1, 1, 1, 0), pod("querier-new12-a", "querier-new12", "ReplicaSet", "new12", testkit.Waiting("ContainerCreating"))),
			false, "querier-new12-a: not ready: ContainerCreating"},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			st, err := CheckRollout(context.Background(), fake.NewClientset(tt.objects...), Workload{Kind: "Deployment", Namespace: ns, Name: "querier"})
			if err != nil {
				t.Fatal(err)
			}
			assertRollout(t, st, tt.done, tt.holders, "")
		})
	}
}

func TestRolloutOfAMissingWorkloadIsAnError(t *testing.T) {
	_, err := CheckRollout(context.Background(), fake.NewClientset(), Workload{Kind: "StatefulSet", Namespace: ns, Name: "ingester-zone-a"})
	if err == nil || !strings.Contains(err.Error(), "StatefulSet mimir/ingester-zone-a: it does not exist") {
		t.Fatalf("want a does-not-exist error, got %v", err)
	}
}

// rolloutOperatorDeployment is rollout-operator's Deployment in ns, as
// Grafana's jsonnet deploys it, with ready pods.
func rolloutOperatorDeployment(ready int32) *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "rollout-operator", Namespace: ns}}
	d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "rollout-operator", Image: "grafana/rollout-operator:v0.38.1"}}
	d.Status.ReadyReplicas = ready
	return d
}

// The note on a rollout group names no missing operator where one runs.
func TestRolloutGroupNoteWithRolloutOperatorRunning(t *testing.T) {
	objs := append(append(stsPods("ingester-zone-a", 2, "rev-2"), pod("ingester-zone-a-2", "ingester-zone-a", "StatefulSet", "rev-1"), rolloutOperatorDeployment(1)),
		statefulSet("ingester-zone-a", testkit.OnDelete(), testkit.Label(LabelRolloutGroup, "ingester"), testkit.ReplicaStatus(3, 3, 2)))
	st, err := CheckRollout(context.Background(), fake.NewClientset(objs...), Workload{Kind: "StatefulSet", Namespace: ns, Name: "ingester-zone-a"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st.Note, "rolled by rollout-operator") || strings.Contains(st.Note, "nothing replaces") {
		t.Errorf("note %q, want rollout-operator named as the one who rolls, nothing missing", st.Note)
	}
}
