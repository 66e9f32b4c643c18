package plan_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"
)

func crashPlan() *plan.Plan {
	return testPlan(
		step("zone-awareness", withSet("zones", "on"), withGate("zones", "on", plan.Policy{Consecutive: 2})),
		step("scale-up", withSet("read", "3"), withSet("backend", "3"), withWait(30*time.Minute)),
		step("shutdown", withDestructiveSet("ingesters", "0"), withGate("ingesters", "0", plan.Policy{})),
		step("cleanup", withSet("mode", "read-write")),
	)
}

// outcome is what must be identical between an uninterrupted run and a run
// cut at any point and resumed.
type outcome struct {
	World  map[string]string
	Status plan.RunStatus
	Steps  map[string]plan.StepStatus
}

func outcomeOf(w *plantest.World, st *plan.State) outcome {
	o := outcome{World: map[string]string{}, Status: st.Status, Steps: map[string]plan.StepStatus{}}
	for k, v := range w.Values {
		o.World[k] = v
	}
	for _, ss := range st.Steps {
		o.Steps[ss.ID] = ss.Status
	}
	return o
}

// TestCrashAtEveryBoundaryResumesToTheSameEnd cuts a run at each state write
// in turn (the process "dies" just before that write lands, which includes
// the moment between an action's apply and the record of it) and resumes it
// in a new process. Every resumed run ends like the uninterrupted one, and no
// action is ever applied twice.
func TestCrashAtEveryBoundaryResumesToTheSameEnd(t *testing.T) {
	ref := newHarness(t)
	if err := ref.apply(t, crashPlan(), plan.ApplyOptions{Yes: true}); err != nil {
		t.Fatalf("uninterrupted run: %v", err)
	}
	want := outcomeOf(ref.world, ref.state(t))
	saves := ref.store.saves
	if saves < 10 {
		t.Fatalf("only %d saves: the plan does not exercise enough boundaries", saves)
	}
	for cut := 1; cut <= saves; cut++ {
		t.Run(fmt.Sprintf("cut before save %d of %d", cut, saves), func(t *testing.T) {
			h := newHarness(t)
			h.store.failAt = cut
			if err := h.apply(t, crashPlan(), plan.ApplyOptions{Yes: true}); !errors.Is(err, errCrash) {
				t.Fatalf("first run: err = %v, want the simulated crash", err)
			}
			// A new process: same store and cluster, fresh runner.
			h.store.failAt = 0
			h.clock.Set(h.clock.Now().Add(5 * time.Minute))
			h.runner = &plan.Runner{Store: h.store, Locker: plan.NewFileLocker(h.dir + "/state.json"), Binder: plantest.Binder{World: h.world},
				Clock: h.clock, Events: &recorder{}, Holder: "second", Identity: h.runner.Identity}
			if err := h.apply(t, crashPlan(), plan.ApplyOptions{Yes: true}); err != nil {
				t.Fatalf("resumed run: %v", err)
			}
			if got := outcomeOf(h.world, h.state(t)); !reflect.DeepEqual(got, want) {
				t.Errorf("outcome differs:\n got %+v\nwant %+v", got, want)
			}
			for key, n := range h.world.Applies {
				if n != 1 {
					t.Errorf("%s applied %d times", key, n)
				}
			}
		})
	}
}
