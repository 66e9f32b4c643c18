package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Action is a runnable action: a check that says whether its effect is in
// place, and an apply that makes it so. Apply may be called again after an
// interruption whenever Check says the effect is not in place, so it must be
// safe to repeat in that case.
type Action interface {
	Check(ctx context.Context) (done bool, detail string, err error)
	Apply(ctx context.Context, p Progress) error
}

// Gate is a runnable gate.
type Gate interface {
	Evaluate(ctx context.Context) verdict.Observation
}

// HoldingGate is a gate whose pass needs its condition to hold for a while
// (a PromQL gate's `for`). The executor records when the current hold began
// in the run state, and hands it back to the gate of a resumed run, which
// decides from its own evidence whether the hold survived the stop.
type HoldingGate interface {
	Gate
	// HoldSince is when the current hold began; zero when not holding.
	HoldSince() time.Time
	// ContinueHold restores a hold that began at since and was last seen
	// at seen, and says what it concluded.
	ContinueHold(ctx context.Context, since, seen time.Time) string
}

// Binder turns the specs of a loaded plan into runnable actions and gates.
// It is where the plan meets the cluster; tests pass fakes.
type Binder interface {
	BindAction(ctx context.Context, p *Plan, step *Step, cfg ActionConfig) (Action, error)
	BindGate(ctx context.Context, p *Plan, step *Step, cfg GateConfig) (Gate, error)
}

// Preflighter is implemented by binders that can check, before any step, what
// the plan needs from the cluster: a reachable Prometheus for PromQL gates, an
// environment that renders, admission webhooks that may refuse a step.
// pending reports the actions the run has yet to apply (nil: all of them), so
// that what a resumed run already did is not checked again. It returns
// notices for the operator, and an error when the run must not start.
type Preflighter interface {
	Preflight(ctx context.Context, p *Plan, pending Pending) ([]string, error)
}

// Pending reports whether a run has yet to apply the action at ref of its
// plan.
type Pending func(ref ActionRef) bool

// pendingIn is what run st has yet to apply of p: the actions neither
// applied nor skipped, in steps not finished.
func pendingIn(st *State, p *Plan) Pending {
	return func(ref ActionRef) bool {
		return !stepFinished(st, p.Steps[ref.Step].ID) && !actionFinished(actionStatus(st, p, ref))
	}
}

// Confirmer asks a person to confirm a destructive action. It is nil when no
// one can be asked (stdin is not a terminal).
type Confirmer interface {
	Confirm(ctx context.Context, question string) (bool, error)
}

// Executor runs the steps of a plan against a state.
type Executor struct {
	Plan   *Plan
	Binder Binder
	Clock  Clock
	Events EventSink
	// Persist saves the state; it is called after every change.
	Persist func(ctx context.Context, st *State) error
	// Confirm asks about destructive actions; nil when not interactive.
	Confirm Confirmer
	// Yes confirms destructive actions in advance (--yes).
	Yes bool
	// Until is the end of the maintenance window (zero: none).
	Until time.Time
	// ApplyGrace is how long an in-flight apply may go on after an
	// interruption before its context is cancelled too.
	ApplyGrace time.Duration
	// Placed says which steps the run skips because the environment is
	// already past them (emitted as a position event); empty: none.
	Placed string
}

// DefaultApplyGrace bounds how long an in-flight action may finish after
// Ctrl-C.
const DefaultApplyGrace = 30 * time.Second

func (e *Executor) emit(st *State, ev Event) {
	ev.V = EventSchemaVersion
	ev.Time = e.Clock.Now()
	ev.RunID, ev.Plan = st.RunID, st.Plan
	if ev.StepCount == 0 && ev.Step != "" {
		ev.StepIndex, ev.StepCount = e.Plan.StepIndex(ev.Step)+1, len(e.Plan.Steps)
	}
	e.Events.Emit(ev)
}

func (e *Executor) save(ctx context.Context, st *State) error {
	st.UpdatedAt = e.Clock.Now()
	// A save must go through even when the run is being interrupted:
	// otherwise the state would lag behind what was done.
	if err := e.Persist(context.WithoutCancel(ctx), st); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// Run executes every step not done yet. It returns nil when the plan is
// complete, or one of GateFailedError, PausedError, WindowClosedError,
// ConfirmationError, ErrInterrupted, or another error, wrapped in a
// ReportedError once emitted as the run's last event; in every case the
// state has been saved.
func (e *Executor) Run(ctx context.Context, st *State) error {
	st.Status, st.Reason = RunRunning, ""
	if err := e.save(ctx, st); err != nil {
		return err
	}
	e.emit(st, Event{Type: EventRunStarted, Message: fmt.Sprintf("%d steps", len(e.Plan.Steps))})
	if e.Placed != "" {
		e.emit(st, Event{Type: EventPosition, Message: e.Placed})
	}
	if err := e.preflight(ctx, st); err != nil {
		return e.stop(ctx, st, err)
	}
	for _, step := range e.Plan.Steps {
		ss := st.StepState(step.ID)
		if ss.Status.finished() {
			continue
		}
		if err := e.runStep(ctx, st, step, ss); err != nil {
			return e.stop(ctx, st, err)
		}
	}
	st.Status = RunDone
	if err := e.save(ctx, st); err != nil {
		return err
	}
	e.emit(st, Event{Type: EventRunFinished, Status: string(RunDone)})
	return nil
}

// whereStopped says, for a run stopped by its window, what of step id was
// done and what the next window needs to finish it: the step's declared
// least duration, or the deadline of a wait under way.
func (e *Executor) whereStopped(st *State, id string) string {
	ss := st.StepState(id)
	step := e.Plan.Step(id)
	if ss == nil || step == nil {
		return ""
	}
	var done, started, left []string
	for i, as := range ss.Actions {
		label := step.Actions[i].Label()
		switch as.Status {
		case ActionApplied, ActionSkipped:
			done = append(done, label)
		case ActionStarted:
			started = append(started, label)
		default:
			left = append(left, label)
		}
	}
	var parts []string
	if len(done) > 0 {
		parts = append(parts, "done: "+strings.Join(done, "; "))
	}
	if len(started) > 0 {
		parts = append(parts, "stopped inside (its progress is saved; the next run checks it first): "+strings.Join(started, "; "))
	}
	if len(left) > 0 {
		parts = append(parts, "not started: "+strings.Join(left, "; "))
	}
	switch {
	case ss.WaitUntil != nil:
		parts = append(parts, "its wait ends "+ss.WaitUntil.UTC().Format(time.RFC3339)+": a window open then can finish it")
	case step.MinDuration > 0:
		parts = append(parts, "a window needs at least "+step.MinDuration.D().String()+" left to start or finish it")
	}
	if len(parts) == 0 {
		return ""
	}
	return "step " + id + ": " + strings.Join(parts, "; ")
}

// stop records why the run stopped and passes the reason on.
func (e *Executor) stop(ctx context.Context, st *State, cause error) error {
	var (
		paused *PausedError
		window *WindowClosedError
		gate   *GateFailedError
	)
	ev := Event{Message: cause.Error()}
	switch {
	case errors.As(cause, &paused):
		st.Status, ev.Type = RunPaused, EventPaused
	case errors.As(cause, &window):
		st.Status, ev.Type = RunStopped, EventWindowClosed
		ev.Step = window.Step
		if where := e.whereStopped(st, window.Step); where != "" {
			ev.Message += "\n" + where
		}
	case errors.Is(cause, context.Canceled) || errors.Is(cause, ErrInterrupted):
		cause = ErrInterrupted
		st.Status, ev.Type, ev.Message = RunStopped, EventInterrupted, cause.Error()
	case errors.As(cause, &gate):
		st.Status, ev.Type = RunFailed, EventRunFailed
	default:
		st.Status, ev.Type = RunFailed, EventRunFailed
	}
	st.Reason = ev.Message
	ev.Status = string(st.Status)
	if err := e.save(ctx, st); err != nil {
		return errors.Join(cause, err)
	}
	e.emit(st, ev)
	return &ReportedError{Err: cause}
}

func (e *Executor) runStep(ctx context.Context, st *State, step *Step, ss *StepState) error {
	if ss.Status == StepPending {
		if err := e.fits(step, ss); err != nil {
			return err
		}
		now := e.Clock.Now()
		ss.StartedAt = &now
	}
	ss.Status, ss.Error = StepRunning, ""
	if err := e.save(ctx, st); err != nil {
		return err
	}
	e.emit(st, Event{Type: EventStepStarted, Step: step.ID, StepTitle: step.Title})
	for i := range step.Actions {
		if err := e.runAction(ctx, st, step, ss, i); err != nil {
			return e.failStep(ctx, st, ss, err)
		}
	}
	if err := e.approval(ctx, st, step, ss); err != nil {
		return err
	}
	if err := e.runGates(ctx, st, step, ss); err != nil {
		return e.failStep(ctx, st, ss, err)
	}
	if step.Wait != nil {
		if err := e.stepWait(ctx, st, step, ss); err != nil {
			return err
		}
	}
	now := e.Clock.Now()
	ss.Status, ss.FinishedAt = StepDone, &now
	if err := e.save(ctx, st); err != nil {
		return err
	}
	e.emit(st, Event{Type: EventStepFinished, Step: step.ID, Status: string(StepDone)})
	return nil
}

// failStep records an error on the step unless it is an interruption.
func (e *Executor) failStep(ctx context.Context, st *State, ss *StepState, err error) error {
	if ctx.Err() != nil || errors.Is(err, ErrInterrupted) {
		return ErrInterrupted
	}
	var window *WindowClosedError
	if errors.As(err, &window) {
		return err
	}
	ss.Status, ss.Error = StepFailed, err.Error()
	return err
}

// approval pauses at a manual step until someone approved it.
func (e *Executor) approval(ctx context.Context, st *State, step *Step, ss *StepState) error {
	if step.Manual == nil || ss.Approval != nil {
		return nil
	}
	if a, ok := st.Approvals[step.ID]; ok {
		ss.Approval = &a
		delete(st.Approvals, step.ID)
		return e.save(ctx, st)
	}
	ss.Status = StepApproval
	return &PausedError{Step: step.ID, Instructions: step.Manual.Instructions}
}
