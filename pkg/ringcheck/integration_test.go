//go:build integration

package ringcheck

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/internal/localmimir"
	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/gate/gatetest"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

const settle = 2 * time.Minute

// TestRingGatesFollowRealInstances runs real Mimir processes (2.9.0 and
// 3.0.5) and checks that ring gates pass and fail for the right reasons as
// instances join, stop without unregistering, are forgotten, and leave.
func TestRingGatesFollowRealInstances(t *testing.T) {
	for _, major := range []localmimir.Major{2, 3} {
		t.Run(fmt.Sprintf("mimir %d.x", major), func(t *testing.T) { ringLifecycle(t, major) })
	}
}

func ringLifecycle(t *testing.T, major localmimir.Major) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bucket := t.TempDir()
	fast := []string{"-ingester.ring.heartbeat-period=1s", "-ingester.ring.heartbeat-timeout=6s"}
	a := localmimir.Start(t, localmimir.Options{Major: major, Name: "ingester-zone-a-0", Zone: "zone-a", Bucket: bucket, Args: fast})
	b := localmimir.Start(t, localmimir.Options{Major: major, Name: "ingester-zone-b-0", Zone: "zone-b", Bucket: bucket, Join: []*localmimir.Process{a},
		Args: append([]string{"-ingester.ring.unregister-on-shutdown=false"}, fast...)})
	for _, p := range []*localmimir.Process{a, b} {
		if err := p.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
	}
	deps := gatetest.FakeCluster(t, time.Time{}, gatetest.Pod{Name: "ingester-zone-a-0", Labels: map[string]string{"name": "ingester-zone-a"}, Addr: a.HTTPAddr()})
	readFromA := podaccess.Selector{Labels: "name=ingester-zone-a"}
	gateOf := func(expect ...Expectation) *Gate {
		g, err := New(Spec{Ring: "ingester", Pods: readFromA, HeartbeatTimeout: duration.Duration(6 * time.Second), Expect: expect}, deps)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	bJoined := gateOf(Expectation{Workload: "ingester-zone-b", Joined: true, Count: intp(1)}, Expectation{NotIn: []string{StateLeaving, StateJoining, StatePending}})
	bLeft := gateOf(Expectation{Workload: "ingester-zone-b", Left: true})
	perZone := gateOf(Expectation{PerZone: &ZoneBounds{Zones: []string{"zone-a", "zone-b"}, Count: intp(1)}, Joined: true})

	gatetest.WaitFor(t, bJoined, verdict.Pass, settle)
	gatetest.WaitFor(t, perZone, verdict.Pass, settle)
	if obs := bLeft.Evaluate(ctx); obs.Verdict != verdict.Fail || !strings.Contains(strings.Join(obs.Details, "\n"), "still in the ring: ingester-zone-b-0 (zone-b): ACTIVE") {
		t.Fatalf("b has not left, want a failure naming it: %s", obs)
	}

	// b stops without unregistering: its entry stays, LEAVING then UNHEALTHY.
	if err := b.Stop(time.Minute); err != nil {
		t.Fatal(err)
	}
	obs := gatetest.WaitFor(t, bJoined, verdict.Fail, settle)
	if d := strings.Join(obs.Details, "\n"); !strings.Contains(d, "ingester-zone-b-0 (zone-b): ") || strings.Contains(d, "ingester-zone-a-0") {
		t.Fatalf("the failure must name exactly ingester-zone-b-0: %s", obs)
	}
	obs = gatetest.WaitFor(t, gateOf(Expectation{Members: "ingester-zone-b-0", State: StateUnhealthy}), verdict.Pass, settle)
	t.Logf("after the stop: %s", obs)
	if obs := bLeft.Evaluate(ctx); obs.Verdict != verdict.Fail {
		t.Fatalf("a stopped member that did not unregister has not left: %s", obs)
	}

	// Forgetting is explicit; afterwards b has left.
	res, err := Forget(ctx, podaccess.NewDirect(nil), processTarget(a), mimir.PathIngesterRing, "ingester-zone-b-0", ForgetOptions{HeartbeatTimeout: 6 * time.Second})
	if err != nil || !res.Gone || res.Before.State != StateUnhealthy {
		t.Fatalf("forget: %+v, %v", res, err)
	}
	gatetest.WaitFor(t, bLeft, verdict.Pass, settle)

	// c joins normally and leaves by unregistering on shutdown.
	c := localmimir.Start(t, localmimir.Options{Major: major, Name: "ingester-zone-c-0", Zone: "zone-c", Bucket: bucket, Join: []*localmimir.Process{a}, Args: fast})
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	gatetest.WaitFor(t, gateOf(Expectation{Workload: "ingester-zone-c", Joined: true}), verdict.Pass, settle)
	if err := c.Stop(time.Minute); err != nil {
		t.Fatal(err)
	}
	gatetest.WaitFor(t, gateOf(Expectation{Workload: "ingester-zone-c", Left: true}), verdict.Pass, settle)
}

func processTarget(p *localmimir.Process) podaccess.Target {
	return podaccess.Target{Namespace: gatetest.Namespace, Name: p.Name, IP: "127.0.0.1", Port: p.HTTPPort}
}
