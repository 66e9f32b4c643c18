// Package workloads holds the step kinds that act on the namespace's
// Deployments, StatefulSets, Services and PersistentVolumeClaims directly,
// without the Tanka environment: the `scale`, `routeService`, `pvcCleanup`
// and `compare` actions and the `rollout` gate.
package workloads

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/verdict"
)

// Deps is what the workload kinds act with.
type Deps struct {
	// Kube reads and scales workloads, patches Services, lists pods and
	// deletes PVCs of Namespace.
	Kube kubernetes.Interface
	// Dynamic and Mapper read the workloads the compare action compares.
	Dynamic   dynamic.Interface
	Mapper    meta.RESTMapper
	Namespace string
	// DeletePVCs is --delete-pvcs: without it, pvcCleanup only lists.
	DeletePVCs bool
	// RolloutTimeout bounds the scale action's wait for its rollout, on the
	// run's clock (plan.ProgressWait); 30 minutes when not positive.
	RolloutTimeout time.Duration
	// Rendered returns the objects of the Tanka environment rendered with
	// its overlay file, for compare with source rendered; nil when the run
	// has no environment.
	Rendered func(ctx context.Context) ([]*unstructured.Unstructured, error)
}

// NewScale binds the scale action of spec.
func NewScale(spec *ScaleSpec, d Deps) plan.Action {
	if d.RolloutTimeout <= 0 {
		d.RolloutTimeout = 30 * time.Minute
	}
	return &scaleAction{spec: spec, d: d}
}

// NewRollout binds the rollout gate of spec.
func NewRollout(spec *RolloutSpec, d Deps) plan.Gate { return &rolloutGate{spec: spec, d: d} }

// NewRouteService binds the routeService action of spec.
func NewRouteService(spec *RouteServiceSpec, d Deps) plan.Action {
	return &routeService{spec: spec, d: d}
}

// NewPVCCleanup binds the pvcCleanup action of spec.
func NewPVCCleanup(spec *PVCCleanupSpec, d Deps) plan.Action { return &pvcCleanup{spec: spec, d: d} }

// NewCompare binds the compare action of spec.
func NewCompare(spec *CompareSpec, d Deps) plan.Action { return &compareAction{spec: spec, d: d} }

// Ref names a Deployment or StatefulSet in a step file.
type Ref struct {
	Kind string `yaml:"kind" json:"kind"`
	Name string `yaml:"name" json:"name"`
}

func (w Ref) validate() error {
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
	Ref      `yaml:",inline" json:",inline"`
	Replicas int32 `yaml:"replicas" json:"replicas"`
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
	d    Deps
}

func (a *scaleAction) workload() kube.Workload {
	return kube.Workload{Kind: a.spec.Kind, Namespace: a.d.Namespace, Name: a.spec.Name}
}

// Check is done when the workload has the replicas and finished rolling.
func (a *scaleAction) Check(ctx context.Context) (bool, string, error) {
	st, err := kube.CheckRollout(ctx, a.d.Kube, a.workload())
	if err != nil {
		return false, "", err
	}
	return st.Desired == a.spec.Replicas && st.Done, st.Summary, nil
}

// Apply scales and waits for the rollout, polling on the run's clock for
// up to RolloutTimeout on it (plan.ProgressWait).
func (a *scaleAction) Apply(ctx context.Context, p plan.Progress) error {
	prev, err := kube.Scale(ctx, a.d.Kube, a.workload(), a.spec.Replicas)
	if err != nil {
		return err
	}
	p.Report(fmt.Sprintf("%s scaled from %d to %d", a.workload(), prev, a.spec.Replicas))
	ctx, sleep, cancel := plan.ProgressWait(ctx, p, a.d.RolloutTimeout)
	defer cancel()
	_, err = kube.WaitRollout(ctx, a.d.Kube, []kube.Workload{a.workload()}, kube.WaitOptions{Sleep: sleep}, nil)
	return err
}

// RolloutSpec is the `rollout` gate: the workloads run their current spec
// everywhere (updated and ready).
type RolloutSpec struct {
	Workloads []Ref `yaml:"workloads" json:"workloads"`
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
	d    Deps
}

// Evaluate checks every workload; one that cannot be read is inconclusive.
func (g *rolloutGate) Evaluate(ctx context.Context) verdict.Observation {
	obs := make([]verdict.Observation, 0, len(g.spec.Workloads))
	for _, w := range g.spec.Workloads {
		st, err := kube.CheckRollout(ctx, g.d.Kube, kube.Workload{Kind: w.Kind, Namespace: g.d.Namespace, Name: w.Name})
		if err != nil {
			obs = append(obs, verdict.Inconclusivef("%s/%s: %v", w.Kind, w.Name, err))
			continue
		}
		obs = append(obs, st.Observation())
	}
	return verdict.All(g.spec.Describe(), obs...)
}
