package engine

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// windowClock is the run's clock in the window tests: Sleep moves it
// forward at once, and at moments set with at it runs what happens in the
// cluster meanwhile (pods reload, a pipeline applies).
type windowClock struct {
	mu     sync.Mutex
	now    time.Time
	events []clockEvent
}

type clockEvent struct {
	at time.Time
	do func()
}

func newWindowClock() *windowClock {
	return &windowClock{now: time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)}
}

func (c *windowClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves the clock forward by d, then runs the events that are due.
func (c *windowClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.set(c.Now().Add(d))
	return nil
}

// set moves the clock to t (forward only) and runs the events due by then.
func (c *windowClock) set(t time.Time) {
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	var due []func()
	rest := c.events[:0]
	for _, e := range c.events {
		if e.at.After(c.now) {
			rest = append(rest, e)
		} else {
			due = append(due, e.do)
		}
	}
	c.events = rest
	c.mu.Unlock()
	for _, do := range due {
		do()
	}
}

// at runs do once the clock reaches t.
func (c *windowClock) at(t time.Time, do func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, clockEvent{at: t, do: do})
}

// windowRun runs a one-step plan with the engine's binder through
// plan.Runner, as `mimirctl apply --until` and `resume --until` do, with
// the state in a file.
type windowRun struct {
	t      *testing.T
	clock  *windowClock
	runner *plan.Runner
	store  *plan.FileStore
	plan   *plan.Plan
}

// newWindowRun loads step (the YAML of one step) as plan "p" and binds it
// with d, whose clock becomes the run's.
func newWindowRun(t *testing.T, clock *windowClock, d Deps, step string) *windowRun {
	t.Helper()
	fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(step)}}
	p, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: Registry()})
	if err != nil {
		t.Fatal(err)
	}
	d.Now = clock.Now
	path := filepath.Join(t.TempDir(), "state.json")
	store := plan.NewFileStore(path)
	r := &plan.Runner{Store: store, Locker: plan.NewFileLocker(path), Binder: NewBinder(d), Clock: clock,
		Events: plan.EventFunc(func(plan.Event) {}), Holder: "tester@test"}
	return &windowRun{t: t, clock: clock, runner: r, store: store, plan: p}
}

// apply starts the run in a window that ends at until. A real-time bound
// fails a wait that does not go through the run's clock, instead of
// hanging on the wall clock.
func (w *windowRun) apply(until time.Time) error {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return w.runner.Apply(ctx, w.plan, plan.ApplyOptions{Until: until, Yes: true, ApplyGrace: 10 * time.Millisecond})
}

// resume continues the run in a window from from to until.
func (w *windowRun) resume(from, until time.Time) error {
	w.t.Helper()
	w.clock.set(from)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return w.runner.Resume(ctx, func(string, plan.ParamValues) (*plan.Plan, error) { return w.plan, nil }, plan.ApplyOptions{Until: until, Yes: true, ApplyGrace: 10 * time.Millisecond})
}

// notPast asserts that a wait did not go on past the window's end.
func (w *windowRun) notPast(until time.Time) {
	w.t.Helper()
	if now := w.clock.Now(); now.After(until) {
		w.t.Errorf("the action went on until %s, after the window's end %s", now.Format(time.TimeOnly), until.Format(time.TimeOnly))
	}
}

func (w *windowRun) state() *plan.State {
	w.t.Helper()
	st, _, err := w.store.Load(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

// stoppedInside asserts that err is the end of the window (the exit 5 path)
// and that the run stopped inside its one action, resumable.
func (w *windowRun) stoppedInside(err error) *plan.ActionState {
	w.t.Helper()
	var wc *plan.WindowClosedError
	if !errors.As(err, &wc) {
		w.t.Fatalf("first window: %v, want the window to close inside the action", err)
	}
	st := w.state()
	as := &st.Steps[0].Actions[0]
	if st.Status != plan.RunStopped || !st.Status.Resumable() || as.Status != plan.ActionStarted {
		w.t.Fatalf("after the window: run %s, action %s (%s); want stopped and started", st.Status, as.Status, as.Detail)
	}
	return as
}

// finished asserts that the resumed run completed its one action.
func (w *windowRun) finished(err error) *plan.ActionState {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("next window: %v", err)
	}
	st := w.state()
	as := &st.Steps[0].Actions[0]
	if st.Status != plan.RunDone || as.Status != plan.ActionApplied {
		w.t.Fatalf("after the next window: run %s, action %s (%s)", st.Status, as.Status, as.Detail)
	}
	return as
}
