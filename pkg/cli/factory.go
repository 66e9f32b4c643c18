package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mimirctl/mimirctl/pkg/kube"
	"github.com/mimirctl/mimirctl/pkg/plan"
	"github.com/mimirctl/mimirctl/pkg/podaccess"
	"github.com/mimirctl/mimirctl/pkg/promgate"
)

// Factory holds the global options and builds, on first use, what commands
// need to talk to the world. Tests replace its function fields.
type Factory struct {
	IO      IOStreams
	Kube    kube.Options
	Output  string
	Verbose int
	// State selects where run state lives: "configmap" (default) or "file".
	State     string
	StateFile string
	StateName string
	PodAccess string
	// DisplayName is how the program is invoked when that is not
	// "mimirctl": "kubectl mimir" for the kubectl plugin (cmd/kubectl-mimir).
	DisplayName string

	// BuiltinPlans is the tree of built-in plans (the plans/ directory).
	BuiltinPlans fs.FS
	// Registry returns the action and gate kinds plans may use.
	Registry func() *plan.Registry
	// Binder builds the binder for a plan run.
	Binder func(ctx context.Context, f *Factory, opts BindOptions) (plan.Binder, error)
	// Clock is the clock runs use.
	Clock plan.Clock

	clients *kube.Clients
}

// BindOptions are the run-level choices a binder needs.
type BindOptions struct {
	Env             string
	ApplyMode       string
	DeletePVCs      bool
	ForceConflicts  bool
	ForceFlush      bool
	Prometheus      promgate.Connection
	RolloutTimeout  time.Duration
	ExternalTimeout time.Duration
}

// Clients connects to the cluster (once).
func (f *Factory) Clients() (*kube.Clients, error) {
	if f.clients != nil {
		return f.clients, nil
	}
	c, err := f.Kube.Connect()
	if err != nil {
		return nil, err
	}
	f.clients = c
	return c, nil
}

// SetClients injects clients (tests, the e2e suite).
func (f *Factory) SetClients(c *kube.Clients) { f.clients = c }

// Pods returns the pod HTTP client in the chosen access mode.
func (f *Factory) Pods() (podaccess.Doer, error) {
	mode, err := podaccess.ParseMode(f.PodAccess)
	if err != nil {
		return nil, fmt.Errorf("--pod-access: %w", err)
	}
	if mode == podaccess.ModeDirect {
		return podaccess.NewDirect(nil), nil
	}
	c, err := f.Clients()
	if err != nil {
		return nil, err
	}
	return podaccess.NewProxy(c.Config)
}

// Identity identifies the cluster and namespace a run acts on.
func (f *Factory) Identity(ctx context.Context) (plan.ClusterIdentity, error) {
	c, err := f.Clients()
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

// StateStore returns the store and locker the options select.
func (f *Factory) StateStore() (plan.Store, plan.Locker, error) {
	switch f.State {
	case "file":
		path := f.StateFile
		if path == "" {
			path = filepath.Join(".mimirctl", "state.json")
		}
		return plan.NewFileStore(path), plan.NewFileLocker(path), nil
	case "", "configmap":
		c, err := f.Clients()
		if err != nil {
			return nil, nil, err
		}
		name := f.StateName
		lease := ""
		if name != "" {
			lease = name + "-lock"
		}
		return plan.NewConfigMapStore(c.Kube, c.Namespace, name), plan.NewLeaseLocker(c.Kube, c.Namespace, lease), nil
	}
	return nil, nil, fmt.Errorf("--state %q: want configmap or file", f.State)
}

// Holder names the person running mimirctl, for locks and approvals.
func Holder() string {
	if u := os.Getenv("MIMIRCTL_USER"); u != "" {
		return u
	}
	return plan.DefaultHolder()
}

// approver names who approves: --as, or user@host.
func approver(as string) string {
	if as != "" {
		return as
	}
	h := Holder()
	if i := strings.Index(h, " (pid"); i > 0 {
		return h[:i]
	}
	return h
}
