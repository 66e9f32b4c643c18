package podmetrics

import (
	"context"
	"errors"
	"fmt"

	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Spec is a pod-metric gate in a step file:
//
//	podMetric:
//	  pods: {labels: "name=distributor"}
//	  series: cortex_multikv_mirror_enabled{kv_name="distributor-hatracker"}
//	  op: "=="
//	  threshold: 1
//
// The condition is judged on every selected pod separately, over the series
// that pod exposes; a pod exposing none is judged by onEmpty.
type Spec struct {
	// Pods selects the pods to scrape.
	Pods podaccess.Selector `yaml:"pods" json:"pods"`
	// MinPods is how many pods must be selected (default 1).
	MinPods int `yaml:"minPods,omitempty" json:"minPods,omitempty"`
	// Series is a selector as in PromQL: name{label="v", other=~"re"}.
	// Histogram and summary parts are selected as name_count, name_sum,
	// name_bucket.
	Series         string `yaml:"series" json:"series"`
	gate.Condition `yaml:",inline" json:",inline"`
}

// Validate reports a spec that cannot work, naming the field.
func (s Spec) Validate() error {
	var errs []error
	if err := s.Pods.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("pods: %w", err))
	}
	if s.MinPods < 0 {
		errs = append(errs, fmt.Errorf("minPods: must not be negative, got %d", s.MinPods))
	}
	if s.Series == "" {
		errs = append(errs, errors.New("series: missing; write a selector such as cortex_multikv_mirror_enabled{kv_name=\"distributor-hatracker\"}"))
	} else if _, err := ParseSelector(s.Series); err != nil {
		errs = append(errs, fmt.Errorf("series: %w", err))
	}
	if err := s.Condition.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Describe renders the gate, e.g. `pod metric cortex_multikv_mirror_enabled
// on pods matching "name=distributor": every series == 1`.
func (s Spec) Describe() string {
	return fmt.Sprintf("pod metric %s on %s: %s", s.Series, s.Pods, s.Condition.Describe())
}

// Gate scrapes the selected pods and judges each.
type Gate struct {
	spec Spec
	sel  Selector
	deps gate.Deps
}

var _ gate.Gate = (*Gate)(nil)

// New builds a pod-metric gate.
func New(spec Spec, deps gate.Deps) (*Gate, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	sel, _ := ParseSelector(spec.Series)
	return &Gate{spec: spec, sel: sel, deps: deps}, nil
}

// Describe says what the gate checks.
func (g *Gate) Describe() string { return g.spec.Describe() }

// Evaluate scrapes every selected pod; it passes when the condition holds on
// each. A pod that cannot be scraped is inconclusive.
func (g *Gate) Evaluate(ctx context.Context) verdict.Observation {
	obs := gate.JudgePods(ctx, g.deps, g.spec.Pods, gate.PodOptions{MinPods: g.spec.MinPods}, "meet it",
		func(ctx context.Context, t podaccess.Target) verdict.Observation {
			samples, err := Scrape(ctx, g.deps.Pods, t, g.sel)
			if err != nil {
				return verdict.Inconclusivef("%v", err)
			}
			return g.spec.Evaluate(samples)
		})
	obs.Summary = fmt.Sprintf("%s %s: %s", g.sel, g.spec.Condition.Describe(), obs.Summary)
	return obs
}
