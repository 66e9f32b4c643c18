package plan

import (
	"context"
	"testing"
)

func TestPreviewShowsExactlyTheRemainingStepsOfAClusterWithoutARun(t *testing.T) {
	w := newFakeWorld()
	p := testPlan(
		step("zones", withSet("zones", "on")),
		step("check-rings", withGate("ring", "ok", Policy{})),
		step("scale", withSet("read", "3"), withDestructiveSet("ingesters", "0")),
		step("route", withManual("switch the load balancer")),
		step("cleanup", withSet("mode", "rw")),
	)
	w.values["zones"] = "on" // the operator did step 1 by hand earlier
	pv := BuildPreview(context.Background(), p, nil, fakeBinder{w: w})
	got := map[string]string{}
	for _, s := range pv.Steps {
		got[s.ID] = s.Status
	}
	want := map[string]string{"zones": "done", "check-rings": "pending", "scale": "pending", "route": "pending", "cleanup": "pending"}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("step %s = %s, want %s", id, got[id], st)
		}
	}
	if pv.Remaining != 4 || !pv.HasChanges || !pv.Destructive {
		t.Errorf("remaining %d changes %v destructive %v", pv.Remaining, pv.HasChanges, pv.Destructive)
	}

	w.values["read"], w.values["ingesters"] = "3", "0"
	pv = BuildPreview(context.Background(), p, nil, fakeBinder{w: w})
	if pv.Steps[1].Status != "done" || pv.Steps[2].Status != "done" || pv.Steps[3].Status != "pending" || pv.Remaining != 2 {
		t.Errorf("after scale: %+v", pv.Steps)
	}
}

func TestPreviewFollowsTheRunRecord(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", withSet("x", "1")), step("b", withManual("go")), step("c", withSet("y", "1")))
	_ = h.apply(t, p, ApplyOptions{})
	pv := BuildPreview(context.Background(), p, h.state(t), fakeBinder{w: h.world})
	if pv.Steps[0].Status != "done" || pv.Steps[1].Status != "pending" || pv.RunStatus != RunPaused || pv.Remaining != 2 {
		t.Errorf("preview = %+v", pv)
	}
}
