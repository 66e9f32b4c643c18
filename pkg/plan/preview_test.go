package plan_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"
)

func TestPreviewShowsExactlyTheRemainingStepsOfAClusterWithoutARun(t *testing.T) {
	w := plantest.NewWorld()
	p := testPlan(
		step("zones", withSet("zones", "on")),
		step("check-rings", withGate("ring", "ok", plan.Policy{})),
		step("scale", withSet("read", "3"), withDestructiveSet("ingesters", "0")),
		step("route", withManual("switch the load balancer")),
		step("cleanup", withSet("mode", "rw")),
	)
	w.Values["zones"] = "on" // the operator did step 1 by hand earlier
	pv := plan.BuildPreview(context.Background(), p, nil, plantest.Binder{World: w})
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

	w.Values["read"], w.Values["ingesters"] = "3", "0"
	pv = plan.BuildPreview(context.Background(), p, nil, plantest.Binder{World: w})
	if pv.Steps[1].Status != "done" || pv.Steps[2].Status != "done" || pv.Steps[3].Status != "pending" || pv.Remaining != 2 {
		t.Errorf("after scale: %+v", pv.Steps)
	}
}

func TestPreviewFollowsTheRunRecord(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", withSet("x", "1")), step("b", withManual("go")), step("c", withSet("y", "1")))
	_ = h.apply(t, p, plan.ApplyOptions{})
	pv := plan.BuildPreview(context.Background(), p, h.state(t), plantest.Binder{World: h.world})
	if pv.Steps[0].Status != "done" || pv.Steps[1].Status != "pending" || pv.RunStatus != plan.RunPaused || pv.Remaining != 2 {
		t.Errorf("preview = %+v", pv)
	}
}

// `plan --until`: the remaining steps that could start before the window
// ends, counting the durations steps declare, and a wait already under way
// by what is left of it.
func TestFitWindowCountsDeclaredDurationsInOrder(t *testing.T) {
	w := plantest.NewWorld()
	p := testPlan(
		step("a", withSet("x", "1"), withWait(2*time.Hour)),
		step("b", withSet("y", "1"), withMinDuration(30*time.Minute)),
		step("c", withSet("z", "1")),
	)
	now := time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)
	fits := func(pv *plan.PlanPreview) []bool {
		var out []bool
		for _, s := range pv.Steps {
			out = append(out, s.FitsWindow != nil && *s.FitsWindow)
		}
		return out
	}
	pv := plan.BuildPreview(context.Background(), p, nil, plantest.Binder{World: w})
	pv.FitWindow(p, nil, now, now.Add(2*time.Hour+15*time.Minute))
	if got := fits(pv); !reflect.DeepEqual(got, []bool{true, false, false}) || pv.Steps[0].LeastDuration != "2h0m0s" || pv.Steps[1].LeastDuration != "30m0s" {
		t.Errorf("fits %v, least %q %q: b needs 30m after a's 2h wait, past 2h15m", got, pv.Steps[0].LeastDuration, pv.Steps[1].LeastDuration)
	}
	// Step a's wait is under way with 10 minutes left: everything fits.
	st := &plan.State{Plan: "test", Steps: []*plan.StepState{{ID: "a", Status: plan.StepWaiting, WaitUntil: ptrTime(now.Add(10 * time.Minute))}, {ID: "b"}, {ID: "c"}}}
	pv = plan.BuildPreview(context.Background(), p, st, plantest.Binder{World: w})
	pv.FitWindow(p, st, now, now.Add(time.Hour))
	if got := fits(pv); !reflect.DeepEqual(got, []bool{true, true, true}) {
		t.Errorf("with 10m of a's wait left and a 1h window: fits %v", got)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

// fakePendingPreflight is a plantest.Binder whose preflight records which
// actions the run said it has yet to apply.
type fakePendingPreflight struct {
	plantest.Binder
	pending map[string]bool
}

func (b *fakePendingPreflight) Preflight(_ context.Context, p *plan.Plan, pending plan.Pending) ([]string, error) {
	b.pending = map[string]bool{}
	for i, s := range p.Steps {
		for j := range s.Actions {
			b.pending[s.ID] = pending == nil || pending(plan.ActionRef{Step: i, Action: j})
		}
	}
	return nil, nil
}

// The preflight of a preview and of a resumed run is told what the run has
// already applied, so that it checks only the rest.
func TestPreflightIsToldWhatTheRunHasYetToApply(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", withSet("x", "1")), step("b", withManual("go")), step("c", withSet("y", "1")))
	_ = h.apply(t, p, plan.ApplyOptions{}) // a done, paused at b
	b := &fakePendingPreflight{Binder: plantest.Binder{World: h.world}}
	plan.BuildPreview(context.Background(), p, h.state(t), b)
	if want := map[string]bool{"a": false, "c": true}; !reflect.DeepEqual(b.pending, want) {
		t.Errorf("preview: pending %v, want %v", b.pending, want)
	}
	h.runner.Binder = b
	if _, err := h.runner.Approve(context.Background(), "b", "ops", "done"); err != nil {
		t.Fatal(err)
	}
	b.pending = nil
	if err := h.runner.Resume(context.Background(), func(string, plan.ParamValues) (*plan.Plan, error) { return p, nil }, plan.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := map[string]bool{"a": false, "c": true}; !reflect.DeepEqual(b.pending, want) {
		t.Errorf("resume: pending %v, want %v", b.pending, want)
	}
}
