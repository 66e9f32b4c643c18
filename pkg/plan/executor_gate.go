package plan

import (
	"context"
	"fmt"
	"time"

	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// maxDetails bounds the details kept per observation in the state.
const maxDetails = 25

// saveEvery bounds how often a gate that keeps the same verdict saves state.
const saveEvery = time.Minute

func (e *Executor) runGates(ctx context.Context, st *State, step *Step, ss *StepState) error {
	ss.Status = StepGating
	for i, cfg := range step.Gates {
		gate, err := e.Binder.BindGate(ctx, e.Plan, step, cfg)
		if err != nil {
			return fmt.Errorf("gate %s: %w", cfg.Name, err)
		}
		if err := e.evaluate(ctx, st, step.ID, gate, cfg, &ss.Gates[i]); err != nil {
			return err
		}
	}
	return nil
}

func (e *Executor) preflight(ctx context.Context, st *State) error {
	if pf, ok := e.Binder.(Preflighter); ok {
		notices, err := pf.Preflight(ctx, e.Plan, pendingIn(st, e.Plan))
		for _, n := range notices {
			e.emit(st, Event{Type: EventPreflight, Message: n})
		}
		if err != nil {
			return fmt.Errorf("preflight: %w", err)
		}
	}
	if len(e.Plan.Preflight) == 0 {
		return nil
	}
	pseudo := &Step{ID: "preflight", Title: "Preflight"}
	for _, cfg := range e.Plan.Preflight {
		gate, err := e.Binder.BindGate(ctx, e.Plan, pseudo, cfg)
		if err != nil {
			return fmt.Errorf("preflight gate %s: %w", cfg.Name, err)
		}
		var gs GateState
		if err := e.evaluate(ctx, st, pseudo.ID, gate, cfg, &gs); err != nil {
			return err
		}
		e.emit(st, Event{Type: EventPreflight, Gate: cfg.Name, Observation: &gs.Observation})
	}
	return nil
}

// evaluate polls gate until its policy decides. The failure count and the
// timeout start afresh on every attempt (the cause of a failure may have
// been fixed); a series of passes (`consecutive`) and a hold (`for`) that a
// stopped attempt of this run recorded go on, but only with a pass: the
// first observation of the new attempt must pass too, and a HoldingGate
// checks the stop's gap itself (see continueFrom).
func (e *Executor) evaluate(ctx context.Context, st *State, stepID string, gate Gate, cfg GateConfig, gs *GateState) error {
	pol := cfg.Policy.withDefaults()
	prev := *gs
	*gs = GateState{Name: cfg.Name}
	streak := e.continueFrom(ctx, st, stepID, gate, cfg.Name, prev, gs)
	deadline := e.Clock.Now().Add(pol.Timeout.D())
	var lastSave time.Time
	for {
		obs := e.observe(ctx, gate, pol)
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		held := gs.HoldSince
		changed := obs.Verdict != gs.Verdict || gs.Evaluations == 0
		e.record(gs, obs)
		switch obs.Verdict {
		case verdict.Pass:
			streak++
			if gs.FirstPassAt == nil {
				at := gs.At
				gs.FirstPassAt = &at
			}
		default:
			streak, gs.FirstPassAt = 0, nil
		}
		gs.Streak = streak
		if hg, ok := gate.(HoldingGate); ok {
			gs.HoldSince = nil
			if since := hg.HoldSince(); !since.IsZero() {
				gs.HoldSince = &since
			}
			changed = changed || (held == nil) != (gs.HoldSince == nil)
		}
		o := gs.Observation
		e.emit(st, Event{Type: EventGate, Step: stepID, Gate: cfg.Name, Observation: &o})
		if streak >= pol.Consecutive {
			gs.Passed = true
			e.emit(st, Event{Type: EventGatePassed, Step: stepID, Gate: cfg.Name, Observation: &o})
			return e.save(ctx, st)
		}
		if pol.FailureLimit >= 0 && gs.Failures > pol.FailureLimit {
			return e.gateFailed(ctx, st, stepID, cfg.Name, gs, false)
		}
		if !e.Clock.Now().Add(pol.Interval.D()).Before(deadline) {
			return e.gateFailed(ctx, st, stepID, cfg.Name, gs, true)
		}
		if changed || e.Clock.Now().Sub(lastSave) >= saveEvery {
			if err := e.save(ctx, st); err != nil {
				return err
			}
			lastSave = e.Clock.Now()
		}
		if err := e.sleepInWindow(ctx, stepID, pol.Interval.D(), "gate "+cfg.Name+" had not passed when the window ended"); err != nil {
			return err
		}
	}
}

// continueFrom carries into gs what an earlier attempt of this gate in this
// run recorded in prev: its series of passes (returned as the streak to go
// on from, 0 when it had none) and its hold, which a HoldingGate restores
// from its own evidence of the gap. A gate that already passed starts a new
// series: the attempt re-checks it.
func (e *Executor) continueFrom(ctx context.Context, st *State, stepID string, gate Gate, name string, prev GateState, gs *GateState) int {
	if prev.Name != name || prev.Evaluations == 0 || prev.Passed {
		return 0
	}
	streak := 0
	if prev.Verdict == verdict.Pass && prev.Streak > 0 {
		streak, gs.FirstPassAt = prev.Streak, prev.FirstPassAt
		e.emit(st, Event{Type: EventProgress, Step: stepID, Gate: name,
			Message: fmt.Sprintf("gate %s: %d passes in a row before the stop; the series goes on if the next observation passes", name, streak)})
	}
	if hg, ok := gate.(HoldingGate); ok && prev.HoldSince != nil {
		if msg := hg.ContinueHold(ctx, *prev.HoldSince, prev.At); msg != "" {
			e.emit(st, Event{Type: EventProgress, Step: stepID, Gate: name, Message: "gate " + name + ": " + msg})
		}
	}
	return streak
}

// observe runs one evaluation bounded by the interval (at least 5s): a hung
// endpoint is inconclusive, not a stuck run.
func (e *Executor) observe(ctx context.Context, gate Gate, pol Policy) verdict.Observation {
	ectx, cancel := context.WithTimeout(ctx, max(pol.Interval.D(), 5*time.Second))
	defer cancel()
	return gate.Evaluate(ectx)
}

func (e *Executor) record(gs *GateState, obs verdict.Observation) {
	if len(obs.Details) > maxDetails {
		more := len(obs.Details) - maxDetails
		obs.Details = append(obs.Details[:maxDetails:maxDetails], fmt.Sprintf("... and %d more", more))
	}
	gs.Verdict, gs.Observation, gs.At = obs.Verdict, obs, e.Clock.Now()
	gs.Evaluations++
	switch obs.Verdict {
	case verdict.Pass:
		gs.Passes++
	case verdict.Fail:
		gs.Failures++
	}
}

func (e *Executor) gateFailed(ctx context.Context, st *State, stepID, name string, gs *GateState, timedOut bool) error {
	err := &GateFailedError{Step: stepID, Gate: name, Observation: gs.Observation, TimedOut: timedOut}
	o := gs.Observation
	e.emit(st, Event{Type: EventGateFailed, Step: stepID, Gate: name, Observation: &o, Message: err.Error()})
	if serr := e.save(ctx, st); serr != nil {
		return serr
	}
	return err
}
