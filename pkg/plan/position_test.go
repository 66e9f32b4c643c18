package plan_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"
)

// fakePositionBinder is a fake binder whose "set" actions on keys starting
// with "doc." change a cumulative document, as jsonnet changes change
// mimirctl.libsonnet: the trail holds at a point when every doc key set up
// to it has the value last set there.
type fakePositionBinder struct{ plantest.Binder }

func (b fakePositionBinder) Trail(_ context.Context, p *plan.Plan) (*plan.Trail, error) {
	t := &plan.Trail{Document: "doc"}
	want := map[string]string{}
	for i, s := range p.Steps {
		for j, a := range s.Actions {
			spec := a.Spec.(*plantest.SetSpec)
			if !strings.HasPrefix(spec.Key, "doc.") {
				continue
			}
			want[spec.Key] = spec.Value
			var missing []string
			for k, v := range want {
				if got := b.World.Value(k); got != v {
					missing = append(missing, k+" is "+got+", want "+v)
				}
			}
			t.Points = append(t.Points, plan.ActionRef{Step: i, Action: j})
			t.Holds = append(t.Holds, len(missing) == 0)
			t.Missing = append(t.Missing, missing)
		}
	}
	return t, nil
}

// a: migration mode; b: a check; c: scale to 0 and something else;
// d: read-write mode.
func positionPlan() *plan.Plan {
	return testPlan(
		step("a", withSet("doc.mode", "migration")),
		step("b", withGate("x", "1", plan.Policy{})),
		step("c", withSet("doc.replicas", "0"), withSet("y", "1")),
		step("d", withSet("doc.mode", "read-write")),
	)
}

func positionHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.runner.Binder = fakePositionBinder{plantest.Binder{World: h.world}}
	return h
}

// A cluster already at the last step (a lost state, another machine) is not
// taken back: step a's change is not re-applied over step d's.
func TestANewRunStartsWhereTheEnvironmentStands(t *testing.T) {
	h := positionHarness(t)
	h.world.Values = map[string]string{"doc.mode": "read-write", "doc.replicas": "0", "y": "1"}
	if err := h.apply(t, positionPlan(), plan.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if h.world.Values["doc.mode"] != "read-write" || h.world.Applies["doc.mode"] != 0 {
		t.Errorf("doc.mode = %s after %d applies: an earlier step was re-applied over a later state", h.world.Values["doc.mode"], h.world.Applies["doc.mode"])
	}
	st := h.state(t)
	for _, id := range []string{"a", "b", "c"} {
		if ss := st.StepState(id); ss.Status != plan.StepSkipped || !strings.Contains(ss.Note, "up to step d") {
			t.Errorf("step %s: %s (%q), want skipped as behind the cluster", id, ss.Status, ss.Note)
		}
	}
	var placed bool
	for _, e := range h.events.events {
		placed = placed || (e.Type == plan.EventPosition && strings.Contains(e.Message, "doc holds the changes of this plan up to step d"))
	}
	if !placed {
		t.Errorf("no position event in %v", h.events.types())
	}
}

// Midway: the point's own step is checked as usual (its other actions run),
// earlier gates are not evaluated again.
func TestANewRunMidwayRunsThePointsStepAndWhatFollows(t *testing.T) {
	h := positionHarness(t)
	h.world.Values = map[string]string{"doc.mode": "migration", "doc.replicas": "0"}
	if err := h.apply(t, positionPlan(), plan.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if h.world.Applies["y"] != 1 || h.world.Applies["doc.replicas"] != 0 || h.world.Values["doc.mode"] != "read-write" {
		t.Errorf("applies %v, values %v", h.world.Applies, h.world.Values)
	}
	if st := h.state(t); st.StepState("b").Status != plan.StepSkipped || st.StepState("c").Status != plan.StepDone {
		t.Errorf("b %s, c %s", st.StepState("b").Status, st.StepState("c").Status)
	}
}

// A state that records a change the environment no longer holds is refused,
// naming the step and what differs, and the state is left as it was.
func TestARunWhoseStateTheEnvironmentContradictsIsRefused(t *testing.T) {
	h := positionHarness(t)
	p := testPlan(
		step("a", withSet("doc.mode", "migration")),
		step("c", withSet("doc.replicas", "0")),
		step("d", withManual("switch the routing"), withSet("doc.mode", "read-write")),
	)
	h.world.Values["x"] = "1"
	var paused *plan.PausedError
	if err := h.apply(t, p, plan.ApplyOptions{}); !errors.As(err, &paused) {
		t.Fatalf("first run: %v, want a pause at d", err)
	}
	before := h.state(t)
	h.world.Values["doc.replicas"] = "3" // someone edited the file
	err := h.resume(t, p, plan.ApplyOptions{})
	var pe *plan.PositionError
	if !errors.As(err, &pe) || pe.Step != "d" || !strings.Contains(err.Error(), "doc.replicas is 3, want 0") || !strings.Contains(err.Error(), "mimirctl abort") {
		t.Fatalf("resume over a contradicting environment: %v", err)
	}
	if after := h.state(t); after.UpdatedAt != before.UpdatedAt || after.Status != before.Status {
		t.Errorf("the refused resume changed the state: %s → %s", before.Status, after.Status)
	}
	if h.world.Applies["doc.mode"] != 2 || h.world.Applies["doc.replicas"] != 1 {
		t.Errorf("applies %v", h.world.Applies)
	}
}

// A state behind the environment (someone went on by hand) continues from
// the environment's position and says so.
func TestARunBehindTheEnvironmentContinuesFromIt(t *testing.T) {
	h := positionHarness(t)
	p := testPlan(
		step("a", withSet("doc.mode", "migration"), withManual("look")),
		step("b", withGate("x", "1", plan.Policy{})),
		step("c", withSet("doc.replicas", "0")),
		step("d", withSet("doc.mode", "read-write")),
	)
	var paused *plan.PausedError
	if err := h.apply(t, p, plan.ApplyOptions{}); !errors.As(err, &paused) {
		t.Fatalf("first run: %v, want a pause at a", err)
	}
	h.world.Values["doc.replicas"] = "0" // step c, done by hand
	if _, err := h.runner.Approve(context.Background(), "a", "tester", ""); err != nil {
		t.Fatal(err)
	}
	if err := h.resume(t, p, plan.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	st := h.state(t)
	if st.StepState("b").Status != plan.StepSkipped || !strings.Contains(st.StepState("b").Note, "further than run") {
		t.Errorf("b: %s %q", st.StepState("b").Status, st.StepState("b").Note)
	}
	if st.Status != plan.RunDone || h.world.Values["doc.mode"] != "read-write" {
		t.Errorf("run %s, values %v", st.Status, h.world.Values)
	}
}

// `mimirctl plan` with no state shows the steps behind the cluster as done
// and says why.
func TestPreviewWithoutStateShowsTheStepsBehindTheCluster(t *testing.T) {
	w := plantest.NewWorld()
	w.Values = map[string]string{"doc.mode": "migration", "doc.replicas": "0"}
	pv := plan.BuildPreview(context.Background(), positionPlan(), nil, fakePositionBinder{plantest.Binder{World: w}})
	got := map[string]string{}
	for _, s := range pv.Steps {
		got[s.ID] = s.Status
	}
	if got["a"] != plan.PreviewDone || got["b"] != plan.PreviewDone || got["c"] != plan.PreviewPending || got["d"] != plan.PreviewPending {
		t.Errorf("statuses %v", got)
	}
	if pv.Remaining != 2 || !strings.Contains(pv.Position, "up to step c") {
		t.Errorf("remaining %d, position %q", pv.Remaining, pv.Position)
	}
	c := pv.Steps[2]
	if c.Actions[0].Status != plan.PreviewDone || c.Actions[1].Status != plan.PreviewPending {
		t.Errorf("step c actions: %+v", c.Actions)
	}
}
