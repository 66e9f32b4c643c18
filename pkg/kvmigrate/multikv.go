package kvmigrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mimirctl/mimirctl/pkg/duration"
	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// MultiKVSpec is the `multiKV` action: it puts the runtime multi_kv_config
// of a migration stage into Mimir's runtime configuration, as the
// runtimeConfig action would with the document Stage.RuntimeConfig, and
// waits until the pods serve it.
//
//	multiKV:
//	  stage: mirror
//	  from: consul
//	  to: memberlist
//	  pods: {labels: "gossip_ring_member=true"}
type MultiKVSpec struct {
	// Stage, From and To are the migration stage (see Stage).
	Stage StageName `yaml:"stage" json:"stage"`
	From  Store     `yaml:"from" json:"from"`
	To    Store     `yaml:"to" json:"to"`
	// ConfigMap and Key default to Mimir jsonnet's overrides /
	// overrides.yaml.
	ConfigMap string `yaml:"configMap,omitempty" json:"configMap,omitempty"`
	Key       string `yaml:"key,omitempty" json:"key,omitempty"`
	// Pods must all serve the stage's document on /runtime_config.
	Pods podaccess.Selector `yaml:"pods" json:"pods"`
	// Timeout bounds the wait for the pods (default 5m).
	Timeout duration.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// RefuseWhile, when set, leaves the ConfigMap alone while a pod still
	// exposes its series; the removed stage needs it in practice.
	RefuseWhile *RefuseWhileSpec `yaml:"refuseWhile,omitempty" json:"refuseWhile,omitempty"`
}

func (s *MultiKVSpec) stage() Stage { return Stage{Name: s.Stage, From: s.From, To: s.To} }

// RuntimeConfig is the runtimeConfig action the stage amounts to.
func (s *MultiKVSpec) RuntimeConfig() *RuntimeConfigSpec {
	return &RuntimeConfigSpec{ConfigMap: s.ConfigMap, Key: s.Key, Set: s.stage().RuntimeConfig(), Pods: s.Pods, Timeout: s.Timeout, RefuseWhile: s.RefuseWhile}
}

// Validate checks the stage and the runtimeConfig fields.
func (s *MultiKVSpec) Validate() error {
	return errors.Join(s.stage().Validate(), s.RuntimeConfig().Validate())
}

// Describe reads e.g. "multi KV stage mirror from consul to memberlist
// (consul primary, memberlist secondary, mirroring on): runtime config
// overrides/overrides.yaml: merge {...}, served by ...".
func (s *MultiKVSpec) Describe() string {
	return "multi KV " + s.stage().String() + ": " + s.RuntimeConfig().Describe()
}

// NewMultiKV binds spec as NewRuntimeConfig binds its runtimeConfig action.
func NewMultiKV(spec *MultiKVSpec, d gate.Deps) *RuntimeConfigAction {
	return NewRuntimeConfig(spec.RuntimeConfig(), d)
}

// ExpectSpec is the expect field of the multiKV gate: the word "none", or
// {primary: <store>, mirror: <bool>}.
type ExpectSpec struct{ Expect }

// UnmarshalYAML reads "none" or the mapping.
func (e *ExpectSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if n.Value != "none" {
			return fmt.Errorf("expect: %q is not none or {primary: <store>, mirror: <bool>}", n.Value)
		}
		e.Expect = Expect{None: true}
		return nil
	}
	var m struct {
		Primary Store `yaml:"primary"`
		Mirror  *bool `yaml:"mirror"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	if m.Mirror == nil {
		return errors.New("expect.mirror: missing; say whether the clients mirror (true or false)")
	}
	e.Expect = Expect{Primary: m.Primary, Mirror: *m.Mirror}
	return nil
}

// MarshalJSON writes "none" or {"primary": ..., "mirror": ...}.
func (e ExpectSpec) MarshalJSON() ([]byte, error) {
	if e.None {
		return json.Marshal("none")
	}
	return json.Marshal(map[string]any{"primary": e.Primary, "mirror": e.Mirror})
}

// MultiKVGateSpec is the `multiKV` gate: on every selected pod, every KV
// client running the multi store runs it with the expected primary and
// mirroring, or no client runs it at all. It reads each pod's /config and
// /runtime_config (Clients), so it judges what the pods are configured to
// run; the cortex_multikv_* metrics show what their clients run.
//
//	multiKV:
//	  pods: {labels: "gossip_ring_member=true"}
//	  expect: {primary: memberlist, mirror: false}
type MultiKVGateSpec struct {
	mimirapi.PodsSpec `yaml:",inline" json:",inline"`
	// KV is rings (default: every KV client but the HA tracker's) or
	// haTracker (distributor.ha_tracker alone).
	KV string `yaml:"kv,omitempty" json:"kv,omitempty"`
	// Expect is none or {primary, mirror}.
	Expect *ExpectSpec `yaml:"expect" json:"expect"`
}

// Values of MultiKVGateSpec.KV.
const (
	KVRings     = "rings"
	KVHATracker = "haTracker"
)

// Validate reports a spec that cannot work, naming the field.
func (s MultiKVGateSpec) Validate() error {
	errs := []error{s.PodsSpec.Validate()}
	if s.KV != "" && s.KV != KVRings && s.KV != KVHATracker {
		errs = append(errs, fmt.Errorf("kv: %q is not %s or %s", s.KV, KVRings, KVHATracker))
	}
	switch {
	case s.Expect == nil:
		errs = append(errs, errors.New("expect: missing; write none or {primary: memberlist, mirror: false}"))
	case !s.Expect.None:
		errs = append(errs, validBackend("expect.primary", s.Expect.Primary))
	}
	return errors.Join(errs...)
}

func (s MultiKVGateSpec) kv() string {
	if s.KV == "" {
		return KVRings
	}
	return s.KV
}

// Describe reads e.g. "multi KV (rings) on pods matching ...: multi KV
// store with memberlist primary, mirroring off".
func (s MultiKVGateSpec) Describe() string {
	want := "(no expectation)"
	if s.Expect != nil {
		want = s.Expect.String()
	}
	return fmt.Sprintf("multi KV (%s) on %s: %s", s.kv(), s.DescribePods(), want)
}

// MultiKVGate judges the KV clients of every selected pod.
type MultiKVGate struct {
	spec MultiKVGateSpec
	deps gate.Deps
}

var _ gate.Gate = (*MultiKVGate)(nil)

// NewMultiKVGate builds a multiKV gate.
func NewMultiKVGate(spec MultiKVGateSpec, deps gate.Deps) (*MultiKVGate, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	return &MultiKVGate{spec: spec, deps: deps}, nil
}

// Describe says what the gate checks.
func (g *MultiKVGate) Describe() string { return g.spec.Describe() }

// Evaluate reads /config and /runtime_config of every pod (a pod without a
// runtime configuration runs its flags) and judges its clients. A pod that
// cannot be read is inconclusive.
func (g *MultiKVGate) Evaluate(ctx context.Context) verdict.Observation {
	return gate.JudgePods(ctx, g.deps, g.spec.Pods, gate.PodOptions{MinPods: g.spec.MinPods}, "match", func(ctx context.Context, t podaccess.Target) verdict.Observation {
		config, err := mimirapi.FetchConfig(ctx, g.deps.Pods, t, "")
		if err != nil {
			return verdict.Inconclusivef("%v", err)
		}
		runtime, err := mimirapi.FetchRuntimeConfig(ctx, g.deps.Pods, t)
		if err != nil && !errors.Is(err, mimirapi.ErrNoRuntimeConfig) {
			return verdict.Inconclusivef("%v", err)
		}
		clients, err := Clients(config, runtime)
		if err != nil {
			return verdict.Inconclusivef("pod %s: %v", t, err)
		}
		problems, multi := g.spec.Expect.Judge(g.clientsOfKV(clients))
		summary := fmt.Sprintf("%d KV clients on the multi store", len(multi))
		if len(multi) > 0 {
			summary += ": " + strings.Join(multi, ", ")
		}
		if len(problems) > 0 {
			return verdict.Failf("%s", summary).WithDetails(problems...)
		}
		return verdict.Passf("%s", summary)
	})
}

// clientsOfKV keeps the clients of the spec's kv.
func (g *MultiKVGate) clientsOfKV(clients []Client) []Client {
	var out []Client
	for _, c := range clients {
		if (c.Path == HATrackerPath) == (g.spec.kv() == KVHATracker) {
			out = append(out, c)
		}
	}
	return out
}
