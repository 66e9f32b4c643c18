package plan_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// measuringBinder is the fake binder with a WaitMeasurer that answers what
// the test sets, counting the measurements.
type measuringBinder struct {
	plantest.Binder
	d     time.Duration
	err   error
	calls int
}

func (b *measuringBinder) MeasureWait(context.Context, *plan.Plan, *plan.Step) (time.Duration, string, error) {
	b.calls++
	return b.d, "13h [querier-0]", b.err
}

func withConfigWait(least time.Duration) stepOpt {
	return func(s *plan.Step) {
		s.Wait = &plan.Wait{Duration: duration.Duration(least), Reason: "query_store_after",
			FromConfig: &plan.WaitFromConfig{Pods: podaccess.Selector{Labels: "name=querier"}, Keys: []string{"querier.query_store_after"}}}
	}
}

// TestAWaitFromConfigIsMeasuredOnceAndNeverGuessed: the wait lasts what the
// components' settings say when it begins (at least its duration), keeps
// that deadline across a resume without measuring again, and a measurement
// that fails stops the step before any deadline is kept.
func TestAWaitFromConfigIsMeasuredOnceAndNeverGuessed(t *testing.T) {
	h := newHarness(t)
	b := &measuringBinder{Binder: plantest.Binder{World: h.world}, err: errors.New("no pod matches name=querier")}
	h.runner.Binder = b
	p := testPlan(step("a", withSet("x", "1"), withConfigWait(12*time.Hour)))
	start := h.clock.Now()

	err := h.apply(t, p, plan.ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "no pod matches") {
		t.Fatalf("err = %v, want the measurement's error", err)
	}
	if st := h.state(t); st.Steps[0].WaitUntil != nil || st.Steps[0].Status != plan.StepFailed {
		t.Fatalf("after a failed measurement: step %+v, want failed with no deadline", st.Steps[0])
	}

	// Measured at 13h: longer than the least, so the wait is 13h. Ctrl-C an
	// hour in; the resume keeps the deadline and does not measure again.
	b.err, b.d = nil, 13*time.Hour
	h.runner.Clock = &interruptingClock{Clock: h.clock, after: time.Hour}
	if err := h.resume(t, p, plan.ApplyOptions{}); !errors.Is(err, plan.ErrInterrupted) {
		t.Fatalf("resume: err = %v, want interrupted", err)
	}
	st := h.state(t)
	if st.Steps[0].WaitUntil == nil || !strings.Contains(st.Steps[0].WaitMeasure, "13h [querier-0]") {
		t.Fatalf("step %+v: want a deadline and how it was measured", st.Steps[0])
	}
	deadline := *st.Steps[0].WaitUntil
	if got := deadline.Sub(start); got != 13*time.Hour {
		t.Errorf("deadline %s after the start, want 13h (the measured setting)", got)
	}
	h.runner.Clock = h.clock
	b.d = 40 * time.Hour
	if err := h.resume(t, p, plan.ApplyOptions{}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if b.calls != 2 {
		t.Errorf("measured %d times, want 2 (the failed one and the one that set the deadline)", b.calls)
	}
	if !h.clock.Now().Equal(deadline) {
		t.Errorf("finished at %v, want the kept deadline %v", h.clock.Now(), deadline)
	}

	// A setting shorter than the least waits the least.
	h2 := newHarness(t)
	h2.runner.Binder = &measuringBinder{Binder: plantest.Binder{World: h2.world}, d: time.Minute}
	start = h2.clock.Now()
	if err := h2.apply(t, p, plan.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := h2.clock.Now().Sub(start); got != 12*time.Hour {
		t.Errorf("waited %s, want the least, 12h", got)
	}
}

// TestAWaitFromConfigNeedsABinderThatMeasures: a binder that cannot read
// the components fails the step instead of waiting the least.
func TestAWaitFromConfigNeedsABinderThatMeasures(t *testing.T) {
	h := newHarness(t)
	p := testPlan(step("a", withSet("x", "1"), withConfigWait(time.Hour)))
	if err := h.apply(t, p, plan.ApplyOptions{}); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}
