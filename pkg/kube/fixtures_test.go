package kube

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/meta/testrestmapper"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
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

// statefulSet is the fixtures' usual StatefulSet: testkit's, with 3
// replicas rolled out at revision "rev-2"; opts apply after.
func statefulSet(name string, opts ...testkit.StatefulSetOption) *appsv1.StatefulSet {
	return testkit.StatefulSet(name, append([]testkit.StatefulSetOption{testkit.Replicas(3), testkit.Revisions("rev-2", "rev-2")}, opts...)...)
}

// pod builds a running, ready pod owned by owner (a StatefulSet or
// ReplicaSet name), at revision rev: labelled with the owner's workload
// name and rev under the label of the owner's kind.
func pod(name, owner, ownerKind, rev string, opts ...testkit.PodOption) *corev1.Pod {
	base := []testkit.PodOption{testkit.Label("name", ownerName(owner)), testkit.Label(revisionLabel(ownerKind), rev), testkit.OwnedBy(ownerKind, owner)}
	return testkit.Pod(name, append(base, opts...)...)
}

// revisionLabel is the label a pod of a controller of kind carries its
// revision under.
func revisionLabel(kind string) string {
	if kind == "ReplicaSet" {
		return LabelPodTemplateHash
	}
	return LabelControllerRevisionHash
}

// ownerName strips a ReplicaSet's hash suffix to find the workload label.
func ownerName(owner string) string {
	if i := len(owner) - len("-abc12"); i > 0 && owner[i] == '-' {
		return owner[:i]
	}
	return owner
}

// stsPods builds n pods of a StatefulSet at revision rev.
func stsPods(sts string, n int, rev string, opts ...testkit.PodOption) []runtime.Object {
	return testkit.StatefulSetPods(sts, n, append([]testkit.PodOption{testkit.Label(LabelControllerRevisionHash, rev)}, opts...)...)
}
