package mimirapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Sources a config gate reads.
const (
	SourceConfig        = "config"
	SourceRuntimeConfig = "runtimeConfig"
)

// ConfigSpec is a configuration gate: a key of /config (or
// /runtime_config) has a value, or is present or absent, on every pod.
//
//	config:
//	  pods: {labels: "name=distributor"}
//	  key: distributor.ha_tracker.kvstore.store
//	  equals: memberlist
type ConfigSpec struct {
	PodsSpec `yaml:",inline" json:",inline"`
	// Source is config (default) or runtimeConfig.
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
	// Key is a dotted path with [n] for list items.
	Key string `yaml:"key" json:"key"`
	// Equals is the expected scalar value as YAML text ("true", "5m",
	// "memberlist").
	Equals *string `yaml:"equals,omitempty" json:"equals,omitempty"`
	// Present requires the key to exist (true) or not (false).
	Present *bool `yaml:"present,omitempty" json:"present,omitempty"`
}

// Validate reports a spec that cannot work, naming the field.
func (s ConfigSpec) Validate() error {
	errs := []error{s.PodsSpec.Validate()}
	if s.Source != "" && s.Source != SourceConfig && s.Source != SourceRuntimeConfig {
		errs = append(errs, fmt.Errorf("source: %q is not config or runtimeConfig", s.Source))
	}
	if s.Key == "" {
		errs = append(errs, errors.New("key: missing; write a dotted path such as distributor.ha_tracker.kvstore.store"))
	}
	switch {
	case s.Equals == nil && s.Present == nil:
		errs = append(errs, errors.New("equals or present: give one"))
	case s.Equals != nil && s.Present != nil && !*s.Present:
		errs = append(errs, errors.New("equals and present: false contradict each other"))
	}
	return errors.Join(errs...)
}

func (s ConfigSpec) source() string {
	if s.Source == "" {
		return SourceConfig
	}
	return s.Source
}

// Describe says what the gate checks.
func (s ConfigSpec) Describe() string {
	want := "present"
	switch {
	case s.Equals != nil:
		want = "= " + *s.Equals
	case s.Present != nil && !*s.Present:
		want = "absent"
	}
	return fmt.Sprintf("%s: %s %s on %s", s.source(), s.Key, want, s.describe())
}

// ConfigGate checks a configuration key on every selected pod.
type ConfigGate struct {
	spec ConfigSpec
	deps gate.Deps
}

var _ gate.Gate = (*ConfigGate)(nil)

// NewConfigGate builds a configuration gate.
func NewConfigGate(spec ConfigSpec, deps gate.Deps) (*ConfigGate, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	return &ConfigGate{spec: spec, deps: deps}, nil
}

// Describe says what the gate checks.
func (g *ConfigGate) Describe() string { return g.spec.Describe() }

// Evaluate reads the configuration of every pod. A pod without a runtime
// configuration has no runtime keys: absent.
func (g *ConfigGate) Evaluate(ctx context.Context) verdict.Observation {
	return gate.JudgePods(ctx, g.deps, g.spec.Pods, gate.PodOptions{MinPods: g.spec.MinPods}, "match", func(ctx context.Context, t podaccess.Target) verdict.Observation {
		doc, err := g.fetch(ctx, t)
		if err != nil && !errors.Is(err, ErrNoRuntimeConfig) {
			return verdict.Inconclusivef("%v", err)
		}
		n, found := doc.Lookup(g.spec.Key)
		switch {
		case g.spec.Present != nil && *g.spec.Present != found:
			return verdict.Failf("%s is %s", g.spec.Key, map[bool]string{true: "present: " + Render(n), false: "absent"}[found])
		case g.spec.Equals == nil:
			return verdict.Passf("%s is %s", g.spec.Key, map[bool]string{true: "present", false: "absent"}[found])
		case !found:
			return verdict.Failf("%s is absent, want %s", g.spec.Key, *g.spec.Equals)
		case Render(n) != *g.spec.Equals:
			return verdict.Failf("%s is %s, want %s", g.spec.Key, Render(n), *g.spec.Equals)
		}
		return verdict.Passf("%s is %s", g.spec.Key, *g.spec.Equals)
	})
}

func (g *ConfigGate) fetch(ctx context.Context, t podaccess.Target) (Document, error) {
	if g.spec.source() == SourceRuntimeConfig {
		return FetchRuntimeConfig(ctx, g.deps.Pods, t)
	}
	return FetchConfig(ctx, g.deps.Pods, t, "")
}
