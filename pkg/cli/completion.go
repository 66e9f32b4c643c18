package cli

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/mimirctl/mimirctl/pkg/mimir"
	"github.com/mimirctl/mimirctl/pkg/mimirctl"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// Dynamic shell completion. Cobra's own `completion` command writes the
// bash/zsh/fish/powershell scripts; those scripts call the hidden
// `__complete` command, which runs the functions below with the flags
// typed so far already parsed into the Factory (so --kubeconfig, --context,
// --state... are honoured). Completions never fail loudly: a function that
// cannot answer (no cluster, no run) offers nothing.

// completionTimeout bounds the API requests of one completion, so that a
// TAB never hangs on an unreachable cluster.
const completionTimeout = 5 * time.Second

// completePlanArg completes the PLAN argument: the built-in plans' names,
// or directories once the word looks like a path (see mimirctl.IsPlanPath).
func (f *Factory) completePlanArg(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	if mimirctl.IsPlanPath(toComplete) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	}
	names, err := f.BuiltinNames()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, toComplete) {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeParam completes --param with the named plan's parameters as
// "NAME=" (the plan is the command's first argument).
func (f *Factory) completeParam(plan string) func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		name := plan
		if name == "" && len(args) > 0 {
			name = args[0]
		}
		if name == "" || strings.Contains(toComplete, "=") {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		p, err := f.PlanMetadata(name)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, prm := range p.Parameters {
			if strings.HasPrefix(prm.Name, toComplete) {
				out = append(out, cobra.CompletionWithDesc(prm.Name+"=", firstLine(prm.Description)))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// completeApproveStep completes `approve STEP` with the steps of the
// recorded run that are not finished, the manual ones (what approve is for)
// when the run's plan can be loaded, each described by its title.
func (f *Factory) completeApproveStep(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
	defer cancel()
	st, err := f.CurrentState(ctx)
	if err != nil || st == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	p, _ := f.ReloadPlan(st.Source(), st.Params, mimirctl.RecordedEnvironmentKind(st.Options)) // nil: offer every unfinished step
	var out []cobra.Completion
	for _, ss := range st.Steps {
		if ss.Status == plan.StepDone || ss.Status == plan.StepSkipped || !strings.HasPrefix(ss.ID, toComplete) {
			continue
		}
		desc := string(ss.Status)
		if p != nil {
			s := p.Step(ss.ID)
			if s == nil || s.Manual == nil {
				continue
			}
			desc = s.Title + " (" + desc + ")"
		}
		out = append(out, cobra.CompletionWithDesc(ss.ID, desc))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeRingName completes `ring NAME` with the rings mimirctl knows.
func completeRingName(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, n := range mimir.RingNames() {
		if strings.HasPrefix(n, toComplete) {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// subcommandPath is c's path below the root, e.g. "plans show" (the root's
// display name differs between mimirctl and kubectl mimir).
func subcommandPath(c *cobra.Command) string {
	var parts []string
	for ; c.HasParent(); c = c.Parent() {
		parts = append([]string{c.Name()}, parts...)
	}
	return strings.Join(parts, " ")
}

// completeContext completes --context with the contexts of the kubeconfig
// files client-go's loading rules read (--kubeconfig, else $KUBECONFIG, else
// ~/.kube/config), as kubectl does.
func (f *Factory) completeContext(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	raw, err := f.rawKubeconfig()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for name, c := range raw.Contexts {
		if strings.HasPrefix(name, toComplete) {
			out = append(out, cobra.CompletionWithDesc(name, "cluster "+c.Cluster))
		}
	}
	sort.Strings(out)
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeKubeconfigEntry completes --cluster ("cluster") or --user
// ("user") with the kubeconfig's entries of that kind.
func (f *Factory) completeKubeconfigEntry(kind string) func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		raw, err := f.rawKubeconfig()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var names []string
		if kind == "cluster" {
			for n := range raw.Clusters {
				names = append(names, n)
			}
		} else {
			for n := range raw.AuthInfos {
				names = append(names, n)
			}
		}
		var out []cobra.Completion
		for _, n := range names {
			if strings.HasPrefix(n, toComplete) {
				out = append(out, n)
			}
		}
		sort.Strings(out)
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// rawKubeconfig merges the kubeconfig files client-go's loading rules read.
func (f *Factory) rawKubeconfig() (clientcmdapi.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = f.Kube.Kubeconfig
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).RawConfig()
}

// completeNamespace completes --namespace with the cluster's namespaces
// (one list request; nothing when the cluster cannot be reached or the
// user may not list namespaces).
func (f *Factory) completeNamespace(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	c, err := f.Clients()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
	defer cancel()
	list, err := c.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, ns := range list.Items {
		if strings.HasPrefix(ns.Name, toComplete) {
			out = append(out, ns.Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// fixedValues completes a flag with a fixed set of values.
func fixedValues(values ...string) func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
}

// registerCompletions wires the completion functions into the command tree
// built by NewRootCmd. Flags are looked up by name on each command, so a
// command without a flag is skipped.
func (f *Factory) registerCompletions(root *cobra.Command) {
	must := func(err error) {
		if err != nil {
			panic("completion: " + err.Error()) // a misspelt flag name: a programming error
		}
	}
	must(root.RegisterFlagCompletionFunc("context", f.completeContext))
	must(root.RegisterFlagCompletionFunc("cluster", f.completeKubeconfigEntry("cluster")))
	must(root.RegisterFlagCompletionFunc("user", f.completeKubeconfigEntry("user")))
	must(root.RegisterFlagCompletionFunc("namespace", f.completeNamespace))
	must(root.RegisterFlagCompletionFunc("output", fixedValues("text", "json")))
	must(root.RegisterFlagCompletionFunc("state", fixedValues("configmap", "file")))
	must(root.RegisterFlagCompletionFunc("pod-access", fixedValues("proxy", "direct")))
	must(root.MarkPersistentFlagFilename("kubeconfig"))
	must(root.MarkPersistentFlagFilename("state-file", "json"))

	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		switch subcommandPath(c) {
		case "plan", "apply", "plans show":
			c.ValidArgsFunction = f.completePlanArg
			must(c.RegisterFlagCompletionFunc("param", f.completeParam("")))
		case "ingester shutdown-zone":
			must(c.RegisterFlagCompletionFunc("param", f.completeParam(shutdownZonePlan)))
		case "approve":
			c.ValidArgsFunction = f.completeApproveStep
		case "ring":
			c.ValidArgsFunction = completeRingName
		}
		if c.Flags().Lookup("apply-mode") != nil {
			must(c.RegisterFlagCompletionFunc("apply-mode", fixedValues("direct", "external")))
		}
		if c.Flags().Lookup("env") != nil {
			must(c.MarkFlagDirname("env"))
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
