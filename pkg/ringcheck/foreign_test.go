package ringcheck

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// TestCase06ForeignMemberlistMembers is shared case 06 for rings: the
// ingester ring holds logs-ingester-1, another system's ingester, which is no
// pod of the namespace; the own ingesters are matched to their pods by
// name, or by IP when their instance id was set by hand.
func TestCase06ForeignMemberlistMembers(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "cases", "06-foreign-memberlist-members", "ring-ingester-merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	cs := fake.NewClientset(
		testkit.Pod("ingester-zone-a-0", testkit.PodIP("10.20.30.40")),
		testkit.Pod("ingester-zone-b-0", testkit.PodIP(""), testkit.Phase(corev1.PodPending), testkit.Ready(false)), // restarting: still ours by name
		testkit.Pod("mimir-ingester-c", testkit.PodIP("10.20.30.42")),                                               // instance id ingester-zone-c-0 set by hand
		testkit.Pod("logs-ingester-1", testkit.InNamespace("logs"), testkit.PodIP("10.20.31.7")),
	)
	foreign, err := ForeignInstances(context.Background(), cs, "mimir", r)
	if err != nil {
		t.Fatal(err)
	}
	if len(foreign) != 1 || foreign[0].ID != "logs-ingester-1" {
		t.Fatalf("foreign = %+v, want logs-ingester-1 only", foreign)
	}
	const want = "ring ingester holds logs-ingester-1 (no zone), which is not a pod of namespace mimir — another cluster's members may have joined this ring"
	if got := DescribeForeign("ingester", "mimir", foreign[0]); !strings.HasPrefix(got, want) || !strings.Contains(got, "mimirctl ring ingester --forget logs-ingester-1") {
		t.Errorf("got %q", got)
	}
	// A LEFT instance is gone, whoever it was.
	r.Instances[3].State = StateLeft
	if got := NotPods(r, nil); len(got) != 3 {
		t.Errorf("without pods, every instance but the LEFT one is foreign: %+v", got)
	}
}

// TestCase06SettledRingGateOwnPods is case 06 at the ring gate: the plans'
// "settled" expectation (members /.+/ none LEAVING/JOINING/PENDING) with
// ownPods fails on the foreign ACTIVE instance and names it; the same ring
// without it passes.
func TestCase06SettledRingGateOwnPods(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("testdata", "cases", "06-foreign-memberlist-members", "ring-ingester-merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	settled := Expectation{Members: ".+", NotIn: []string{StateLeaving, StateJoining, StatePending}, OwnPods: true}
	spec := Spec{Ring: "ingester", Pods: podaccess.Selector{Labels: "name=ingester"}, Expect: []Expectation{settled}}
	cluster := func(page []byte) gate.Deps {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(page) }))
		t.Cleanup(srv.Close)
		var pods []gatetest.Pod
		for _, n := range []string{"ingester-zone-a-0", "ingester-zone-b-0", "ingester-zone-c-0"} {
			pods = append(pods, gatetest.Pod{Name: n, Labels: map[string]string{"name": "ingester"}, Server: srv})
		}
		return gatetest.FakeCluster(t, time.Time{}, pods...)
	}
	g, err := New(spec, cluster(page))
	if err != nil {
		t.Fatal(err)
	}
	obs := g.Evaluate(context.Background())
	want := "logs-ingester-1: ACTIVE, heartbeat 2s ago (not a pod of namespace mimir — another cluster's members may have joined this ring)"
	if obs.Verdict != verdict.Fail || !strings.Contains(strings.Join(obs.Details, "\n"), want) {
		t.Fatalf("got %s, want fail with %q", obs, want)
	}
	if strings.Contains(strings.Join(obs.Details, "\n"), "ingester-zone-") {
		t.Errorf("own ingesters are named: %s", obs)
	}
	clean := strings.Replace(string(page), `"id": "logs-ingester-1"`, `"id": "ingester-zone-a-0"`, 1)
	g, _ = New(spec, cluster([]byte(clean)))
	if obs := g.Evaluate(context.Background()); obs.Verdict != verdict.Pass {
		t.Errorf("without the foreign instance: %s", obs)
	}
	// Judge alone has no pods to match: inconclusive, never a pass.
	r, _ := Decode(strings.NewReader(string(page)))
	if obs := g.Judge(r, r.Now); obs.Verdict != verdict.Inconclusive {
		t.Errorf("Judge without pods: %s", obs)
	}
}
