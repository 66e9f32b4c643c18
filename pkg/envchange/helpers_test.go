package envchange

import (
	"context"
	"fmt"

	"github.com/mimirctl/mimirctl/pkg/plan"
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
