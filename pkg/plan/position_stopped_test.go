package plan_test

import (
	"testing"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// A run that stopped inside an action that had already written its change
// (a maintenance window ending while a jsonnet step's rollout is under
// way) records the step before it as its last change, while the
// environment holds the stopped step's change, which sets again a key an
// earlier step set. The environment is ahead of the record, not against
// it: resume runs the stopped step again (its change is idempotent) and
// goes on. Found by the read-write round trip on Grafana's library, where
// rollouts outlast 4-minute windows.
func TestARunStoppedInsideAnActionThatWroteItsChangeResumes(t *testing.T) {
	h := positionHarness(t)
	p := testPlan(
		step("a", withSet("doc.mode", "migration")),
		step("b", withSet("doc.replicas", "0")),
		step("c", withSet("doc.mode", "microservices")),
	)
	// The process stops right after c's change is written, before the
	// state records the action as applied.
	h.world.OnApply = func(key string) {
		if key == "doc.mode" && h.world.Values["doc.mode"] == "microservices" {
			h.store.failAt = h.store.saves + 1
		}
	}
	if err := h.apply(t, p, plan.ApplyOptions{}); err == nil {
		t.Fatal("the run was not stopped")
	}
	h.world.OnApply, h.store.failAt = nil, 0
	if a := h.state(t).StepState("c").Actions[0].Status; a != plan.ActionStarted {
		t.Fatalf("c's action is %s after the stop, want started (the test would prove nothing)", a)
	}
	if err := h.resume(t, p, plan.ApplyOptions{}); err != nil {
		t.Fatalf("resume after a stop inside step c: %v", err)
	}
	if st := h.state(t); st.Status != plan.RunDone || h.world.Values["doc.mode"] != "microservices" || h.world.Values["doc.replicas"] != "0" {
		t.Errorf("run %s, values %v", st.Status, h.world.Values)
	}
}
