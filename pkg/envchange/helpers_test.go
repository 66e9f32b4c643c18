package envchange

import (
	"context"
	"fmt"
	"testing"

	"github.com/mimirctl/mimirctl/pkg/internal/kubefake"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// testRegistry has the one kind of this package, as engine registers it.
func testRegistry() *plan.Registry {
	r := plan.NewRegistry()
	r.AddAction(plan.ActionKind{Name: "jsonnet", Summary: "change the Tanka environment", New: func() plan.ActionSpec { return &JsonnetSpec{} }})
	return r
}

// testBinder binds jsonnet actions as engine's binder does: the
// environment of dir is opened on first use and shared by the actions it
// binds, so its render cache spans a plan.
type testBinder struct {
	d   Deps
	dir string
}

func newTestBinder(d Deps, dir string) *testBinder { return &testBinder{d: d, dir: dir} }

func (b *testBinder) environment() (*Environment, error) {
	if b.d.Env == nil {
		env, err := OpenEnvironment(b.dir)
		if err != nil {
			return nil, err
		}
		b.d.Env = env
	}
	return b.d.Env, nil
}

// BindAction binds cfg, a jsonnet action of step.
func (b *testBinder) BindAction(_ context.Context, p *plan.Plan, step *plan.Step, cfg plan.ActionConfig) (plan.Action, error) {
	env, err := b.environment()
	if err != nil {
		return nil, err
	}
	d := b.d
	d.Env = env
	return New(cfg.Spec.(*JsonnetSpec), p, step, d)
}

// BindGate refuses: these tests have no gates.
func (*testBinder) BindGate(_ context.Context, _ *plan.Plan, _ *plan.Step, cfg plan.GateConfig) (plan.Gate, error) {
	return nil, fmt.Errorf("gate kind %s: not in these tests", cfg.Kind)
}

// applyRendered renders the environment env with its overlay file as it is
// now and applies the objects to srv: labelled as mimirctl applies them, or,
// with external, as rendered (as the user's pipeline would, see
// AppliedObjects).
func applyRendered(t *testing.T, env string, srv *kubefake.Server, external bool) {
	t.Helper()
	e, err := OpenEnvironment(env)
	if err != nil {
		t.Fatal(err)
	}
	o, err := tanka.ReadOverlay(env)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Render(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	objs, _, err := AppliedObjects(r, external)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kube.Apply(context.Background(), srv.Dynamic(), srv.Mapper(), objs, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
}
