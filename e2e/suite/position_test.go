//go:build e2e

package suite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mimirctl/mimirctl/e2e/scenario"

	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// noState is a state ConfigMap name no run uses: `plan` with it sees the
// cluster as a new machine (or a lost state) would.
const noState = "mimirctl-e2e-no-state"

// previewOf previews the run's plan with its parameters, as `mimirctl plan
// SOURCE --env DIR --prometheus-url URL -p ... -o json` does, through the
// library: with the run's state or (stateName noState) with none.
func previewOf(t *testing.T, ns string, e *scenario.Env, st *plan.State, stateName string) *plan.PlanPreview {
	t.Helper()
	params := make(map[string]string, len(st.Params))
	for k, v := range st.Params {
		params[k] = paramText(v)
	}
	bind := mimirctl.DefaultBindOptions()
	bind.Env, bind.Prometheus.URL = e.Dir, harness.prometheus
	tg := target(ns)
	tg.StateName = stateName
	pv, err := mimirctl.Plan(context.Background(), tg, mimirctl.PlanOptions{Plan: st.Source(), Params: params, Bind: bind})
	if err != nil {
		t.Fatalf("plan %s in %s (state %q): %v", st.Source(), ns, stateName, err)
	}
	return pv
}

// paramText is a recorded parameter value as a raw -p value (lists
// comma-separated), which the plan parses again.
func paramText(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

func pendingSteps(pv *plan.PlanPreview) []string {
	var out []string
	for _, s := range pv.Steps {
		if s.Status != plan.PreviewDone {
			out = append(out, s.ID)
		}
	}
	return out
}

// assertPlacedAtTheEnd checks position detection after a finished run: the
// plan, previewed with no run state, has no step left.
func assertPlacedAtTheEnd(t *testing.T, ns string, e *scenario.Env) {
	t.Helper()
	st := status(t, ns).State
	pv := previewOf(t, ns, e, st, noState)
	if pv.Remaining != 0 || pv.PreflightError != "" {
		t.Errorf("%s previewed without its run state after the run: %d steps left %v (want none; position %q, preflight %q)",
			st.Plan, pv.Remaining, pendingSteps(pv), pv.Position, pv.PreflightError)
	}
}

// assertPlacedMidway checks position detection on an unfinished run: the
// plan previewed without state shows as done every step up to the last one
// whose environment change the run made, and shows no later step with an
// environment change as done unless the run's own preview does.
func assertPlacedMidway(t *testing.T, ns string, e *scenario.Env) {
	t.Helper()
	st := status(t, ns).State
	withState := previewOf(t, ns, e, st, "")
	fresh := previewOf(t, ns, e, st, noState)
	hasJsonnet := func(sp plan.StepPreview) bool {
		for _, a := range sp.Actions {
			if a.Kind == "jsonnet" {
				return true
			}
		}
		return false
	}
	last, current := -1, -1
	for i, ss := range st.Steps {
		finished := ss.Status == plan.StepDone || ss.Status == plan.StepSkipped
		if finished && hasJsonnet(withState.Steps[i]) {
			last = i
		}
		if !finished && current < 0 {
			current = i
		}
	}
	t.Logf("midway at %s: %d steps left with the run's state, %d without (%s)", currentStep(st), withState.Remaining, fresh.Remaining, fresh.Position)
	for i, sp := range fresh.Steps {
		switch {
		case i <= last && sp.Status != plan.PreviewDone:
			t.Errorf("without state, step %s shows %s although the environment holds a later change (step %s)", sp.ID, sp.Status, st.Steps[last].ID)
		case current >= 0 && i > current && hasJsonnet(sp) && sp.Status == plan.PreviewDone && withState.Steps[i].Status != plan.PreviewDone:
			t.Errorf("without state, step %s shows done although the run has not reached it", sp.ID)
		}
	}
}
