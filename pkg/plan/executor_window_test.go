package plan_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"
)

// pollingBinder binds every action to a pollingAction.
type pollingBinder struct {
	plantest.Binder
	polls int
	block bool
}

func (b pollingBinder) BindAction(ctx context.Context, p *plan.Plan, s *plan.Step, cfg plan.ActionConfig) (plan.Action, error) {
	set, err := b.Binder.BindAction(ctx, p, s, cfg)
	if err != nil {
		return nil, err
	}
	return &pollingAction{Action: set, polls: b.polls, block: b.block}, nil
}

// pollingAction is a fake action that polls: polls sleeps of a minute
// through Progress.Sleep (the executor's clock), or, with block, waits on
// its context alone as a rollout watch does; then it sets its value.
type pollingAction struct {
	plan.Action
	polls int
	block bool
}

func (a *pollingAction) Apply(ctx context.Context, p plan.Progress) error {
	if a.block {
		<-ctx.Done()
		return ctx.Err()
	}
	n := 0
	if v, ok := p.Get("polls"); ok {
		n = len(v)
	}
	for ; n < a.polls; n++ {
		if err := p.Set(ctx, "polls", strings.Repeat("x", n+1)); err != nil {
			return err
		}
		if err := p.Sleep(ctx, time.Minute); err != nil {
			return err
		}
	}
	return a.Action.Apply(ctx, p)
}

// An action that polls through Progress.Sleep stops at the window's end,
// at its next poll: the run stops resumable (exit 5), the action stays
// "started" with its progress, and the next window finishes it.
func TestAWindowEndsInsideAnAction(t *testing.T) {
	h := newHarness(t)
	h.runner.Binder = pollingBinder{Binder: plantest.Binder{World: h.world}, polls: 30}
	p := testPlan(step("a", withSet("x", "1")))
	start := h.clock.Now()
	err := h.apply(t, p, plan.ApplyOptions{Until: start.Add(10*time.Minute + 30*time.Second)})
	var wc *plan.WindowClosedError
	if !errors.As(err, &wc) || !strings.Contains(wc.Reason, "action set x to 1") {
		t.Fatalf("err = %v, want the window to close inside the action", err)
	}
	if got := h.clock.Now().Sub(start); got > 10*time.Minute+30*time.Second {
		t.Errorf("the action went on %s, past the window", got)
	}
	st := h.state(t)
	as := st.Steps[0].Actions[0]
	if st.Status != plan.RunStopped || as.Status != plan.ActionStarted || len(as.Data["polls"]) != 11 || h.world.Applies["x"] != 0 {
		t.Fatalf("run %s, action %s with %d polls recorded, applies %v", st.Status, as.Status, len(as.Data["polls"]), h.world.Applies)
	}
	h.clock.Set(h.clock.Now().Add(12 * time.Hour))
	if err := h.resume(t, p, plan.ApplyOptions{Until: h.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("resume in the next window: %v", err)
	}
	if st := h.state(t); st.Status != plan.RunDone || h.world.Applies["x"] != 1 || len(st.Steps[0].Actions[0].Data["polls"]) != 30 {
		t.Errorf("run %s, applies %v", st.Status, h.world.Applies)
	}
}

// With the real clock, an action that waits on its context alone (a rollout
// watch, an HTTP call) is stopped at the window's end too, and is not
// recorded as failed.
func TestAWindowEndStopsAnActionWaitingOnItsContext(t *testing.T) {
	h := newHarness(t)
	h.runner.Clock = plan.RealClock{}
	h.runner.Binder = pollingBinder{Binder: plantest.Binder{World: h.world}, block: true}
	p := testPlan(step("a", withSet("x", "1")))
	// 2 s: the run's start (lock, state, checks) must fit before the window
	// ends, or the step is refused before its action; 200 ms did not always
	// on a loaded CI machine under -race.
	err := h.apply(t, p, plan.ApplyOptions{Until: time.Now().Add(2 * time.Second), ApplyGrace: 10 * time.Millisecond})
	var wc *plan.WindowClosedError
	if !errors.As(err, &wc) || !strings.Contains(wc.Reason, "stopped when the window ended") {
		t.Fatalf("err = %v, want the window to close", err)
	}
	if st := h.state(t); st.Status != plan.RunStopped || st.Steps[0].Actions[0].Status != plan.ActionStarted {
		t.Errorf("run %s, action %s: want stopped and started (checked first next time)", st.Status, st.Steps[0].Actions[0].Status)
	}
}

// At a window's end the run says where it stopped: the step, what of it is
// done, what stopped inside, and what the next window needs.
func TestAWindowClosedEventSaysWhereTheRunStopped(t *testing.T) {
	h := newHarness(t)
	h.runner.Binder = pollingBinder{Binder: plantest.Binder{World: h.world}, polls: 30}
	p := testPlan(step("a", withSet("x", "1"), withMinDuration(5*time.Minute)))
	err := h.apply(t, p, plan.ApplyOptions{Until: h.clock.Now().Add(10 * time.Minute)})
	var wc *plan.WindowClosedError
	if !errors.As(err, &wc) {
		t.Fatalf("err = %v", err)
	}
	last := h.events.events[len(h.events.events)-1]
	for _, want := range []string{"step a: stopped inside", "set x to 1", "at least 5m0s"} {
		if last.Type != plan.EventWindowClosed || last.Step != "a" || !strings.Contains(last.Message, want) {
			t.Errorf("last event %s %q, want %q in it", last.Type, last.Message, want)
		}
	}
	if st := h.state(t); !strings.Contains(st.Reason, "stopped inside") {
		t.Errorf("state reason %q", st.Reason)
	}
}

// A step refused because the window is already over says that nothing is
// left of it, not a negative time.
func TestAStepRefusedAfterTheWindowSaysNothingIsLeft(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", withSet("x", "1"), withMinDuration(time.Minute)))
	err := h.apply(t, p, plan.ApplyOptions{Until: h.clock.Now().Add(-90 * time.Second)})
	var wc *plan.WindowClosedError
	if !errors.As(err, &wc) || h.world.Applies["x"] != 0 {
		t.Fatalf("err = %v, applies %v: want the step refused", err, h.world.Applies)
	}
	if !strings.Contains(wc.Reason, "only 0s are left") || strings.Contains(wc.Reason, "-") {
		t.Errorf("reason %q, want it to say only 0s are left", wc.Reason)
	}
}
