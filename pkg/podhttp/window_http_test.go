package podhttp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"
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
	clock := plantest.NewWindowClock()
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
			clock.Set(clock.Now().Add(10 * time.Minute)) // the call takes a while
		}))
		t.Cleanup(srv.Close)
		return gatetest.Pod{Name: name, Labels: map[string]string{"app": "ingester"}, Server: srv}
	}
	gd := gatetest.FakeCluster(t, time.Time{}, pod("ingester-0"), pod("ingester-1"), pod("ingester-2"))
	w := httpRun(t, clock, Deps{Kube: gd.Kube, Namespace: gd.Namespace, Pods: gd.Pods})

	until := start.Add(15 * time.Minute)
	as := w.StoppedInside(w.Apply(until))
	if got := strings.Join(calls, ","); got != "ingester-0,ingester-1" {
		t.Fatalf("calls in the first window: %s, want ingester-0 and ingester-1 (the window ended during the second)", got)
	}
	if _, ok := as.Data[progressKey("ingester-1")]; !ok || len(as.Data) != 2 {
		t.Errorf("recorded %v, want the two calls made", as.Data)
	}

	next := start.Add(24 * time.Hour)
	as = w.Finished(w.Resume(next, next.Add(time.Hour)))
	if got := strings.Join(calls, ","); got != "ingester-0,ingester-1,ingester-2" {
		t.Errorf("calls = %s, want each pod once in name order", got)
	}
	if len(as.Data) != 3 {
		t.Errorf("recorded %v, want the three calls", as.Data)
	}
}

// httpRun runs httpCallStep with d on clock, through plan.Runner, binding
// its http action with d as the engine's binder does.
func httpRun(t *testing.T, clock *plantest.WindowClock, d Deps) *plantest.WindowRun {
	t.Helper()
	kind := plan.ActionKind{Name: "http", Summary: "call each pod once", New: func() plan.ActionSpec { return &CallSpec{} }}
	return plantest.NewActionRun(t, clock, kind, func(s plan.ActionSpec) plan.Action { return New(s.(*CallSpec), d) }, httpCallStep)
}
