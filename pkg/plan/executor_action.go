package plan

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Progress lets a compound action record its own sub-steps in the run state,
// so a resumed run neither repeats a sub-step that took effect nor skips one
// that did not, and wait with a persisted deadline.
type Progress interface {
	// Get returns a value recorded by an earlier Set, in this run or before.
	Get(key string) (string, bool)
	// Set records a value and saves the state before returning.
	Set(ctx context.Context, key, value string) error
	// Now is the executor's clock.
	Now() time.Time
	// WaitUntil waits until the deadline recorded under key, recording
	// now+d first if there is none. It honours the maintenance window.
	WaitUntil(ctx context.Context, key string, d time.Duration, reason string) error
	// Report emits a progress message.
	Report(msg string)
	// Sleep waits d on the executor's clock, between two polls of an
	// action. It returns a *WindowClosedError at once when d would end
	// after the maintenance window (the action stops there; it stays
	// "started", so the next run checks before acting), and
	// ErrInterrupted when ctx ends first. Sleep(ctx, 0) is the check of an
	// action's safe point that does not wait: a *WindowClosedError once
	// the window is over.
	Sleep(ctx context.Context, d time.Duration) error
}

func (e *Executor) runAction(ctx context.Context, st *State, step *Step, ss *StepState, i int) error {
	cfg := step.Actions[i]
	as := &ss.Actions[i]
	if actionFinished(as.Status) {
		return nil // never repeat an action that took effect
	}
	action, err := e.Binder.BindAction(ctx, e.Plan, step, cfg)
	if err != nil {
		return fmt.Errorf("action %q: %w", cfg.Label(), err)
	}
	done, detail, err := action.Check(ctx)
	if err != nil {
		return e.actionFailed(ctx, st, as, fmt.Errorf("action %q: check: %w", cfg.Label(), err))
	}
	if done {
		now := e.Clock.Now()
		if as.Status != ActionStarted {
			as.Status = ActionSkipped
		} else {
			as.Status = ActionApplied // an interrupted apply that took effect
		}
		as.FinishedAt, as.Detail = &now, detail
		e.emit(st, Event{Type: EventActionSkipped, Step: step.ID, Action: cfg.Label(), Message: detail})
		return e.save(ctx, st)
	}
	if err := e.confirm(ctx, step, cfg); err != nil {
		return err
	}
	now := e.Clock.Now()
	as.Status, as.StartedAt, as.Detail = ActionStarted, &now, detail
	as.Attempts++
	if err := e.save(ctx, st); err != nil {
		return err
	}
	e.emit(st, Event{Type: EventActionStarted, Step: step.ID, Action: cfg.Label(), Message: detail})
	wctx, wcancel := e.windowContext(ctx)
	actx, cancel := graceful(wctx, e.grace())
	err = action.Apply(actx, &progress{e: e, st: st, step: step, as: as})
	cancel()
	windowEnded := wctx.Err() != nil && ctx.Err() == nil
	wcancel()
	if err != nil {
		if ctx.Err() != nil {
			return ErrInterrupted // stays "started": the next run checks first
		}
		if windowEnded {
			return &WindowClosedError{Step: step.ID, Until: e.Until, Reason: fmt.Sprintf(
				"action %q was stopped when the window ended (%v); its progress is saved and the next run checks it before acting", cfg.Label(), err)}
		}
		return e.actionFailed(ctx, st, as, fmt.Errorf("action %q: %w", cfg.Label(), err))
	}
	end := e.Clock.Now()
	as.Status, as.FinishedAt = ActionApplied, &end
	if err := e.save(ctx, st); err != nil {
		return err
	}
	e.emit(st, Event{Type: EventActionDone, Step: step.ID, Action: cfg.Label()})
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	return nil
}

func (e *Executor) actionFailed(ctx context.Context, st *State, as *ActionState, err error) error {
	var window *WindowClosedError
	if errors.As(err, &window) || ctx.Err() != nil {
		return err
	}
	as.Status, as.Detail = ActionFailed, err.Error()
	if serr := e.save(ctx, st); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

func (e *Executor) confirm(ctx context.Context, step *Step, cfg ActionConfig) error {
	if !cfg.IsDestructive() || e.Yes {
		return nil
	}
	if e.Confirm == nil {
		return &ConfirmationError{Step: step.ID, Action: cfg.Label()}
	}
	ok, err := e.Confirm.Confirm(ctx, fmt.Sprintf("step %s: %s. This is destructive. Proceed?", step.ID, cfg.Label()))
	if err != nil {
		return fmt.Errorf("ask for confirmation: %w", err)
	}
	if !ok {
		return &ConfirmationError{Step: step.ID, Action: cfg.Label()}
	}
	return nil
}

func (e *Executor) grace() time.Duration {
	if e.ApplyGrace > 0 {
		return e.ApplyGrace
	}
	return DefaultApplyGrace
}

// windowContext bounds an action by the maintenance window on a clock
// that can (RealClock): an action whose waits do not all go through
// Progress (a rollout watch, an HTTP call) is stopped at the window's end,
// like an interruption, and not only at its next Progress.Sleep.
func (e *Executor) windowContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if dc, ok := e.Clock.(deadlineClock); ok && !e.Until.IsZero() {
		return dc.WithDeadline(ctx, e.Until)
	}
	return context.WithCancel(ctx)
}

// graceful returns a context that outlives ctx by grace: an in-flight call
// gets the chance to finish (or to be abandoned cleanly) after Ctrl-C. The
// grace is wall-clock time on purpose: it bounds a call on the network, not
// a wait of the run.
func graceful(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		select {
		case <-actx.Done():
			return
		case <-ctx.Done():
		}
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-actx.Done():
		}
	}()
	return actx, cancel
}

type progress struct {
	e    *Executor
	st   *State
	step *Step
	as   *ActionState
}

func (p *progress) Get(key string) (string, bool) {
	v, ok := p.as.Data[key]
	return v, ok
}

func (p *progress) Set(ctx context.Context, key, value string) error {
	if p.as.Data == nil {
		p.as.Data = map[string]string{}
	}
	p.as.Data[key] = value
	return p.e.save(ctx, p.st)
}

func (p *progress) Now() time.Time { return p.e.Clock.Now() }

func (p *progress) Report(msg string) {
	p.e.emit(p.st, Event{Type: EventProgress, Step: p.step.ID, Message: msg})
}

func (p *progress) Sleep(ctx context.Context, d time.Duration) error {
	return p.e.sleepInWindow(ctx, p.step.ID, d,
		"action "+p.as.Label+" stopped at a safe point when the window ended; its progress is saved and the next run checks it before acting")
}

func (p *progress) WaitUntil(ctx context.Context, key string, d time.Duration, reason string) error {
	var deadline time.Time
	if v, ok := p.Get(key); ok {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return fmt.Errorf("recorded deadline %s=%q is corrupt: %w", key, v, err)
		}
		deadline = t
	} else {
		deadline = p.Now().Add(d)
		if err := p.Set(ctx, key, deadline.UTC().Format(time.RFC3339Nano)); err != nil {
			return err
		}
	}
	return p.e.waitUntil(ctx, p.st, p.step.ID, deadline, reason)
}
