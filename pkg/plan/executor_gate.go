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
		notices, err := pf.Preflight(ctx, e.Plan)
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

// evaluate polls gate until its policy decides. Counters start afresh on
// every run: the world may have changed while the run was stopped.
func (e *Executor) evaluate(ctx context.Context, st *State, stepID string, gate Gate, cfg GateConfig, gs *GateState) error {
	pol := cfg.Policy.withDefaults()
	*gs = GateState{Name: cfg.Name}
	deadline := e.Clock.Now().Add(pol.Timeout.D())
	streak := 0
	var lastSave time.Time
	for {
		obs := e.observe(ctx, gate, pol)
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		changed := obs.Verdict != gs.Verdict || gs.Evaluations == 0
		e.record(gs, obs)
		switch obs.Verdict {
		case verdict.Pass:
			streak++
		case verdict.Fail:
			streak = 0
		default:
			streak = 0
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
		if err := e.sleepInWindow(ctx, stepID, pol.Interval.D(), "gate "+cfg.Name); err != nil {
			return err
		}
	}
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
