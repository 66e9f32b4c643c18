package plan

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// fits refuses to start a step whose least duration does not fit in the
// maintenance window. What is left of a window that is already over reads
// as 0s.
func (e *Executor) fits(step *Step, ss *StepState) error {
	if e.Until.IsZero() {
		return nil
	}
	now := e.Clock.Now()
	need := leastDuration(step, ss, now)
	if now.Add(need).After(e.Until) {
		return &WindowClosedError{Step: step.ID, Until: e.Until,
			Reason: fmt.Sprintf("step %s needs at least %s and only %s are left, so it was not started", step.ID, need, max(0, e.Until.Sub(now)).Round(time.Second))}
	}
	return nil
}

// leastDuration is the least time step needs from now: its minDuration, or
// what is left of its wait (all of it when the wait has not begun; ss may
// be nil).
func leastDuration(step *Step, ss *StepState, now time.Time) time.Duration {
	need := step.MinDuration.D()
	if step.Wait != nil {
		left := step.Wait.Duration.D()
		if ss != nil && ss.WaitUntil != nil {
			left = max(0, ss.WaitUntil.Sub(now))
		}
		need = max(need, left)
	}
	return need
}

// LeastDuration is the least time the whole plan takes: the sum of its
// steps' waits (their least, for waits measured from the components) and
// least durations. Rollouts, gates, flushes and manual steps come on top.
func (p *Plan) LeastDuration() time.Duration {
	var total time.Duration
	for _, s := range p.Steps {
		total += leastDuration(s, nil, time.Time{})
	}
	return total
}

// stepWait holds the run for the step's wait, from a persisted deadline. A
// wait measured from the components' settings is measured once, when it
// begins; a measurement that fails is the step's error, before any deadline
// is kept.
func (e *Executor) stepWait(ctx context.Context, st *State, step *Step, ss *StepState) error {
	reason := step.Wait.Reason
	if reason == "" {
		reason = step.Title
	}
	if ss.WaitUntil == nil {
		d := step.Wait.Duration.D()
		if fc := step.Wait.FromConfig; fc != nil {
			m, ok := e.Binder.(WaitMeasurer)
			if !ok {
				return e.failStep(ctx, st, ss, fmt.Errorf("wait of step %s: measured from %s, which this run cannot read", step.ID, fc.Describe()))
			}
			measured, how, err := m.MeasureWait(ctx, e.Plan, step)
			if err != nil {
				return e.failStep(ctx, st, ss, fmt.Errorf("wait of step %s: %w", step.ID, err))
			}
			if measured > d {
				d = measured
			}
			ss.WaitMeasure = fmt.Sprintf("%s: %s = %s, at least %s: %s", strings.Join(fc.Keys, " + "), how, measured, step.Wait.Duration.D(), d)
		}
		deadline := e.Clock.Now().Add(d)
		ss.WaitUntil = &deadline
	}
	if ss.WaitMeasure != "" {
		reason += " (" + ss.WaitMeasure + ")"
	}
	ss.Status = StepWaiting
	if err := e.save(ctx, st); err != nil {
		return err
	}
	return e.waitUntil(ctx, st, step.ID, *ss.WaitUntil, reason)
}

// waitUntil sleeps until deadline. When the deadline is past the window's
// end it returns at once: the deadline is persisted, so the next run picks
// the wait up where it is.
func (e *Executor) waitUntil(ctx context.Context, st *State, stepID string, deadline time.Time, reason string) error {
	now := e.Clock.Now()
	if !deadline.After(now) {
		return nil
	}
	if !e.Until.IsZero() && deadline.After(e.Until) {
		return &WindowClosedError{Step: stepID, Until: e.Until,
			Reason: fmt.Sprintf("step %s waits until %s (%s), after the window; resume after that time", stepID, deadline.Format(time.RFC3339), reason)}
	}
	d := deadline
	e.emit(st, Event{Type: EventWaiting, Step: stepID, Until: &d, Message: reason})
	if err := e.Clock.Sleep(ctx, deadline.Sub(now)); err != nil {
		return ErrInterrupted
	}
	return nil
}

// sleepInWindow sleeps between two gate evaluations or two polls of an
// action, refusing to sleep past the window's end: it then returns a
// *WindowClosedError with reason.
func (e *Executor) sleepInWindow(ctx context.Context, stepID string, d time.Duration, reason string) error {
	if !e.Until.IsZero() && e.Clock.Now().Add(d).After(e.Until) {
		return &WindowClosedError{Step: stepID, Until: e.Until, Reason: reason}
	}
	if err := e.Clock.Sleep(ctx, d); err != nil {
		return ErrInterrupted
	}
	return nil
}
