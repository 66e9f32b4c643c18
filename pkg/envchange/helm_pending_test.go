package envchange

import (
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/mimirctl/mimirctl/pkg/plan"
)

// PendingValues lists the values file each helmValues change will leave,
// built on the earlier changes the file does not hold yet, and leaves out
// the changes the file holds and those the run has applied. A removal of a
// value the file does not have counts as held (HelmValuesSpec.AppliedIn),
// as it did in the preflight's loop this replaced.
func TestPendingValuesBuildsEachChangeOnTheEarlierOnes(t *testing.T) {
	p := loadHelmPlan(t, map[string]string{
		"a": "helmValues: {set: {ingester: {replicas: 1}}, noRollout: true}",
		"b": "helmValues: {set: {store_gateway: {replicas: 2}}, noRollout: true}",
		"c": "helmValues: {remove: [ingester.replicas], noRollout: true}",
	})
	got := func(file map[string]any, pending plan.Pending) []string {
		var out []string
		for _, pv := range PendingValues(file, p, pending) {
			out = append(out, fmt.Sprintf("%s %v", pv.Step.ID, pv.Values))
		}
		return out
	}
	check := func(name string, have, want []string) {
		t.Helper()
		if fmt.Sprint(have) != fmt.Sprint(want) {
			t.Errorf("%s:\n got %q\nwant %q", name, have, want)
		}
	}
	check("empty file, nothing applied", got(map[string]any{}, nil), []string{
		"a map[ingester:map[replicas:1]]",
		"b map[ingester:map[replicas:1] store_gateway:map[replicas:2]]",
	})
	check("the file holds step a", got(map[string]any{"ingester": map[string]any{"replicas": 1}}, nil), []string{
		"b map[ingester:map[replicas:1] store_gateway:map[replicas:2]]",
		"c map[store_gateway:map[replicas:2]]",
	})
	onlyB := func(ref plan.ActionRef) bool { return ref.Step == 1 }
	check("the run applied a", got(map[string]any{}, onlyB), []string{"b map[ingester:map[replicas:1] store_gateway:map[replicas:2]]"})
}

// loadHelmPlan loads plan "p" with one step per entry of actions (step ID →
// the YAML of its one action, steps in ID order) and the helmValues kind.
func loadHelmPlan(t *testing.T, actions map[string]string) *plan.Plan {
	t.Helper()
	r := plan.NewRegistry()
	r.AddAction(plan.ActionKind{Name: "helmValues", Summary: "change a Helm release", New: func() plan.ActionSpec { return &HelmValuesSpec{} }})
	fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}}
	for id, action := range actions {
		fsys["p/steps/"+id+".yaml"] = &fstest.MapFile{Data: []byte("- id: " + id + "\n  title: " + id + "\n  actions:\n    - " + action + "\n")}
	}
	p, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: r})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
