// Package gatetest builds fake clusters for gate tests: a fake Kubernetes
// clientset whose pods point at loopback HTTP servers, reached in direct mode;
// fake Mimir processes answering canned routes (FakeMimir); and the checks
// gate tests share (Evaluate, AssertObservation).
package gatetest

import (
	"context"
	"net"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Namespace is the namespace fake pods live in.
const Namespace = "mimir"

// Pod describes one fake pod.
type Pod struct {
	Name   string
	Labels map[string]string
	// Server answers for the pod; nil (and no Addr) makes the pod Pending
	// (not running).
	Server *httptest.Server
	// Addr ("127.0.0.1:port") points the pod at a real process instead.
	Addr string
	// Owner is the pod's controller (a ReplicaSet or StatefulSet added with
	// FakeClusterWith); nil for a bare pod.
	Owner *metav1.OwnerReference
	// NotReady leaves a running pod without the Ready condition (running
	// pods are Ready otherwise).
	NotReady bool
	// Terminating marks the pod as being deleted (a deletion timestamp).
	Terminating bool
}

// FakeCluster returns gate dependencies whose Kubernetes client lists pods
// and whose pod access dials each pod's server (or Addr) directly. now is the
// clock; integration tests pass time.Time{} for the real one.
func FakeCluster(t testing.TB, now time.Time, pods ...Pod) gate.Deps {
	t.Helper()
	return FakeClusterWith(t, now, nil, pods...)
}

// FakeClusterWith is FakeCluster with more objects in the clientset, such as
// the Deployments, ReplicaSets and StatefulSets that own the pods.
func FakeClusterWith(t testing.TB, now time.Time, objects []runtime.Object, pods ...Pod) gate.Deps {
	t.Helper()
	objs := make([]*corev1.Pod, 0, len(pods))
	for _, p := range pods {
		objs = append(objs, fakePod(t, p))
	}
	cs := fake.NewClientset(objects...)
	for _, o := range objs {
		if err := cs.Tracker().Add(o); err != nil {
			t.Fatalf("add fake pod %s: %v", o.Name, err)
		}
	}
	d := gate.Deps{Kube: cs, Namespace: Namespace, Pods: podaccess.NewDirect(nil)}
	if !now.IsZero() {
		d.Now = func() time.Time { return now }
	}
	return d
}

func fakePod(t testing.TB, p Pod) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: Namespace, Labels: p.Labels},
		Status:     corev1.PodStatus{Phase: corev1.PodPending},
	}
	if p.Owner != nil {
		pod.OwnerReferences = []metav1.OwnerReference{*p.Owner}
	}
	if p.Terminating {
		deleted := metav1.Now()
		pod.DeletionTimestamp = &deleted
	}
	// A pod declares Mimir's HTTP port whether it runs or not, as the pods
	// of Mimir's jsonnet and Helm chart do.
	pod.Spec.Containers = []corev1.Container{{
		Name:  "mimir",
		Ports: []corev1.ContainerPort{{Name: podaccess.DefaultPortName, ContainerPort: podaccess.DefaultPort}},
	}}
	addr := p.Addr
	if p.Server != nil {
		addr = p.Server.Listener.Addr().String()
	}
	if addr == "" {
		return pod
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address of fake server for pod %s: %v", p.Name, err)
	}
	n, _ := strconv.Atoi(port)
	pod.Spec.Containers = []corev1.Container{{
		Name:  "mimir",
		Ports: []corev1.ContainerPort{{Name: podaccess.DefaultPortName, ContainerPort: int32(n)}},
	}}
	ready := corev1.ConditionTrue
	if p.NotReady {
		ready = corev1.ConditionFalse
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: host,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: ready}}}
	return pod
}

// WaitFor evaluates g every 500ms until it reports want or timeout passes,
// and returns the last observation. It fails the test on timeout. It waits
// on the wall clock on purpose: integration tests use it for real Mimir and
// Prometheus processes, which change in real time.
func WaitFor(t testing.TB, g gate.Gate, want verdict.Verdict, timeout time.Duration) verdict.Observation {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		obs := g.Evaluate(ctx)
		cancel()
		if obs.Verdict == want {
			return obs
		}
		if time.Now().After(deadline) {
			t.Fatalf("gate %q stayed %s for %s, want %s; last: %s", g.Describe(), obs.Verdict, timeout, want, obs)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
