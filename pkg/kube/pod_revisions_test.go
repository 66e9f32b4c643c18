package kube

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

func TestPodRollouts(t *testing.T) {
	partitioned := statefulSet("store-gateway", testkit.StatefulSetFunc(func(s *appsv1.StatefulSet) {
		s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
			RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](2)}}
	}))
	objs := append(deployment(2, 1, 2, 1), statefulSet("ingester"), partitioned)
	pods := []*corev1.Pod{
		pod("querier-new12-aaaaa", "querier-new12", "ReplicaSet", "new12"),
		pod("querier-old12-bbbbb", "querier-old12", "ReplicaSet", "old12"),
		pod("querier-new12-ccccc", "querier-new12", "ReplicaSet", "new12", testkit.Unschedulable("0/3 nodes are available")),
		pod("ingester-0", "ingester", "StatefulSet", "rev-2"),
		pod("ingester-1", "ingester", "StatefulSet", "rev-1"),
		pod("ingester-2", "ingester", "StatefulSet", "rev-2", testkit.Waiting("CrashLoopBackOff")),
		pod("store-gateway-0", "store-gateway", "StatefulSet", "rev-1"), // below the partition
		pod("store-gateway-2", "store-gateway", "StatefulSet", "rev-1"),
		pod("evicted", "querier-old12", "ReplicaSet", "old12", testkit.Phase(corev1.PodFailed)),
		testkit.Pod("bare"),
	}
	list := make([]corev1.Pod, len(pods))
	for i, p := range pods {
		list[i] = *p
	}
	got, err := PodRollouts(context.Background(), fake.NewClientset(objs...), ns, list)
	if err != nil {
		t.Fatal(err)
	}
	want := []PodRollout{
		{Pod: "querier-new12-aaaaa", Workload: "Deployment querier"},
		{Pod: "querier-old12-bbbbb", Workload: "Deployment querier", Hold: "old revision"},
		{Pod: "querier-new12-ccccc", Workload: "Deployment querier", Hold: "pending: Unschedulable 0/3 nodes are available"},
		{Pod: "ingester-0", Workload: "StatefulSet ingester"},
		{Pod: "ingester-1", Workload: "StatefulSet ingester", Hold: "old revision"},
		{Pod: "ingester-2", Workload: "StatefulSet ingester", Hold: "not ready: CrashLoopBackOff"},
		{Pod: "store-gateway-0", Workload: "StatefulSet store-gateway"},
		{Pod: "store-gateway-2", Workload: "StatefulSet store-gateway", Hold: "old revision"},
		{Pod: "evicted", Workload: "Deployment querier", Ended: true},
		{Pod: "bare"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rollouts, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("pod %s: got %+v, want %+v", want[i].Pod, got[i], want[i])
		}
	}
}

func TestPodRolloutsNamesAnOwnerItCannotRead(t *testing.T) {
	p := pod("querier-gone1-aaaaa", "querier-gone1", "ReplicaSet", "gone1")
	_, err := PodRollouts(context.Background(), fake.NewClientset([]runtime.Object{}...), ns, []corev1.Pod{*p})
	if err == nil || !strings.Contains(err.Error(), "querier-gone1-aaaaa") || !strings.Contains(err.Error(), "ReplicaSet querier-gone1") {
		t.Fatalf("err = %v, want one naming the pod and its ReplicaSet", err)
	}
}
