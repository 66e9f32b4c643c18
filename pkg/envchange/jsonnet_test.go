package envchange

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// testEnv copies the test Tanka project to a temporary directory and returns
// its environment's directory.
func testEnv(t testing.TB) string {
	t.Helper()
	return filepath.Join(testkit.CopyTree(t, "testdata/project"), "environments", "default")
}

const jsonnetSteps = `
- id: a-scale-write
  title: Scale the write path up
  actions:
    - jsonnet: {config: {write_replicas: 3}}
- id: b-querier-args
  title: Change the querier
  actions:
    - jsonnet: {hidden: {querier_args: {querier.query-store-after: 1m}}, objects: {querier_deployment: {spec: {replicas: 0}}}}
- id: c-read-write
  title: Drop the microservices
  actions:
    - jsonnet: {config: {deployment_mode: read-write}, remove: {objects: [querier_deployment]}, destructive: true}
- id: d-unread-knob
  title: Set a knob the library does not read
  actions:
    - jsonnet: {config: {ha_tracker_kvstore: multi}}
`

func loadJsonnetPlan(t *testing.T) *plan.Plan {
	t.Helper()
	fsys := fstest.MapFS{"p/plan.yaml": {Data: []byte("name: p\n")}, "p/steps/a.yaml": {Data: []byte(jsonnetSteps)}}
	p, err := plan.Load(fsys, "p", plan.LoadOptions{Registry: testRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func preview(t *testing.T, b *testBinder, p *plan.Plan, i int) plan.Change {
	t.Helper()
	a, err := b.BindAction(context.Background(), p, p.Steps[i], p.Steps[i].Actions[0])
	if err != nil {
		t.Fatal(err)
	}
	ch, err := a.(plan.Previewer).Preview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestJsonnetPreviewShowsEachStepOnTopOfTheEarlierOnes(t *testing.T) {
	p := loadJsonnetPlan(t)
	b := newTestBinder(Deps{}, testEnv(t))
	a := preview(t, b, p, 0)
	if a.Summary != "0 to create, 1 to update, 0 to delete" || !strings.Contains(a.Diff, "replicas") {
		t.Errorf("step a: %s\n%s", a.Summary, a.Diff)
	}
	bc := preview(t, b, p, 1)
	if bc.Summary != "0 to create, 1 to update, 0 to delete" || !strings.Contains(bc.Diff, "-querier.query-store-after=1m") {
		t.Errorf("step b: %s\n%s", bc.Summary, bc.Diff)
	}
	if strings.Contains(bc.Diff, "mimir-write") {
		t.Errorf("step b shows step a's change again:\n%s", bc.Diff)
	}
	c := preview(t, b, p, 2)
	if c.Summary != "0 to create, 0 to update, 1 to delete" || len(c.Deletes) != 1 || !strings.Contains(c.Deletes[0], "Deployment mimir/querier") {
		t.Errorf("step c: %s %v\n%s", c.Summary, c.Deletes, c.Diff)
	}
}

func TestJsonnetPreviewWarnsWhenAChangeRendersNothing(t *testing.T) {
	p := loadJsonnetPlan(t)
	b := newTestBinder(Deps{}, testEnv(t))
	for i := 0; i < 3; i++ {
		if ch := preview(t, b, p, i); len(ch.Warnings) != 0 {
			t.Errorf("step %s changes objects yet warns: %v", p.Steps[i].ID, ch.Warnings)
		}
	}
	ch := preview(t, b, p, 3)
	if ch.Summary != "0 to create, 0 to update, 0 to delete" || len(ch.Warnings) != 1 || !strings.Contains(ch.Warnings[0], "_config.ha_tracker_kvstore") {
		t.Errorf("unread knob: %s, warnings %q", ch.Summary, ch.Warnings)
	}
}

func TestJsonnetChangesAreRecognisedInTheOverlayFile(t *testing.T) {
	p := loadJsonnetPlan(t)
	o := &tanka.Overlay{}
	for i, s := range p.Steps {
		js := s.Actions[0].Spec.(*JsonnetSpec)
		if js.AppliedIn(o) {
			t.Errorf("step %d already applied in %+v", i, o)
		}
		js.ApplyTo(o)
		if !js.AppliedIn(o) {
			t.Errorf("step %d not applied after ApplyTo: %+v", i, o)
		}
	}
	if _, ok := o.Objects["querier_deployment"]; ok {
		t.Errorf("the last step's removal left %v", o.Objects)
	}
	if o.Hidden["querier_args"]["querier.query-store-after"] != "1m" {
		t.Errorf("hidden merge lost: %+v", o.Hidden)
	}
}

func TestJsonnetActionsNeedAnInitialisedEnvironment(t *testing.T) {
	p := loadJsonnetPlan(t)
	_, err := newTestBinder(Deps{}, "").BindAction(context.Background(), p, p.Steps[0], p.Steps[0].Actions[0])
	if err == nil || !strings.Contains(err.Error(), "pass --env DIR") {
		t.Errorf("without --env: %v", err)
	}
	env := testEnv(t)
	if err := os.WriteFile(filepath.Join(env, "main.jsonnet"), []byte("import 'app.libsonnet'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = newTestBinder(Deps{}, env).BindAction(context.Background(), p, p.Steps[0], p.Steps[0].Actions[0])
	if err == nil || !strings.Contains(err.Error(), "run `mimirctl init --env") {
		t.Errorf("without the import: %v", err)
	}
}
