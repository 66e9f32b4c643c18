package podhttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// ingesters are three pods answering POST /ingester/prepare-shutdown (which
// sets the state GET reads back), except ingester-2, which answers 503.
func ingesters(t *testing.T, calls map[string]int) Deps {
	t.Helper()
	pod := func(name string) gatetest.Pod {
		prepared := false
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == http.MethodPost && name == "ingester-2":
				http.Error(w, "not ready to prepare", http.StatusServiceUnavailable)
			case r.Method == http.MethodPost:
				calls[name]++
				prepared = true
			case prepared:
				_, _ = w.Write([]byte("set"))
			default:
				_, _ = w.Write([]byte("unset"))
			}
		}))
		t.Cleanup(srv.Close)
		return gatetest.Pod{Name: name, Labels: map[string]string{"app": "ingester"}, Server: srv}
	}
	gd := gatetest.FakeCluster(t, time.Time{}, pod("ingester-0"), pod("ingester-1"), pod("ingester-2"))
	return Deps{Kube: gd.Kube, Namespace: gd.Namespace, Pods: gd.Pods}
}

// The http action calls each pod once, records it, skips the pods its
// done probe finds prepared or the run state records, and stops at a pod
// whose answer is not accepted, naming it.
func TestTheHTTPActionCallsEachPodOnceAndStopsAtARefusal(t *testing.T) {
	calls := map[string]int{}
	d := ingesters(t, calls)
	spec := &CallSpec{Pods: podaccess.Selector{Labels: "app=ingester"}, Path: "/ingester/prepare-shutdown",
		Done: &Probe{Path: "/ingester/prepare-shutdown", BodyMatches: "^set$"}}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	p := &testkit.Progress{Records: map[string]string{"called/ingester-1": "2026-11-28T02:00:00Z"}}
	err := New(spec, d).Apply(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "POST /ingester/prepare-shutdown on pod") || !strings.Contains(err.Error(), "answered 503: not ready to prepare") {
		t.Fatalf("err = %v, want ingester-2's refusal", err)
	}
	if calls["ingester-0"] != 1 || calls["ingester-1"] != 0 {
		t.Errorf("calls = %v, want ingester-0 once and ingester-1 (recorded) not at all", calls)
	}
	if _, ok := p.Records["called/ingester-0"]; !ok {
		t.Errorf("recorded %v, want ingester-0's call", p.Records)
	}
	done, msg, err := New(spec, d).Check(context.Background())
	if err != nil || done || msg != "to call on ingester-1, ingester-2" {
		t.Errorf("Check = %v, %q, %v; want the two pods whose probe fails", done, msg, err)
	}
}

// The http gate passes only when every selected pod answers as the probe
// accepts, and names the pods that do not.
func TestTheHTTPGateNamesThePodsThatDoNotAnswer(t *testing.T) {
	calls := map[string]int{}
	d := ingesters(t, calls)
	g := NewGate(&GateSpec{Pods: podaccess.Selector{Labels: "app=ingester"}, Probe: Probe{Path: "/ingester/prepare-shutdown", BodyMatches: "^set$"}}, d)
	obs := g.Evaluate(context.Background())
	if obs.Verdict != verdict.Fail {
		t.Fatalf("before any call: %s %s, want fail", obs.Verdict, obs.Summary)
	}
	spec := &CallSpec{Pods: podaccess.Selector{Labels: "app=ingester"}, Path: "/ingester/prepare-shutdown"}
	_ = New(spec, d).Apply(context.Background(), &testkit.Progress{Records: map[string]string{}})
	obs = g.Evaluate(context.Background())
	if obs.Verdict != verdict.Fail || !strings.Contains(strings.Join(obs.Details, "\n")+obs.Summary, "ingester-2: 200 unset") {
		t.Errorf("after the calls: %s %s %v, want a fail naming ingester-2", obs.Verdict, obs.Summary, obs.Details)
	}
}
