package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mimirctl/mimirctl/pkg/invocation"
)

// Runner ties the executor to a state store and a lock: it is what the
// apply, resume, approve, abort and status commands call.
type Runner struct {
	Store    Store
	Locker   Locker
	Binder   Binder
	Clock    Clock
	Events   EventSink
	Confirm  Confirmer
	Holder   string
	Identity ClusterIdentity
	// Options are recorded in the run's state for later resumes (only
	// non-empty values, and never secrets).
	Options map[string]string
}

// ApplyOptions are the user's choices for apply and resume.
type ApplyOptions struct {
	Yes             bool
	Until           time.Time
	AllowPlanChange bool
	// ForceUnlock frees a lock left behind under this ID before starting.
	ForceUnlock string
	ApplyGrace  time.Duration
}

// ErrNothingToResume is returned by Resume when no resumable run exists.
var ErrNothingToResume = invocation.NewError(func() string {
	return "no run to resume here: start one with `" + invocation.Command("apply", "PLAN") + "`"
})

// Apply runs plan p: a new run, or the continuation of an unfinished run of
// the same plan. A finished run of the same plan is reported, not repeated.
func (r *Runner) Apply(ctx context.Context, p *Plan, opts ApplyOptions) error {
	if len(p.Unbound) > 0 {
		return fmt.Errorf("plan %s was loaded for showing, without parameters %s: pass them with --param NAME=VALUE", p.Name, strings.Join(p.Unbound, ", "))
	}
	return r.locked(ctx, opts, func(ctx context.Context, st *State, rev Revision) error {
		st, placed, err := r.prepare(ctx, st, p, opts)
		if err != nil {
			return err
		}
		return r.execute(ctx, p, st, rev, opts, placed)
	})
}

// Resume continues the unfinished run, reloading its plan with load from
// where the run recorded it (State.PlanSource, else the built-in plan of its
// name) with the run's parameter values. A plan that is gone, renamed or
// changed (see prepare) is refused with the reason.
func (r *Runner) Resume(ctx context.Context, load func(source string, values ParamValues) (*Plan, error), opts ApplyOptions) error {
	return r.locked(ctx, opts, func(ctx context.Context, st *State, rev Revision) error {
		if st == nil || !st.Status.Resumable() {
			return ErrNothingToResume
		}
		p, err := reload(st, load)
		if err != nil {
			return err
		}
		st, placed, err := r.prepare(ctx, st, p, opts)
		if err != nil {
			return err
		}
		return r.execute(ctx, p, st, rev, opts, placed)
	})
}

// reload loads the plan of run st from its recorded source.
func reload(st *State, load func(source string, values ParamValues) (*Plan, error)) (*Plan, error) {
	source := st.Source()
	p, err := load(source, st.Params)
	if err != nil && st.PlanSource == "" {
		return nil, fmt.Errorf("reload plan %s of run %s: %w (the run recorded no plan source: if it is a plan of your own, continue with `%s`)", st.Plan, st.RunID, err, invocation.Command("apply", "PATH"))
	}
	if err != nil {
		return nil, fmt.Errorf("reload plan %s of run %s: %w", st.Plan, st.RunID, err)
	}
	if p.Name != st.Plan {
		return nil, fmt.Errorf("reload plan %s of run %s: %s now holds plan %s: put plan %s back there, or abandon the run with `%s`", st.Plan, st.RunID, source, p.Name, st.Plan, invocation.Command("abort"))
	}
	return p, nil
}

// locked takes the lock, loads the state and runs fn.
func (r *Runner) locked(ctx context.Context, opts ApplyOptions, fn func(context.Context, *State, Revision) error) (err error) {
	if opts.ForceUnlock != "" {
		if err := r.Locker.ForceUnlock(ctx, opts.ForceUnlock); err != nil {
			return err
		}
	}
	lock, err := r.Locker.Acquire(ctx, r.Holder)
	if err != nil {
		return err
	}
	defer func() {
		if rerr := lock.Release(context.WithoutCancel(ctx)); rerr != nil && err == nil {
			err = fmt.Errorf("release %s: %w", r.Locker.Describe(), rerr)
		}
	}()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-lock.Lost():
			cancel(ErrLockLost)
		case <-ctx.Done():
		}
	}()
	st, rev, err := r.Store.Load(ctx)
	if errors.Is(err, ErrNoState) {
		st, err = nil, nil
	}
	if err != nil {
		return err
	}
	if err := st.CheckCluster(r.Identity, r.Store.Describe()); err != nil {
		return err
	}
	err = fn(ctx, st, rev)
	if context.Cause(ctx) == ErrLockLost {
		return ErrLockLost
	}
	return err
}

// prepare decides between a new run and the continuation of st, then
// places it where the environment stands (see place): steps already behind
// the cluster are skipped, and a state the environment contradicts is
// refused. It returns the placement's reason, empty when nothing moved.
func (r *Runner) prepare(ctx context.Context, st *State, p *Plan, opts ApplyOptions) (*State, string, error) {
	st, fresh, err := r.choose(st, p, opts)
	if err != nil || st.Status == RunDone {
		return st, "", err
	}
	known := st
	if fresh {
		known = nil
	}
	pl, err := locate(ctx, p, known, r.Binder)
	if err != nil {
		return nil, "", err
	}
	markBehind(st, p, pl)
	return st, pl.Reason, nil
}

// choose returns the run to execute and whether it is a new one.
func (r *Runner) choose(st *State, p *Plan, opts ApplyOptions) (*State, bool, error) {
	now := r.Clock.Now()
	if st == nil {
		return newState(p, r.Identity, now, nil), true, nil
	}
	sameRun := st.Plan == p.Name && st.PlanDigest == p.Digest()
	switch {
	case st.Status.Resumable() && st.Plan != p.Name:
		return nil, false, fmt.Errorf("run %s of plan %s is %s (%s): finish it with `%s` or abandon it with `%s` before starting %s", st.RunID, st.Plan, st.Status, st.Reason, invocation.Command("resume"), invocation.Command("abort"), p.Name)
	case st.Status.Resumable() && !sameRun:
		if !opts.AllowPlanChange {
			return nil, false, fmt.Errorf("plan %s changed since run %s started (digest %s, now %s from %s; parameters or step files differ): rerun with the same parameters, or pass --allow-plan-change to continue with the new plan", p.Name, st.RunID, st.PlanDigest, p.Digest(), p.Source)
		}
		align(st, p)
		return st, false, nil
	case st.Status.Resumable():
		align(st, p)
		return st, false, nil
	case st.Status == RunDone && sameRun:
		return st, false, nil
	default: // done with another plan or aborted: a new run, keeping history
		return newState(p, r.Identity, now, st), true, nil
	}
}

func (r *Runner) execute(ctx context.Context, p *Plan, st *State, rev Revision, opts ApplyOptions, placed string) error {
	for k, v := range r.Options {
		if v == "" {
			continue
		}
		if st.Options == nil {
			st.Options = map[string]string{}
		}
		st.Options[k] = v
	}
	if st.Status == RunDone {
		r.Events.Emit(Event{V: EventSchemaVersion, Time: r.Clock.Now(), Type: EventRunFinished, RunID: st.RunID, Plan: st.Plan,
			Status: string(RunDone), Message: "already complete: nothing to do"})
		return nil
	}
	ex := &Executor{Plan: p, Binder: r.Binder, Clock: r.Clock, Events: r.Events, Confirm: r.Confirm, Yes: opts.Yes,
		Until: opts.Until, ApplyGrace: opts.ApplyGrace, Placed: placed}
	ex.Persist = func(ctx context.Context, s *State) error {
		nrev, err := r.Store.Save(ctx, s, rev)
		if err != nil {
			return err
		}
		rev = nrev
		return nil
	}
	return ex.Run(ctx, st)
}

// newState starts a run of p, carrying prev's history.
func newState(p *Plan, id ClusterIdentity, now time.Time, prev *State) *State {
	st := &State{Version: StateVersion, RunID: newLockID(), Plan: p.Name, PlanDigest: p.Digest(), Params: p.Values,
		Cluster: id, Status: RunRunning, StartedAt: now, UpdatedAt: now}
	if prev != nil {
		st.History = append(prev.History, prev.Summary())
		if len(st.History) > maxHistory {
			st.History = st.History[len(st.History)-maxHistory:]
		}
		if prev.Status != RunDone && prev.Status != RunAborted {
			st.Approvals = prev.Approvals
		}
	}
	align(st, p)
	return st
}

// align makes st's step records follow p's steps: records are kept by step
// ID, and action records by position and label; anything new starts pending.
// It records p's digest and source.
func align(st *State, p *Plan) {
	old := map[string]*StepState{}
	for _, ss := range st.Steps {
		old[ss.ID] = ss
	}
	steps := make([]*StepState, 0, len(p.Steps))
	for _, s := range p.Steps {
		ss, ok := old[s.ID]
		if !ok {
			ss = &StepState{ID: s.ID, Status: StepPending}
		}
		actions := make([]ActionState, len(s.Actions))
		for i, a := range s.Actions {
			actions[i] = ActionState{Label: a.Label(), Status: ActionPending}
			if i < len(ss.Actions) && ss.Actions[i].Label == a.Label() {
				actions[i] = ss.Actions[i]
			}
		}
		ss.Actions = actions
		if len(ss.Gates) != len(s.Gates) {
			ss.Gates = make([]GateState, len(s.Gates))
		}
		for i, g := range s.Gates {
			ss.Gates[i].Name = g.Name
		}
		steps = append(steps, ss)
	}
	st.PlanDigest, st.PlanSource = p.Digest(), p.Source
	st.Steps = steps
}

// Approve records that a person carried out step's manual instruction. It
// works for the step a run is paused at and, ahead of time, for a later one.
func (r *Runner) Approve(ctx context.Context, stepID, by, comment string) (*State, error) {
	var out *State
	err := r.locked(ctx, ApplyOptions{}, func(ctx context.Context, st *State, rev Revision) error {
		if st == nil || !st.Status.Resumable() {
			return fmt.Errorf("no unfinished run to approve a step of: start one with `%s`", invocation.Command("apply", "PLAN"))
		}
		ss := st.StepState(stepID)
		if ss == nil {
			ids := make([]string, 0, len(st.Steps))
			for _, s := range st.Steps {
				ids = append(ids, s.ID)
			}
			return fmt.Errorf("run %s of plan %s has no step %q (%s)", st.RunID, st.Plan, stepID, Suggest(stepID, ids))
		}
		if ss.Status == StepDone {
			return fmt.Errorf("step %s is already done", stepID)
		}
		a := Approval{By: by, At: r.Clock.Now(), Comment: strings.TrimSpace(comment)}
		if ss.Status == StepApproval {
			ss.Approval = &a
		} else {
			if st.Approvals == nil {
				st.Approvals = map[string]Approval{}
			}
			st.Approvals[stepID] = a
		}
		st.UpdatedAt = a.At
		if _, err := r.Store.Save(ctx, st, rev); err != nil {
			return err
		}
		out = st
		return nil
	})
	return out, err
}

// Abort abandons the unfinished run. It changes nothing in the cluster; the
// returned state lists the steps done, whose undo hints tell how to revert.
func (r *Runner) Abort(ctx context.Context, reason string, opts ApplyOptions) (*State, error) {
	var out *State
	err := r.locked(ctx, opts, func(ctx context.Context, st *State, rev Revision) error {
		if st == nil || !st.Status.Resumable() {
			return fmt.Errorf("no unfinished run to abort")
		}
		st.Status, st.Reason, st.UpdatedAt = RunAborted, reason, r.Clock.Now()
		if _, err := r.Store.Save(ctx, st, rev); err != nil {
			return err
		}
		out = st
		return nil
	})
	return out, err
}

// Status reads the state and the lock holder without taking the lock.
func (r *Runner) Status(ctx context.Context) (*State, *LockInfo, error) {
	st, _, err := r.Store.Load(ctx)
	if err != nil && !errors.Is(err, ErrNoState) {
		return nil, nil, err
	}
	info, ierr := r.Locker.Inspect(ctx)
	if ierr != nil {
		return st, nil, ierr
	}
	return st, info, nil
}
