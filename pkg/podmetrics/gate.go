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
	Series string `yaml:"series" json:"series"`
	// RolledOut also requires every selected pod to be Ready and to run the
	// newest revision of its Deployment or StatefulSet (see
	// kube.PodRollouts): a pod that is not (old revision, pending, not
	// ready, terminating) keeps the gate inconclusive, named with why,
	// whatever its metrics say. Pods that have ended (phase Succeeded or
	// Failed) run nothing and are left out. For "every client of X is gone"
	// gates, where a pod still starting or still old must not count as gone.
	RolledOut      bool `yaml:"rolledOut,omitempty" json:"rolledOut,omitempty"`
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
	d := fmt.Sprintf("pod metric %s on %s: %s", s.Series, s.Pods, s.Condition.Describe())
	if s.RolledOut {
		d += ", each pod Ready on its workload's newest revision"
	}
	return d
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
	if g.spec.RolledOut {
		return g.evaluateRolledOut(ctx)
	}
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

// evaluateRolledOut judges every selected pod that has not ended: on its
// rollout first, then on its metrics.
func (g *Gate) evaluateRolledOut(ctx context.Context) verdict.Observation {
	scan, err := ScanPods(ctx, g.deps, g.spec.Pods, g.sel)
	if err != nil {
		return verdict.Inconclusivef("%s %s: cannot select pods: %v", g.sel, g.spec.Condition.Describe(), err)
	}
	obs := make([]gate.PodObservation, 0, len(scan))
	var leftOut []string
	for _, p := range scan {
		if p.NotMimir {
			leftOut = append(leftOut, fmt.Sprintf("%s left out: it has a port named %s but no /metrics page, so it is not a Mimir process", p.Pod, g.spec.Pods.PortName))
		}
		if p.Ended || p.NotMimir {
			continue
		}
		var o verdict.Observation
		switch {
		case p.Err != nil:
			o = verdict.Inconclusivef("%v", p.Err)
		default:
			o = g.spec.Evaluate(p.Samples)
		}
		if p.Hold != "" {
			held := verdict.Inconclusivef("%s (%s): not rolled out yet", p.Hold, p.Workload)
			if p.Workload == "" {
				held = verdict.Inconclusivef("%s: not rolled out yet", p.Hold)
			}
			if p.Err == nil {
				held = held.WithDetails("metrics: " + o.Summary)
				held = held.WithDetails(o.Details...)
				if o.Verdict == verdict.Fail {
					held.Verdict = verdict.Fail
				}
			}
			o = held
		}
		obs = append(obs, gate.PodObservation{Pod: p.Pod, Observation: o})
	}
	out := gate.CombinePods(g.spec.Pods, g.spec.MinPods, "meet it", obs)
	out.Summary = fmt.Sprintf("%s %s: %s", g.sel, g.spec.Condition.Describe(), out.Summary)
	return out.WithDetails(leftOut...)
}
