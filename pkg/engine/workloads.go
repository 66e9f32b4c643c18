package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// WorkloadRef names a Deployment or StatefulSet in a step file.
type WorkloadRef struct {
	Kind string `yaml:"kind" json:"kind"`
	Name string `yaml:"name" json:"name"`
}

func (w WorkloadRef) validate() error {
	if w.Kind != "Deployment" && w.Kind != "StatefulSet" {
		return fmt.Errorf("kind %q: want Deployment or StatefulSet", w.Kind)
	}
	if !dnsName(w.Name) {
		return fmt.Errorf("name %q is not a Kubernetes name", w.Name)
	}
	return nil
}

func dnsName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// ScaleSpec is the `scale` action: set a workload's replicas directly, for
// installations not deployed with Tanka (with Tanka, change the jsonnet).
type ScaleSpec struct {
	WorkloadRef `yaml:",inline" json:",inline"`
	Replicas    int32 `yaml:"replicas" json:"replicas"`
}

// Validate checks the spec.
func (s *ScaleSpec) Validate() error {
	if s.Replicas < 0 {
		return errors.Join(s.validate(), fmt.Errorf("replicas must not be negative, got %d", s.Replicas))
	}
	return s.validate()
}

// Describe says what is scaled.
func (s *ScaleSpec) Describe() string {
	return fmt.Sprintf("scale %s %s to %d", s.Kind, s.Name, s.Replicas)
}

// Destructive: scaling a StatefulSet down can take stateful capacity away.
func (s *ScaleSpec) Destructive() bool { return s.Kind == "StatefulSet" }

type scaleAction struct {
	spec *ScaleSpec
	b    *Binder
}

func (a *scaleAction) workload() kube.Workload {
	return kube.Workload{Kind: a.spec.Kind, Namespace: a.b.d.Namespace, Name: a.spec.Name}
}

// Check is done when the workload has the replicas and finished rolling.
func (a *scaleAction) Check(ctx context.Context) (bool, string, error) {
	st, err := kube.CheckRollout(ctx, a.b.d.Kube, a.workload())
	if err != nil {
		return false, "", err
	}
	return st.Desired == a.spec.Replicas && st.Done, st.Summary, nil
}

// Apply scales and waits for the rollout, polling on the run's clock for
// up to RolloutTimeout on it (plan.RunClockWait).
func (a *scaleAction) Apply(ctx context.Context, p plan.Progress) error {
	prev, err := kube.Scale(ctx, a.b.d.Kube, a.workload(), a.spec.Replicas)
	if err != nil {
		return err
	}
	p.Report(fmt.Sprintf("%s scaled from %d to %d", a.workload(), prev, a.spec.Replicas))
	ctx, sleep, cancel := plan.RunClockWait(ctx, p, a.b.d.RolloutTimeout)
	defer cancel()
	_, err = kube.WaitRollout(ctx, a.b.d.Kube, []kube.Workload{a.workload()}, kube.WaitOptions{Sleep: sleep}, nil)
	return err
}

// RolloutSpec is the `rollout` gate: the workloads run their current spec
// everywhere (updated and ready).
type RolloutSpec struct {
	Workloads []WorkloadRef `yaml:"workloads" json:"workloads"`
}

// Validate checks the spec.
func (s *RolloutSpec) Validate() error {
	if len(s.Workloads) == 0 {
		return errors.New("workloads: missing; list {kind, name} of the Deployments and StatefulSets to watch")
	}
	var errs []error
	for i, w := range s.Workloads {
		if err := w.validate(); err != nil {
			errs = append(errs, fmt.Errorf("workloads[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// Describe lists the workloads.
func (s *RolloutSpec) Describe() string {
	names := make([]string, len(s.Workloads))
	for i, w := range s.Workloads {
		names[i] = w.Kind + "/" + w.Name
	}
	return "rolled out: " + strings.Join(names, ", ")
}

type rolloutGate struct {
	spec *RolloutSpec
	b    *Binder
}

// Evaluate checks every workload; one that cannot be read is inconclusive.
func (g *rolloutGate) Evaluate(ctx context.Context) verdict.Observation {
	obs := make([]verdict.Observation, 0, len(g.spec.Workloads))
	for _, w := range g.spec.Workloads {
		st, err := kube.CheckRollout(ctx, g.b.d.Kube, kube.Workload{Kind: w.Kind, Namespace: g.b.d.Namespace, Name: w.Name})
		if err != nil {
			obs = append(obs, verdict.Inconclusivef("%s/%s: %v", w.Kind, w.Name, err))
			continue
		}
		obs = append(obs, st.Observation())
	}
	return verdict.All(g.spec.Describe(), obs...)
}
