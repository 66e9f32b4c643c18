package envchange

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

const scaleSteps = `
- id: limits-doubled
  title: Double the series limits
  actions:
    - jsonnet: {scale: {limits.max_global_series_per_user: 2, overrides.*.max_global_series_per_user: 2}}
- id: zones
  title: Something in between
  actions:
    - jsonnet: {config: {multi_zone_ingester_enabled: true}}
- id: limits-back
  title: Give the limits back
  actions:
    - jsonnet: {remove: {scale: [limits.max_global_series_per_user, overrides.*.max_global_series_per_user]}}
`

// TestScaleChangesAreRecognisedAndPlaced: a scale and its removal are
// applied, recognised as done, described, and placed on the plan's trail
// like any other overlay entry.
func TestScaleChangesAreRecognisedAndPlaced(t *testing.T) {
	fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(scaleSteps)}}
	p, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: testRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	_, specs := JsonnetChanges(p)
	if d := specs[0].Describe(); !strings.Contains(d, "limits.max_global_series_per_user×2") {
		t.Errorf("Describe = %q, want the path and its factor", d)
	}
	if d := specs[2].Describe(); !strings.Contains(d, "remove the scale of limits.max_global_series_per_user") {
		t.Errorf("Describe = %q, want the removal named", d)
	}
	o := &tanka.Overlay{}
	var after []*tanka.Overlay
	for i, js := range specs {
		if js.AppliedIn(o) {
			t.Errorf("step %d already applied in %+v", i, o)
		}
		js.ApplyTo(o)
		if !js.AppliedIn(o) {
			t.Errorf("step %d not applied after ApplyTo: %+v", i, o)
		}
		after = append(after, o.Clone())
	}
	if len(o.Scale) != 0 {
		t.Errorf("the removal left %v", o.Scale)
	}
	for n, file := range after {
		holds, missing := OverlayTrail(file, specs)
		if !holds[n] {
			t.Errorf("file after step %d: its own point does not hold: %v", n, missing[n])
		}
		for i := n + 1; i < len(holds); i++ {
			if holds[i] {
				t.Errorf("file after step %d: the later point %d holds too", n, i)
			}
		}
	}
	// A file without the scale does not hold the first point, and one that
	// still scales the limits does not hold the removal.
	if holds, _ := OverlayTrail(&tanka.Overlay{}, specs); holds[0] {
		t.Error("an empty file holds the doubling of the limits")
	}
	if holds, _ := OverlayTrail(after[1], specs); holds[2] {
		t.Error("a file that still scales the limits holds the removal")
	}
}
