package kube

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// Options select the cluster the way kubectl does; the CLI fills them from
// --kubeconfig, --context and --namespace.
type Options struct {
	// Kubeconfig is an explicit kubeconfig file. When empty, $KUBECONFIG
	// (a list of files) and then ~/.kube/config are read, and without
	// any, the in-cluster service account is used.
	Kubeconfig string
	// Context overrides the kubeconfig's current-context.
	Context string
	// Cluster and User override the context's cluster and user (kubectl's
	// --cluster and --user: names of kubeconfig entries).
	Cluster string
	User    string
	// Namespace overrides the context's namespace; without either it is
	// "default".
	Namespace string
	// Timeout bounds each API request (0: none beyond the context).
	Timeout time.Duration
	// QPS and Burst are client-go's client-side rate limits (default 50
	// and 100, kubectl's order of magnitude: a diff reads every object).
	QPS   float32
	Burst int
}

// Clients are the API clients of one cluster and namespace.
type Clients struct {
	Config    *rest.Config
	Kube      kubernetes.Interface
	Dynamic   dynamic.Interface
	Mapper    meta.ResettableRESTMapper
	Namespace string
	// Context is the kubeconfig context used ("" in-cluster).
	Context string
}

// Connect builds clients from o with client-go's loading rules. The
// connection is not tried: the first request reports an unreachable server.
func (o Options) Connect() (*Clients, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.Kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.Context}
	overrides.Context.Cluster, overrides.Context.AuthInfo = o.Cluster, o.User
	if o.Namespace != "" {
		overrides.Context.Namespace = o.Namespace
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, o.explain(rules, cc, err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, o.explain(rules, cc, err)
	}
	cfg.Timeout = o.Timeout
	cfg.QPS, cfg.Burst = 50, 100
	if o.QPS > 0 {
		cfg.QPS = o.QPS
	}
	if o.Burst > 0 {
		cfg.Burst = o.Burst
	}
	return NewClients(cfg, ns, currentContext(cc, o.Context))
}

// ContextNamespace is the namespace Connect would choose, read from the
// kubeconfig alone (nothing is sent to a server): Namespace when set, else
// the context's namespace, else "default" (also without any kubeconfig,
// as kubectl and helm template choose it). Errors: a kubeconfig that does
// not load, or a --context it lacks.
func (o Options) ContextNamespace() (string, error) {
	if o.Namespace != "" {
		return o.Namespace, nil
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.Kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.Context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	ns, _, err := cc.Namespace()
	if clientcmd.IsEmptyConfig(err) {
		return "default", nil
	}
	if err != nil {
		return "", o.explain(rules, cc, err)
	}
	return ns, nil
}

// NewClients builds clients from a REST config, e.g. one a test made.
func NewClients(cfg *rest.Config, namespace, context string) (*Clients, error) {
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("build a Kubernetes client for %s: %w", cfg.Host, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("build a dynamic client for %s: %w", cfg.Host, err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("build a discovery client for %s: %w", cfg.Host, err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	return &Clients{Config: cfg, Kube: kube, Dynamic: dyn, Mapper: mapper, Namespace: namespace, Context: context}, nil
}

func currentContext(cc clientcmd.ClientConfig, override string) string {
	if override != "" {
		return override
	}
	raw, err := cc.RawConfig()
	if err != nil {
		return ""
	}
	return raw.CurrentContext
}

// explain turns client-go's kubeconfig errors into messages that name the
// files read and the fix.
func (o Options) explain(rules *clientcmd.ClientConfigLoadingRules, cc clientcmd.ClientConfig, err error) error {
	files := rules.GetLoadingPrecedence()
	if o.Kubeconfig != "" {
		files = []string{o.Kubeconfig}
		if _, statErr := os.Stat(o.Kubeconfig); statErr != nil {
			return fmt.Errorf("kubeconfig %s: %w; pass an existing file with --kubeconfig", o.Kubeconfig, statErr)
		}
	}
	where := strings.Join(files, ", ")
	switch {
	case clientcmd.IsEmptyConfig(err):
		return fmt.Errorf("no kubeconfig found (read %s) and not running inside a cluster: "+
			"pass --kubeconfig, set KUBECONFIG, or run `kubectl config use-context` first", where)
	case o.Context != "" && (clientcmd.IsContextNotFound(err) || strings.Contains(err.Error(), fmt.Sprintf("context %q does not exist", o.Context))):
		return fmt.Errorf("kubeconfig %s: context %q does not exist (known contexts: %s); pass one with --context",
			where, o.Context, strings.Join(contextNames(cc), ", "))
	case clientcmd.IsConfigurationInvalid(err):
		return fmt.Errorf("kubeconfig %s is invalid: %w; check it with `kubectl config view`", where, err)
	}
	return fmt.Errorf("kubeconfig %s: %w; check it with `kubectl config view`", where, err)
}

func contextNames(cc clientcmd.ClientConfig) []string {
	raw, err := cc.RawConfig()
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(raw.Contexts))
	for n := range raw.Contexts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
