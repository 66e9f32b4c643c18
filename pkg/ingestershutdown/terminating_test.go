package ingestershutdown

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/mimir"
)

// markPod updates pod name of the test zone's fake cluster with change.
func markPod(t *testing.T, tz *testZone, name string, change func(*corev1.Pod)) {
	t.Helper()
	pods := tz.fc.CoreV1().Pods("mimir")
	p, err := pods.Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	change(p)
	if _, err := pods.Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// A querier on its way out (a mimir-read pod a step earlier scaled away,
// still terminating) does not fail the wait after a zone shutdown, nor
// count in it: no query reaches it any more. Found by make demo-back on
// Grafana's 2.16 library, where the wait's read refused "pod
// mimir-read-...: terminating". A querier that is not running yet still
// fails the read: it will serve queries, and its setting is unknown.
func TestATerminatingQuerierIsLeftOutOfTheQueryableWait(t *testing.T) {
	tz := newTestZone(t, nil)
	tz.fc.addPod(t, "querier-old", "querier")
	tz.f.configs["querier-old"] = map[string]string{mimir.KeyQueryStoreAfter: "24h0m0s"}
	markPod(t, tz, "querier-old", func(p *corev1.Pod) {
		now := metav1.NewTime(time.Now())
		p.DeletionTimestamp = &now
		p.Finalizers = []string{"test/keep"} // the fake clientset keeps it while it terminates
	})
	if err := tz.zone.Apply(context.Background(), tz.p); err != nil {
		t.Fatalf("apply with a terminating querier: %v", err)
	}
	if why := tz.p.data[keyWaitWhy]; strings.Contains(why, "querier-old") || strings.Contains(why, "24h") {
		t.Errorf("the wait counts the terminating querier: %s", why)
	}

	pending := newTestZone(t, nil)
	pending.fc.addPod(t, "querier-new", "querier")
	markPod(t, pending, "querier-new", func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending })
	err := pending.zone.Apply(context.Background(), pending.p)
	if err == nil || !strings.Contains(err.Error(), "querier-new: phase Pending") {
		t.Fatalf("apply with a pending querier: %v, want the read refused naming it", err)
	}
	if len(pending.f.calls) != 0 {
		t.Errorf("changed something before refusing: %v", pending.f.calls)
	}
}
