package plan

import (
	"context"
	"testing"
	"time"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
)

func testPlan(steps ...*Step) *Plan {
	return &Plan{Name: "test", Steps: steps, Values: ParamValues{}}
}

type stepOpt func(*Step)

func step(id string, opts ...stepOpt) *Step {
	s := &Step{ID: id, Title: "step " + id}
	for _, o := range opts {
		o(s)
	}
	return s
}

func withSet(key, value string) stepOpt {
	return func(s *Step) {
		spec := &fakeSetSpec{Key: key, Value: value}
		s.Actions = append(s.Actions, ActionConfig{Kind: "set", Spec: spec})
	}
}

func withDestructiveSet(key, value string) stepOpt {
	return func(s *Step) {
		spec := &fakeSetSpec{Key: key, Value: value, Danger: true}
		s.Actions = append(s.Actions, ActionConfig{Kind: "set", Spec: spec})
	}
}

func withGate(key, equals string, pol Policy) stepOpt {
	return func(s *Step) {
		if pol.FailureLimit == 0 {
			pol.FailureLimit = -1
		}
		s.Gates = append(s.Gates, GateConfig{Kind: "check", Name: "gate-" + key, Spec: &fakeCheckSpec{Key: key, Equals: equals}, Policy: pol.withDefaults()})
	}
}

func withWait(d time.Duration) stepOpt {
	return func(s *Step) { s.Wait = &Wait{Duration: duration.Duration(d)} }
}

func withManual(text string) stepOpt {
	return func(s *Step) { s.Manual = &Manual{Instructions: text} }
}

func withMinDuration(d time.Duration) stepOpt {
	return func(s *Step) { s.MinDuration = duration.Duration(d) }
}

// harness wires a Runner with fakes.
type harness struct {
	world  *fakeWorld
	clock  *testkit.Clock
	store  *memoryStore
	events *recorder
	runner *Runner
	dir    string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{world: newFakeWorld(), clock: newFakeClock(), store: &memoryStore{}, events: &recorder{}, dir: t.TempDir()}
	h.runner = &Runner{Store: h.store, Locker: NewFileLocker(h.dir + "/state.json"), Binder: fakeBinder{w: h.world},
		Clock: h.clock, Events: h.events, Holder: "tester@test", Identity: ClusterIdentity{Server: "https://test", ClusterUID: "uid-1", Namespace: "mimir"}}
	return h
}

func (h *harness) apply(t *testing.T, p *Plan, opts ApplyOptions) error {
	t.Helper()
	return h.runner.Apply(context.Background(), p, opts)
}

func (h *harness) state(t *testing.T) *State {
	t.Helper()
	st, _, err := h.store.Load(context.Background())
	if err != nil {
		t.Fatalf("load state: %v", err)
	}
	return st
}

func (h *harness) resume(t *testing.T, p *Plan, opts ApplyOptions) error {
	t.Helper()
	return h.runner.Resume(context.Background(), func(string, ParamValues) (*Plan, error) { return p, nil }, opts)
}
