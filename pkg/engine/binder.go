package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/gate"
	"github.com/mimirctl/mimirctl/pkg/ingestershutdown"
	"github.com/mimirctl/mimirctl/pkg/kvmigrate"
	"github.com/mimirctl/mimirctl/pkg/mimirapi"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/podhttp"
	"github.com/mimirctl/mimirctl/pkg/podmetrics"
	"github.com/mimirctl/mimirctl/pkg/promgate"
	"github.com/mimirctl/mimirctl/pkg/ringcheck"
	"github.com/mimirctl/mimirctl/pkg/storequery"
	"github.com/mimirctl/mimirctl/pkg/tanka"
	"github.com/mimirctl/mimirctl/pkg/workloads"
)

// Deps is what bound actions and gates act with.
type Deps struct {
	Kube      kubernetes.Interface
	Dynamic   dynamic.Interface
	Mapper    meta.RESTMapper
	Namespace string
	Pods      podaccess.Doer
	// Now is the clock of gates that judge ages and durations, and of the
	// actions' Check and Preview: pass the run's clock (plan.Clock.Now), as
	// the CLI does; time.Now when nil. Inside Apply, actions read the time
	// from their plan.Progress.
	Now func() time.Time
	// Prometheus is the query API of PromQL gates (URL empty: none given).
	Prometheus promgate.Connection
	Options
}

// Options are the run-level choices of the user.
type Options struct {
	// Env is the Tanka environment directory for jsonnet actions.
	Env string
	// Helm is the Helm release for helmValues actions; nil: none given.
	Helm *envchange.HelmEnvironment
	// External selects --apply-mode=external: write the overlay file and
	// wait for someone else's pipeline to apply it.
	External        bool
	DeletePVCs      bool
	ForceConflicts  bool
	ForceFlush      bool
	RolloutTimeout  time.Duration
	ExternalTimeout time.Duration
	// RenderMemo serves and keeps the environment's renders (tanka.Memo);
	// nil: none.
	RenderMemo *tanka.Memo
}

// Binder binds plan specs to the domain packages.
type Binder struct {
	d        Deps
	api      promgate.Querier       // built on first use
	envCache *envchange.Environment // found on first use
}

var _ plan.Binder = (*Binder)(nil)

// NewBinder returns a binder acting with d.
func NewBinder(d Deps) *Binder {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.RolloutTimeout <= 0 {
		d.RolloutTimeout = 30 * time.Minute
	}
	if d.ExternalTimeout <= 0 {
		d.ExternalTimeout = 2 * time.Hour
	}
	return &Binder{d: d}
}

// BindAction builds the action of cfg.
func (b *Binder) BindAction(_ context.Context, p *plan.Plan, step *plan.Step, cfg plan.ActionConfig) (plan.Action, error) {
	switch s := cfg.Spec.(type) {
	case *envchange.JsonnetSpec:
		env, err := b.environment()
		if err != nil {
			return nil, err
		}
		return envchange.New(s, p, step, b.envchangeDeps(env))
	case *envchange.HelmValuesSpec:
		d := b.envchangeDeps(nil)
		d.Helm = b.d.Helm
		return envchange.NewHelm(s, p, step, d)
	case *kvmigrate.RuntimeConfigSpec:
		return kvmigrate.NewRuntimeConfig(s, b.gateDeps()), nil
	case *kvmigrate.MultiKVSpec:
		return kvmigrate.NewMultiKV(s, b.gateDeps()), nil
	case *workloads.ScaleSpec:
		return workloads.NewScale(s, b.workloadDeps()), nil
	case *workloads.CompareSpec:
		return workloads.NewCompare(s, b.workloadDeps()), nil
	case *workloads.PVCCleanupSpec:
		return workloads.NewPVCCleanup(s, b.workloadDeps()), nil
	case *workloads.RouteServiceSpec:
		return workloads.NewRouteService(s, b.workloadDeps()), nil
	case *podhttp.CallSpec:
		return podhttp.New(s, b.podHTTPDeps()), nil
	case *ingestershutdown.Spec:
		return ingestershutdown.New(s, b.ingesterDeps()), nil
	case *ingestershutdown.HeadCompactionSpec:
		return ingestershutdown.NewHeadCompaction(s, b.ingesterDeps(), b.d.ForceFlush), nil
	case *ingestershutdown.WriteCapacitySpec:
		return ingestershutdown.NewWriteCapacity(s, b.ingesterDeps()), nil
	}
	return nil, fmt.Errorf("action kind %s (%T) has no binding in this mimirctl", cfg.Kind, cfg.Spec)
}

func (b *Binder) ingesterDeps() ingestershutdown.Deps {
	return ingestershutdown.Deps{Kube: b.d.Kube, Namespace: b.d.Namespace, Pods: b.d.Pods, Observer: ingestershutdown.PodObserver{Pods: b.d.Pods}, Now: b.d.Now}
}

// environment is the run's Tanka environment (--env), found on first use.
func (b *Binder) environment() (*envchange.Environment, error) {
	if b.envCache != nil {
		return b.envCache, nil
	}
	env, err := envchange.OpenEnvironment(b.d.Env)
	if err != nil {
		return nil, err
	}
	env.UseMemo(b.d.RenderMemo)
	b.envCache = env
	return env, nil
}

func (b *Binder) envchangeDeps(env *envchange.Environment) envchange.Deps {
	return envchange.Deps{Env: env, Kube: b.d.Kube, Dynamic: b.d.Dynamic, Mapper: b.d.Mapper, Namespace: b.d.Namespace, Pods: b.d.Pods, Now: b.d.Now,
		External: b.d.External, DeletePVCs: b.d.DeletePVCs, ForceConflicts: b.d.ForceConflicts, RolloutTimeout: b.d.RolloutTimeout, ExternalTimeout: b.d.ExternalTimeout}
}

var _ plan.Positioner = (*Binder)(nil)

// Trail implements plan.Positioner with envchange.Trail (with
// envchange.HelmTrail for a plan without jsonnet changes on a Helm
// release). A plan without either has no trail (nil) and needs no
// environment. Errors: the
// environment cannot be found (--env) or its overlay file cannot be read
// or was edited by hand.
func (b *Binder) Trail(_ context.Context, p *plan.Plan) (*plan.Trail, error) {
	if points, _ := envchange.JsonnetChanges(p); len(points) == 0 {
		if b.d.Helm == nil {
			return nil, nil
		}
		return envchange.HelmTrail(b.d.Helm, p)
	}
	env, err := b.environment()
	if err != nil {
		return nil, err
	}
	return envchange.Trail(env, p)
}

func (b *Binder) workloadDeps() workloads.Deps {
	return workloads.Deps{Kube: b.d.Kube, Dynamic: b.d.Dynamic, Mapper: b.d.Mapper, Namespace: b.d.Namespace,
		DeletePVCs: b.d.DeletePVCs, RolloutTimeout: b.d.RolloutTimeout, Rendered: b.rendered}
}

// rendered is the environment rendered with its overlay file (the compare
// action's source rendered).
func (b *Binder) rendered(ctx context.Context) ([]*unstructured.Unstructured, error) {
	env, err := b.environment()
	if err != nil {
		return nil, err
	}
	file, err := tanka.ReadOverlay(env.Dir())
	if err != nil {
		return nil, err
	}
	r, err := env.Render(ctx, file)
	if err != nil {
		return nil, err
	}
	return r.Objects, nil
}

func (b *Binder) podHTTPDeps() podhttp.Deps {
	return podhttp.Deps{Kube: b.d.Kube, Namespace: b.d.Namespace, Pods: b.d.Pods}
}

func (b *Binder) gateDeps() gate.Deps {
	return gate.Deps{Kube: b.d.Kube, Namespace: b.d.Namespace, Pods: b.d.Pods, Now: b.d.Now}
}

// prometheus returns the query API, refusing when no address was given.
func (b *Binder) prometheus() (promgate.Querier, error) {
	if b.api != nil {
		return b.api, nil
	}
	if b.d.Prometheus.URL == "" {
		return nil, errors.New("this plan has PromQL gates: pass --prometheus-url (a Prometheus, or Mimir with its /prometheus prefix)")
	}
	api, err := promgate.NewAPI(b.d.Prometheus)
	if err != nil {
		return nil, fmt.Errorf("--prometheus-*: %w", err)
	}
	b.api = api
	return api, nil
}

// BindGate builds the gate of cfg.
func (b *Binder) BindGate(_ context.Context, _ *plan.Plan, _ *plan.Step, cfg plan.GateConfig) (plan.Gate, error) {
	switch s := cfg.Spec.(type) {
	case *podhttp.GateSpec:
		return podhttp.NewGate(s, b.podHTTPDeps()), nil
	case *workloads.RolloutSpec:
		return workloads.NewRollout(s, b.workloadDeps()), nil
	case *ringcheck.Spec:
		return ringcheck.New(*s, b.gateDeps())
	case *podmetrics.Spec:
		return podmetrics.New(*s, b.gateDeps())
	case *mimirapi.VersionSpec:
		return mimirapi.NewVersionGate(*s, b.gateDeps())
	case *mimirapi.ReadySpec:
		return mimirapi.NewReadyGate(*s, b.gateDeps())
	case *mimirapi.ConfigSpec:
		return mimirapi.NewConfigGate(*s, b.gateDeps())
	case *kvmigrate.MemberlistSpec:
		return kvmigrate.NewMemberlistGate(*s, b.gateDeps())
	case *kvmigrate.MultiKVGateSpec:
		return kvmigrate.NewMultiKVGate(*s, b.gateDeps())
	case *kvmigrate.HATrackerSpec:
		return kvmigrate.NewHATrackerGate(*s, b.gateDeps())
	case *storequery.Spec:
		return storequery.New(*s, b.gateDeps())
	case *promgate.Spec:
		api, err := b.prometheus()
		if err != nil {
			return nil, err
		}
		return promgate.New(*s, promgate.Deps{API: api, Now: b.d.Now, Timeout: b.d.Prometheus.QueryTimeout(), Namespace: b.d.Namespace})
	}
	return nil, fmt.Errorf("gate kind %s (%T) has no binding in this mimirctl", cfg.Kind, cfg.Spec)
}
