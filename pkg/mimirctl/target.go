package mimirctl

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/engine"
	"github.com/mimirctl/mimirctl/pkg/envchange"
	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/promgate"
	"github.com/mimirctl/mimirctl/pkg/tanka"
)

// Target is the Mimir cluster a call acts on and where its run state lives.
// It connects lazily: nothing talks to the API server until a call needs it,
// and the connection is then reused by every later call on the same Target.
// The zero value is not usable; start from NewTarget, or fill BuiltinPlans,
// Registry, Binder and Clock yourself (tests do).
type Target struct {
	// Kube selects the cluster and namespace: kubeconfig path, context,
	// cluster, user, namespace and request timeout (kubectl's flags).
	// SetClients bypasses it.
	Kube kube.Options
	// State selects where run state lives: "configmap" (default; a
	// ConfigMap and a Lease in the Mimir namespace) or "file".
	State string
	// StateFile is the state file for State "file" (default
	// .mimirctl/state.json; the lock is a file next to it).
	StateFile string
	// StateName is the ConfigMap's name for State "configmap" (default
	// mimirctl-state; the Lease is StateName-lock).
	StateName string
	// PodAccess is how pods' HTTP endpoints are reached: "proxy" (the
	// API server's pod proxy, the default) or "direct" (pod IPs, in-cluster).
	PodAccess string
	// Holder names who runs, for locks (default: $MIMIRCTL_USER, then
	// user@host (pid N); see Holder).
	Holder string

	// BuiltinPlans is the tree of built-in plans (the module's plans/
	// directory, plans.FS); plans also import their jsonnet library from it.
	BuiltinPlans fs.FS
	// Registry returns the action and gate kinds plans may use
	// (engine.Registry for the real ones).
	Registry func() *plan.Registry
	// Binder builds the binder of a plan run (EngineBinder for the real one).
	Binder func(ctx context.Context, t *Target, opts BindOptions) (plan.Binder, error)
	// Clock is the clock runs, waits and windows use.
	Clock plan.Clock
	// RenderMemo, when set, keeps the renders of plan runs and previews on
	// disk and serves them to later runs with the same inputs (tanka.Memo):
	// a run that resumes in the next window does not evaluate the library
	// again for every remaining step. nil: none. The CLI sets
	// tanka.UserMemo().
	RenderMemo *tanka.Memo

	clients *kube.Clients
	pods    podaccess.Doer
}

// NewTarget returns a Target with the real action and gate kinds, the
// engine's binder and the wall clock, loading built-in plans from builtin
// (plans.FS), with the CLI's defaults: state in a ConfigMap, pods reached
// through the API server's proxy, 30s per Kubernetes API request. Set
// Kube, State and PodAccess as needed, or SetClients.
func NewTarget(builtin fs.FS) *Target {
	return &Target{
		Kube: kube.Options{Timeout: DefaultRequestTimeout}, State: "configmap", PodAccess: string(podaccess.ModeProxy),
		BuiltinPlans: builtin, Registry: engine.Registry, Binder: EngineBinder, Clock: plan.RealClock{},
	}
}

// DefaultRequestTimeout is the timeout of each Kubernetes API request
// NewTarget sets (the CLI's --request-timeout default).
const DefaultRequestTimeout = 30 * time.Second

// BindOptions are the run-level choices a binder needs; the CLI's flags of
// the same names (--env, --apply-mode, --delete-pvcs, --force-conflicts,
// --force-flush, --prometheus-*, --rollout-timeout, --external-timeout)
// set them.
type BindOptions struct {
	// Env is the Tanka environment directory holding main.jsonnet.
	Env string
	// Helm names a Helm release instead (its Chart set; the release's
	// namespace is the Target's, as helm's -n): helmValues actions upgrade
	// it. Its KubeVersion and APIVersions are not used: runs read the
	// cluster's capabilities.
	Helm HelmOptions
	// ApplyMode is "direct" (mimirctl applies rendered objects) or
	// "external" (it writes the overlay and waits for a pipeline).
	ApplyMode       string
	DeletePVCs      bool
	ForceConflicts  bool
	ForceFlush      bool
	Prometheus      promgate.Connection
	RolloutTimeout  time.Duration
	ExternalTimeout time.Duration
}

// The defaults of BindOptions, which the CLI's flags of the same names
// (--apply-mode, --rollout-timeout, --external-timeout) show.
const (
	DefaultApplyMode       = "direct"
	DefaultRolloutTimeout  = 30 * time.Minute
	DefaultExternalTimeout = 2 * time.Hour
)

// DefaultBindOptions returns the BindOptions of a CLI run given none of
// their flags: apply mode direct, rollouts may take 30 minutes, an external
// pipeline 2 hours; no environment, no Prometheus, nothing forced or
// deleted. Set Env and Prometheus.URL for plans with jsonnet actions and
// PromQL gates.
func DefaultBindOptions() BindOptions {
	return BindOptions{ApplyMode: DefaultApplyMode, RolloutTimeout: DefaultRolloutTimeout, ExternalTimeout: DefaultExternalTimeout}
}

// EngineBinder binds plans to the cluster t selects, with the engine's
// actions and gates (pkg/engine).
func EngineBinder(_ context.Context, t *Target, o BindOptions) (plan.Binder, error) {
	c, err := t.Clients()
	if err != nil {
		return nil, err
	}
	pods, err := t.Pods()
	if err != nil {
		return nil, err
	}
	var helm *envchange.HelmEnvironment
	if o.Helm.Chart != "" {
		env, err := o.Helm.environment()
		if err != nil {
			return nil, err
		}
		env.Namespace = c.Namespace
		helm = &envchange.HelmEnvironment{Env: env, Getter: c.RESTClientGetter()}
	}
	return engine.NewBinder(engine.Deps{
		Kube: c.Kube, Dynamic: c.Dynamic, Mapper: c.Mapper, Namespace: c.Namespace, Pods: pods, Now: t.Clock.Now, Prometheus: o.Prometheus,
		Options: engine.Options{Env: o.Env, Helm: helm, External: o.ApplyMode == "external", DeletePVCs: o.DeletePVCs, ForceConflicts: o.ForceConflicts,
			ForceFlush: o.ForceFlush, RolloutTimeout: o.RolloutTimeout, ExternalTimeout: o.ExternalTimeout, RenderMemo: t.RenderMemo},
	}), nil
}

// Clients connects to the cluster (once) with Kube.
func (t *Target) Clients() (*kube.Clients, error) {
	if t.clients != nil {
		return t.clients, nil
	}
	c, err := t.Kube.Connect()
	if err != nil {
		return nil, err
	}
	t.clients = c
	return c, nil
}

// SetClients injects clients (tests, the e2e suite, programs that hold
// their own client-go clients); Kube is then ignored. Identity needs
// c.Config.Host and the namespaces kube-system and c.Namespace.
func (t *Target) SetClients(c *kube.Clients) { t.clients = c }

// SetPods injects the pod HTTP client (tests, programs with their own
// transport to pods): every request to a pod's HTTP port (ring pages,
// /ingester/shutdown, metrics) goes through d; PodAccess is then ignored.
// It is the pod-side counterpart of SetClients: pods are still found
// through the clients' Kubernetes API, only the requests to them use d.
func (t *Target) SetPods(d podaccess.Doer) { t.pods = d }

// Pods returns the pod HTTP client: the one given to SetPods, else one in
// the PodAccess mode ("proxy" needs Clients; an unknown mode is an error
// naming --pod-access).
func (t *Target) Pods() (podaccess.Doer, error) {
	if t.pods != nil {
		return t.pods, nil
	}
	mode, err := podaccess.ParseMode(t.PodAccess)
	if err != nil {
		return nil, fmt.Errorf("--pod-access: %w", err)
	}
	if mode == podaccess.ModeDirect {
		return podaccess.NewDirect(nil), nil
	}
	c, err := t.Clients()
	if err != nil {
		return nil, err
	}
	return podaccess.NewProxy(c.Config)
}

// Identity identifies the cluster (API server address, kube-system's UID)
// and namespace a run acts on; runs refuse a state recorded elsewhere.
func (t *Target) Identity(ctx context.Context) (plan.ClusterIdentity, error) {
	c, err := t.Clients()
	if err != nil {
		return plan.ClusterIdentity{}, err
	}
	ns, err := c.Kube.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
	if err != nil {
		return plan.ClusterIdentity{}, fmt.Errorf("reach the cluster at %s: %w; check --kubeconfig/--context", c.Config.Host, err)
	}
	if _, err := c.Kube.CoreV1().Namespaces().Get(ctx, c.Namespace, metav1.GetOptions{}); err != nil {
		return plan.ClusterIdentity{}, fmt.Errorf("namespace %s on %s: %w; pass the Mimir namespace with -n", c.Namespace, c.Config.Host, err)
	}
	return plan.ClusterIdentity{Server: c.Config.Host, ClusterUID: string(ns.UID), Namespace: c.Namespace}, nil
}

// StateStore returns the store and locker State selects.
func (t *Target) StateStore() (plan.Store, plan.Locker, error) {
	switch t.State {
	case "file":
		path := t.StateFile
		if path == "" {
			path = filepath.Join(".mimirctl", "state.json")
		}
		return plan.NewFileStore(path), plan.NewFileLocker(path), nil
	case "", "configmap":
		c, err := t.Clients()
		if err != nil {
			return nil, nil, err
		}
		name := t.StateName
		lease := ""
		if name != "" {
			lease = name + "-lock"
		}
		return plan.NewConfigMapStore(c.Kube, c.Namespace, name), plan.NewLeaseLocker(c.Kube, c.Namespace, lease), nil
	}
	return nil, nil, fmt.Errorf("--state %q: want configmap or file", t.State)
}

// CurrentState reads the recorded run without taking the lock: nil, nil
// when no run is recorded.
func (t *Target) CurrentState(ctx context.Context) (*plan.State, error) {
	store, _, err := t.StateStore()
	if err != nil {
		return nil, err
	}
	st, _, err := store.Load(ctx)
	if errors.Is(err, plan.ErrNoState) {
		return nil, nil
	}
	return st, err
}

// holder is t.Holder or the default Holder.
func (t *Target) holder() string {
	if t.Holder != "" {
		return t.Holder
	}
	return Holder()
}

// Holder names the person running mimirctl, for locks and approvals:
// $MIMIRCTL_USER, or user@host (pid N).
func Holder() string {
	if u := os.Getenv("MIMIRCTL_USER"); u != "" {
		return u
	}
	return plan.DefaultHolder()
}

// Approver names who approves: as, or Holder without its pid.
func Approver(as string) string {
	if as != "" {
		return as
	}
	h := Holder()
	if i := strings.Index(h, " (pid"); i > 0 {
		return h[:i]
	}
	return h
}
