package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mimirctl/mimirctl/pkg/internal/testkit"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// fakeSetSpec is a test action kind: it sets world[key]=value.
type fakeSetSpec struct {
	Key     string `yaml:"key" json:"key"`
	Value   string `yaml:"value" json:"value"`
	Replica int    `yaml:"replicas,omitempty" json:"replicas,omitempty"`
	Danger  bool   `yaml:"destructive,omitempty" json:"destructive,omitempty"`
}

func (s *fakeSetSpec) Validate() error {
	if s.Key == "" {
		return errors.New("key is required")
	}
	return nil
}
func (s *fakeSetSpec) Describe() string  { return fmt.Sprintf("set %s=%s", s.Key, s.Value) }
func (s *fakeSetSpec) Destructive() bool { return s.Danger }

// fakeCheckSpec is a test gate kind: passes when world[key]==equals.
type fakeCheckSpec struct {
	Key    string `yaml:"key" json:"key"`
	Equals string `yaml:"equals" json:"equals"`
}

func (s *fakeCheckSpec) Validate() error {
	if s.Key == "" {
		return errors.New("key is required")
	}
	return nil
}
func (s *fakeCheckSpec) Describe() string { return fmt.Sprintf("%s == %s", s.Key, s.Equals) }

func fakeRegistry() *Registry {
	return NewRegistry().
		AddAction(ActionKind{Name: "set", Summary: "set a key", New: func() ActionSpec { return &fakeSetSpec{} }}).
		AddAction(ActionKind{Name: "scale", Summary: "pretend scale", New: func() ActionSpec { return &fakeSetSpec{} }}).
		AddGate(GateKind{Name: "check", Summary: "check a key", New: func() GateSpec { return &fakeCheckSpec{} }})
}

// fakeWorld is the pretend cluster the fake binder acts on.
type fakeWorld struct {
	mu      sync.Mutex
	values  map[string]string
	applies map[string]int
	// script overrides gate verdicts per key: consumed one per evaluation.
	script map[string][]verdict.Verdict
	// onApply runs inside Apply (to cancel contexts, etc.).
	onApply func(key string)
}

func newFakeWorld() *fakeWorld {
	return &fakeWorld{values: map[string]string{}, applies: map[string]int{}, script: map[string][]verdict.Verdict{}}
}

type fakeBinder struct{ w *fakeWorld }

func (b fakeBinder) BindAction(_ context.Context, _ *Plan, _ *Step, cfg ActionConfig) (Action, error) {
	return &fakeAction{w: b.w, spec: cfg.Spec.(*fakeSetSpec)}, nil
}

func (b fakeBinder) BindGate(_ context.Context, _ *Plan, _ *Step, cfg GateConfig) (Gate, error) {
	return &fakeGate{w: b.w, spec: cfg.Spec.(*fakeCheckSpec)}, nil
}

type fakeAction struct {
	w    *fakeWorld
	spec *fakeSetSpec
}

func (a *fakeAction) Check(context.Context) (bool, string, error) {
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	cur, ok := a.w.values[a.spec.Key]
	return ok && cur == a.spec.Value, fmt.Sprintf("%s is %q", a.spec.Key, cur), nil
}

func (a *fakeAction) Apply(ctx context.Context, _ Progress) error {
	if a.w.onApply != nil {
		a.w.onApply(a.spec.Key)
	}
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	a.w.values[a.spec.Key] = a.spec.Value
	a.w.applies[a.spec.Key]++
	return nil
}

type fakeGate struct {
	w    *fakeWorld
	spec *fakeCheckSpec
}

func (g *fakeGate) Evaluate(context.Context) verdict.Observation {
	g.w.mu.Lock()
	defer g.w.mu.Unlock()
	if s := g.w.script[g.spec.Key]; len(s) > 0 {
		g.w.script[g.spec.Key] = s[1:]
		return verdict.Observation{Verdict: s[0], Summary: "scripted " + s[0].String()}
	}
	if g.w.values[g.spec.Key] == g.spec.Equals {
		return verdict.Passf("%s is %s", g.spec.Key, g.spec.Equals)
	}
	return verdict.Failf("%s is %q, want %q", g.spec.Key, g.w.values[g.spec.Key], g.spec.Equals)
}

// newFakeClock returns a clock at 2026-11-23 10:00 UTC that moves forward
// on Sleep, at once.
func newFakeClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
}

// memoryStore is a fake Store keeping a JSON copy, as a real store would.
type memoryStore struct {
	mu    sync.Mutex
	data  []byte
	rev   int
	saves int
	// failAt makes the Nth save (1-based) and every later one fail with
	// errCrash, simulating a process that died before that write.
	failAt int
}

var errCrash = errors.New("simulated crash")

func (m *memoryStore) Describe() string { return "memory" }

func (m *memoryStore) Load(context.Context) (*State, Revision, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.data == nil {
		return nil, "", ErrNoState
	}
	st, err := decodeState(m.data, "memory")
	return st, Revision(fmt.Sprint(m.rev)), err
}

func (m *memoryStore) Save(_ context.Context, st *State, rev Revision) (Revision, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saves++
	if m.failAt > 0 && m.saves >= m.failAt {
		return "", errCrash
	}
	if string(rev) != fmt.Sprint(m.rev) && (rev != "" || m.data != nil) {
		return "", ErrStateConflict
	}
	b, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	m.data = b
	m.rev++
	return Revision(fmt.Sprint(m.rev)), nil
}

// recorder collects events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) Emit(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) types() []EventType {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]EventType, 0, len(r.events))
	for _, e := range r.events {
		out = append(out, e.Type)
	}
	return out
}

type yesConfirmer bool

func (y yesConfirmer) Confirm(context.Context, string) (bool, error) { return bool(y), nil }
