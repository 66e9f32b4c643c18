package plantest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Fakes for tests: action and gate kinds that act on a World, a map of
// keys to values standing in for the cluster, so that tests of the plan
// engine and of the CLI run plans without Kubernetes or Mimir. They are
// not for production use.

// SetSpec is the spec of the fake action kinds "set" and "scale": the
// action sets World key Key to Value, and is done when it already has it.
type SetSpec struct {
	Key   string `yaml:"key" json:"key"`
	Value string `yaml:"value" json:"value"`
	// Replicas is read and not acted on, for tests of typed ${param}
	// substitution.
	Replicas int `yaml:"replicas,omitempty" json:"replicas,omitempty"`
	// Danger makes the action destructive (YAML destructive: true).
	Danger bool `yaml:"destructive,omitempty" json:"destructive,omitempty"`
}

// Validate fails when Key is empty.
func (s *SetSpec) Validate() error {
	if s.Key == "" {
		return errors.New("key is required")
	}
	return nil
}

// Describe returns "set KEY to VALUE".
func (s *SetSpec) Describe() string { return fmt.Sprintf("set %s to %s", s.Key, s.Value) }

// Destructive returns Danger.
func (s *SetSpec) Destructive() bool { return s.Danger }

// CheckSpec is the spec of the fake gate kind "check": the gate passes
// when World key Key has the value Equals.
type CheckSpec struct {
	Key    string `yaml:"key" json:"key"`
	Equals string `yaml:"equals" json:"equals"`
}

// Validate fails when Key is empty.
func (s *CheckSpec) Validate() error {
	if s.Key == "" {
		return errors.New("key is required")
	}
	return nil
}

// Describe returns "KEY is VALUE".
func (s *CheckSpec) Describe() string { return fmt.Sprintf("%s is %s", s.Key, s.Equals) }

// NewRegistry returns a registry of the fake kinds: actions "set" and
// "scale" (both with a SetSpec) and gate "check" (a CheckSpec). Bind them
// with Binder.
func NewRegistry() *plan.Registry {
	return plan.NewRegistry().
		AddAction(plan.ActionKind{Name: "set", Summary: "set a key", New: func() plan.ActionSpec { return &SetSpec{} }}).
		AddAction(plan.ActionKind{Name: "scale", Summary: "pretend scale", New: func() plan.ActionSpec { return &SetSpec{} }}).
		AddGate(plan.GateKind{Name: "check", Summary: "check a key", New: func() plan.GateSpec { return &CheckSpec{} }})
}

// World is the pretend cluster the fake actions and gates act on. Tests
// may read and write its maps directly while no run is in progress;
// actions and gates hold its lock.
type World struct {
	mu sync.Mutex
	// Values maps keys to their values (an absent key reads as "").
	Values map[string]string
	// Applies counts the Apply calls of the actions setting each key.
	Applies map[string]int
	// Script overrides the check gates' verdicts per key: each evaluation
	// consumes the first verdict left, then the gate compares values again.
	Script map[string][]verdict.Verdict
	// OnApply, when set, runs after an action has set key (to interrupt a
	// run, for example by cancelling its context).
	OnApply func(key string)
}

// NewWorld returns an empty world.
func NewWorld() *World {
	return &World{Values: map[string]string{}, Applies: map[string]int{}, Script: map[string][]verdict.Verdict{}}
}

// Value returns the value of key ("" when absent), holding the world's
// lock (for fakes running beside actions).
func (w *World) Value(key string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.Values[key]
}

// Binder binds the fake kinds of NewRegistry to World. Binding another
// spec type panics (a test's mistake).
type Binder struct{ World *World }

var _ plan.Binder = Binder{}

// BindAction returns the action of a SetSpec.
func (b Binder) BindAction(_ context.Context, _ *plan.Plan, _ *plan.Step, cfg plan.ActionConfig) (plan.Action, error) {
	return &action{w: b.World, spec: cfg.Spec.(*SetSpec)}, nil
}

// BindGate returns the gate of a CheckSpec.
func (b Binder) BindGate(_ context.Context, _ *plan.Plan, _ *plan.Step, cfg plan.GateConfig) (plan.Gate, error) {
	return &gate{w: b.World, spec: cfg.Spec.(*CheckSpec)}, nil
}

// action sets a key; it is a plan.Previewer.
type action struct {
	w    *World
	spec *SetSpec
}

var _ plan.Previewer = (*action)(nil)

// Check is done when the key has the value; the detail is `KEY is "VALUE"`.
func (a *action) Check(context.Context) (bool, string, error) {
	a.w.mu.Lock()
	defer a.w.mu.Unlock()
	cur, ok := a.w.Values[a.spec.Key]
	return ok && cur == a.spec.Value, fmt.Sprintf("%s is %q", a.spec.Key, cur), nil
}

// Apply sets the key, counts the call and then runs OnApply.
func (a *action) Apply(context.Context, plan.Progress) error {
	a.w.mu.Lock()
	a.w.Values[a.spec.Key] = a.spec.Value
	a.w.Applies[a.spec.Key]++
	a.w.mu.Unlock()
	if a.w.OnApply != nil {
		a.w.OnApply(a.spec.Key)
	}
	return nil
}

// Preview says it would set the key, with a diff from "old".
func (a *action) Preview(context.Context) (plan.Change, error) {
	return plan.Change{Summary: "would set " + a.spec.Key, Diff: "- " + a.spec.Key + ": old\n+ " + a.spec.Key + ": " + a.spec.Value}, nil
}

// gate compares a key's value, or returns the scripted verdicts first.
type gate struct {
	w    *World
	spec *CheckSpec
}

// Evaluate passes with "KEY is VALUE" or fails with `KEY is "V", want "W"`;
// a scripted verdict has the summary "scripted VERDICT".
func (g *gate) Evaluate(context.Context) verdict.Observation {
	g.w.mu.Lock()
	defer g.w.mu.Unlock()
	if s := g.w.Script[g.spec.Key]; len(s) > 0 {
		g.w.Script[g.spec.Key] = s[1:]
		return verdict.Observation{Verdict: s[0], Summary: "scripted " + s[0].String()}
	}
	if g.w.Values[g.spec.Key] == g.spec.Equals {
		return verdict.Passf("%s is %s", g.spec.Key, g.spec.Equals)
	}
	return verdict.Failf("%s is %q, want %q", g.spec.Key, g.w.Values[g.spec.Key], g.spec.Equals)
}
