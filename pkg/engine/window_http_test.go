package engine

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
)

const httpCallStep = `
id: a-prepare
title: Prepare the ingesters for shutdown
actions:
  - http: {pods: {labels: "app=ingester"}, method: POST, path: /ingester/prepare-shutdown}
`

// A window that ends while the http action calls its pods one by one (each
// call takes ten minutes) stops it before the next call (exit 5,
// resumable) with the calls made recorded, and the next window's run calls
// only the pods left: each pod once, in name order.
func TestAWindowEndingBetweenTwoHTTPCallsLeavesTheActionResumable(t *testing.T) {
	clock := newWindowClock()
	start := clock.Now()
	var (
		mu    sync.Mutex
		calls []string
	)
	pod := func(name string) gatetest.Pod {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || r.URL.Path != "/ingester/prepare-shutdown" {
				http.NotFound(w, r)
				return
			}
			mu.Lock()
			calls = append(calls, name)
			mu.Unlock()
			clock.set(clock.Now().Add(10 * time.Minute)) // the call takes a while
		}))
		t.Cleanup(srv.Close)
		return gatetest.Pod{Name: name, Labels: map[string]string{"app": "ingester"}, Server: srv}
	}
	gd := gatetest.FakeCluster(t, time.Time{}, pod("ingester-0"), pod("ingester-1"), pod("ingester-2"))
	w := newWindowRun(t, clock, Deps{Kube: gd.Kube, Namespace: gd.Namespace, Pods: gd.Pods}, httpCallStep)

	until := start.Add(15 * time.Minute)
	as := w.stoppedInside(w.apply(until))
	if got := strings.Join(calls, ","); got != "ingester-0,ingester-1" {
		t.Fatalf("calls in the first window: %s, want ingester-0 and ingester-1 (the window ended during the second)", got)
	}
	if _, ok := as.Data["called/ingester-1"]; !ok || len(as.Data) != 2 {
		t.Errorf("recorded %v, want the two calls made", as.Data)
	}

	next := start.Add(24 * time.Hour)
	as = w.finished(w.resume(next, next.Add(time.Hour)))
	if got := strings.Join(calls, ","); got != "ingester-0,ingester-1,ingester-2" {
		t.Errorf("calls = %s, want each pod once in name order", got)
	}
	if len(as.Data) != 3 {
		t.Errorf("recorded %v, want the three calls", as.Data)
	}
}
