package kube

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/meta/testrestmapper"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
)

const ns = "mimir"

func init() {
	// Keep retries of transient failures fast in unit tests.
	DefaultRetry = RetryPolicy{Attempts: 4, Delay: time.Millisecond, MaxDelay: time.Millisecond}
}

func fakeMapper() meta.RESTMapper { return testrestmapper.TestOnlyStaticRESTMapper(scheme.Scheme) }

// toUnstructured converts a typed object, setting its apiVersion and kind.
func toUnstructured(t *testing.T, obj runtime.Object) *unstructured.Unstructured {
	t.Helper()
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil {
		t.Fatal(err)
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(gvks[0])
	return u
}

type stsOption func(*appsv1.StatefulSet)

// statefulSet builds a StatefulSet whose status says it is rolled out,
// with revision "rev-2".
func statefulSet(name string, opts ...stsOption) *appsv1.StatefulSet {
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name), Generation: 1, Labels: map[string]string{"name": name}},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptrInt32(3),
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"name": name}},
		},
		Status: appsv1.StatefulSetStatus{ObservedGeneration: 1, Replicas: 3, ReadyReplicas: 3, UpdatedReplicas: 3,
			CurrentRevision: "rev-2", UpdateRevision: "rev-2"},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func withReplicas(n int32) stsOption {
	return func(s *appsv1.StatefulSet) {
		s.Spec.Replicas = ptrInt32(n)
		s.Status.Replicas, s.Status.ReadyReplicas, s.Status.UpdatedReplicas = n, n, n
	}
}

func withStatus(replicas, ready, updated int32) stsOption {
	return func(s *appsv1.StatefulSet) {
		s.Status.Replicas, s.Status.ReadyReplicas, s.Status.UpdatedReplicas = replicas, ready, updated
	}
}

func withOnDelete() stsOption {
	return func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType }
}

func withLabel(k, v string) stsOption { return func(s *appsv1.StatefulSet) { s.Labels[k] = v } }

func withAnnotation(k, v string) stsOption {
	return func(s *appsv1.StatefulSet) {
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations[k] = v
	}
}

func withGeneration(gen, observed int64) stsOption {
	return func(s *appsv1.StatefulSet) { s.Generation, s.Status.ObservedGeneration = gen, observed }
}

type podOption func(*corev1.Pod)

// pod builds a running, ready pod owned by owner (a StatefulSet or
// ReplicaSet name), at revision rev.
func pod(name, owner, ownerKind, rev string, opts ...podOption) *corev1.Pod {
	label := LabelControllerRevisionHash
	if ownerKind == "ReplicaSet" {
		label = LabelPodTemplateHash
	}
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"name": ownerName(owner), label: rev},
			OwnerReferences: []metav1.OwnerReference{{Kind: ownerKind, Name: owner, UID: types.UID("uid-" + owner), Controller: ptrTo(true)}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// ownerName strips a ReplicaSet's hash suffix to find the workload label.
func ownerName(owner string) string {
	if i := len(owner) - len("-abc12"); i > 0 && owner[i] == '-' {
		return owner[:i]
	}
	return owner
}

func notReady(reason string) podOption {
	return func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}}
	}
}

func unscheduled() podOption {
	return func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/3 nodes are available"}}
	}
}

// stsPods builds n pods of a StatefulSet at revision rev.
func stsPods(sts string, n int, rev string, opts ...podOption) []runtime.Object {
	var out []runtime.Object
	for i := range n {
		out = append(out, pod(fmt.Sprintf("%s-%d", sts, i), sts, "StatefulSet", rev, opts...))
	}
	return out
}

func ptrInt32(n int32) *int32 { return &n }

func ptrTo[T any](v T) *T { return &v }
