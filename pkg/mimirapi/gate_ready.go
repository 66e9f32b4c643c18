package mimirapi

import (
	"context"
	"fmt"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// PodsSpec selects the pods a gate asks, with the number that must exist.
// Gate specs embed it.
type PodsSpec struct {
	Pods podaccess.Selector `yaml:"pods" json:"pods"`
	// MinPods is how many pods must be selected (default 1).
	MinPods int `yaml:"minPods,omitempty" json:"minPods,omitempty"`
}

// Validate reports a selection that cannot work.
func (p PodsSpec) Validate() error {
	if err := p.Pods.Validate(); err != nil {
		return fmt.Errorf("pods: %w", err)
	}
	if p.MinPods < 0 {
		return fmt.Errorf("minPods: must not be negative, got %d", p.MinPods)
	}
	return nil
}

func (p PodsSpec) describe() string { return p.DescribePods() }

// DescribePods renders the selection for gate descriptions: the selector,
// with " (at least N)" when MinPods is above 1.
func (p PodsSpec) DescribePods() string {
	if p.MinPods > 1 {
		return fmt.Sprintf("%s (at least %d)", p.Pods, p.MinPods)
	}
	return p.Pods.String()
}

// ReadySpec is a readiness gate: every selected pod answers 200 on /ready.
//
//	ready:
//	  pods: {labels: "rollout-group=mimir-write"}
//	  minPods: 3
type ReadySpec struct {
	PodsSpec `yaml:",inline" json:",inline"`
}

// Describe says what the gate checks.
func (s ReadySpec) Describe() string {
	return fmt.Sprintf("ready: %s answer %s with 200", s.describe(), mimir.PathReady)
}

// ReadyGate checks /ready on every selected pod.
type ReadyGate struct {
	spec ReadySpec
	deps gate.Deps
}

var _ gate.Gate = (*ReadyGate)(nil)

// NewReadyGate builds a readiness gate.
func NewReadyGate(spec ReadySpec, deps gate.Deps) (*ReadyGate, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	return &ReadyGate{spec: spec, deps: deps}, nil
}

// Describe says what the gate checks.
func (g *ReadyGate) Describe() string { return g.spec.Describe() }

// Evaluate asks every pod. A pod that is not running, or answers anything
// but 200, fails; a pod that cannot be reached is inconclusive.
func (g *ReadyGate) Evaluate(ctx context.Context) verdict.Observation {
	opts := gate.PodOptions{MinPods: g.spec.MinPods, NotRunning: verdict.Fail}
	return gate.JudgePods(ctx, g.deps, g.spec.Pods, opts, "ready", func(ctx context.Context, t podaccess.Target) verdict.Observation {
		r, err := CheckReady(ctx, g.deps.Pods, t)
		switch {
		case err != nil:
			return verdict.Inconclusivef("%v", err)
		case !r.Ready:
			return verdict.Failf("not ready (%d): %s", r.Code, r.Reason)
		}
		return verdict.Passf("ready")
	})
}
