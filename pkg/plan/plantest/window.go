// Package plantest holds fakes for tests of plans, shared by the tests of
// package plan and of the CLI: the fake kinds "set", "scale" and "check"
// acting on a World (see NewRegistry and Binder), and one-step plan runs
// through plan.Runner on a fake clock, for the window tests of action
// kinds: an action that waits must stop at the maintenance window's end
// (exit 5, resumable) and finish in the next window without repeating what
// it did. It is imported only by tests.
package plantest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// WindowClock is the run's clock in window tests: Sleep moves it forward at
// once, and at moments set with At it runs what happens in the cluster
// meanwhile (pods reload, a pipeline applies). See testkit.Clock.
type WindowClock = testkit.Clock

var _ plan.Clock = (*WindowClock)(nil)

// NewWindowClock returns a clock at 2026-11-29 02:00 UTC.
func NewWindowClock() *WindowClock {
	return testkit.NewClock(time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC))
}

// WindowRun runs a one-step plan through plan.Runner, as `mimirctl apply
// --until` and `resume --until` do, with the state in a file.
type WindowRun struct {
	t      *testing.T
	clock  *WindowClock
	runner *plan.Runner
	store  *plan.FileStore
	plan   *plan.Plan
}

// NewWindowRun loads step (the YAML of one step file) as plan "p" with the
// kinds of reg and runs it with binder on clock. The binder's gates and
// actions should read clock.Now, as the CLI hands them the run's clock.
func NewWindowRun(t *testing.T, clock *WindowClock, reg *plan.Registry, binder plan.Binder, step string) *WindowRun {
	t.Helper()
	fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(step)}}
	p, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.json")
	store := plan.NewFileStore(path)
	r := &plan.Runner{Store: store, Locker: plan.NewFileLocker(path), Binder: binder, Clock: clock,
		Events: plan.EventFunc(func(plan.Event) {}), Holder: "tester@test"}
	return &WindowRun{t: t, clock: clock, runner: r, store: store, plan: p}
}

// Apply starts the run in a window that ends at until (zero: no window),
// within testkit.HangBound of real time.
func (w *WindowRun) Apply(until time.Time) error {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.HangBound)
	defer cancel()
	return w.runner.Apply(ctx, w.plan, plan.ApplyOptions{Until: until, Yes: true, ApplyGrace: 10 * time.Millisecond})
}

// Resume continues the run in a window from from to until.
func (w *WindowRun) Resume(from, until time.Time) error {
	w.t.Helper()
	w.clock.Set(from)
	ctx, cancel := context.WithTimeout(context.Background(), testkit.HangBound)
	defer cancel()
	return w.runner.Resume(ctx, func(string, plan.ParamValues) (*plan.Plan, error) { return w.plan, nil }, plan.ApplyOptions{Until: until, Yes: true, ApplyGrace: 10 * time.Millisecond})
}

// NotPast asserts that a wait did not go on past the window's end.
func (w *WindowRun) NotPast(until time.Time) {
	w.t.Helper()
	if now := w.clock.Now(); now.After(until) {
		w.t.Errorf("the action went on until %s, after the window's end %s", now.Format(time.TimeOnly), until.Format(time.TimeOnly))
	}
}

// State loads the run's saved state.
func (w *WindowRun) State() *plan.State {
	w.t.Helper()
	st, _, err := w.store.Load(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

// StoppedInside asserts that err is the end of the window (the exit 5
// path) and that the run stopped inside its one action, resumable.
func (w *WindowRun) StoppedInside(err error) *plan.ActionState {
	w.t.Helper()
	var wc *plan.WindowClosedError
	if !errors.As(err, &wc) {
		w.t.Fatalf("first window: %v, want the window to close inside the action", err)
	}
	st := w.State()
	as := &st.Steps[0].Actions[0]
	if st.Status != plan.RunStopped || !st.Status.Resumable() || as.Status != plan.ActionStarted {
		w.t.Fatalf("after the window: run %s, action %s (%s); want stopped and started", st.Status, as.Status, as.Detail)
	}
	return as
}

// Finished asserts that the resumed run completed its one action.
func (w *WindowRun) Finished(err error) *plan.ActionState {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("next window: %v", err)
	}
	st := w.State()
	as := &st.Steps[0].Actions[0]
	if st.Status != plan.RunDone || as.Status != plan.ActionApplied {
		w.t.Fatalf("after the next window: run %s, action %s (%s)", st.Status, as.Status, as.Detail)
	}
	return as
}

// NewActionRun is NewWindowRun for a step whose actions are all of the one
// kind kind: bind makes the action of a decoded spec, as the engine's
// binder does with the run's dependencies. The step may have no gates
// (binding one fails the run).
func NewActionRun(t *testing.T, clock *WindowClock, kind plan.ActionKind, bind func(plan.ActionSpec) plan.Action, step string) *WindowRun {
	t.Helper()
	reg := plan.NewRegistry()
	reg.AddAction(kind)
	return NewWindowRun(t, clock, reg, actionBinder(bind), step)
}

// actionBinder binds every action with itself and no gate.
type actionBinder func(plan.ActionSpec) plan.Action

func (b actionBinder) BindAction(_ context.Context, _ *plan.Plan, _ *plan.Step, cfg plan.ActionConfig) (plan.Action, error) {
	return b(cfg.Spec), nil
}

func (actionBinder) BindGate(_ context.Context, _ *plan.Plan, _ *plan.Step, cfg plan.GateConfig) (plan.Gate, error) {
	return nil, fmt.Errorf("gate kind %s: not in these tests", cfg.Kind)
}
