package plan_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

func TestRunExecutesEveryStepAndRecordsIt(t *testing.T) {
	h := newHarness(t)
	p := testPlan(
		step("a", withSet("x", "1"), withGate("x", "1", plan.Policy{})),
		step("b", withSet("y", "2"), withWait(time.Hour)),
	)
	if err := h.apply(t, p, plan.ApplyOptions{}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	st := h.state(t)
	if st.Status != plan.RunDone {
		t.Fatalf("status = %s", st.Status)
	}
	for _, ss := range st.Steps {
		if ss.Status != plan.StepDone || ss.Actions[0].Status != plan.ActionApplied {
			t.Errorf("step %s = %+v", ss.ID, ss)
		}
	}
	if !st.Steps[0].Gates[0].Passed {
		t.Error("gate not recorded as passed")
	}
	if got := h.clock.Now().Sub(st.StartedAt); got != time.Hour {
		t.Errorf("run took %s of fake time, want the 1h wait", got)
	}
	want := "run_started step_started action_started action_finished gate_observation gate_passed step_finished step_started action_started action_finished waiting step_finished run_finished"
	if got := joinTypes(h.events.types()); got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}

func joinTypes(ts []plan.EventType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, " ")
}

func TestActionsWhoseCheckSaysDoneAreNotApplied(t *testing.T) {
	h := newHarness(t)
	h.world.Values["x"] = "1"
	if err := h.apply(t, testPlan(step("a", withSet("x", "1"))), plan.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if h.world.Applies["x"] != 0 {
		t.Errorf("applied %d times, want 0", h.world.Applies["x"])
	}
	if got := h.state(t).Steps[0].Actions[0]; got.Status != plan.ActionSkipped || got.Detail != `x is "1"` {
		t.Errorf("action = %+v", got)
	}
}

func TestGatePolicies(t *testing.T) {
	P, F, I := verdict.Pass, verdict.Fail, verdict.Inconclusive
	tests := map[string]struct {
		script      []verdict.Verdict
		policy      plan.Policy
		wantErr     string
		wantEvals   int
		wantTimeout bool
	}{
		"passes at the first pass by default": {script: []verdict.Verdict{F, F, P}, wantEvals: 3},
		"needs consecutive passes in a row":   {script: []verdict.Verdict{P, F, P, I, P, P}, policy: plan.Policy{Consecutive: 2}, wantEvals: 6},
		"fails once failures exceed the limit": {script: []verdict.Verdict{F, P, F, F}, policy: plan.Policy{FailureLimit: 1, Consecutive: 2},
			wantErr: "gate gate-k failed", wantEvals: 3},
		"inconclusive never passes and times out as inconclusive": {script: []verdict.Verdict{I, I, I, I, I, I, I, I, I, I},
			policy: plan.Policy{Interval: duration.Duration(time.Minute), Timeout: duration.Duration(5 * time.Minute)}, wantErr: "stayed inconclusive until its timeout", wantEvals: 5, wantTimeout: true},
		"failing until the timeout reports the last observation": {script: []verdict.Verdict{F, F, F, F},
			policy: plan.Policy{Interval: duration.Duration(time.Minute), Timeout: duration.Duration(3 * time.Minute)}, wantErr: "did not pass before its timeout: fail: scripted fail", wantEvals: 3, wantTimeout: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.world.Script["k"] = tc.script
			err := h.apply(t, testPlan(step("a", withGate("k", "never", tc.policy))), plan.ApplyOptions{})
			gs := h.state(t).Steps[0].Gates[0]
			if gs.Evaluations != tc.wantEvals {
				t.Errorf("evaluations = %d, want %d", gs.Evaluations, tc.wantEvals)
			}
			if tc.wantErr == "" {
				if err != nil || !gs.Passed {
					t.Fatalf("err = %v, passed = %v", err, gs.Passed)
				}
				return
			}
			var gf *plan.GateFailedError
			if !errors.As(err, &gf) || gf.TimedOut != tc.wantTimeout || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want GateFailedError containing %q (timeout %v)", err, tc.wantErr, tc.wantTimeout)
			}
			if st := h.state(t); st.Status != plan.RunFailed || !st.Status.Resumable() {
				t.Errorf("status = %s, want failed and resumable", st.Status)
			}
		})
	}
}

func TestAFailedGateIsResumedOnceFixed(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", withSet("x", "1"), withGate("y", "ok", plan.Policy{FailureLimit: 0})), step("b", withSet("z", "1")))
	if err := h.apply(t, p, plan.ApplyOptions{}); err == nil {
		t.Fatal("want the gate to fail")
	}
	h.world.Values["y"] = "ok"
	if err := h.resume(t, p, plan.ApplyOptions{}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if h.world.Applies["x"] != 1 || h.world.Applies["z"] != 1 {
		t.Errorf("applies = %v, want each once", h.world.Applies)
	}
}

func TestAWaitIsNeverRestartedFromZero(t *testing.T) {
	h := newHarness(t)
	start := h.clock.Now()
	p := testPlan(step("a", withSet("x", "1"), withWait(2*time.Hour)))
	var wc *plan.WindowClosedError
	if err := h.apply(t, p, plan.ApplyOptions{Until: start.Add(3 * time.Hour)}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	h2 := newHarness(t)
	h2.clock.Set(start)
	p2 := testPlan(step("a", withSet("x", "1"), withWait(2*time.Hour)), step("b", withWait(4*time.Hour)))
	err := h2.apply(t, p2, plan.ApplyOptions{Until: start.Add(3 * time.Hour)})
	if !errors.As(err, &wc) {
		t.Fatalf("err = %v, want the window to close before step b", err)
	}
	if !strings.Contains(err.Error(), "step b needs at least 4h0m0s") {
		t.Errorf("err = %v", err)
	}
	// Resume in the next window: the 4h wait starts then and survives an
	// early stop.
	h2.clock.Set(start.Add(10 * time.Hour))
	err = h2.resume(t, p2, plan.ApplyOptions{Until: start.Add(20 * time.Hour)})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if got := h2.clock.Now().Sub(start); got != 14*time.Hour {
		t.Errorf("finished at +%s, want +14h", got)
	}
}

func TestAWaitPastTheWindowStopsAndResumesFromItsDeadline(t *testing.T) {
	h := newHarness(t)
	start := h.clock.Now()
	p := testPlan(step("a", withSet("x", "1"), withWait(2*time.Hour), withMinDuration(time.Minute)))
	// The window allows the step to start only if its wait fits: 2h > 1h.
	err := h.apply(t, p, plan.ApplyOptions{Until: start.Add(time.Hour)})
	var wc *plan.WindowClosedError
	if !errors.As(err, &wc) || h.world.Applies["x"] != 0 {
		t.Fatalf("err = %v, applies = %v: the step must not start", err, h.world.Applies)
	}
	// Start it without a window; Ctrl-C arrives 30 minutes into the wait.
	h.runner.Clock = &interruptingClock{Clock: h.clock, after: 30 * time.Minute}
	err = h.apply(t, p, plan.ApplyOptions{})
	if !errors.Is(err, plan.ErrInterrupted) {
		t.Fatalf("err = %v, want interrupted", err)
	}
	st := h.state(t)
	if st.Status != plan.RunStopped || st.Steps[0].Actions[0].Status != plan.ActionApplied || st.Steps[0].Status != plan.StepWaiting {
		t.Fatalf("status %s, step %+v", st.Status, st.Steps[0])
	}
	// The next run, an hour later, waits only what is left.
	h.runner.Clock = h.clock
	h.clock.Set(h.clock.Now().Add(time.Hour))
	if err := h.resume(t, p, plan.ApplyOptions{}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	st = h.state(t)
	if !h.clock.Now().Equal(st.Steps[0].WaitUntil.UTC()) || st.Steps[0].WaitUntil.Sub(*st.Steps[0].Actions[0].FinishedAt) != 2*time.Hour {
		t.Errorf("wait until %v, finished %v: the wait must end 2h after it started", st.Steps[0].WaitUntil, h.clock.Now())
	}
	if h.world.Applies["x"] != 1 {
		t.Errorf("applied %d times", h.world.Applies["x"])
	}
}

// interruptingClock lets time pass up to `after` within one Sleep, then
// behaves as if Ctrl-C was pressed.
type interruptingClock struct {
	*testkit.Clock
	after time.Duration
}

func (c *interruptingClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= c.after {
		return c.Clock.Sleep(ctx, d)
	}
	_ = c.Clock.Sleep(ctx, c.after)
	return context.Canceled
}

func TestManualStepsPauseUntilApproved(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("route", withSet("x", "1"), withManual("Switch the load balancer"), withGate("lb", "switched", plan.Policy{})),
		step("after", withSet("y", "1")))
	err := h.apply(t, p, plan.ApplyOptions{})
	var paused *plan.PausedError
	if !errors.As(err, &paused) || paused.Step != "route" || !strings.Contains(err.Error(), "mimirctl approve route") {
		t.Fatalf("err = %v, want paused at route", err)
	}
	if st := h.state(t); st.Status != plan.RunPaused || st.Steps[0].Status != plan.StepApproval {
		t.Fatalf("state %s / %s", st.Status, st.Steps[0].Status)
	}
	if err := h.resume(t, p, plan.ApplyOptions{}); !errors.As(err, &paused) {
		t.Fatalf("resume without approval: %v", err)
	}
	if _, err := h.runner.Approve(context.Background(), "rout", "alice", ""); err == nil || !strings.Contains(err.Error(), `did you mean "route"?`) {
		t.Errorf("approve typo: %v", err)
	}
	if _, err := h.runner.Approve(context.Background(), "route", "alice", "LB switched at 10:02"); err != nil {
		t.Fatal(err)
	}
	h.world.Values["lb"] = "switched"
	if err := h.resume(t, p, plan.ApplyOptions{}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	st := h.state(t)
	if a := st.Steps[0].Approval; a == nil || a.By != "alice" || a.Comment != "LB switched at 10:02" {
		t.Errorf("approval = %+v", a)
	}
	if h.world.Applies["x"] != 1 {
		t.Errorf("x applied %d times", h.world.Applies["x"])
	}
}

func TestLaterManualStepsCanBeApprovedInAdvance(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("one", withManual("first")), step("two", withManual("second")))
	var paused *plan.PausedError
	if err := h.apply(t, p, plan.ApplyOptions{}); !errors.As(err, &paused) {
		t.Fatal(err)
	}
	for _, id := range []string{"two", "one"} {
		if _, err := h.runner.Approve(context.Background(), id, "bob", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.resume(t, p, plan.ApplyOptions{}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if a := h.state(t).Steps[1].Approval; a == nil || a.By != "bob" {
		t.Errorf("approval = %+v", a)
	}
}

func TestDestructiveActionsNeedConfirmation(t *testing.T) {
	p := testPlan(step("a", withSet("safe", "1"), withDestructiveSet("zone", "down")))
	t.Run("refused without a terminal or --yes, state intact", func(t *testing.T) {
		h := newHarness(t)
		err := h.apply(t, p, plan.ApplyOptions{})
		var ce *plan.ConfirmationError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "--yes") {
			t.Fatalf("err = %v", err)
		}
		st := h.state(t)
		if st.Steps[0].Actions[1].Status != plan.ActionPending || h.world.Applies["zone"] != 0 || !st.Status.Resumable() {
			t.Errorf("state = %+v / applies %v", st.Steps[0].Actions, h.world.Applies)
		}
		if err := h.resume(t, p, plan.ApplyOptions{Yes: true}); err != nil || h.world.Applies["zone"] != 1 {
			t.Errorf("resume --yes: %v, applies %v", err, h.world.Applies)
		}
	})
	t.Run("declined at the prompt", func(t *testing.T) {
		h := newHarness(t)
		h.runner.Confirm = yesConfirmer(false)
		if err := h.apply(t, p, plan.ApplyOptions{}); err == nil || h.world.Applies["zone"] != 0 {
			t.Fatalf("err = %v applies = %v", err, h.world.Applies)
		}
	})
	t.Run("confirmed at the prompt", func(t *testing.T) {
		h := newHarness(t)
		h.runner.Confirm = yesConfirmer(true)
		if err := h.apply(t, p, plan.ApplyOptions{}); err != nil || h.world.Applies["zone"] != 1 {
			t.Fatalf("err = %v applies = %v", err, h.world.Applies)
		}
	})
}

func TestPreflightFailureStopsBeforeAnyStep(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", withSet("x", "1")))
	p.Preflight = []plan.GateConfig{{Kind: "check", Name: "version", Spec: &plantest.CheckSpec{Key: "version", Equals: "2.9.0"}, Policy: plan.Policy{FailureLimit: 0}.WithDefaults()}}
	h.world.Values["version"] = "3.0.5"
	err := h.apply(t, p, plan.ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), `version is "3.0.5", want "2.9.0"`) {
		t.Fatalf("err = %v", err)
	}
	if h.world.Applies["x"] != 0 {
		t.Error("a step ran after a failed preflight")
	}
}

// preflightBinder is a plantest.Binder whose preflight refuses.
type preflightBinder struct {
	plantest.Binder
	err error
}

func (b preflightBinder) Preflight(context.Context, *plan.Plan, plan.Pending) ([]string, error) {
	return []string{"StatefulSet ingester-zone-a: guarded by a webhook"}, b.err
}

func TestABinderPreflightFailureStopsBeforeAnyStep(t *testing.T) {
	h := newHarness(t)
	h.runner.Binder = preflightBinder{Binder: plantest.Binder{World: h.world}, err: errors.New("prometheus does not answer")}
	err := h.apply(t, testPlan(step("a", withSet("x", "1"))), plan.ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "preflight: prometheus does not answer") || h.world.Applies["x"] != 0 {
		t.Fatalf("err = %v, applies %v", err, h.world.Applies)
	}
	var notice bool
	for _, e := range h.events.events {
		notice = notice || (e.Type == plan.EventPreflight && strings.Contains(e.Message, "guarded by a webhook"))
	}
	if !notice {
		t.Error("the preflight notice was not emitted")
	}
}
