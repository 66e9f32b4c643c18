package plan_test

import (
	"context"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/plan/plantest"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

func testPlan(steps ...*plan.Step) *plan.Plan {
	return &plan.Plan{Name: "test", Steps: steps, Values: plan.ParamValues{}}
}

type stepOpt func(*plan.Step)

func step(id string, opts ...stepOpt) *plan.Step {
	s := &plan.Step{ID: id, Title: "step " + id}
	for _, o := range opts {
		o(s)
	}
	return s
}

func withSet(key, value string) stepOpt {
	return func(s *plan.Step) {
		spec := &plantest.SetSpec{Key: key, Value: value}
		s.Actions = append(s.Actions, plan.ActionConfig{Kind: "set", Spec: spec})
	}
}

func withDestructiveSet(key, value string) stepOpt {
	return func(s *plan.Step) {
		spec := &plantest.SetSpec{Key: key, Value: value, Danger: true}
		s.Actions = append(s.Actions, plan.ActionConfig{Kind: "set", Spec: spec})
	}
}

func withGate(key, equals string, pol plan.Policy) stepOpt {
	return func(s *plan.Step) {
		if pol.FailureLimit == 0 {
			pol.FailureLimit = -1
		}
		s.Gates = append(s.Gates, plan.GateConfig{Kind: "check", Name: "gate-" + key, Spec: &plantest.CheckSpec{Key: key, Equals: equals}, Policy: pol.WithDefaults()})
	}
}

func withWait(d time.Duration) stepOpt {
	return func(s *plan.Step) { s.Wait = &plan.Wait{Duration: duration.Duration(d)} }
}

func withManual(text string) stepOpt {
	return func(s *plan.Step) { s.Manual = &plan.Manual{Instructions: text} }
}

func withMinDuration(d time.Duration) stepOpt {
	return func(s *plan.Step) { s.MinDuration = duration.Duration(d) }
}

// harness wires a Runner with fakes.
type harness struct {
	world  *plantest.World
	clock  *testkit.Clock
	store  *memoryStore
	events *recorder
	runner *plan.Runner
	dir    string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{world: plantest.NewWorld(), clock: newFakeClock(), store: &memoryStore{}, events: &recorder{}, dir: t.TempDir()}
	h.runner = &plan.Runner{Store: h.store, Locker: plan.NewFileLocker(h.dir + "/state.json"), Binder: plantest.Binder{World: h.world},
		Clock: h.clock, Events: h.events, Holder: "tester@test", Identity: plan.ClusterIdentity{Server: "https://test", ClusterUID: "uid-1", Namespace: "mimir"}}
	return h
}

func (h *harness) apply(t *testing.T, p *plan.Plan, opts plan.ApplyOptions) error {
	t.Helper()
	return h.runner.Apply(context.Background(), p, opts)
}

func (h *harness) state(t *testing.T) *plan.State {
	t.Helper()
	st, _, err := h.store.Load(context.Background())
	if err != nil {
		t.Fatalf("load state: %v", err)
	}
	return st
}

func (h *harness) resume(t *testing.T, p *plan.Plan, opts plan.ApplyOptions) error {
	t.Helper()
	return h.runner.Resume(context.Background(), func(string, plan.ParamValues) (*plan.Plan, error) { return p, nil }, opts)
}
