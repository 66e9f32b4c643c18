package plan

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// fakePositionBinder is a fake binder whose "set" actions on keys starting
// with "doc." change a cumulative document, as jsonnet changes change
// mimirctl.libsonnet: the trail holds at a point when every doc key set up
// to it has the value last set there.
type fakePositionBinder struct{ fakeBinder }

func (b fakePositionBinder) Trail(_ context.Context, p *Plan) (*Trail, error) {
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	t := &Trail{Document: "doc"}
	want := map[string]string{}
	for i, s := range p.Steps {
		for j, a := range s.Actions {
			spec := a.Spec.(*fakeSetSpec)
			if !strings.HasPrefix(spec.Key, "doc.") {
				continue
			}
			want[spec.Key] = spec.Value
			var missing []string
			for k, v := range want {
				if b.w.values[k] != v {
					missing = append(missing, k+" is "+b.w.values[k]+", want "+v)
				}
			}
			t.Points = append(t.Points, ActionRef{Step: i, Action: j})
			t.Holds = append(t.Holds, len(missing) == 0)
			t.Missing = append(t.Missing, missing)
		}
	}
	return t, nil
}

// a: migration mode; b: a check; c: scale to 0 and something else;
// d: read-write mode.
func positionPlan() *Plan {
	return testPlan(
		step("a", withSet("doc.mode", "migration")),
		step("b", withGate("x", "1", Policy{})),
		step("c", withSet("doc.replicas", "0"), withSet("y", "1")),
		step("d", withSet("doc.mode", "read-write")),
	)
}

func positionHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.runner.Binder = fakePositionBinder{fakeBinder{w: h.world}}
	return h
}

// A cluster already at the last step (a lost state, another machine) is not
// taken back: step a's change is not re-applied over step d's.
func TestANewRunStartsWhereTheEnvironmentStands(t *testing.T) {
	h := positionHarness(t)
	h.world.values = map[string]string{"doc.mode": "read-write", "doc.replicas": "0", "y": "1"}
	if err := h.apply(t, positionPlan(), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if h.world.values["doc.mode"] != "read-write" || h.world.applies["doc.mode"] != 0 {
		t.Errorf("doc.mode = %s after %d applies: an earlier step was re-applied over a later state", h.world.values["doc.mode"], h.world.applies["doc.mode"])
	}
	st := h.state(t)
	for _, id := range []string{"a", "b", "c"} {
		if ss := st.StepState(id); ss.Status != StepSkipped || !strings.Contains(ss.Note, "up to step d") {
			t.Errorf("step %s: %s (%q), want skipped as behind the cluster", id, ss.Status, ss.Note)
		}
	}
	var placed bool
	for _, e := range h.events.events {
		placed = placed || (e.Type == EventPosition && strings.Contains(e.Message, "doc holds the changes of this plan up to step d"))
	}
	if !placed {
		t.Errorf("no position event in %v", h.events.types())
	}
}

// Midway: the point's own step is checked as usual (its other actions run),
// earlier gates are not evaluated again.
func TestANewRunMidwayRunsThePointsStepAndWhatFollows(t *testing.T) {
	h := positionHarness(t)
	h.world.values = map[string]string{"doc.mode": "migration", "doc.replicas": "0"}
	if err := h.apply(t, positionPlan(), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if h.world.applies["y"] != 1 || h.world.applies["doc.replicas"] != 0 || h.world.values["doc.mode"] != "read-write" {
		t.Errorf("applies %v, values %v", h.world.applies, h.world.values)
	}
	if st := h.state(t); st.StepState("b").Status != StepSkipped || st.StepState("c").Status != StepDone {
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
	h.world.values["x"] = "1"
	var paused *PausedError
	if err := h.apply(t, p, ApplyOptions{}); !errors.As(err, &paused) {
		t.Fatalf("first run: %v, want a pause at d", err)
	}
	before := h.state(t)
	h.world.values["doc.replicas"] = "3" // someone edited the file
	err := h.resume(t, p, ApplyOptions{})
	var pe *PositionError
	if !errors.As(err, &pe) || pe.Step != "d" || !strings.Contains(err.Error(), "doc.replicas is 3, want 0") || !strings.Contains(err.Error(), "mimirctl abort") {
		t.Fatalf("resume over a contradicting environment: %v", err)
	}
	if after := h.state(t); after.UpdatedAt != before.UpdatedAt || after.Status != before.Status {
		t.Errorf("the refused resume changed the state: %s → %s", before.Status, after.Status)
	}
	if h.world.applies["doc.mode"] != 2 || h.world.applies["doc.replicas"] != 1 {
		t.Errorf("applies %v", h.world.applies)
	}
}

// A state behind the environment (someone went on by hand) continues from
// the environment's position and says so.
func TestARunBehindTheEnvironmentContinuesFromIt(t *testing.T) {
	h := positionHarness(t)
	p := testPlan(
		step("a", withSet("doc.mode", "migration"), withManual("look")),
		step("b", withGate("x", "1", Policy{})),
		step("c", withSet("doc.replicas", "0")),
		step("d", withSet("doc.mode", "read-write")),
	)
	var paused *PausedError
	if err := h.apply(t, p, ApplyOptions{}); !errors.As(err, &paused) {
		t.Fatalf("first run: %v, want a pause at a", err)
	}
	h.world.values["doc.replicas"] = "0" // step c, done by hand
	if _, err := h.runner.Approve(context.Background(), "a", "tester", ""); err != nil {
		t.Fatal(err)
	}
	if err := h.resume(t, p, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	st := h.state(t)
	if st.StepState("b").Status != StepSkipped || !strings.Contains(st.StepState("b").Note, "further than run") {
		t.Errorf("b: %s %q", st.StepState("b").Status, st.StepState("b").Note)
	}
	if st.Status != RunDone || h.world.values["doc.mode"] != "read-write" {
		t.Errorf("run %s, values %v", st.Status, h.world.values)
	}
}

// `mimirctl plan` with no state shows the steps behind the cluster as done
// and says why.
func TestPreviewWithoutStateShowsTheStepsBehindTheCluster(t *testing.T) {
	w := newFakeWorld()
	w.values = map[string]string{"doc.mode": "migration", "doc.replicas": "0"}
	pv := BuildPreview(context.Background(), positionPlan(), nil, fakePositionBinder{fakeBinder{w: w}})
	got := map[string]string{}
	for _, s := range pv.Steps {
		got[s.ID] = s.Status
	}
	if got["a"] != PreviewDone || got["b"] != PreviewDone || got["c"] != PreviewPending || got["d"] != PreviewPending {
		t.Errorf("statuses %v", got)
	}
	if pv.Remaining != 2 || !strings.Contains(pv.Position, "up to step c") {
		t.Errorf("remaining %d, position %q", pv.Remaining, pv.Position)
	}
	c := pv.Steps[2]
	if c.Actions[0].Status != PreviewDone || c.Actions[1].Status != PreviewPending {
		t.Errorf("step c actions: %+v", c.Actions)
	}
}
