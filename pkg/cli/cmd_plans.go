package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mimirctl/mimirctl/pkg/invocation"
	"github.com/mimirctl/mimirctl/pkg/mimirctl/progress"
	"github.com/mimirctl/mimirctl/pkg/plan"
)

// NewCmdPlans builds `mimirctl plans`, the group of commands that list
// and describe the built-in plans; it runs nothing itself.
func NewCmdPlans(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plans",
		Short: "List and describe the built-in plans",
	}
	cmd.AddCommand(NewCmdPlansList(f, nil), NewCmdPlansShow(f, nil))
	return cmd
}

// PlansListOptions are the parsed command line of `mimirctl plans list`.
type PlansListOptions struct {
	// Factory is where the command runs (built-in plans, streams, output
	// format).
	Factory *Factory
}

// NewCmdPlansList builds `mimirctl plans list`. runF runs the parsed
// command (runPlansList when nil); parse-layer tests pass their own to
// capture opts.
func NewCmdPlansList(f *Factory, runF func(ctx context.Context, opts *PlansListOptions) error) *cobra.Command {
	opts := &PlansListOptions{Factory: f}
	if runF == nil {
		runF = runPlansList
	}
	return &cobra.Command{
		Use:   "list",
		Short: "List the built-in plans",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runF(cmd.Context(), opts)
		},
	}
}

// PlansShowOptions are the parsed command line of `mimirctl plans show
// PLAN`.
type PlansShowOptions struct {
	// Factory is where the command runs (plans, streams, output format).
	Factory *Factory
	// Plan is a built-in plan's name or a plan directory (the argument).
	Plan string
	// Params are the plan parameters given (--param/-p name=value,
	// parsed); the others are shown unbound.
	Params map[string]string
	// Environment is --environment: show the plan as a run on that kind
	// of environment (plan.EnvironmentTanka or plan.EnvironmentHelm) runs
	// it, with its parameters' defaults for that kind and only its
	// actions; "" shows every action and the general defaults.
	Environment string

	params []string // --param as typed
}

// NewCmdPlansShow builds `mimirctl plans show PLAN`. runF runs the parsed
// command (runPlansShow when nil); parse-layer tests pass their own to
// capture opts.
func NewCmdPlansShow(f *Factory, runF func(ctx context.Context, opts *PlansShowOptions) error) *cobra.Command {
	opts := &PlansShowOptions{Factory: f}
	if runF == nil {
		runF = runPlansShow
	}
	cmd := &cobra.Command{
		Use:   "show PLAN",
		Short: "Show a plan's steps, actions, gates, waits, undo hints and doc references",
		Long: `Show a plan's steps, actions, gates, waits, undo hints and doc references. Required parameters
not given with -p are shown as <required>, and as <NAME> where the steps use them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Plan = args[0]
			raw, err := parseParams(opts.params)
			if err != nil {
				return err
			}
			opts.Params = raw
			switch opts.Environment {
			case "", plan.EnvironmentTanka, plan.EnvironmentHelm:
			default:
				return flagError("--environment %q: want %s or %s", opts.Environment, plan.EnvironmentTanka, plan.EnvironmentHelm)
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVarP(&opts.params, "param", "p", nil, "plan parameter as name=value (repeatable, the last of a name wins)")
	cmd.Flags().StringVar(&opts.Environment, "environment", "", "show the plan as it runs on a "+plan.EnvironmentTanka+" or "+plan.EnvironmentHelm+" environment (--env or --chart): that kind's parameter defaults and actions only")
	return cmd
}

// runPlansShow loads the plan with the parameters given (the others left
// unbound) and prints it: as JSON with -o json, for people otherwise.
func runPlansShow(_ context.Context, opts *PlansShowOptions) error {
	f := opts.Factory
	p, err := f.LoadPlanWith(opts.Plan, plan.LoadOptions{Params: opts.Params, Unbound: true, Environment: opts.Environment})
	if err != nil {
		return err
	}
	if p, err = p.ForEnvironment(opts.Environment); err != nil {
		return err
	}
	if f.Output == "json" {
		return writeJSON(f.IO.Out, p)
	}
	var others []string
	if opts.Environment == "" {
		others = otherEnvironments(f, opts, p)
	}
	renderPlan(f.IO.Out, p, others, progress.Style(f.IO.OutTTY))
	for _, kind := range others {
		fmt.Fprintf(f.IO.Out, "\nWith its %s defaults it runs on %s environments: %s\n", kind, kind,
			invocation.Command("plans", "show", opts.Plan, "--environment", kind))
	}
	return nil
}

// otherEnvironments lists the kinds of environment p, shown without one,
// does not run on with its general defaults but does with that kind's
// parameter defaults (ring-kv-to-memberlist's configMode is helm on Helm).
func otherEnvironments(f *Factory, opts *PlansShowOptions, p *plan.Plan) []string {
	supported := p.SupportedEnvironments()
	if len(supported) == 0 {
		return nil
	}
	var out []string
	for _, kind := range []string{plan.EnvironmentTanka, plan.EnvironmentHelm} {
		if slices.Contains(supported, kind) {
			continue
		}
		other, err := f.LoadPlanWith(opts.Plan, plan.LoadOptions{Params: opts.Params, Unbound: true, Environment: kind})
		if err != nil {
			continue
		}
		if _, err := other.ForEnvironment(kind); err == nil {
			out = append(out, kind)
		}
	}
	return out
}

type planSummary struct {
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	MimirVersions string   `json:"mimirVersions,omitempty"`
	Required      []string `json:"requiredParameters,omitempty"`
}

// required lists the parameters without a default.
func required(p *plan.Plan) []string {
	var out []string
	for _, prm := range p.Parameters {
		if prm.Default == nil {
			out = append(out, prm.Name)
		}
	}
	return out
}

// runPlansList lists the built-in plans: name, supported Mimir versions,
// required parameters and the first line of the description, as a table
// or, with -o json, as planSummary objects.
func runPlansList(_ context.Context, opts *PlansListOptions) error {
	f := opts.Factory
	builtin, err := f.BuiltinPlansMetadata()
	if err != nil {
		return err
	}
	var out []planSummary
	for _, p := range builtin {
		out = append(out, planSummary{Name: p.Name, Description: firstLine(p.Description), MimirVersions: p.MimirVersions, Required: required(p)})
	}
	if f.Output == "json" {
		return writeJSON(f.IO.Out, out)
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tMIMIR\tREQUIRES\tDESCRIPTION")
	for _, p := range out {
		v := p.MimirVersions
		if v == "" {
			v = "any"
		}
		req := "-"
		if len(p.Required) > 0 {
			req = "-p " + strings.Join(p.Required, "=… -p ") + "=…"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, v, req, p.Description)
	}
	return tw.Flush()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // ">=2.0.0", not "\u003e=2.0.0": this is no HTML page
	return enc.Encode(v)
}

// renderPlan writes a plan for people: what it is for, its parameters, and
// every step with its actions, gates, waits, manual instructions and undo.
// others are the kinds of environment p runs on only with their own
// parameter defaults (otherEnvironments), named with the ones it runs on.
func renderPlan(w io.Writer, p *plan.Plan, others []string, s progress.Style) {
	fmt.Fprintf(w, "%s %s\n", s.Bold("Plan"), p.Name)
	if p.Description != "" {
		fmt.Fprintf(w, "%s\n", indent(p.Description, "  "))
	}
	if p.MimirVersions != "" {
		fmt.Fprintf(w, "\nMimir versions: %s", p.MimirVersions)
		if p.VersionReason != "" {
			fmt.Fprintf(w, " (%s)", p.VersionReason)
		}
		fmt.Fprintln(w)
	}
	if envs := p.SupportedEnvironments(); len(envs) > 0 {
		fmt.Fprintf(w, "Environments: %s", strings.Join(envs, ", "))
		if p.EnvironmentReason != "" {
			fmt.Fprintf(w, " (%s)", p.EnvironmentReason)
		}
		for _, kind := range others {
			fmt.Fprintf(w, "; %s with its %s parameter defaults (shown at the end)", kind, kind)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "Environments: any (its steps change no environment file)")
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "%s %s\n", s.Yellow("Note:"), n)
	}
	renderDocs(w, p.Docs, "")
	if len(p.Parameters) > 0 {
		fmt.Fprintf(w, "\n%s\n", s.Bold("Parameters"))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, prm := range p.Parameters {
			desc := prm.Description
			for _, k := range slices.Sorted(maps.Keys(prm.EnvironmentDefaults)) {
				desc += fmt.Sprintf(" [%s: %v]", k, prm.EnvironmentDefaults[k])
			}
			fmt.Fprintf(tw, "  %s\t%s\t= %v\t%s\n", prm.Name, prm.Type, shownValue(p, prm.Name), desc)
		}
		_ = tw.Flush()
	}
	for _, g := range p.Preflight {
		fmt.Fprintf(w, "\n%s %s: %s\n", s.Bold("Preflight"), g.Name, g.Spec.Describe())
	}
	for i, st := range p.Steps {
		renderStep(w, i+1, len(p.Steps), st, s)
	}
	if least := p.LeastDuration(); least > 0 {
		fmt.Fprintf(w, "\n%s %s: its waits and least durations; rollouts, gates, flushes and manual steps come on top\n", s.Bold("Takes at least"), days(least))
	}
}

// days writes a duration of hours or days for planning maintenance windows:
// "45m", "3h", "2d 7h 30m".
func days(d time.Duration) string {
	d = d.Round(time.Minute)
	var parts []string
	if n := d / (24 * time.Hour); n > 0 {
		parts = append(parts, fmt.Sprintf("%dd", n))
		d -= n * 24 * time.Hour
	}
	if n := d / time.Hour; n > 0 {
		parts = append(parts, fmt.Sprintf("%dh", n))
		d -= n * time.Hour
	}
	if n := d / time.Minute; n > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%dm", n))
	}
	return strings.Join(parts, " ")
}

// shownValue is a parameter's value, or <required> when the plan is shown
// without it.
func shownValue(p *plan.Plan, name string) any {
	for _, u := range p.Unbound {
		if u == name {
			return "<required>"
		}
	}
	return p.Values[name]
}

func renderStep(w io.Writer, n, total int, st *plan.Step, s progress.Style) {
	fmt.Fprintf(w, "\n%s %s — %s\n", s.Bold(fmt.Sprintf("[%d/%d]", n, total)), s.Bold(st.ID), st.Title)
	if st.Why != "" {
		fmt.Fprintf(w, "%s\n", indent(st.Why, "    "))
	}
	for _, a := range st.Actions {
		mark := "action"
		if a.IsDestructive() {
			mark = s.Red("action (destructive)")
		}
		fmt.Fprintf(w, "  %s %s: %s\n", mark, a.Kind, a.Label())
		if a.Label() != a.Spec.Describe() {
			fmt.Fprintf(w, "      %s\n", a.Spec.Describe())
		}
	}
	if st.Manual != nil {
		fmt.Fprintf(w, "  %s %s\n", s.Yellow("manual:"), indent(st.Manual.Instructions, "      ")[6:])
	}
	for _, g := range st.Gates {
		fmt.Fprintf(w, "  gate %s: %s %s\n", g.Name, g.Spec.Describe(),
			s.Dim(fmt.Sprintf("(every %s, timeout %s, %d in a row)", g.Policy.Interval, g.Policy.Timeout, g.Policy.Consecutive)))
	}
	if st.Wait != nil {
		fmt.Fprintf(w, "  wait %s", st.Wait.Duration)
		if fc := st.Wait.FromConfig; fc != nil {
			fmt.Fprintf(w, " or more: %s", fc.Describe())
		}
		if st.Wait.Reason != "" {
			fmt.Fprintf(w, ": %s", st.Wait.Reason)
		}
		fmt.Fprintln(w)
	}
	if st.MinDuration > 0 {
		fmt.Fprintf(w, "  takes at least %s\n", st.MinDuration)
	}
	if st.Undo != "" {
		fmt.Fprintf(w, "  undo: %s\n", indent(st.Undo, "        ")[8:])
	}
	renderDocs(w, st.Docs, "  ")
}

func renderDocs(w io.Writer, docs []plan.DocRef, prefix string) {
	for _, d := range docs {
		ref := d.Title
		if d.Section != "" {
			ref += ", " + d.Section
		}
		if d.URL != "" {
			ref += " <" + d.URL + ">"
		}
		fmt.Fprintf(w, "%sdoc: %s\n", prefix, ref)
	}
}
