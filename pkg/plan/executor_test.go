package plan

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

func TestRunExecutesEveryStepAndRecordsIt(t *testing.T) {
	h := newHarness(t)
	p := testPlan(
		step("a", withSet("x", "1"), withGate("x", "1", Policy{})),
		step("b", withSet("y", "2"), withWait(time.Hour)),
	)
	if err := h.apply(t, p, ApplyOptions{}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	st := h.state(t)
	if st.Status != RunDone {
		t.Fatalf("status = %s", st.Status)
	}
	for _, ss := range st.Steps {
		if ss.Status != StepDone || ss.Actions[0].Status != ActionApplied {
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

func joinTypes(ts []EventType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, " ")
}

func TestActionsWhoseCheckSaysDoneAreNotApplied(t *testing.T) {
	h := newHarness(t)
	h.world.values["x"] = "1"
	if err := h.apply(t, testPlan(step("a", withSet("x", "1"))), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if h.world.applies["x"] != 0 {
		t.Errorf("applied %d times, want 0", h.world.applies["x"])
	}
	if got := h.state(t).Steps[0].Actions[0]; got.Status != ActionSkipped || got.Detail != `x is "1"` {
		t.Errorf("action = %+v", got)
	}
}

func TestGatePolicies(t *testing.T) {
	P, F, I := verdict.Pass, verdict.Fail, verdict.Inconclusive
	tests := map[string]struct {
		script      []verdict.Verdict
		policy      Policy
		wantErr     string
		wantEvals   int
		wantTimeout bool
	}{
		"passes at the first pass by default": {script: []verdict.Verdict{F, F, P}, wantEvals: 3},
		"needs consecutive passes in a row":   {script: []verdict.Verdict{P, F, P, I, P, P}, policy: Policy{Consecutive: 2}, wantEvals: 6},
		"fails once failures exceed the limit": {script: []verdict.Verdict{F, P, F, F}, policy: Policy{FailureLimit: 1, Consecutive: 2},
			wantErr: "gate gate-k failed", wantEvals: 3},
		"inconclusive never passes and times out as inconclusive": {script: []verdict.Verdict{I, I, I, I, I, I, I, I, I, I},
			policy: Policy{Interval: duration.Duration(time.Minute), Timeout: duration.Duration(5 * time.Minute)}, wantErr: "stayed inconclusive until its timeout", wantEvals: 5, wantTimeout: true},
		"failing until the timeout reports the last observation": {script: []verdict.Verdict{F, F, F, F},
			policy: Policy{Interval: duration.Duration(time.Minute), Timeout: duration.Duration(3 * time.Minute)}, wantErr: "did not pass before its timeout: fail: scripted fail", wantEvals: 3, wantTimeout: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.world.script["k"] = tc.script
			err := h.apply(t, testPlan(step("a", withGate("k", "never", tc.policy))), ApplyOptions{})
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
			var gf *GateFailedError
			if !errors.As(err, &gf) || gf.TimedOut != tc.wantTimeout || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want GateFailedError containing %q (timeout %v)", err, tc.wantErr, tc.wantTimeout)
			}
			if st := h.state(t); st.Status != RunFailed || !st.Status.Resumable() {
				t.Errorf("status = %s, want failed and resumable", st.Status)
			}
		})
	}
}

func TestAFailedGateIsResumedOnceFixed(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", withSet("x", "1"), withGate("y", "ok", Policy{FailureLimit: 0})), step("b", withSet("z", "1")))
	if err := h.apply(t, p, ApplyOptions{}); err == nil {
		t.Fatal("want the gate to fail")
	}
	h.world.values["y"] = "ok"
	if err := h.resume(t, p, ApplyOptions{}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if h.world.applies["x"] != 1 || h.world.applies["z"] != 1 {
		t.Errorf("applies = %v, want each once", h.world.applies)
	}
}

func TestAWaitIsNeverRestartedFromZero(t *testing.T) {
	h := newHarness(t)
	start := h.clock.Now()
	p := testPlan(step("a", withSet("x", "1"), withWait(2*time.Hour)))
	var wc *WindowClosedError
	if err := h.apply(t, p, ApplyOptions{Until: start.Add(3 * time.Hour)}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	h2 := newHarness(t)
	h2.clock.Set(start)
	p2 := testPlan(step("a", withSet("x", "1"), withWait(2*time.Hour)), step("b", withWait(4*time.Hour)))
	err := h2.apply(t, p2, ApplyOptions{Until: start.Add(3 * time.Hour)})
	if !errors.As(err, &wc) {
		t.Fatalf("err = %v, want the window to close before step b", err)
	}
	if !strings.Contains(err.Error(), "step b needs at least 4h0m0s") {
		t.Errorf("err = %v", err)
	}
	// Resume in the next window: the 4h wait starts then and survives an
	// early stop.
	h2.clock.Set(start.Add(10 * time.Hour))
	err = h2.resume(t, p2, ApplyOptions{Until: start.Add(20 * time.Hour)})
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
	err := h.apply(t, p, ApplyOptions{Until: start.Add(time.Hour)})
	var wc *WindowClosedError
	if !errors.As(err, &wc) || h.world.applies["x"] != 0 {
		t.Fatalf("err = %v, applies = %v: the step must not start", err, h.world.applies)
	}
	// Start it without a window; Ctrl-C arrives 30 minutes into the wait.
	h.runner.Clock = &interruptingClock{Clock: h.clock, after: 30 * time.Minute}
	err = h.apply(t, p, ApplyOptions{})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want interrupted", err)
	}
	st := h.state(t)
	if st.Status != RunStopped || st.Steps[0].Actions[0].Status != ActionApplied || st.Steps[0].Status != StepWaiting {
		t.Fatalf("status %s, step %+v", st.Status, st.Steps[0])
	}
	// The next run, an hour later, waits only what is left.
	h.runner.Clock = h.clock
	h.clock.Set(h.clock.Now().Add(time.Hour))
	if err := h.resume(t, p, ApplyOptions{}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	st = h.state(t)
	if !h.clock.Now().Equal(st.Steps[0].WaitUntil.UTC()) || st.Steps[0].WaitUntil.Sub(*st.Steps[0].Actions[0].FinishedAt) != 2*time.Hour {
		t.Errorf("wait until %v, finished %v: the wait must end 2h after it started", st.Steps[0].WaitUntil, h.clock.Now())
	}
	if h.world.applies["x"] != 1 {
		t.Errorf("applied %d times", h.world.applies["x"])
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
	p := testPlan(step("route", withSet("x", "1"), withManual("Switch the load balancer"), withGate("lb", "switched", Policy{})),
		step("after", withSet("y", "1")))
	err := h.apply(t, p, ApplyOptions{})
	var paused *PausedError
	if !errors.As(err, &paused) || paused.Step != "route" || !strings.Contains(err.Error(), "mimirctl approve route") {
		t.Fatalf("err = %v, want paused at route", err)
	}
	if st := h.state(t); st.Status != RunPaused || st.Steps[0].Status != StepApproval {
		t.Fatalf("state %s / %s", st.Status, st.Steps[0].Status)
	}
	if err := h.resume(t, p, ApplyOptions{}); !errors.As(err, &paused) {
		t.Fatalf("resume without approval: %v", err)
	}
	if _, err := h.runner.Approve(context.Background(), "rout", "alice", ""); err == nil || !strings.Contains(err.Error(), `did you mean "route"?`) {
		t.Errorf("approve typo: %v", err)
	}
	if _, err := h.runner.Approve(context.Background(), "route", "alice", "LB switched at 10:02"); err != nil {
		t.Fatal(err)
	}
	h.world.values["lb"] = "switched"
	if err := h.resume(t, p, ApplyOptions{}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	st := h.state(t)
	if a := st.Steps[0].Approval; a == nil || a.By != "alice" || a.Comment != "LB switched at 10:02" {
		t.Errorf("approval = %+v", a)
	}
	if h.world.applies["x"] != 1 {
		t.Errorf("x applied %d times", h.world.applies["x"])
	}
}

func TestLaterManualStepsCanBeApprovedInAdvance(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("one", withManual("first")), step("two", withManual("second")))
	var paused *PausedError
	if err := h.apply(t, p, ApplyOptions{}); !errors.As(err, &paused) {
		t.Fatal(err)
	}
	for _, id := range []string{"two", "one"} {
		if _, err := h.runner.Approve(context.Background(), id, "bob", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.resume(t, p, ApplyOptions{}); err != nil {
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
		err := h.apply(t, p, ApplyOptions{})
		var ce *ConfirmationError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "--yes") {
			t.Fatalf("err = %v", err)
		}
		st := h.state(t)
		if st.Steps[0].Actions[1].Status != ActionPending || h.world.applies["zone"] != 0 || !st.Status.Resumable() {
			t.Errorf("state = %+v / applies %v", st.Steps[0].Actions, h.world.applies)
		}
		if err := h.resume(t, p, ApplyOptions{Yes: true}); err != nil || h.world.applies["zone"] != 1 {
			t.Errorf("resume --yes: %v, applies %v", err, h.world.applies)
		}
	})
	t.Run("declined at the prompt", func(t *testing.T) {
		h := newHarness(t)
		h.runner.Confirm = yesConfirmer(false)
		if err := h.apply(t, p, ApplyOptions{}); err == nil || h.world.applies["zone"] != 0 {
			t.Fatalf("err = %v applies = %v", err, h.world.applies)
		}
	})
	t.Run("confirmed at the prompt", func(t *testing.T) {
		h := newHarness(t)
		h.runner.Confirm = yesConfirmer(true)
		if err := h.apply(t, p, ApplyOptions{}); err != nil || h.world.applies["zone"] != 1 {
			t.Fatalf("err = %v applies = %v", err, h.world.applies)
		}
	})
}

func TestPreflightFailureStopsBeforeAnyStep(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", withSet("x", "1")))
	p.Preflight = []GateConfig{{Kind: "check", Name: "version", Spec: &fakeCheckSpec{Key: "version", Equals: "2.9.0"}, Policy: Policy{FailureLimit: 0}.withDefaults()}}
	h.world.values["version"] = "3.0.5"
	err := h.apply(t, p, ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), `version is "3.0.5", want "2.9.0"`) {
		t.Fatalf("err = %v", err)
	}
	if h.world.applies["x"] != 0 {
		t.Error("a step ran after a failed preflight")
	}
}

// preflightBinder is a fakeBinder whose preflight refuses.
type preflightBinder struct {
	fakeBinder
	err error
}

func (b preflightBinder) Preflight(context.Context, *Plan) ([]string, error) {
	return []string{"StatefulSet ingester-zone-a: guarded by a webhook"}, b.err
}

func TestABinderPreflightFailureStopsBeforeAnyStep(t *testing.T) {
	h := newHarness(t)
	h.runner.Binder = preflightBinder{fakeBinder: fakeBinder{w: h.world}, err: errors.New("prometheus does not answer")}
	err := h.apply(t, testPlan(step("a", withSet("x", "1"))), ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "preflight: prometheus does not answer") || h.world.applies["x"] != 0 {
		t.Fatalf("err = %v, applies %v", err, h.world.applies)
	}
	var notice bool
	for _, e := range h.events.events {
		notice = notice || (e.Type == EventPreflight && strings.Contains(e.Message, "guarded by a webhook"))
	}
	if !notice {
		t.Error("the preflight notice was not emitted")
	}
}
