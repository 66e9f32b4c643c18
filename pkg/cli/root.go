package cli

import (
	"context"
	"fmt"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
)

// Run executes mimirctl with args (without the program name).
func Run(ctx context.Context, f *Factory, args []string) error {
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	return root.ExecuteContext(ctx)
}

// NewRootCmd builds the command tree around f.
func NewRootCmd(f *Factory) *cobra.Command {
	// Hints in help, errors and messages name commands as the user types
	// them ("kubectl mimir resume" for the kubectl plugin); the name is
	// the process's, set before the subcommands' help is written.
	invocation.SetName(f.DisplayName)
	root := &cobra.Command{
		Use:   "mimirctl",
		Short: "Carry Grafana Mimir clusters through long operational procedures safely",
		Long: `mimirctl turns Grafana Mimir's operational procedures (deployment-mode migrations,
ingester zone shutdowns, KV-store migrations to memberlist) into plans of steps. It shows
what each step would change, applies them with gates on rings, PromQL and pod metrics
between steps, keeps its state in the cluster, and resumes exactly where a run stopped.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   map[string]string{},
		PersistentPreRunE: func(*cobra.Command, []string) error {
			switch f.Output {
			case "text", "json":
			default:
				return fmt.Errorf("-o %q: want text or json", f.Output)
			}
			quietClientGo(f.Verbose)
			// Plan files' notes and instructions name commands as
			// "mimirctl ..."; people read them as they type them (JSON is
			// data and stays as written).
			f.IO.ErrOut = invocation.SpellingWriter(f.IO.ErrOut)
			if f.Output != "json" {
				f.IO.Out = invocation.SpellingWriter(f.IO.Out)
			}
			return nil
		},
	}
	if f.DisplayName != "" {
		// Usage and completion scripts name the command as it is typed,
		// e.g. "kubectl mimir plan" for the kubectl plugin.
		root.Annotations[cobra.CommandDisplayNameAnnotation] = f.DisplayName
	}
	pf := root.PersistentFlags()
	pf.StringVar(&f.Kube.Kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
	pf.StringVar(&f.Kube.Context, "context", "", "kubeconfig context to use")
	pf.StringVar(&f.Kube.Cluster, "cluster", "", "kubeconfig cluster to use instead of the context's (as kubectl's --cluster)")
	pf.StringVar(&f.Kube.User, "user", "", "kubeconfig user to use instead of the context's (as kubectl's --user)")
	pf.StringVarP(&f.Kube.Namespace, "namespace", "n", "", "namespace of the Mimir cluster (default: the context's namespace)")
	pf.StringVarP(&f.Output, "output", "o", "text", "output format: text or json")
	pf.CountVarP(&f.Verbose, "verbose", "v", "more detail on stderr (repeat for more)")
	pf.StringVar(&f.State, "state", "configmap", "where run state lives: configmap (in the Mimir namespace) or file")
	pf.StringVar(&f.StateFile, "state-file", "", "state file for --state=file (default .mimirctl/state.json)")
	pf.StringVar(&f.StateName, "state-name", "", "name of the state ConfigMap (default mimirctl-state; the Lease is NAME-lock)")
	pf.StringVar(&f.PodAccess, "pod-access", "proxy", "how to reach pods: proxy (through the API server) or direct (pod IPs, in-cluster)")
	pf.DurationVar(&f.Kube.Timeout, "request-timeout", mimirctl.DefaultRequestTimeout, "timeout of each Kubernetes API request")

	root.AddCommand(
		NewCmdPlans(f),
		NewCmdPlan(f, nil),
		NewCmdApply(f, nil),
		NewCmdResume(f, nil),
		NewCmdStatus(f, nil),
		NewCmdApprove(f, nil),
		NewCmdAbort(f, nil),
		NewCmdVersion(f, nil),
		NewCmdRing(f, nil),
		NewCmdInit(f, nil),
		NewCmdDiff(f, nil),
		NewCmdRender(f, nil),
		NewCmdCompare(f, nil),
		NewCmdIngester(f),
	)
	var names []string
	for _, c := range root.Commands() {
		names = append(names, c.Name())
	}
	invocation.SetCommands(names)
	f.registerCompletions(root)
	return root
}

// quietClientGo keeps client-go's own log lines (klog: "E1204 ...
// memcache.go:265] couldn't get current server API group list ...") off
// stderr unless -v is given: the errors they repeat reach the user as
// mimirctl's own, with the fix.
func quietClientGo(verbose int) {
	if verbose > 0 {
		klog.ClearLogger()
		return
	}
	klog.SetLogger(logr.Discard())
}
