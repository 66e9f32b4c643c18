package engine

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
)

// Deps is what bound actions and gates act with.
type Deps struct {
	Kube      kubernetes.Interface
	Dynamic   dynamic.Interface
	Mapper    meta.RESTMapper
	Namespace string
	Pods      podaccess.Doer
	// Now is the clock of gates that judge ages and durations.
	Now func() time.Time
	Options
}

// Options are the run-level choices of the user.
type Options struct {
	// Env is the Tanka environment directory for jsonnet actions.
	Env string
	// External selects --apply-mode=external: write the overlay file and
	// wait for someone else's pipeline to apply it.
	External        bool
	DeletePVCs      bool
	ForceConflicts  bool
	ForceFlush      bool
	RolloutTimeout  time.Duration
	ExternalTimeout time.Duration
}

// Binder binds plan specs to the domain packages.
type Binder struct {
	d Deps
}

var _ plan.Binder = (*Binder)(nil)

// NewBinder returns a binder acting with d.
func NewBinder(d Deps) *Binder {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Binder{d: d}
}

// BindAction builds the action of cfg.
func (b *Binder) BindAction(_ context.Context, _ *plan.Plan, _ *plan.Step, cfg plan.ActionConfig) (plan.Action, error) {
	switch s := cfg.Spec.(type) {
	case *HTTPCallSpec:
		return &httpCall{spec: s, kube: b.d.Kube, ns: b.d.Namespace, doer: b.d.Pods}, nil
	}
	return nil, fmt.Errorf("action kind %s (%T) has no binding in this mimirctl", cfg.Kind, cfg.Spec)
}

// BindGate builds the gate of cfg.
func (b *Binder) BindGate(_ context.Context, _ *plan.Plan, _ *plan.Step, cfg plan.GateConfig) (plan.Gate, error) {
	switch s := cfg.Spec.(type) {
	case *HTTPGateSpec:
		return &httpGate{spec: s, kube: b.d.Kube, ns: b.d.Namespace, doer: b.d.Pods}, nil
	}
	return nil, fmt.Errorf("gate kind %s (%T) has no binding in this mimirctl", cfg.Kind, cfg.Spec)
}
